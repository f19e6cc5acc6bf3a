/* SPDX-License-Identifier: MIT */
/*
 * enosys [--openat2] [--mount-api] -- CMD [ARGS...]
 *
 * Runs CMD with openat2 and/or the new mount API (fsopen, fsconfig, fsmount,
 * fspick, move_mount, open_tree, mount_setattr) failing with ENOSYS, as on a
 * kernel older than 5.2/5.6/5.12, so that the hook's fallbacks (the component
 * walk in rootfs.c, mount(2) on /proc/self/fd/N in mount.c) run on a new kernel.
 * A plain seccomp BPF filter, no libseccomp; it is inherited across fork and exec.
 * A process of another architecture (i386 on x86_64) is killed rather than let
 * through with syscall numbers that mean something else there.
 *
 * Without arguments: checks its own filter and prints TAP (make check).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/tap.h"

#if defined(__x86_64__) && defined(__ILP32__)
#  define ENOSYS_ARCH AUDIT_ARCH_X86_64         /* x32: numbers carry __X32_SYSCALL_BIT */
#elif defined(__x86_64__)
#  define ENOSYS_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#  define ENOSYS_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#  define ENOSYS_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#  define ENOSYS_ARCH AUDIT_ARCH_ARM
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define ENOSYS_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#  define ENOSYS_ARCH AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#  define ENOSYS_ARCH AUDIT_ARCH_RISCV64
#else
#  error "enosys: add this architecture's AUDIT_ARCH_*"
#endif

#ifndef __X32_SYSCALL_BIT
#  define __X32_SYSCALL_BIT 0x40000000
#endif

/* Since 5.1 every architecture shares these numbers (but alpha, ia64 and mips). */
#ifndef SYS_open_tree
#  define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#  define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#  define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#  define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#  define SYS_fsmount 432
#endif
#ifndef SYS_fspick
#  define SYS_fspick 433
#endif
#ifndef SYS_openat2
#  define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#  define SYS_mount_setattr 442
#endif

struct blocked {
        const char *name;
        long nr;
        bool mount_api;           /* else openat2 */
};

static const struct blocked blocked[] = {
        { "openat2", SYS_openat2, false },
        { "fsopen", SYS_fsopen, true },
        { "fsconfig", SYS_fsconfig, true },
        { "fsmount", SYS_fsmount, true },
        { "fspick", SYS_fspick, true },
        { "move_mount", SYS_move_mount, true },
        { "open_tree", SYS_open_tree, true },
        { "mount_setattr", SYS_mount_setattr, true },
};

#define N_BLOCKED (sizeof(blocked) / sizeof(blocked[0]))

static int install_filter(bool openat2, bool mount_api)
{
        struct sock_filter f[8 + 2 * N_BLOCKED];
        struct sock_fprog prog;
        unsigned short n = 0;

        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ENOSYS_ARCH, 1, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
        /* x86_64 and x32 share the audit arch; x32 numbers are the same plus a bit. */
        f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(unsigned)__X32_SYSCALL_BIT);
#endif
        for (size_t i = 0; i < N_BLOCKED; i++) {
                if (blocked[i].mount_api ? !mount_api : !openat2)
                        continue;
                f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)blocked[i].nr, 0, 1);
                f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
        }
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        prog = (struct sock_fprog){ .len = n, .filter = f };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return -errno;
        return 0;
}

/* Invalid arguments throughout: without the filter each call fails with EBADF, EFAULT or EINVAL. */
static int call_with_bad_args(long nr)
{
        return syscall(nr, -1, NULL, NULL, NULL, 0) < 0 ? errno : 0;
}

/* In a child under the filter: 0 when every call gives what it should, else 1 + index. */
static int check_in_child(bool openat2, bool mount_api)
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (install_filter(openat2, mount_api) < 0)
                        _exit(100);
                for (size_t i = 0; i < N_BLOCKED; i++) {
                        bool want = blocked[i].mount_api ? mount_api : openat2;

                        if ((call_with_bad_args(blocked[i].nr) == ENOSYS) != want)
                                _exit(1 + (int)i);
                }
                /* Everything else goes through. */
                if (close(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                        _exit(99);
                _exit(0);
        }
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

static int self_test(const char *self)
{
        static const struct { const char *flags; bool openat2, mount_api; } cases[] = {
                { "--openat2", true, false },
                { "--mount-api", false, true },
                { "--openat2 --mount-api", true, true },
        };
        pid_t pid;
        int status;

        for (size_t i = 0; i < N_BLOCKED; i++) {
                if (call_with_bad_args(blocked[i].nr) == ENOSYS) {
                        printf("ok %d # SKIP this kernel has no %s: nothing to force\n", ++tap_n, blocked[i].name);
                        fflush(stdout);
                } else
                        ok(true, "%s exists in this kernel without the filter", blocked[i].name);
        }
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int r = check_in_child(cases[i].openat2, cases[i].mount_api);
                char what[64] = "";

                if (r > 0 && r <= (int)N_BLOCKED)
                        snprintf(what, sizeof(what), " (wrong for %s)", blocked[r - 1].name);
                ok(r == 0, "%s: exactly the chosen calls fail with ENOSYS, others work%s", cases[i].flags, what);
        }
        /* The filter survives exec and the command's exit status comes back. */
        pid = fork();
        if (pid == 0) {
                execl(self, self, "--openat2", "--mount-api", "--", self, "--expect-enosys", (char *)NULL);
                _exit(127);
        }
        ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42,
           "the filter is inherited by the command");
        return tap_done();
}

static int usage(void)
{
        fprintf(stderr, "usage: enosys [--openat2] [--mount-api] -- CMD [ARGS...]\n"
                        "       enosys            (self-test, TAP)\n");
        return 2;
}

int main(int argc, char **argv)
{
        bool openat2 = false, mount_api = false;
        int i, r;

        if (argc == 1)
                return self_test("/proc/self/exe");
        if (argc == 2 && strcmp(argv[1], "--expect-enosys") == 0)
                return call_with_bad_args(SYS_openat2) == ENOSYS &&
                       call_with_bad_args(SYS_fsopen) == ENOSYS ? 42 : 1;
        for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
                if (strcmp(argv[i], "--openat2") == 0)
                        openat2 = true;
                else if (strcmp(argv[i], "--mount-api") == 0)
                        mount_api = true;
                else
                        return usage();
        }
        if (i + 1 >= argc)
                return usage();
        r = install_filter(openat2, mount_api);
        if (r < 0) {
                fprintf(stderr, "enosys: installing the seccomp filter: %s\n", strerror(-r));
                return 125;
        }
        execvp(argv[i + 1], argv + i + 1);
        fprintf(stderr, "enosys: %s: %s\n", argv[i + 1], strerror(errno));
        return errno == ENOENT ? 127 : 126;
}
