#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang, ASan and UBSan in
# build-fuzz/ and runs each for SECONDS (default 60), all in parallel:
#
#   fuzz_load     the front end (load, parse, resolve, validate, diagnostics)
#   fuzz_tmpl     the template engine, and its escaping invariant
#   fuzz_compile  the whole build: every environment through every backend
#
# Seeds come from tests/fuzz/seeds.sh (golden specs, specs/, templates with
# IRs) into build-fuzz/corpus/; what a run learns is kept in
# build-fuzz/work/<target>/ and reused by the next run. Any crash, leak,
# timeout (10 s), out-of-memory (2 GiB), sanitizer report or BUG() exit
# fails the script (exit 1); the reproducer is saved as
# build-fuzz/artifacts/<target>-crash-<sha1> (or leak-, timeout-, oom-)
# and its path printed. Reproduce with: build-fuzz/fuzz_<target> FILE
#
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
# FUZZ_DIR names another build folder (default build-fuzz), e.g. for a long
# run beside the test suite's; FUZZ_TIMEOUT the seconds one input may take
# (default 10; raise it for a run at low priority on a busy machine, where
# a starved process looks like a hang).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

secs=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(load tmpl compile)
dir=${FUZZ_DIR:-build-fuzz}

if [[ -f $dir/meson-private/coredata.dat ]]; then
	meson setup --reconfigure "$dir" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
else
	CC=clang meson setup "$dir" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C "$dir" >/dev/null

# UBSan is built with -fno-sanitize-recover=all (meson.build); the options
# keep reports complete and make leaks count
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

tests/fuzz/seeds.sh "$dir/corpus" "$dir/tablec" >/dev/null
mkdir -p "$dir/artifacts" "$dir/logs"

declare -A pids
for t in "${targets[@]}"; do
	case $t in
	load | compile) dict=tests/fuzz/yaml.dict ;;
	tmpl) dict=tests/fuzz/tmpl.dict ;;
	*) echo "fuzz.sh: unknown target '$t' (load, tmpl, compile)" >&2; exit 2 ;;
	esac
	mkdir -p "$dir/work/$t"
	"$dir/fuzz_$t" "$dir/work/$t" "$dir/corpus/$t" \
		-dict="$dict" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" \
		-rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$t-" \
		>"$dir/logs/$t.log" 2>&1 &
	pids[$t]=$!
done

fail=0
for t in "${targets[@]}"; do
	rc=0
	wait "${pids[$t]}" || rc=$?
	log=$dir/logs/$t.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if ((rc)) || grep -qE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY: ' "$log"; then
		fail=1
		echo "FAIL fuzz_$t (exit $rc), log $log:"
		grep -E 'runtime error:|ERROR:|SUMMARY:|internal error|fuzz_tmpl:|render failed|diff of a spec' "$log" | head -5 | sed 's/^/    /'
		# the first frames in tablec's own code say where it went wrong
		grep -E '^ *#[0-9]+ .* in .*(src|tests/fuzz)/[a-z_]+\.c:' "$log" | head -6 | sed 's/^ */      /'
		sed -n "s/.*Test unit written to \(.*\)/    reproducer: \1/p" "$log"
	else
		echo "ok   fuzz_$t: ${execs:-?} runs in ${secs}s, clean"
	fi
done
exit $fail
