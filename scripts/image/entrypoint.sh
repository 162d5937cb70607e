#!/bin/sh
# The image's entry point, /usr/local/bin/confighash. One image, two programs:
#   confighash render [--workload-kind ...] < in.yaml   the offline render (src/cli/confighash.ts)
#   confighash [controller flags]                       the controller (src/main.ts), also when
#                                                       a pod's `args:` are only flags
# `exec` replaces this shell, so node is PID 1 and receives SIGTERM itself.
set -e
cd /app
if [ "${1:-}" = render ]; then
  exec node dist/cli/confighash.js "$@"
fi
exec node dist/main.js "$@"
