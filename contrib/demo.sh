#!/bin/bash
# See oci-mountplan work, on a fresh Debian 12 machine as root: installs the
# dependencies, builds, shows the dry-run of the systemd plan against a bundle made
# by `runc spec`, then boots systemd in a real container under the hook (with a web
# server enabled inside) and shows the same container failing without the hook.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "contrib/demo.sh: run as root" >&2; exit 2; }

echo "==> installing dependencies"
contrib/install-deps.sh
echo "==> building"
contrib/build.sh

bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
# The hook looks at what the command really runs: a stand-in for systemd's binary
# (true(1)) at /usr/lib/systemd/systemd, with /sbin/init leading to it.
mkdir -p "$bundle/rootfs/usr/lib/systemd" "$bundle/rootfs/sbin"
cp /bin/true "$bundle/rootfs/usr/lib/systemd/systemd"
ln -s /usr/lib/systemd/systemd "$bundle/rootfs/sbin/init"
(cd "$bundle" && runc spec && sed -i 's|"sh"|"/sbin/init"|' config.json)
echo
echo "==> oci-mountplan --plan plans/systemd.conf --dry-run --bundle <runc spec bundle, args [\"/sbin/init\"]>"
./oci-mountplan --plan plans/systemd.conf --dry-run --bundle "$bundle"
sed -i 's|"/sbin/init"|"/bin/sh"|' "$bundle/config.json"
echo
echo "==> the same with args [\"/bin/sh\"]"
./oci-mountplan --plan plans/systemd.conf --dry-run --bundle "$bundle"

if [ -x tests/e2e/demo.sh ]; then
        echo
        OMP_HOOK=$top/oci-mountplan OMP_PLAN=$top/plans/systemd.conf tests/e2e/demo.sh
fi
