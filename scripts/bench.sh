#!/usr/bin/env bash
# Benchmark of tablec at scale: builds an optimized tablec in build-bench/,
# then tests/bench/bench.py times `tablec build` (every backend) and
# `tablec check` on generated specs of 1, 100, 1000 and 10000 tables
# (median wall time, peak RSS, callgrind instruction count) and prints a
# markdown report, also written to build-bench/results.md.
#
# Usage: bash scripts/bench.sh [--compare]
#   --compare (or BENCH_COMPARE=1) also runs AWS CDK and CDK for Terraform
#   on the same work; their npm packages are installed with `npm ci` from
#   tests/bench/{cdk,cdktf}/package-lock.json into .tools/bench/.
# Environment: BENCH_SIZES="1 100", BENCH_RUNS, BENCH_CALLGRIND=0,
#   BENCH_COMPARE_SIZES, BENCH_COMPARE_RUNS (see tests/bench/bench.py).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

compare=${BENCH_COMPARE:-0}
for arg in "$@"; do
	case $arg in
	--compare) compare=1 ;;
	*) echo "usage: bash scripts/bench.sh [--compare]" >&2; exit 2 ;;
	esac
done

if [[ ! -x /usr/bin/time ]]; then
	echo "bench: /usr/bin/time (GNU time) is needed for peak RSS: apt-get install time" >&2
	exit 1
fi

# release: -O3 and assertions off, what users run; a build folder of its own
# so the debug build/ of the other scripts is left alone
# quiet unless it fails: meson prints its errors on stdout
quiet() {
	local log
	if ! log=$("$@" 2>&1); then
		printf '%s\n' "$log" >&2
		exit 1
	fi
}
opts=(--buildtype=release -Db_ndebug=true)
if [[ -f build-bench/meson-private/coredata.dat ]]; then
	quiet meson setup --reconfigure build-bench "${opts[@]}"
else
	quiet meson setup build-bench "${opts[@]}"
fi
quiet meson compile -C build-bench tablec:executable

args=(--tablec build-bench/tablec --results build-bench/results.md)
if [[ $compare == 1 ]]; then
	args+=(--compare)
	# reinstall only when the lock file changed since the last npm ci
	for tool in cdk cdktf; do
		dest=.tools/bench/$tool
		if ! cmp -s "tests/bench/$tool/package-lock.json" "$dest/package-lock.json" ||
			[[ ! -d $dest/node_modules ]]; then
			echo "bench: npm ci for $tool into $dest" >&2
			mkdir -p "$dest"
			cp "tests/bench/$tool/package.json" "tests/bench/$tool/package-lock.json" "$dest/"
			(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2)
		fi
	done
fi

python3 tests/bench/bench.py "${args[@]}"
