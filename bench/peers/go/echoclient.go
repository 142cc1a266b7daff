// echoclient: the client of the echo workload (bench/echo.csp against
// echo.go). It dials -conns connections to the server at the address given
// as its argument, then, all at once, each connection sends -msgs messages
// of -size bytes in lock-step: write one message, read the whole echo
// back, check it, write the next. The timing covers only the messages (the
// connections are opened before the clock starts) and is printed as
//
//	1000 conns x 1000 msgs x 64 B echoed (lock-step) in 3.456 s
//
// Any error (refused, reset, a wrong echo, -timeout passed) is printed on
// stderr and the exit status is 1. Connections are closed with SO_LINGER
// 0, so a run leaves no TIME_WAIT sockets holding loopback's ports.
//
// usage: echoclient [-conns N] [-msgs N] [-size N] [-timeout D] 127.0.0.1:PORT
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "echoclient: "+format+"\n", args...)
	os.Exit(1)
}

// dialAll opens n connections, at most 64 dials in flight so the server's
// accept queue never overflows.
func dialAll(addr string, n int, deadline time.Time) []*net.TCPConn {
	conns := make([]*net.TCPConn, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
			if err != nil {
				fail("dial %d: %v", i, err)
			}
			conns[i] = c.(*net.TCPConn)
		}(i)
	}
	wg.Wait()
	return conns
}

func main() {
	nconns := flag.Int("conns", 1000, "concurrent connections")
	nmsgs := flag.Int("msgs", 1000, "messages per connection")
	size := flag.Int("size", 64, "bytes per message")
	timeout := flag.Duration("timeout", 120*time.Second, "give up after this long")
	flag.Parse()
	if flag.NArg() != 1 {
		fail("usage: echoclient [-conns N] [-msgs N] [-size N] [-timeout D] 127.0.0.1:PORT")
	}
	addr := flag.Arg(0)
	deadline := time.Now().Add(*timeout)
	conns := dialAll(addr, *nconns, deadline)

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c *net.TCPConn) {
			defer wg.Done()
			c.SetDeadline(deadline)
			msg := make([]byte, *size)
			got := make([]byte, *size)
			<-start
			for m := 0; m < *nmsgs; m++ {
				// Each message differs, so a stale or misplaced echo shows.
				for k := range msg {
					msg[k] = byte('a' + (i+m+k)%26)
				}
				if _, err := c.Write(msg); err != nil {
					fail("conn %d message %d: write: %v", i, m, err)
				}
				if _, err := io.ReadFull(c, got); err != nil {
					fail("conn %d message %d: read: %v", i, m, err)
				}
				if !bytes.Equal(msg, got) {
					fail("conn %d message %d: echoed %q, sent %q", i, m, got, msg)
				}
			}
		}(i, c)
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	for _, c := range conns {
		c.SetLinger(0)
		c.Close()
	}
	fmt.Printf("%d conns x %d msgs x %d B echoed (lock-step) in %.3f s\n", *nconns, *nmsgs, *size, elapsed.Seconds())
}
