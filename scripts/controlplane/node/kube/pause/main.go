// The sandbox ("pause") process of the real node's pods: it holds the pod's namespaces
// open, reaps children, and exits on SIGINT or SIGTERM. registry.k8s.io/pause cannot be
// pulled here, so build-node.sh builds this into the image confighash-pause:dev.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
