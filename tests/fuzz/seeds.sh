#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets (tests/fuzz/fuzz_*.c) from the
# repository's own inputs, into OUT (default build-fuzz/corpus, git-ignored):
#
#   OUT/load, OUT/compile  every tests/golden/*/spec.yaml and specs/*.yaml
#                          (valid and invalid ones: both are interesting)
#   OUT/tmpl               every template of templates/ joined by a NUL byte
#                          to the IR of an environment (`tablec ir` on
#                          specs/*.yaml, and the golden cases' ir/*.json),
#                          plus a few small hand-written template/data pairs
#                          with hostile strings
#
# Usage: tests/fuzz/seeds.sh [OUT] [TABLEC]   (TABLEC default build/tablec)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=${1:-build-fuzz/corpus}
tablec=${2:-build/tablec}
[[ -x $tablec ]] || { echo "seeds.sh: no $tablec (build first)" >&2; exit 2; }

rm -rf "$out/load" "$out/compile" "$out/tmpl"
mkdir -p "$out/load" "$out/compile" "$out/tmpl" "$out/ir"

for f in tests/golden/*/spec.yaml specs/*.yaml; do
	name=$(echo "$f" | tr '/' '_')
	cp "$f" "$out/load/$name"
	cp "$f" "$out/compile/$name"
done

# IRs: every environment of specs/*.yaml, and the golden ones. A sanitizer
# build of tablec may be used: its reports are the fuzzers' business, not
# this script's, so they do not stop it here.
ir() {
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=0:print_summary=0 \
		"$tablec" ir "$@"
}
for s in specs/*.yaml; do
	envs=$(ir "$s" --env /nonexistent 2>&1 | sed -n 's/.*the spec defines://p' || true)
	for e in $envs; do
		ir "$s" --env "$e" 2>/dev/null >"$out/ir/$(basename "$s" .yaml)-$e.json"
	done
done
for f in tests/golden/*/ir/*.json; do
	case=$(basename "$(dirname "$(dirname "$f")")")
	cp "$f" "$out/ir/$case-$(basename "$f")"
done

# each template with a few IRs: the four smallest (rendering is slow on
# big inputs, and the fuzzer works best on small ones) and one of specs/
for ir in $(ls -S "$out"/ir/*.json | tail -n 4) "$out"/ir/cmz-*.json; do
	# compact JSON, a third of the size
	json=$(python3 -c 'import json, sys
print(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":"),
		 ensure_ascii=False), end="")' "$ir")
	for t in templates/*/*.tmpl; do
		name=$(basename "$(dirname "$t")")-$(basename "$ir" .json)
		{ cat "$t"; printf '\0%s' "$json"; } >"$out/tmpl/$name"
	done
done

# small pairs: sections, lists, specials, and the escaping checks' values
n=0
seed() { n=$((n + 1)); printf '%s\0%s' "$1" "$2" >"$out/tmpl/hand-$n"; }
seed '{{#l}}{{@index}}:{{.}}{{^@last}}, {{/@last}}{{/l}}' '{"l": [1, "a", true, 2.5]}'
seed '{{#o}}{{a.b}} {{id:c}}{{/o}}{{^o}}none{{/o}}' '{"o": {"a": {"b": "x"}, "c": "ok_id"}}'
seed 'k: {{v}} # {{comment:v}}' '{"v": "a: b # c\n- d"}'
seed '{{! comment }}{{#a}}{{#b}}{{c}}{{/b}}{{/a}}' '{"a": {"b": [{"c": 1}, {"c": null}]}}'
seed 'x' '"quotes \" '"'"' backslash \\ newline \n $(id) `id` ${x} %{y} # */ -- &a *a !t ? : , [ ] { } | > @ \u2028 \u0085 \ufeff \u0000"'
seed 'yes' '{"a": [1, -0.0, 1e300, 5e-324, 9007199254740993, "yes", "0x1F", "1:20", ".inf", "~", "2024-01-01"]}'
seed 'value' '"On"'
seed '$${x}' '"$${x} %%{y} $ { ${"'
