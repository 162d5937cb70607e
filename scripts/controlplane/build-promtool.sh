#!/usr/bin/env bash
# Builds promtool (checks and unit-tests the PrometheusRule of
# kustomize/components/monitoring) from the Prometheus Go module pinned in
# promtool/go.mod, into the same cache as the control plane but a directory of
# its own, keyed by its own pins: bumping promtool never invalidates the
# control-plane build, and build.sh's key does not include this script.
# Prints the bin directory on stdout; progress goes to stderr.
#   --print-dir   print the bin directory and exit, built or not (tests look for
#                 <dir>/.complete to tell whether promtool is there)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Prometheus tags its Go module v0.<major><minor>.<patch>: v0.316.0 is Prometheus 3.16.0.
module=$(sed -n -E 's#^[[:space:]]*github.com/prometheus/prometheus (v[^ ]+).*#\1#p' "$here/promtool/go.mod" | head -1)
pins_digest=$(cat "$here/promtool/go.mod" "$here/promtool/go.sum" "$here/build-promtool.sh" | sha256sum | cut -c1-12)
cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
bin="$cache_root/promtool/prometheus-${module}_${pins_digest}/bin"

if [[ "${1:-}" == --print-dir || -f "$bin/.complete" ]]; then
  echo "$bin"
  exit 0
fi

log() { printf '[promtool] %s\n' "$*" >&2; }
numbers=${module#v0.}
release="$(( ${numbers%%.*} / 100 )).$(( ${numbers%%.*} % 100 )).${numbers#*.}"
mkdir -p "$bin"
started=$(date +%s)
export GOFLAGS="-mod=readonly -trimpath"
export CGO_ENABLED=0

# `promtool --version` reports the release, not "unknown". remove_all_sd leaves out the
# cloud service-discovery plugins (AWS, Azure, GCE, ...), half of the build: the rule
# checks and tests never use them (`promtool check config` would not know those SD configs).
version_pkg=github.com/prometheus/common/version
log "building promtool ${release} (Go module github.com/prometheus/prometheus ${module})"
(cd "$here/promtool" && go build -tags remove_all_sd \
  -ldflags "-s -w -X ${version_pkg}.Version=${release} -X ${version_pkg}.Branch=release -X ${version_pkg}.Revision=${module}" \
  -o "$bin/" github.com/prometheus/prometheus/cmd/promtool)

log "built in $(( $(date +%s) - started ))s into $bin"
touch "$bin/.complete"
echo "$bin"
