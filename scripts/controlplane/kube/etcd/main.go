// Command etcd runs the upstream etcd server. The root etcd module carries
// replace directives and cannot be installed as a dependency, so this main
// calls the published server package directly.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
