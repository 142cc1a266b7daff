// startup: an empty program, for bench/run's start-up figure.
package main

func main() {}
