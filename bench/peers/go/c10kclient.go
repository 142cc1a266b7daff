// c10kclient: the client of the c10k workload (bench/c10k.csp against
// c10k.go). Given the server's address and process id, it
//
//  1. reads the server's resident memory (VmRSS in /proc/PID/status);
//  2. opens -conns connections (at most 64 dials in flight) and sends one
//     byte on each and reads it back, so the server has accepted every
//     connection and its goroutine for it has run; then the connections
//     stay open and idle;
//  3. waits a moment and reads VmRSS again: the difference over -conns is
//     the memory a held connection costs the server;
//  4. while the connections are held, times a new client: dial, send 64
//     bytes, read them back.
//
// It prints
//
//	server VmRSS before: 2345 KiB
//	server VmRSS with 10000 idle conns: 45678 KiB
//	per connection: 4.33 KiB
//	new client round trip with 10000 held: 0.412 ms
//
// Each process holding 10,000 sockets needs as many file descriptors: the
// client raises its soft RLIMIT_NOFILE to the hard limit and says so if
// that is still too low. Errors go to stderr with exit status 1.
// Connections are closed with SO_LINGER 0, leaving no TIME_WAIT sockets.
//
// usage: c10kclient [-conns N] [-timeout D] -pid PID 127.0.0.1:PORT
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "c10kclient: "+format+"\n", args...)
	os.Exit(1)
}

// vmRSS returns the resident set of process pid in KiB.
func vmRSS(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fail("server memory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "VmRSS:") {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line[6:]), "kB")))
			if err != nil {
				fail("server memory: cannot read %q", sc.Text())
			}
			return kb
		}
	}
	fail("server memory: no VmRSS in /proc/%d/status (has it exited?)", pid)
	return 0
}

// roundTrip writes msg on c and reads the same bytes back.
func roundTrip(c net.Conn, msg []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("echoed %q, sent %q", got, msg)
	}
	return nil
}

func main() {
	nconns := flag.Int("conns", 10000, "idle connections to hold")
	pid := flag.Int("pid", 0, "the server's process id (for its VmRSS)")
	timeout := flag.Duration("timeout", 120*time.Second, "give up after this long")
	flag.Parse()
	if flag.NArg() != 1 || *pid <= 0 {
		fail("usage: c10kclient [-conns N] [-timeout D] -pid PID 127.0.0.1:PORT")
	}
	addr := flag.Arg(0)
	deadline := time.Now().Add(*timeout)

	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fail("getrlimit: %v", err)
	}
	need := uint64(*nconns + 64)
	if lim.Cur < need {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < need {
		fail("%d connections need %d open files, and the limit is %d (hard %d): raise it, e.g. `ulimit -n %d` (the hard limit as root or in /etc/security/limits.conf)",
			*nconns, need, lim.Cur, lim.Max, need)
	}

	before := vmRSS(*pid)
	conns := make([]*net.TCPConn, *nconns)
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
			c.SetDeadline(deadline)
			if err := roundTrip(c, []byte{byte('a' + i%26)}); err != nil {
				fail("conn %d: %v", i, err)
			}
			conns[i] = c.(*net.TCPConn)
		}(i)
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond) // let the server settle (its goroutines parked)
	after := vmRSS(*pid)
	fmt.Printf("server VmRSS before: %d KiB\n", before)
	fmt.Printf("server VmRSS with %d idle conns: %d KiB\n", *nconns, after)
	fmt.Printf("per connection: %.2f KiB\n", float64(after-before)/float64(*nconns))

	t0 := time.Now()
	c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
	if err != nil {
		fail("new client: dial: %v", err)
	}
	c.SetDeadline(deadline)
	if err := roundTrip(c, bytes.Repeat([]byte("x"), 64)); err != nil {
		fail("new client: %v", err)
	}
	rt := time.Since(t0)
	fmt.Printf("new client round trip with %d held: %.3f ms\n", *nconns, float64(rt.Microseconds())/1000)
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	for _, c := range conns {
		c.SetLinger(0)
		c.Close()
	}
}
