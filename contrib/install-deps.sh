#!/bin/bash
# Installs what building and testing oci-mountplan needs on Debian 12, as root.
# Packages come from the archive apt is configured with; nothing else is fetched.
set -euo pipefail

BUILD_DEPS="build-essential autoconf automake pkg-config libconfig-dev libjansson-dev libmount-dev"
TEST_DEPS="runc crun mmdebstrap debootstrap debian-archive-keyring util-linux mount bsdutils curl
           iproute2 procps psmisc valgrind clang libclang-rt-14-dev strace jq man-db time socat python3
           docker.io podman containerd conmon dpkg-dev debhelper lintian
           python3-grpcio python3-protobuf protobuf-compiler"

missing=()
for p in $BUILD_DEPS $TEST_DEPS; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
