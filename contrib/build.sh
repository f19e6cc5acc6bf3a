#!/bin/bash
# Builds oci-mountplan in the source tree with warnings as errors. Extra arguments
# go to configure (e.g. --enable-asan --enable-ubsan). It installs nothing: the build
# dependencies come from contrib/install-deps.sh --build (as root), or without
# --build with everything the tests need (tests/run-all.sh, contrib/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
        autoreconf -fi >/dev/null
fi
if [ ! -f Makefile ] || [ "${1:-}" ] || [ configure -nt config.status ]; then
        ./configure -q --enable-werror "$@"
fi
make -s -j"$(nproc)" >/dev/null
