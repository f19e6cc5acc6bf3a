#!/bin/bash
# Builds the Debian package from the release tarball:
#   contrib/deb.sh [--rev REV | --worktree] [OUTDIR]
# OUTDIR defaults to the current directory. In a temporary directory it takes the
# source (`git archive REV`, HEAD by default, or with --worktree the working tree's
# tracked and untracked files; from an unpacked tarball, the tree itself), makes the
# tarball with `make dist`, unpacks it, adds contrib/debian/ of this tree as debian/
# and runs `dpkg-buildpackage -us -uc -b`. The .deb and .buildinfo/.changes files end up in
# OUTDIR. Needs: build-essential autoconf automake pkg-config dpkg-dev debhelper
# and the Build-Depends of contrib/debian/control. Runs as any user;
# DEB_BUILD_OPTIONS is passed through (nocheck skips the test suite).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source=HEAD
case ${1:-} in
--worktree) source=worktree; shift;;
--rev) source=${2:?--rev needs a revision}; shift 2;;
esac
out=$(mkdir -p "${1:-.}" && cd "${1:-.}" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/omp-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"       # cli.sh, run as root, checks the hook as nobody on the build tree
mkdir "$work/src"

echo "==> source ($source) in $work"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
        if [ "$source" != worktree ]; then
                git -C "$top" archive --format=tar "$source" | tar -x -C "$work/src"
        else
                # shellcheck disable=SC2016 # $f is the inner shell's
                git -C "$top" ls-files -z --cached --others --exclude-standard |
                        (cd "$top" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
                        tar -C "$top" --null -T - -cf - | tar -x -C "$work/src"
        fi
else
        tar -C "$top" --exclude=./debian -cf - . | tar -x -C "$work/src"
fi

echo "==> make dist"
(
        cd "$work/src"
        [ -x configure ] || autoreconf -fi >"$work/autoreconf.log" 2>&1 || { cat "$work/autoreconf.log"; exit 1; }
        ./configure -q --disable-static-binaries >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
        make -s dist >"$work/dist.log" 2>&1 || { tail -20 "$work/dist.log"; exit 1; }
)
tarball=$(compgen -G "$work/src/oci-mountplan-*.tar.xz" | head -n 1)
version=$(basename "$tarball" .tar.xz)
version=${version#oci-mountplan-}
upstream=$(dpkg-parsechangelog -l "$top/contrib/debian/changelog" -S Version)
upstream=${upstream%-*}
upstream=${upstream#*:}
if [ "$version" != "$upstream" ]; then
        echo "contrib/deb.sh: tarball is $version, contrib/debian/changelog says $upstream" >&2
        exit 1
fi

echo "==> dpkg-buildpackage -us -uc -b (oci-mountplan $version)"
mkdir "$work/build"
cp "$tarball" "$work/build/oci-mountplan_$version.orig.tar.xz"
tar -xJf "$tarball" -C "$work/build"
pkgdir=$work/build/oci-mountplan-$version
rm -rf "$pkgdir/debian"
cp -a "$top/contrib/debian" "$pkgdir/debian"
if ! (cd "$pkgdir" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
        tail -40 "$work/build.log"
        cp "$work/build.log" "$out/oci-mountplan-build.log"
        echo "contrib/deb.sh: dpkg-buildpackage failed, log in $out/oci-mountplan-build.log" >&2
        exit 1
fi
cp "$work/build.log" "$out/oci-mountplan-build.log"
cp "$work"/build/*.deb "$work"/build/*.buildinfo "$work"/build/*.changes "$out/"
for f in "$work"/build/*.deb; do echo "$out/${f##*/}"; done
