# shellcheck shell=bash
# Other Debian releases' engines on this kernel: a cached mmdebstrap tree per
# release with its docker.io, containerd, runc, crun and podman, entered with
# pivot_root in a private mount namespace (a chroot would not do: `docker exec`
# and runc's exec join namespaces through /proc and would land in the host's).
# Sourced after tests/e2e/lib.sh (mirror, logging).
#
#   tree_build SUITE        sets TREE_DIR to the cached tree (built if missing
#                           or stale), TREE_SUITE to the suite used
#   tree_enter DIR STATE CMD...  runs CMD (a path inside the tree) with DIR as
#                           "/", an overlay whose upper layer is in STATE

# What a tree holds on top of mmdebstrap's "apt" variant: the engines, and
# what tests/engines' scripts use (jq, pgrep, mount, script, findmnt).
# ca-certificates: for a mirror apt reaches over https.
TREE_PACKAGES="docker.io,docker-cli,containerd,runc,crun,podman,conmon,netavark,catatonit,iptables,jq,procps,mount,bsdutils,util-linux,ca-certificates"

# tree_key SUITE: the cache directory for SUITE and this package list.
tree_key() {
	echo "$OMP_E2E_CACHE/engines-$1-$(printf '%s' "$TREE_PACKAGES" | sha256sum | cut -c1-10)"
}

tree_fresh() {
	[ -x "$1/usr/sbin/dockerd" ] && e2e_cache_fresh "$1/.omp-engines-stamp" "$TREE_PACKAGES" "$2"
}

# tree_build SUITE: a cached tree for SUITE. The mirror is apt's (e2e_mirror).
# Concurrent builders of the same tree wait for each other (flock).
tree_build() {
	local want=$1 mirror suite dir tmp t0
	mirror=$(e2e_mirror) || return 1
	suite=$(e2e_resolve_suite "$want" "$mirror")
	TREE_SUITE=$suite
	dir=$(tree_key "$suite")
	TREE_DIR=$dir
	mkdir -p "$OMP_E2E_CACHE"
	exec {lock}>"$dir.lock"
	flock "$lock"
	if tree_fresh "$dir" "$suite"; then
		exec {lock}>&-
		return 0
	fi
	t0=$(e2e_now)
	tmp=$(mktemp -d "$OMP_E2E_CACHE/.build-engines-$suite.XXXXXX")
	e2e_log "building the $suite engines tree from $mirror"
	# No recommends: each engine's hard dependencies and the list above only.
	if ! e2e_with_progress "$tmp.log" "mmdebstrap $suite engines" \
		mmdebstrap --variant=apt --include="$TREE_PACKAGES" \
			--aptopt='Acquire::Check-Valid-Until "false"' \
			--aptopt='APT::Install-Recommends "false"' \
			--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			"$suite" "$tmp/tree" "$mirror"; then
		rm -rf --one-file-system "$tmp" "$tmp.log"
		exec {lock}>&-
		echo "mmdebstrap $suite failed" >&2
		return 1
	fi
	# The mount points tree_enter needs, made once here so that the tree is
	# never written to afterwards (runs get an overlay on top of it).
	mkdir -p "$tmp/tree/.omp-host"
	printf '%s\n%s\n' "$TREE_PACKAGES" "$mirror" >"$tmp/tree/.omp-engines-stamp"
	rm -rf --one-file-system "$dir"
	mv "$tmp/tree" "$dir"
	# trees of this suite with another package list are stale
	find "$OMP_E2E_CACHE" -maxdepth 1 -name "engines-$suite-*" ! -path "$dir" ! -name '*.lock' \
		-exec rm -rf --one-file-system {} + 2>/dev/null
	rm -rf "$tmp" "$tmp.log"
	e2e_log "$suite engines tree: built in $(e2e_since "$t0") s, $(du -sm "$dir" | cut -f1) MB"
	exec {lock}>&-
}

# tree_versions DIR: "docker.io 26.1.5, containerd 1.7.24, ..." from DIR's dpkg database.
tree_versions() {
	local p v out=""
	for p in docker.io containerd runc crun podman; do
		v=$(dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Version}' "$p" 2>/dev/null) || v=missing
		out+="${out:+, }$p $v"
	done
	echo "$out"
}

# tree_os DIR: the tree's PRETTY_NAME.
tree_os() { (. "$1/etc/os-release" && echo "${PRETTY_NAME:-?}"); }

