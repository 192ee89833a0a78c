#!/usr/bin/env bash
# Static analysis of src/ with cppcheck (2.10) and clang-tidy (14). Exits 1
# on any finding of either; the only exceptions are the documented false
# positives of tests/lint/cppcheck.supp and tests/lint/clang-tidy.supp
# (filtered by tests/lint/filter.py, which matches the code, not a line
# number, so a suppression dies with the code it was written for).
#
# cppcheck: --enable=warning,style,performance,portability (style includes
#   dead stores, scope, redundant conditions, const-correctness hints),
#   --library=posix (file descriptor, DIR and FILE leaks, POSIX API misuse),
#   C11, with tablec's own defines. __GNUC__ is defined so that tablec.h's
#   NORETURN (bug_at) and PRINTF_LIKE attributes are seen as the compilers
#   see them; without it every `if (!p) BUG(...)` reads as a null
#   dereference. Not enabled: unusedFunction (reports the API used only by
#   tests/unit) and information (missing system headers, which cppcheck does
#   not need: it has its own models of libc and POSIX). --inline-suppr
#   honours `// cppcheck-suppress ID` comments in src/, for the lead to
#   prefer over the suppressions file.
# clang-tidy: the checks of .clang-tidy (why each family is on or off is
#   written there), with the compile flags of BUILD/compile_commands.json
#   (BUILD defaults to build/; meson generates it, and this script
#   configures BUILD when it does not exist). `// NOLINT(check)` in src/
#   works as usual.
#
# Usage: bash scripts/lint.sh [cppcheck|clang-tidy]   (default: both)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=${BUILD:-build}
what=${1:-all}
py=${PYTHON:-python3}
fail=0

if [[ $what == all || $what == cppcheck ]]; then
	echo "== cppcheck $(cppcheck --version | sed 's/Cppcheck //')"
	out=$(cppcheck --std=c11 --quiet --inline-suppr \
		--enable=warning,style,performance,portability \
		--library=posix -I src \
		-D__GNUC__=12 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
		src/*.c 2>&1) || true
	"$py" tests/lint/filter.py tests/lint/cppcheck.supp --tool cppcheck \
		<<<"$out" || fail=1
fi

if [[ $what == all || $what == clang-tidy ]]; then
	if [[ ! -f $build/compile_commands.json ]]; then
		meson setup "$build" >/dev/null
	fi
	echo "== $(clang-tidy --version | grep -o 'LLVM version [0-9.]*')"
	# one process per file, as many at a time as there are cores, each
	# into its own files; a clang-tidy that fails (it cannot compile a
	# file) fails the run whatever it printed
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	printf '%s\n' src/*.c | xargs -P "$(nproc)" -I{} sh -c '
		f=$(basename "$1" .c)
		clang-tidy -p "$2" --quiet "$1" >"$3/$f.out" 2>"$3/$f.err"
		echo $? >"$3/$f.rc"' sh {} "$build" "$tmp"
	for rc in "$tmp"/*.rc; do
		if [[ $(cat "$rc") != 0 ]]; then
			f=$(basename "$rc" .rc)
			echo "clang-tidy failed on src/$f.c:"
			grep -v 'warnings\? generated' "$tmp/$f.err" | head -20
			fail=1
		fi
	done
	out=$(cat "$tmp"/*.out)
	"$py" tests/lint/filter.py tests/lint/clang-tidy.supp --tool clang-tidy \
		--base "$build" <<<"$out" || fail=1
fi

exit $fail
