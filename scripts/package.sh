#!/usr/bin/env bash
# Builds the two packages of tablec into OUTDIR (default dist/):
#
#   tablec_<version>_<arch>.deb          a Debian package: /usr/bin/tablec
#       (every built-in backend compiled in), the manual page tablec(1), the
#       bash and zsh completion; it depends on Debian's libyaml, jansson and
#       pcre2 (dpkg-shlibdeps says which versions) and is checked by
#       lintian, which must find nothing but the overrides it ships.
#   tablec-<version>-linux-<arch>.tar.gz  for any other Linux: bin/tablec
#       linked statically against libyaml, jansson and pcre2 (Debian has
#       their static libraries), so it needs only glibc (2.34 or later, as
#       built here) and the kernel; share/ holds the manual page and the
#       completion scripts, laid out for a prefix such as /usr/local or ~/.local.
#
# Both are built from the working tree by meson in build-pkg-deb/ and
# build-pkg-static/ (release builds), and are reproducible: file times are
# SOURCE_DATE_EPOCH (default: the last commit's time).
#
# Usage: bash scripts/package.sh [OUTDIR]
# DEBFULLNAME and DEBEMAIL name the package's maintainer.
# Needs meson, ninja, a C compiler, the -dev packages of scripts/setup.sh,
# dpkg-dev (dpkg-shlibdeps) and lintian.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n "s/^#define TABLEC_VERSION \"\(.*\)\"$/\1/p" src/tablec.h)
arch=$(dpkg --print-architecture)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
# who builds the package: Debian's usual variables, with a placeholder
maintainer="${DEBFULLNAME:-tablec developers} <${DEBEMAIL:-tablec@users.noreply.github.com}>"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

say() { echo "package: $*"; }

configure() {
	local dir=$1
	shift
	if [[ -f $dir/meson-private/coredata.dat ]]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	meson compile -C "$dir" >/dev/null
}

# ---------------------------------------------------------------- .deb
say "building tablec $version for Debian ($arch) in build-pkg-deb/"
configure build-pkg-deb --buildtype=release --prefix=/usr -Db_ndebug=true
deb=$stage/deb
DESTDIR=$deb meson install -C build-pkg-deb --quiet --strip >/dev/null

doc=$deb/usr/share/doc/tablec
mkdir -p "$doc" "$deb/DEBIAN"
gzip -9n "$deb/usr/share/man/man1/tablec.1"
cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: tablec

Files: *
Copyright: $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y) tablec developers
License: Expat

License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 THE SOFTWARE.
EOF
date_rfc=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
printf 'tablec (%s) unstable; urgency=medium\n\n  * Package of tablec %s, built from its sources.\n\n -- %s  %s\n' \
	"$version" "$version" "$maintainer" "$date_rfc" | gzip -9n >"$doc/changelog.gz"
# what the binary links against, as Debian's packages with their versions
shlib=$stage/shlib
mkdir -p "$shlib/debian"
printf 'Source: tablec\n\nPackage: tablec\nArchitecture: any\n' >"$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O "$deb/usr/bin/tablec" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')

size=$(du -sk --apparent-size "$deb/usr" | cut -f1)
cat >"$deb/DEBIAN/control" <<EOF
Package: tablec
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: devel
Priority: optional
Description: compiler of DynamoDB table specs to CloudFormation and Terraform
 tablec reads one YAML spec of DynamoDB tables (keys, indexes, TTL, backups,
 encryption, streams, tags) and the IAM access of roles to them, validates
 it like a compiler, with file:line:col, a stable code and a fix for every
 problem, and writes for every environment CloudFormation templates (YAML
 and JSON), Terraform, an idempotent AWS CLI script, an env file and a
 documentation page with a Mermaid diagram. tablec diff classifies the
 schema changes between two versions of a spec: blocking, risky or safe.
EOF
(cd "$deb" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$deb/DEBIAN/md5sums"
find "$deb" -type d -exec chmod 0755 {} +
find "$deb/usr/share" "$deb/DEBIAN" -type f -exec chmod 0644 {} +
chmod 0755 "$deb/usr/bin/tablec"
find "$deb" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
debfile=$out/tablec_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$deb" "$debfile" >/dev/null
say "wrote $debfile"

# ------------------------------------------------------------ tarball
say "building tablec $version with static libyaml, jansson, pcre2 in build-pkg-static/"
configure build-pkg-static --buildtype=release --prefix=/usr/local \
	-Db_ndebug=true -Dprefer_static=true -Dzsh_completion_dir=share/zsh/site-functions
tar_root=tablec-$version-linux-$arch
tdir=$stage/tar
DESTDIR=$tdir meson install -C build-pkg-static --quiet --strip >/dev/null
mv "$tdir/usr/local" "$stage/$tar_root"
cp README.md "$stage/$tar_root/"
cp "$doc/copyright" "$stage/$tar_root/COPYRIGHT"
# nothing but the C library may be linked dynamically
bad=$(ldd "$stage/$tar_root/bin/tablec" | grep -Ev 'linux-vdso|ld-linux|libc\.so|libm\.so' || true)
if [[ -n $bad ]]; then
	echo "package: bin/tablec links more than the C library:" >&2
	echo "$bad" >&2
	exit 1
fi
tarball=$out/$tar_root.tar.gz
find "$stage/$tar_root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
	-C "$stage" -cf - "$tar_root" | gzip -9n >"$tarball"
say "wrote $tarball"

# ------------------------------------------------------------- lintian
say "lintian $debfile"
lintian --fail-on error,warning --tag-display-limit 0 "$debfile"
cd "$root"
