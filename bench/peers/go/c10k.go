// c10k: the Go peer of bench/c10k.csp, an echo server with a goroutine per
// connection. bench/run runs it with GOMAXPROCS=2 and holds 10,000 idle
// connections to it with c10kclient.go, which reads its resident memory
// from /proc. Where csp's server uses io.Copy, this one reads into a
// 512-byte buffer and writes it back: Go's io.Copy between two TCP
// connections splices through a pipe that each waiting goroutine holds,
// three open files per connection, past the 20,000 a process may have on
// the machines we bench on.
package main

import (
	"log"
	"net"
	"os"
)

func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 512)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func main() {
	port := os.Getenv("BENCH_PORT")
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	if port == "" {
		port = "9000"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c)
	}
}
