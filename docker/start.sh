#!/bin/sh
# How node starts the gateway, in one place: the image's ENTRYPOINT, `npm start` and the bench
# (bench/production-flags.ts reads the two flag lines) all run this.
#
# A young generation of 2 x 8 MB that never shrinks, and no memory-reducing collections after a
# quiet spell (traffic coming back after a pause met a storm of collections). On Node 24, 2 x 16 MB
# cost ~8% less CPU per proxied request but read 224 MB of RSS while sign-ins ran (2 x 8: 183-211;
# the target is 200); 2 x 4 cost ~25% more CPU on Node 20. Without a size Node 24 takes 2 x 64 MB
# and the embedded-storage soak grew 585 -> 846 MB; with these flags it held 580-623 MB, flat
# (docs/performance.md, run O).
NODE_FLAGS="--max-semi-space-size=8 --min-semi-space-size=8 --no-memory-reducer"
# With embedded storage only (RECOURSE_STORAGE_DATABASE_URL unset or empty): V8's optimising compiler
# kept away from WebAssembly, where compiling PGlite's hot functions left 30-70 MB in malloc's
# arenas. With PostgreSQL it would only slow undici's WebAssembly HTTP parser: ~5% of proxied
# requests per second (docs/performance.md, issue 25). Storage named only in the config file keeps
# the flag: safe, a little slower.
# --heap-growing-percent=20: the old generation may grow to 1.2 x what the last full collection
# kept, not V8's up-to-4 x on a machine with memory to spare; under the soak's full load (1,000
# proxied requests/s and ~30 sign-ins/s) Node 20's heap pages went 100 -> 191 MB and RSS to 263-330
# MB without it, 217-226 MB with these flags (Node 24: 231-250). --no-maglev (already Node 20's
# default): Node 24's mid-tier compiler's code and its zone memory in malloc's arenas, 191 against
# 201 MB idle. Neither cost
# CPU per proxied request beyond noise in paired rounds (docs/performance.md, issue 30).
EMBEDDED_NODE_FLAGS="--liftoff-only --heap-growing-percent=20 --no-maglev"
set -eu
if [ -z "${RECOURSE_STORAGE_DATABASE_URL:-}" ]; then
  NODE_FLAGS="$NODE_FLAGS $EMBEDDED_NODE_FLAGS"
fi
# Word splitting of the flags is wanted; exec leaves node as the process that gets the signals.
# shellcheck disable=SC2086
exec node $NODE_FLAGS "$(dirname "$0")/../dist/gateway/cli/bin.mjs" "$@"
