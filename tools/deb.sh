#!/bin/sh
# deb.sh: turns a `make install DESTDIR=ROOT prefix=/usr` tree into beacon_VERSION_ARCH.deb in OUTDIR.
# usage: sh tools/deb.sh ROOT VERSION OUTDIR      (make deb runs it; tests run it on their own binary)
set -eu
ROOT=$1 VERSION=$2 OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
ARCH=$(dpkg --print-architecture)
DOC=$ROOT/usr/share/doc/beacon
mkdir -p "$OUT"

# Debian policy: stripped binary, man pages and changelog gzipped -9n, a copyright file.
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$ROOT/usr/bin/beacon"
find "$ROOT/usr/share/man" -type f ! -name '*.gz' -exec gzip -9nf {} +
install -D -m 0644 "$HERE/deb/copyright" "$DOC/copyright"
install -D -m 0644 "$HERE/../README.md" "$DOC/README.md"
sed "s/@VERSION@/$VERSION/" "$HERE/deb/changelog" | gzip -9n > "$DOC/changelog.gz"
chmod 0644 "$DOC/changelog.gz"
install -d -m 0755 "$ROOT/var/lib/beacon"

# Depends: the shared libraries the binary links, as dpkg-shlibdeps names them.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: beacon\n\nPackage: beacon\nArchitecture: any\n' > "$work/debian/control"
bin=$(cd "$ROOT/usr/bin" && pwd)/beacon
shlibs=$(cd "$work" && dpkg-shlibdeps -O -e"$bin" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "deb.sh: dpkg-shlibdeps found no libraries" >&2; exit 1; }

install -d -m 0755 "$ROOT/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
    "$HERE/deb/control" > "$ROOT/DEBIAN/control"
printf '/etc/beacon/beacon.conf\n' > "$ROOT/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$HERE/deb/$s" "$ROOT/DEBIAN/$s"; done
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum) > "$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/control" "$ROOT/DEBIAN/conffiles" "$ROOT/DEBIAN/md5sums"
deb="$OUT/beacon_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$deb" >/dev/null
echo "$deb"
