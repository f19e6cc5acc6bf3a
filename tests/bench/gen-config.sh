#!/bin/bash
# Prints a Docker-style OCI config.json (about 14 KB, compact like Docker's): 20
# mounts, 30 environment variables, Docker's default capabilities, masked and
# read-only paths and its default seccomp profile, running /sbin/init.
# Usage: gen-config.sh FILES_DIR [ID]   (FILES_DIR holds the bind sources: hostname,
# hosts, resolv.conf and vol1..vol10; they are created if missing.)
set -euo pipefail
files=${1:?usage: gen-config.sh FILES_DIR [ID]}
id=${2:-4f66a1e3b0e4c1d6a9a3b2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1}
mkdir -p "$files"
for f in hostname hosts resolv.conf; do [ -e "$files/$f" ] || echo "# $f" >"$files/$f"; done

join() { local IFS=,; echo "$*"; }
q() { local out=() s; for s in "$@"; do out+=("\"$s\""); done; join "${out[@]}"; }

env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOSTNAME=${id:0:12} container=docker
     TERM=xterm LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Etc/UTC HOME=/root DEBIAN_FRONTEND=noninteractive)
env+=("DATABASE_URL=postgres://app:secret@db.internal.example:5432/app?sslmode=require&connect_timeout=10"
     "JAVA_OPTS=-XX:+UseContainerSupport -XX:MaxRAMPercentage=75.0 -Djava.security.egd=file:/dev/./urandom")
for i in $(seq 1 19); do
        env+=("APP_SETTING_$i=https://config.internal.example/v1/apps/service-$i/settings/environment/production?format=json&rev=$(printf '%08x' $((i * 2654435761 % 4294967296)))")
done

caps=$(q CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW CAP_SETGID CAP_SETUID \
        CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE)

mounts=(
 '{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]}'
 '{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]}'
 '{"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]}'
 '{"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]}'
 '{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["ro","nosuid","noexec","nodev"]}'
 '{"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]}'
 '{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777","size=67108864"]}'
 "{\"destination\":\"/etc/resolv.conf\",\"type\":\"bind\",\"source\":\"$files/resolv.conf\",\"options\":[\"rbind\",\"rprivate\"]}"
 "{\"destination\":\"/etc/hostname\",\"type\":\"bind\",\"source\":\"$files/hostname\",\"options\":[\"rbind\",\"rprivate\"]}"
 "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"$files/hosts\",\"options\":[\"rbind\",\"rprivate\"]}"
)
for i in $(seq 1 10); do
        mkdir -p "$files/vol$i"
        mounts+=("{\"destination\":\"/var/lib/service/shared/volume-$i\",\"type\":\"bind\",\"source\":\"$files/vol$i\",\"options\":[\"rbind\",\"nosuid\",\"nodev\",\"rprivate\"]}")
done

# Docker's default seccomp profile (moby profiles/seccomp/default.json) as it appears
# in config.json on x86_64: one big allow list, then the conditional rules.
allow=(accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
 clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1
 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit
 exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2
 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat
 fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait
 futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid
 getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom
 getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
 get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1
 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get
 ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown
 lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64
 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2
 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64
 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap
 name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe
 pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv
 recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall
 rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
 rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
 sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
 sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield
 seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto
 setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority
 setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list
 setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown
 sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs statfs64
 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
 timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
 timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname
 unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
 arch_prctl modify_ldt chroot clone3 ptrace personality)
seccomp="{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":["
seccomp+="{\"names\":[$(q "${allow[@]}")],\"action\":\"SCMP_ACT_ALLOW\"}"
for v in 0 8 131072 131080 4294967295; do
        seccomp+=",{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":$v,\"op\":\"SCMP_CMP_EQ\"}]}"
done
seccomp+=",{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}"
seccomp+=",{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}"
seccomp+=",{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]}"
seccomp+="]}"

masked=$(q /proc/asound /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats \
        /proc/sched_debug /proc/scsi /sys/firmware /sys/devices/virtual/powercap)
ro=$(q /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger)

printf '{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0,"additionalGids":[0,1,2,3,4,6,10,11,20,26,27]},'
printf '"args":["/sbin/init"],"env":[%s],"cwd":"/",' "$(q "${env[@]}")"
printf '"capabilities":{"bounding":[%s],"effective":[%s],"permitted":[%s]},' "$caps" "$caps" "$caps"
printf '"rlimits":[{"type":"RLIMIT_NOFILE","hard":1048576,"soft":1048576},{"type":"RLIMIT_NPROC","hard":65536,"soft":65536}],'
printf '"noNewPrivileges":true,"apparmorProfile":"docker-default","oomScoreAdj":0},'
printf '"root":{"path":"rootfs"},"hostname":"%s",' "${id:0:12}"
printf '"mounts":[%s],' "$(join "${mounts[@]}")"
printf '"hooks":{},"annotations":{"org.opencontainers.image.stopSignal":"37","com.docker.official-images.bashbrew.arch":"amd64",'
printf '"org.opencontainers.image.base.name":"debian:bookworm-slim","org.opencontainers.image.created":"2024-06-01T00:00:00Z"},'
printf '"linux":{"sysctl":{"net.ipv4.ip_unprivileged_port_start":"0","net.ipv4.ping_group_range":"0 2147483647"},'
printf '"resources":{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"},'
printf '{"allow":true,"type":"c","major":1,"minor":5,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":8,"access":"rwm"},'
printf '{"allow":true,"type":"c","major":1,"minor":9,"access":"rwm"},{"allow":true,"type":"c","major":5,"minor":0,"access":"rwm"},'
printf '{"allow":true,"type":"c","major":5,"minor":2,"access":"rwm"},{"allow":false,"type":"c","major":10,"minor":229,"access":"rwm"},'
printf '{"allow":true,"type":"c","access":"m"},{"allow":true,"type":"b","access":"m"},{"allow":true,"type":"c","major":1,"minor":7,"access":"rwm"},'
printf '{"allow":true,"type":"c","major":5,"minor":1,"access":"rwm"},{"allow":true,"type":"c","major":136,"access":"rwm"},'
printf '{"allow":true,"type":"c","major":10,"minor":200,"access":"rwm"}],'
printf '"memory":{},"cpu":{"shares":0},"pids":{"limit":0},"blockIO":{}},'
printf '"cgroupsPath":"/omp-bench/%s",' "$id"
printf '"namespaces":[{"type":"mount"},{"type":"network"},{"type":"uts"},{"type":"pid"},{"type":"ipc"}],'
printf '"seccomp":%s,' "$seccomp"
printf '"maskedPaths":[%s],"readonlyPaths":[%s]}}\n' "$masked" "$ro"
