// blocking: 200 goroutines each make 20 blocking 1 ms system calls
// (nanosleep through syscall.Nanosleep, which enters the runtime's syscall
// path as csp's ffi calls do; time.Sleep would park the goroutine instead),
// with GOMAXPROCS(1); prints 4000 (the calls made)
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

func main() {
	runtime.GOMAXPROCS(1)
	var calls int64
	var wg sync.WaitGroup
	for g := 0; g < 200; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts := syscall.Timespec{Sec: 0, Nsec: 1000000}
			for i := 0; i < 20; i++ {
				syscall.Nanosleep(&ts, nil)
				atomic.AddInt64(&calls, 1)
			}
		}()
	}
	wg.Wait()
	fmt.Println(atomic.LoadInt64(&calls))
}
