#!/usr/bin/env bash
# Shrinks a generated function that disagrees with dual numbers to a small one.
#
#   tests/differential/shrink.sh <index> [seed] [count]
#
# <index> is the number in the failing function's name (`d104` -> 104); seed and count are the
# GRAD_DIFF_SEED and GRAD_DIFF_COUNT of the failing run (defaults 2024 and 300). Each round
# builds every one-step reduction of the current function (see shrink.rs) and keeps the first
# that still fails; the last round prints the minimal function, its callees and the point.
set -euo pipefail
cd "$(dirname "$0")/../.."

index=$1
export GRAD_DIFF_SEED=${2:-2024}
export GRAD_DIFF_COUNT=${3:-300}
steps=""
while true; do
    report=$(GRAD_DIFF_SHRINK="$index:$steps" cargo test -q --test differential 2>&1 || true)
    next=$(grep -oE "^d${index}_[0-9]+ at point" <<<"$report" | head -n 1 | sed -E 's/^d[0-9]+_([0-9]+) .*/\1/' || true)
    if [ -z "$next" ]; then
        break
    fi
    steps="${steps:+$steps,}$next"
    echo "kept reduction $next (steps: $steps)" >&2
done

if ! grep -q "^d${index} at point" <<<"$report"; then
    echo "d${index} does not fail at seed $GRAD_DIFF_SEED, count $GRAD_DIFF_COUNT" >&2
    exit 1
fi
echo "GRAD_DIFF_SHRINK=$index:$steps"
# The report of the current function runs from its header to the next report or backtrace.
awk -v head="^d${index} at point" '
    $0 ~ head { on = 1; print; next }
    on && /^(stack backtrace:|d[0-9_]+ at point)/ { exit }
    on { print }
' <<<"$report"
