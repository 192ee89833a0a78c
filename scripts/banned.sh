#!/usr/bin/env bash
# Fails when src/ uses a C library call that is easy to misuse with hostile
# input (as curl's checksrc does): unbounded copies and formats, strtok's
# hidden state, atoi's silent errors. Use the Strbuf API, snprintf, memcpy
# with a checked length, and strtoll with errno instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncat|strtok|atoi|atol|atoll|gets)[[:space:]]*\(' src/*.c src/*.h; then
	echo "banned.sh: use the safe alternatives named in this script" >&2
	exit 1
fi