# tree_enter DIR STATE CMD...: run CMD in a private mount namespace whose root
# is an overlay of the tree DIR (the cache is never written), upper layer in
# STATE. Inside: /proc, /sys (with the host's cgroup hierarchies) and /dev as
# on the host, a fresh /run and /tmp, the host's /var/tmp (the engines' state
# dirs: the same paths inside and out), the rootfs cache (OMP_E2E_CACHE)
# read-only, the host's
# root read-only at /.omp-host (for host tools such as the CRI client, run
# with chroot), and every path in TREE_BINDS (the repo, the hook and wrapper
# under test) at its own path. The namespace ends with CMD: daemons CMD
# leaves behind die with it (tree_kill_ns).
tree_enter() {
	local dir=$1 state=$2 p
	shift 2
	mkdir -p "$state/upper" "$state/work" "$state/root"
	unshare -m --propagation private -- /bin/bash -c '
		set -e
		dir=$1 state=$2 cache=$3
		shift 3
		binds=()
		while [ "$1" != -- ]; do binds+=("$1"); shift; done
		shift
		[ "$(readlink /proc/1/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
			{ echo "tree: not in a new mount namespace" >&2; exit 125; }
		r=$state/root
		readlink /proc/self/ns/mnt >"$state/ns"
		mount -t overlay overlay -o "lowerdir=$dir,upperdir=$state/upper,workdir=$state/work" "$r"
		mount --rbind /proc "$r/proc"
		mount --rbind /sys "$r/sys"
		mount --rbind /dev "$r/dev"
		mount -t tmpfs -o mode=755 tmpfs "$r/run"
		mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
		mount --bind /var/tmp "$r/var/tmp"
		mkdir -p "$r$cache"
		mount --bind -o ro "$cache" "$r$cache"
		for p in "${binds[@]}"; do
			if [ -d "$p" ]; then mkdir -p "$r$p"; else mkdir -p "$r${p%/*}"; : >>"$r$p"; fi
			mount --bind "$p" "$r$p"
		done
		cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || :
		cd "$r"
		pivot_root . .omp-host
		cd /
		mount --make-rprivate /.omp-host
		exec "$@"' tree "$dir" "$state" "$OMP_E2E_CACHE" "${TREE_BINDS[@]}" -- "$@"
}

# tree_launcher BINARY STATE: the path under which the tree runs BINARY. A
# static binary runs as it is. A dynamic one (the ASan build) would load the
# tree's libraries, or fail for lack of them: it gets a launcher script in
# STATE/bin (/var/tmp is shared) that runs it with the host's dynamic loader
# and libraries, from /.omp-host (also there in a container's mount namespace
# before pivot_root, where runc runs createContainer hooks).
tree_launcher() {
	local bin=$1 state=$2 ld libs out
	if ! ldd "$bin" >/dev/null 2>&1; then
		echo "$bin"
		return
	fi
	ld=$(readlink -f "$(ldd "$bin" | awk '$1 ~ /^\/.*ld-linux/ { print $1 }')")
	libs=$(ldd "$bin" | awk '$3 ~ /^\// { print $3 }' | xargs -r readlink -f | xargs -r dirname | sort -u |
		sed 's|^|/.omp-host|' | paste -sd:)
	out=$state/bin/${bin##*/}
	mkdir -p "$state/bin"
	# A user-namespaced container's root runs the createContainer hook: it must
	# reach the launcher (mktemp made STATE 0700), as it reaches /usr/bin.
	chmod 755 "$state" "$state/bin"
	printf '#!/bin/sh\nexec %s --library-path %s %s "$@"\n' "/.omp-host$ld" "$libs" "$bin" >"$out"
	chmod 755 "$out"
	echo "$out"
}

# tree_kill_ns STATE: kill every process still in a mount namespace rooted in
# STATE/root (daemons or shims that outlived the run), then remove STATE.
tree_kill_ns() {
	local state=$1 pid ns
	ns=$(cat "$state/ns" 2>/dev/null)
	if [ -n "$ns" ]; then
		for pid in $(ls /proc | grep -E '^[0-9]+$'); do
			[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$ns" ] && kill -KILL "$pid" 2>/dev/null
		done
		sleep 0.2
	fi
	e2e_umount_below "$state"
	rm -rf --one-file-system "$state"
}
