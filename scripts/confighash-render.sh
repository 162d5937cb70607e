#!/bin/sh
# `confighash render` as a kustomize KRM exec function (or a plain filter): reads a
# ResourceList or a manifest stream on stdin and writes it back with the checksums.
# Point a function config's `exec.path` at this file in a checkout of confighash; it runs
# the checkout's CLI with its Node 24 (node_modules/.bin/node after `npm ci`), or with
# `node` from PATH when that is Node 24 or newer.
set -eu
checkout=$(cd "$(dirname "$0")/.." && pwd)
node="$checkout/node_modules/.bin/node"
[ -x "$node" ] || node=node
exec "$node" "$checkout/src/cli/confighash.ts" render "$@"
