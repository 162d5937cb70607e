#!/usr/bin/env bash
# Prints `export CONTAINERS_CONF=...` for buildah and podman on this kind of VM, writing
# the file it names: eval "$(scripts/image/containers-env.sh)".
# The VM lacks CAP_SYS_RESOURCE (crun: setrlimit RLIMIT_NOFILE: Operation not permitted)
# and mounts cgroup v1 in hybrid mode, which crun 1.8 refuses: fixed ulimits, and runc.
set -euo pipefail
cache_root=${CONFIGHASH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/confighash}
conf=$cache_root/image/containers.conf
mkdir -p "${conf%/*}"
cat > "$conf.tmp.$$" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
CONF
mv "$conf.tmp.$$" "$conf"
echo "export CONTAINERS_CONF=$conf"
