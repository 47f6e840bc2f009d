#!/usr/bin/env bash
# Run the asm tests of some groups against an existing build:
#   tools/asmtest.sh BUILD_DIR GROUP [GROUP...]
# (build first: ninja -C BUILD_DIR). Prints one line per test and the totals.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1; shift
args=()
for g in "$@"; do
  for src in tests/asm/"$g"/*.S; do
    stem=$(basename "$src" .S)
    args+=("$src" "$build/tests/asm/${g}_${stem}.bin")
  done
done
exec "$build/tests/asm/asm-tests" "${args[@]}"
