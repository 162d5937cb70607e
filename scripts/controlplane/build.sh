#!/usr/bin/env bash
# Builds the real upstream control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, kustomize, kwok) from the
# Go modules pinned beside this script, into a cache outside the repository.
# The cache directory is keyed by the pinned versions and the go.sum files, so
# a second run (tests, demo, bench, CI) reuses the build and returns at once.
# Prints the bin directory on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

module_version() { # go.mod module -> version
  sed -n -E "s#^([[:space:]]|require )*$2 (v[^ ]+).*#\2#p" "$1" | head -1
}
k8s=$(module_version "$here/kube/go.mod" k8s.io/kubernetes)
etcd=$(module_version "$here/kube/go.mod" go.etcd.io/etcd/server/v3)
kwok=$(module_version "$here/tools/go.mod" sigs.k8s.io/kwok)
kustomize=$(module_version "$here/tools/go.mod" sigs.k8s.io/kustomize/kustomize/v5)
pins_digest=$(cat "$here"/kube/go.mod "$here"/kube/go.sum "$here"/tools/go.mod "$here"/tools/go.sum "$here/build.sh" | sha256sum | cut -c1-12)

cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
bin="$cache_root/controlplane/k8s-${k8s}_etcd-${etcd}_kwok-${kwok}_kustomize-${kustomize}_${pins_digest}/bin"

if [[ -f "$bin/.complete" ]]; then
  echo "$bin"
  exit 0
fi

log() { printf '[controlplane] %s\n' "$*" >&2; }
mkdir -p "$bin"
started=$(date +%s)
export GOFLAGS="-mod=readonly -trimpath"
export CGO_ENABLED=0

# kubectl and the servers report these, so `kubectl version` tells the truth.
minor=${k8s#v1.}; minor=${minor%%.*}
version_pkg=k8s.io/component-base/version
client_version_pkg=k8s.io/client-go/pkg/version
ldflags="-s -w"
for pkg in "$version_pkg" "$client_version_pkg"; do
  ldflags+=" -X $pkg.gitVersion=${k8s} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

log "building etcd ${etcd}, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ${k8s} (one go build; a cold build takes a while on 2 cores)"
(cd "$here/kube" && go build -ldflags "$ldflags" -o "$bin/" \
  ./etcd \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl)

log "building kustomize ${kustomize} and kwok ${kwok}"
(cd "$here/tools" && go build -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok}" -o "$bin/" \
  sigs.k8s.io/kustomize/kustomize/v5 \
  sigs.k8s.io/kwok/cmd/kwok)
mv "$bin/v5" "$bin/kustomize" 2>/dev/null || true

# The kwok binary ships no default Stages (only kwokctl adds them). Take the ones the
# pinned kwok module publishes (nodes Ready with Lease heartbeats, pods Running, deleted
# pods gone) from the module itself, rather than keeping a copy in this repository.
kwok_dir=$(cd "$here/tools" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
stages="$kwok_dir/kustomize/stage"
for file in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  printf -- '---\n'
  cat "$stages/$file"
done > "$bin/kwok-stages.yaml"

log "built in $(( $(date +%s) - started ))s into $bin"
touch "$bin/.complete"
echo "$bin"
