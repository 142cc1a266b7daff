// echo: the Go peer of bench/echo.csp. An echo server on 127.0.0.1 at the
// port given as the first argument (or in BENCH_PORT): a goroutine per
// connection copies what it reads back to the sender through a 512-byte
// buffer until the client closes. bench/run runs it with GOMAXPROCS=2 and
// drives it with echoclient.go.
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
