#!/usr/bin/env bash
# Builds the real Helm CLI (helm.sh/helm/v4, cmd/helm) for the chart tests
# (test/integration/helm-chart.test.ts): lint, template, install, upgrade and
# uninstall against the local control plane. Same cache as the control plane, a
# directory of its own, keyed by the release below and this script: bumping Helm
# never invalidates the control-plane build, and build.sh's key does not include this.
# Prints the bin directory on stdout; progress goes to stderr.
#   --print-dir   print the bin directory and exit, built or not (tests look for
#                 <dir>/.complete to tell whether helm is there)
#
# To bump: `go list -m -versions helm.sh/helm/v4`, then set `release` and
# `module_sum` (the "Sum" of `go mod download -json helm.sh/helm/v4@<release>`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

module=helm.sh/helm/v4
release=v4.3.2
# go.sum-style hash of the module zip; `go mod download` also checks it against the
# checksum database, this pins it here so a re-tagged release is noticed.
module_sum='h1:zdd8DgKTlLrlYIzdoAntDHLH0V3RkgNIpQ3yjzuD84M='

script_digest=$(sha256sum "$here/build-helm.sh" | cut -c1-12)
cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
bin="$cache_root/helm/helm-${release}_${script_digest}/bin"

if [[ "${1:-}" == --print-dir || -f "$bin/.complete" ]]; then
  echo "$bin"
  exit 0
fi

log() { printf '[helm] %s\n' "$*" >&2; }
fail() { printf '[helm] FAILED: %s\n' "$*" >&2; exit 1; }
started=$(date +%s)

log "downloading ${module}@${release}"
download_json=$(cd / && GOFLAGS= go mod download -json "${module}@${release}") || true
field() { sed -n -E "s#^[[:space:]]*\"$1\": \"(.*)\",?\$#\1#p" <<<"$download_json" | head -1; }
download_error=$(printf "%b" "$(field Error)")
[[ -z "$download_error" ]] || fail "go mod download ${module}@${release}: ${download_error}"
[[ "$(field Sum)" == "$module_sum" ]] || fail "${module}@${release} has sum $(field Sum), expected ${module_sum}"

rm -rf "$bin"
mkdir -p "$bin"
# Its go.mod has no replace directives, so `go install module/cmd@version` builds it
# with the dependency versions of Helm's own go.sum. The version is stamped as
# Helm's Makefile does, so `helm version` reports the release, not "v4.3".
log "building helm ${release}"
(cd / && GOBIN="$bin" CGO_ENABLED=0 GOFLAGS="-trimpath" go install \
  -ldflags "-s -w -X ${module}/internal/version.version=${release} -X ${module}/internal/version.gitTreeState=clean" \
  "${module}/cmd/helm@${release}")
"$bin/helm" version --short >&2 || fail "the built helm does not run"

log "built in $(( $(date +%s) - started ))s into $bin"
touch "$bin/.complete"
echo "$bin"
