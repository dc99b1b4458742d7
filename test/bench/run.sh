#!/usr/bin/env bash
# `make bench`: every benchmark in test/bench, one after another (each starts
# its own throwaway cluster).  KAM_BENCH_ONLY="rfm tiers" runs a subset.
set -euo pipefail
dir=$(dirname "$0")
for b in "$dir"/*.sh; do
	name=$(basename "$b" .sh)
	case $name in run | lib) continue ;; esac
	if [ -n "${KAM_BENCH_ONLY:-}" ] && ! [[ " $KAM_BENCH_ONLY " == *" $name "* ]]; then continue; fi
	bash "$b"
done
