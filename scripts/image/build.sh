#!/usr/bin/env bash
# `npm run image`: builds confighash:dev from the repository's Dockerfile with buildah, on a
# machine with no Docker engine and no reachable container registry. Where `docker build`
# works, none of this is needed: `docker build -t confighash:dev .`
#
#   scripts/image/build.sh [--tag NAME]     default tag confighash:dev
#
# The base image comes from node-base.sh (made once, then cached). Needs (Debian): buildah
# podman runc fuse-overlayfs mmdebstrap uidmap slirp4netns containernetworking-plugins
# iptables. Progress goes to stderr; the tag to stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
log() { printf '[image] %s\n' "$*" >&2; }
fail() { printf '[image] %s\n' "$*" >&2; exit 1; }

tag=confighash:dev
while [[ $# -gt 0 ]]; do
  case $1 in
    --tag) tag=$2; shift 2 ;;
    *) fail "unknown argument $1 (see the header of $0)" ;;
  esac
done
for tool in buildah podman runc; do
  command -v "$tool" >/dev/null || fail "$tool not found: apt-get install -y buildah podman runc fuse-overlayfs mmdebstrap uidmap slirp4netns containernetworking-plugins iptables"
done
eval "$("$here/containers-env.sh")"

started=$(date +%s)
"$here/node-base.sh" >/dev/null

# npm inside a RUN step goes through a TLS-inspecting proxy whose CA is only in the host
# bundle: bind-mount it and an npmrc naming it, read-only, so that no image contains them.
cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
npmrc=$cache_root/image/build-npmrc
printf 'cafile=/etc/ssl/certs/host-ca-certificates.crt\nupdate-notifier=false\n' > "$npmrc"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
mounts=()
if [[ -f $ca_bundle ]]; then
  mounts=(-v "$ca_bundle:/etc/ssl/certs/host-ca-certificates.crt:ro" -v "$npmrc:/usr/local/etc/npmrc:ro")
fi

build_started=$(date +%s)
log "buildah build -t $tag (Dockerfile in $repo)"
buildah build --quiet --layers --pull=never --network host --runtime "$(command -v runc)" \
  "${mounts[@]}" -t "$tag" -f "$repo/Dockerfile" "$repo" >/dev/null
size=$(podman image inspect --format '{{.Size}}' "$tag")
log "built $tag in $(( $(date +%s) - build_started ))s (with the base: $(( $(date +%s) - started ))s), $(( size / 1000000 )) MB"
echo "$tag"
