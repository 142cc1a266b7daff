// c10k: the Go peer of bench/c10k.csp, the same echo server as echo.go
// (a goroutine per connection copying with io.Copy). bench/run runs it
// with GOMAXPROCS=2 and holds 10,000 idle connections to it with
// c10kclient.go, which reads its resident memory from /proc.
package main

import (
	"io"
	"log"
	"net"
	"os"
)

func serve(c net.Conn) {
	defer c.Close()
	io.Copy(c, c) // until the client closes
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
