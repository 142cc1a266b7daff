// syscall: 1000000 calls of getpid (syscall.Getpid) from one goroutine;
// prints 1000000 (the calls that returned our pid)
package main

import (
	"fmt"
	"syscall"
)

func main() {
	pid := syscall.Getpid()
	n := 0
	for i := 0; i < 1000000; i++ {
		if syscall.Getpid() == pid {
			n++
		}
	}
	fmt.Println(n)
}
