#!/usr/bin/env bash
# Builds the optional real node (`npm run cluster -- up --node=real`): kubelet and kube-proxy
# from the k8s.io/kubernetes module the control plane pins (node/kube/go.mod, checked against
# kube/go.mod), the pods' sandbox process (node/kube/pause), and containerd, ctr and containerd-shim-runc-v2 from the containerd Go module
# (node/containerd/go.mod). runc and the CNI plugins are Debian's (apt-get install -y runc
# containernetworking-plugins). Cached beside the control plane under a key of its own pins,
# like build-promtool.sh: bumping the node never invalidates the control-plane build.
# Prints the bin directory on stdout; progress goes to stderr.
#   --print-dir   print the bin directory and exit, built or not
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

module_version() { # go.mod module -> version
  sed -n -E "s#^([[:space:]]|require )*$2 (v[^ ]+).*#\2#p" "$1" | head -1
}
k8s=$(module_version "$here/node/kube/go.mod" k8s.io/kubernetes)
control_plane_k8s=$(module_version "$here/kube/go.mod" k8s.io/kubernetes)
if [[ $k8s != "$control_plane_k8s" ]]; then
  echo "[node] node/kube/go.mod pins k8s.io/kubernetes $k8s, the control plane $control_plane_k8s: make them equal" >&2
  exit 1
fi
containerd=$(module_version "$here/node/containerd/go.mod" github.com/containerd/containerd/v2)
pins_digest=$(cat "$here"/node/kube/go.mod "$here"/node/kube/go.sum "$here"/node/containerd/go.mod "$here"/node/containerd/go.sum "$here/build-node.sh" | sha256sum | cut -c1-12)
cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
bin="$cache_root/node/k8s-${k8s}_containerd-${containerd}_${pins_digest}/bin"

if [[ "${1:-}" == --print-dir || -f "$bin/.complete" ]]; then
  echo "$bin"
  exit 0
fi

log() { printf '[node] %s\n' "$*" >&2; }
mkdir -p "$bin"
started=$(date +%s)
export GOFLAGS="-mod=readonly -trimpath"
export CGO_ENABLED=0

minor=${k8s#v1.}; minor=${minor%%.*}
version_pkg=k8s.io/component-base/version
ldflags="-s -w -X $version_pkg.gitVersion=${k8s} -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=${minor}"
ldflags+=" -X $version_pkg.gitTreeState=clean -X $version_pkg.buildDate=1970-01-01T00:00:00Z"
log "building kubelet and kube-proxy ${k8s} (shares the Go build cache with the control plane)"
(cd "$here/node/kube" && go build -ldflags "$ldflags" -o "$bin/" \
  k8s.io/kubernetes/cmd/kubelet \
  k8s.io/kubernetes/cmd/kube-proxy)
(cd "$here/node/kube" && go build -ldflags "-s -w" -o "$bin/pause" ./pause)

# No cgo: the btrfs, devmapper and zfs snapshotters (cgo or kernel modules) are left out;
# the node uses the overlayfs snapshotter.
containerd_version_pkg=github.com/containerd/containerd/v2/version
log "building containerd, containerd-shim-runc-v2 and ctr ${containerd}"
(cd "$here/node/containerd" && go build -tags "no_btrfs no_devmapper no_zfs" \
  -ldflags "-s -w -X ${containerd_version_pkg}.Version=${containerd} -X ${containerd_version_pkg}.Revision=${containerd}" -o "$bin/" \
  github.com/containerd/containerd/v2/cmd/containerd \
  github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
  github.com/containerd/containerd/v2/cmd/ctr)

log "built in $(( $(date +%s) - started ))s into $bin"
touch "$bin/.complete"
echo "$bin"
