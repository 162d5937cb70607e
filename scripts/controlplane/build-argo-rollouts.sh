#!/usr/bin/env bash
# Builds the real Argo Rollouts controller (cmd/rollouts-controller) and copies
# its CRDs, so integration tests can run it against the local control plane
# (scripts/lib/control-plane/argo-rollouts.ts) and count the ReplicaSets it
# makes for a Rollout. Same cache as the control plane, a directory of its own,
# keyed by the release below and this script: bumping Argo Rollouts never
# invalidates the control-plane build, and build.sh's key does not include this.
# Prints the bin directory on stdout (the CRDs are in <dir>/crds); progress goes
# to stderr. <dir>/BUILD-INFO records what was built.
#   --print-dir   print the bin directory and exit, built or not (tests look for
#                 <dir>/.complete to tell whether the controller is there)
#
# To bump: `go list -m -versions github.com/argoproj/argo-rollouts`, then set
# `release` and `module_sum` (the "Sum" of `go mod download -json ...@<release>`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

module=github.com/argoproj/argo-rollouts
release=v1.10.2
# go.sum-style hash of the module zip; `go mod download` also checks it against
# sum.golang.org, this pins it here so a re-tagged release is noticed.
module_sum='h1:sEPWsY+HUvnXj3Vh0ejb+GDTceQ/palqhFo2FVQJMk0='
# v1.10.2's go.mod asks for go >= 1.26.10, newer than the machine's 1.26.8. This is the
# approved toolchain, which the go command fetches through the module proxy.
export GOTOOLCHAIN=go1.27.3

script_digest=$(sha256sum "$here/build-argo-rollouts.sh" | cut -c1-12)
cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
bin="$cache_root/argo-rollouts/argo-rollouts-${release}_${script_digest}/bin"

if [[ "${1:-}" == --print-dir || -f "$bin/.complete" ]]; then
  echo "$bin"
  exit 0
fi

log() { printf '[argo-rollouts] %s\n' "$*" >&2; }
fail() { printf '[argo-rollouts] FAILED: %s\n' "$*" >&2; exit 1; }
started=$(date +%s)

# Its go.mod has replace directives, which `go install module@version` refuses, so
# download the module, copy it somewhere writable and build it as the main module.
log "downloading ${module}@${release} (${GOTOOLCHAIN})"
# On failure go prints its reason on stderr (above) or as "Error" in the JSON.
download_json=$(cd / && GOFLAGS= go mod download -json "${module}@${release}") || true
field() { sed -n -E "s#^[[:space:]]*\"$1\": \"(.*)\",?\$#\1#p" <<<"$download_json" | head -1; }
download_error=$(printf "%b" "$(field Error)")
[[ -z "$download_error" ]] || fail "go mod download ${module}@${release}: ${download_error}"
module_dir=$(field Dir)
[[ -d "$module_dir" ]] || fail "go mod download ${module}@${release} gave no module directory: ${download_json:-no output}"
[[ "$(field Sum)" == "$module_sum" ]] || fail "${module}@${release} has sum $(field Sum), expected ${module_sum}"

rm -rf "$bin"
mkdir -p "$bin/crds"
src=$(mktemp -d "$cache_root/argo-rollouts/src.XXXXXX")
trap 'rm -rf "$src"' EXIT
cp -R "$module_dir/." "$src"
chmod -R u+w "$src"

# The module zip carries no Git metadata and the proxy serves no VCS origin for it, so
# the commit is not known here: the version is stamped as the release, as a tagged build
# would report it, and BUILD-INFO keeps the module hash instead.
version_pkg=${module}/utils/version
ldflags="-s -w -X ${version_pkg}.version=${release#v} -X ${version_pkg}.gitTag=${release}"
ldflags+=" -X ${version_pkg}.gitCommit=unknown-from-module-proxy -X ${version_pkg}.gitTreeState=clean"
log "building rollouts-controller ${release} (a cold build takes a few minutes on 2 cores)"
(cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath" \
  go build -ldflags "$ldflags" -o "$bin/rollouts-controller" ./cmd/rollouts-controller) \
  || fail "go build ./cmd/rollouts-controller of ${module}@${release} (the go output is above)"

crds=("$module_dir"/manifests/crds/*-crd.yaml)
[[ -f "$module_dir/manifests/crds/rollout-crd.yaml" ]] || fail "no manifests/crds/rollout-crd.yaml in ${module_dir}"
cp "${crds[@]}" "$bin/crds/"
chmod u+w "$bin"/crds/*

{
  echo "module=${module}"
  echo "version=${release}"
  echo "module_sum=${module_sum}"
  echo "go_mod_sum=$(field GoModSum)"
  echo "commit=unknown (the Go module proxy serves no VCS origin for this version)"
  echo "toolchain=$(go env GOVERSION)"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - started ))s"
  echo "reports=$("$bin/rollouts-controller" --version | head -1)"
} > "$bin/BUILD-INFO"

log "built in $(( $(date +%s) - started ))s into $bin"
touch "$bin/.complete"
echo "$bin"
