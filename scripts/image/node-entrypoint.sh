#!/bin/sh
# docker-entrypoint.sh of the locally made node base image, behaving as the official
# image's does: arguments that are not a command (a flag, or a script path that is no
# executable on PATH) are given to node.
set -e
if [ "${1#-}" != "$1" ] || ! command -v -- "$1" >/dev/null 2>&1; then
  set -- node "$@"
fi
exec "$@"
