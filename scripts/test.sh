#!/usr/bin/env bash
# Builds tablec twice and runs the whole test suite against both builds:
#
#   build/      the normal build (as scripts/setup.sh makes it)
#   build-san/  the same with AddressSanitizer (leaks included) and
#               UndefinedBehaviorSanitizer, any finding fatal
#
# then tests/run.py runs the unit, golden and specs groups and diff's
# recorded outputs per build; meta, valgrind, stacks, diff-agree and
# diff-ddblocal with build/ only; the groups that judge committed files
# (cfn-lint, enums, tables, terraform, awscli, ddblocal, dotenv), lint and
# fuzz (its own build) once (tests/README.md has the table), and ends with
# ONE line "N passed, N failed, N skipped". Exit status non-zero on any
# failure.
#
# Usage: bash scripts/test.sh [run.py options, e.g. -k NAME]
# Needs no root and no network (run scripts/setup.sh once first).
# PYTHON selects the interpreter (default python3): it should be the one
# that has cfn-lint, botocore and moto.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

configure() {
	local dir=$1
	shift
	if [[ -f $dir/meson-private/coredata.dat ]]; then
		meson setup --reconfigure "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
	meson compile -C "$dir"
}

configure build
configure build-san -Db_sanitize=address,undefined -Db_lundef=false

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

echo
exec "${PYTHON:-python3}" tests/run.py --build build --build build-san "$@"
