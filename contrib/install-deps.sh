#!/bin/bash
# Installs Debian 12 packages for oci-mountplan, as root, from the archive apt is
# configured with; nothing else is fetched.
#
#   contrib/install-deps.sh            what building and every test need: the build
#                                      dependencies, runc, crun, mmdebstrap, valgrind,
#                                      clang, ... and the engines the tests boot
#                                      (docker.io, podman, containerd); tests/run-all.sh
#                                      runs this
#   contrib/install-deps.sh --build    only what building needs (configure.ac: a C
#                                      compiler, make, autoconf, automake, pkg-config,
#                                      libconfig, jansson and libmount headers); it
#                                      installs no engine, so it never replaces a host's
#                                      own Docker (docker-ce) or containerd.io packages
set -euo pipefail

BUILD_DEPS="build-essential autoconf automake pkg-config libconfig-dev libjansson-dev libmount-dev"
TEST_DEPS="runc crun mmdebstrap debootstrap debian-archive-keyring util-linux mount bsdutils curl
           iproute2 procps psmisc valgrind clang libclang-rt-14-dev strace jq man-db time socat python3
           docker.io podman containerd conmon dpkg-dev debhelper lintian
           python3-grpcio python3-protobuf protobuf-compiler"

case "${1:-}" in
"") wanted="$BUILD_DEPS $TEST_DEPS" ;;
--build) wanted=$BUILD_DEPS ;;
*) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac

missing=()
for p in $wanted; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
