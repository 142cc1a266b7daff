// echo: the Go peer of bench/echo.csp. An echo server on 127.0.0.1 at the
// port given as the first argument (or in BENCH_PORT): a goroutine per
// connection copies what it reads back to the sender with io.Copy until
// the client closes. bench/run runs it with GOMAXPROCS=2 and
// drives it with echoclient.go.
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
