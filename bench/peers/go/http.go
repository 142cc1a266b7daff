// http: the Go peer of bench/http.csp. A hello-world handler on net/http,
// listening on 127.0.0.1 at the port given as the first argument (or in
// BENCH_PORT); bench/run loads it with `wrk -t2 -c100 -d10s --latency`
// with GOMAXPROCS=2 and stops it with SIGTERM.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("BENCH_PORT")
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Hello, World!\n")
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
