/* SPDX-License-Identifier: MIT */
/*
 * Benchmark driver for oci-mountplan (run as root; see tests/bench/README).
 *
 *   bench hook    --work W --hook H --plan P --floor F [-b BATCHES] [-n INVOCATIONS]
 *   bench once    --work W [--premount-tmpfs] -- CMD...   one CMD in a prepared namespace (strace, callgrind)
 *   bench wrapper --work W --wrapper X --stub S --hooks J [-b] [-n]
 *   bench runc    --work W --runc R [--wrapper X --hooks J] [-b] [-n]
 *
 * Each hook (or floor) invocation gets a fresh private mount namespace prepared like
 * a container just before its createContainer hook: an overlay rootfs bind-mounted
 * on itself, sysfs and a read-only cgroup2 below it. Only spawning the program with
 * the state on a pipe and waiting for it is timed; set-up and teardown (the forked
 * namespace holder exiting) are not. Kinds alternate batch by batch so that noise
 * hits all of them; a batch's time is the sum of its timed invocations.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCHES 1000

/* valgrind knows neither fsopen nor openat2: the hook falls back to mount(2), which
 * refuses cgroup2 over the runtime's cgroup2 (EBUSY). --premount-tmpfs for profiling. */
static bool premount_cgroup2 = true;
#define CONTAINER_ID "4f66a1e3b0e4c1d6a9a3b2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1"

struct opts {
        const char *work, *hook, *plan, *floor, *wrapper, *stub, *runc, *hooks;
        int batches, inv;
};

/* One program measured: its argv, and per batch the mean time of an invocation. */
struct kind {
        const char *name;
        const char *argv[16];
        bool in_ns;               /* run in a prepared mount namespace, the state on stdin */
        const char *bundle;       /* restore bundle/config.pristine.json first (untimed) */
        double us[MAX_BATCHES];   /* wall time, spawn to reaped */
        double cpu[MAX_BATCHES];  /* user + system time of the child */
        long maxrss_kb;
        int failures;
};

struct sample {
        long long ns, cpu_ns;
        long maxrss_kb;
        int status;
};

static const char *const spawn_env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };

static void die(const char *what)
{
        fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
        exit(1);
}

static char *path_join(const char *a, const char *b)
{
        char *s;

        if (asprintf(&s, "%s/%s", a, b) < 0)
                die("asprintf");
        return s;
}

static long long now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int xmount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
        if (mount(src, dst, type, flags, data) < 0) {
                fprintf(stderr, "bench: mount %s on %s: %s\n", type ? type : "(bind)", dst, strerror(errno));
                return -1;
        }
        return 0;
}

/*
 * In the calling (already unshared) process: the rootfs as runc leaves it before
 * createContainer. An overlay over W/lower with its upper layer on a fresh tmpfs,
 * so every invocation starts from the same empty machine-id and no journal dir.
 */
static int prepare_rootfs(const char *work)
{
        char *scratch = path_join(work, "scratch"), *rootfs = path_join(work, "bundle/rootfs");
        char *lower = path_join(work, "lower"), *sys, *cg, *data, *u, *w;
        int r = -1;

        sys = path_join(rootfs, "sys");
        cg = path_join(rootfs, "sys/fs/cgroup");
        u = path_join(scratch, "u");
        w = path_join(scratch, "w");
        if (asprintf(&data, "lowerdir=%s,upperdir=%s,workdir=%s", lower, u, w) < 0)
                die("asprintf");
        if (xmount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            xmount("tmpfs", scratch, "tmpfs", 0, "mode=0700") < 0 || mkdir(u, 0755) < 0 || mkdir(w, 0700) < 0 ||
            xmount("overlay", rootfs, "overlay", 0, data) < 0 ||
            xmount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 ||
            xmount("sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0 ||
            (premount_cgroup2 ? xmount("cgroup2", cg, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL)
                              : xmount("tmpfs", cg, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755")) < 0)
                goto out;
        r = 0;
out:
        free(scratch), free(rootfs), free(lower), free(sys), free(cg), free(data), free(u), free(w);
        return r;
}

/*
 * Cgroups. A runtime puts each container in a cgroup of its own before its hooks
 * run, and the hook refuses to make the host's root cgroup writable; so each
 * namespace holder moves itself into a fresh cgroup2 cgroup below one of the
 * benchmark's own (omp-bench-PID at the cgroup2 mount's root, whatever cgroup
 * `make bench` was started from), which is removed once the holder is reaped.
 */
static char *bench_cgroup;      /* NULL: no cgroup2 mounted (the hook will say so) */

static void cgroup_cleanup(void)
{
        if (bench_cgroup && rmdir(bench_cgroup) < 0 && errno != ENOENT)
                fprintf(stderr, "bench: cannot remove %s: %s\n", bench_cgroup, strerror(errno));
}

/* Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host). */
static char *cgroup2_mount(void)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096], *found = NULL;

        if (!f)
                die("/proc/self/mountinfo");
        while (!found && fgets(line, sizeof(line), f)) {
                char mnt[4096], type[64];
                const char *sep = strstr(line, " - ");

                if (sep && sscanf(sep, " - %63s", type) == 1 && strcmp(type, "cgroup2") == 0 &&
                    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
                        found = strdup(mnt);
        }
        fclose(f);
        return found;
}

static void cgroup_setup(void)
{
        char *mnt = cgroup2_mount();

        if (!mnt)
                return;
        const char *name = getenv("OMP_BENCH_CGROUP");       /* run.sh's, which config.json names */

        if (name && *name ? asprintf(&bench_cgroup, "%s/%s", mnt, name) < 0
                          : asprintf(&bench_cgroup, "%s/omp-bench-%d", mnt, (int)getpid()) < 0)
                die("asprintf");
        if (mkdir(bench_cgroup, 0755) < 0)
                die(bench_cgroup);
        atexit(cgroup_cleanup);
        free(mnt);
}

/*
 * A fresh cgroup for one container, or NULL without cgroup2. One after the other,
 * each made and removed, under one name: the one config.json's cgroupsPath gives,
 * which the hook checks against the cgroup the kernel says its container is in.
 */
static char *cgroup_new(void)
{
        char *cg;

        if (!bench_cgroup)
                return NULL;
        if (asprintf(&cg, "%s/c", bench_cgroup) < 0)
                die("asprintf");
        if (mkdir(cg, 0755) < 0)
                die(cg);
        return cg;
}

/* In the holder: move itself (and so what it spawns) into cg. */
static int cgroup_enter(const char *cg)
{
        char *procs;
        int fd, r = 0;

        if (!cg)
                return 0;
        procs = path_join(cg, "cgroup.procs");
        fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1) {
                fprintf(stderr, "bench: cannot move into %s: %s\n", cg, strerror(errno));
                r = -1;
        }
        if (fd >= 0)
                close(fd);
        free(procs);
        return r;
}

/* Removes dir once it is empty; a cgroup can stay busy for a moment after its processes are reaped. */
static void cgroup_rmdir(const char *dir)
{
        for (int i = 0; rmdir(dir) < 0; i++) {
                if (errno == ENOENT)
                        break;
                if (errno != EBUSY || i == 1000) {
                        fprintf(stderr, "bench: cannot remove %s: %s\n", dir, strerror(errno));
                        break;
                }
                usleep(1000);
        }
}

/* The container's cgroup, with the child the hook delegated below it. */
static void cgroup_remove(char *cg)
{
        char *child;

        if (!cg)
                return;
        child = path_join(cg, "payload");
        cgroup_rmdir(child);
        cgroup_rmdir(cg);
        free(child);
        free(cg);
}

static char *state_json(const char *work)
{
        char *s;

        if (asprintf(&s, "{\"ociVersion\":\"1.0.2\",\"id\":\"%s\",\"status\":\"creating\",\"pid\":1,"
                     "\"bundle\":\"%s/bundle\",\"annotations\":{\"com.example.owner\":\"bench\"}}",
                     CONTAINER_ID, work) < 0)
                die("asprintf");
        return s;
}

/* Spawns argv with stdin from a pipe already holding the state; times spawn to reap. */
static struct sample spawn_timed(const char *const argv[], const char *input, const char *cwd)
{
        posix_spawn_file_actions_t fa;
        struct sample s = { .status = -1 };
        struct rusage ru;
        int p[2] = { -1, -1 }, devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        long long t0;
        pid_t pid;

        if (input && (pipe2(p, O_CLOEXEC) < 0 || write(p[1], input, strlen(input)) < 0))
                die("state pipe");
        if (p[1] >= 0)
                close(p[1]);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, input ? p[0] : devnull, 0);
        posix_spawn_file_actions_adddup2(&fa, devnull, 1);
        if (cwd)
                posix_spawn_file_actions_addchdir_np(&fa, cwd);
        t0 = now_ns();
        if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, (char *const *)spawn_env) != 0)
                return s;
        if (wait4(pid, &s.status, 0, &ru) < 0)
                die("wait4");
        s.ns = now_ns() - t0;
        s.cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
                   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
        s.maxrss_kb = ru.ru_maxrss;
        posix_spawn_file_actions_destroy(&fa);
        if (p[0] >= 0)
                close(p[0]);
        close(devnull);
        return s;
}

/* Forks a holder that unshares, prepares the rootfs, runs argv once and reports back. */
static struct sample run_in_ns(const struct opts *o, const char *const argv[])
{
        struct sample s = { .status = -1 };
        char *cg = cgroup_new();
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                die("pipe");
        pid = fork();
        if (pid < 0)
                die("fork");
        if (pid == 0) {
                char *rootfs = path_join(o->work, "bundle/rootfs");

                if (cgroup_enter(cg) < 0 || unshare(CLONE_NEWNS) < 0 || prepare_rootfs(o->work) < 0)
                        _exit(1);
                s = spawn_timed(argv, state_json(o->work), rootfs);
                _exit(write(p[1], &s, sizeof(s)) == sizeof(s) ? 0 : 1);
        }
        close(p[1]);
        if (read(p[0], &s, sizeof(s)) != sizeof(s))
                s.status = -1;
        close(p[0]);
        waitpid(pid, NULL, 0);
        cgroup_remove(cg);
        return s;
}

static void copy_file(const char *from, const char *to)
{
        char buf[1 << 16];
        int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ssize_t n;

        if (in < 0 || out < 0)
                die(in < 0 ? from : to);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t)n) != n)
                        die(to);
        close(in), close(out);
}

/* The runtimes rewrite config.json (the wrapper injects its hook): start each from the same one. */
static void restore_config(const char *bundle)
{
        char *from = path_join(bundle, "config.pristine.json"), *to = path_join(bundle, "config.json");

        copy_file(from, to);
        free(from), free(to);
}

static long file_size(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static struct sample run_once(const struct opts *o, struct kind *k)
{
        if (k->in_ns)
                return run_in_ns(o, k->argv);
        if (k->bundle)
                restore_config(k->bundle);
        return spawn_timed(k->argv, NULL, NULL);
}

static void run_batch(const struct opts *o, struct kind *k, int b)
{
        long long total = 0, cpu = 0;

        for (int i = 0; i < o->inv; i++) {
                struct sample s = run_once(o, k);

                if (s.status != 0 && k->failures++ == 0)
                        fprintf(stderr, "bench: %s: exit status %d\n", k->name, s.status);
                total += s.ns;
                cpu += s.cpu_ns;
                if (s.maxrss_kb > k->maxrss_kb)
                        k->maxrss_kb = s.maxrss_kb;
        }
        k->us[b] = (double)total / o->inv / 1000.0;
        k->cpu[b] = (double)cpu / o->inv / 1000.0;
}

/* Alternates the kinds batch by batch, reversing the order every other batch. */
static void measure(const struct opts *o, struct kind *kinds, int n)
{
        for (int k = 0; k < n; k++)
                for (int i = 0; i < 3; i++) {
                        struct sample s = run_once(o, &kinds[k]);       /* warm caches, untimed */

                        if (s.status != 0 && kinds[k].failures++ == 0)
                                fprintf(stderr, "bench: %s: exit status %d, not measured\n", kinds[k].name, s.status);
                }
        for (int b = 0; b < o->batches; b++)
                for (int j = 0; j < n; j++) {
                        struct kind *k = &kinds[b % 2 ? n - 1 - j : j];

                        if (!k->failures)
                                run_batch(o, k, b);
                }
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

struct stats { double median, min, max; };

static struct stats stats_of(const double *v, int n)
{
        double s[MAX_BATCHES];

        memcpy(s, v, (size_t)n * sizeof(*v));
        qsort(s, (size_t)n, sizeof(*s), cmp_double);
        return (struct stats){ n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, s[0], s[n - 1] };
}

/* Per-batch ratios a/b: paired, so slow phases of the machine cancel out. */
static struct stats ratio_of(const double *a, const double *b, int n)
{
        double r[MAX_BATCHES];

        for (int i = 0; i < n; i++)
                r[i] = a[i] / b[i];
        return stats_of(r, n);
}

static void print_cell(const double *v, const double *base, int n, double div)
{
        struct stats s = stats_of(v, n);
        char cell[96];
        int len = snprintf(cell, sizeof(cell), "%.1f (%.1f-%.1f)", s.median / div, s.min / div, s.max / div);

        if (base) {
                struct stats r = ratio_of(v, base, n);

                snprintf(cell + len, sizeof(cell) - (size_t)len, " x%.2f", r.median);
        }
        printf(" %-30s", cell);
}

/*
 * One row per kind: wall and CPU time per invocation, median over the batches and
 * (min-max), and xR = the median of the per-batch ratios to the base kind.
 */
static void print_table(const struct opts *o, const struct kind *kinds, int n, const struct kind *base,
                        const char *unit, double div)
{
        printf("%d batches x %d invocations; per invocation, median (min-max) over batches, x = paired ratio to %s\n",
               o->batches, o->inv, base->name);
        printf("%-22s %-30s %-30s %s\n", "name", unit[0] == 'm' ? "wall ms" : "wall us",
               unit[0] == 'm' ? "cpu ms (user+sys)" : "cpu us (user+sys)", "peak RSS");
        for (int k = 0; k < n; k++) {
                const struct kind *K = &kinds[k];
                bool ratio = K != base && base->us[0] > 0;

                if (K->us[0] == 0) {
                        printf("%-22s FAILED, not measured\n", K->name);
                        continue;
                }
                printf("%-22s", K->name);
                print_cell(K->us, ratio ? base->us : NULL, o->batches, div);
                print_cell(K->cpu, ratio ? base->cpu : NULL, o->batches, div);
                printf(" %ld KiB%s\n", K->maxrss_kb, K->failures ? "  (FAILURES)" : "");
        }
}

static int cmd_hook(const struct opts *o)
{
        char *rootfs = path_join(o->work, "bundle/rootfs"), *config = path_join(o->work, "bundle/config.json");
        struct kind kinds[] = {
                { .name = "hook (systemd plan)", .argv = { o->hook, "--plan", o->plan }, .in_ns = true },
                { .name = "floor", .argv = { o->floor, rootfs, config, o->plan }, .in_ns = true },
                { .name = "hook --version", .argv = { o->hook, "--version" }, .in_ns = true },
                { .name = "spawn (floor --null)", .argv = { o->floor, "--null" }, .in_ns = true },
                { .name = "bare floor (--bare)", .argv = { o->floor, "--bare", rootfs }, .in_ns = true },
        };
        int n = o->batches;

        measure(o, kinds, 5);
        print_table(o, kinds, 5, &kinds[1], "us", 1);
        if (!kinds[4].failures && !kinds[0].failures)
                printf("hook / bare floor (mounts and writes alone, no checks; paired): x%.2f cpu, x%.2f wall\n",
                       ratio_of(kinds[0].cpu, kinds[4].cpu, n).median, ratio_of(kinds[0].us, kinds[4].us, n).median);
        printf("cpu above spawn: hook %.0f us (of which loading and start-up, --version - spawn: %.0f us), floor %.0f us\n",
               stats_of(kinds[0].cpu, n).median - stats_of(kinds[3].cpu, n).median,
               stats_of(kinds[2].cpu, n).median - stats_of(kinds[3].cpu, n).median,
               stats_of(kinds[1].cpu, n).median - stats_of(kinds[3].cpu, n).median);
        return kinds[0].failures || kinds[1].failures;
}

static int cmd_once(const struct opts *o, const char *const *argv)
{
        struct sample s = run_in_ns(o, argv);

        if (s.status != 0)
                fprintf(stderr, "bench: %s: exit status %d\n", argv[0], s.status);
        return s.status != 0;
}

/* The wrapper's create and its runtime's create on a bundle in a private tmpfs (like /run/containerd). */
static int cmd_wrapper(const struct opts *o)
{
        char *bundle = path_join(o->work, "wbundle");
        struct kind kinds[] = {
                { .name = "runtime create", .argv = { o->stub, "create", "--bundle", bundle, "bench" },
                  .bundle = bundle },
                { .name = "wrapper create", .argv = { o->wrapper, "--runtime-path", o->stub,
                  "--hook-config-path", o->hooks, "create", "--bundle", bundle, "bench" }, .bundle = bundle },
        };
        char *pristine = path_join(bundle, "config.pristine.json"), *rootfs = path_join(bundle, "rootfs");
        char *src = path_join(o->work, "wrapper-config.json");
        if (unshare(CLONE_NEWNS) < 0 || xmount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            xmount("tmpfs", bundle, "tmpfs", 0, "mode=0755") < 0 || mkdir(rootfs, 0755) < 0)
                die("private tmpfs for the bundle");
        copy_file(src, pristine);
        measure(o, kinds, 2);
        print_table(o, kinds, 2, &kinds[0], "us", 1);
        /* The runtime here is a static program that exits at once: its create is one static spawn. */
        printf("wrapper adds %.0f us wall, %.0f us cpu per create (%ld-byte config.json); "
               "that is x%.2f wall, x%.2f cpu of one static spawn (paired: ratio - 1)\n",
               stats_of(kinds[1].us, o->batches).median - stats_of(kinds[0].us, o->batches).median,
               stats_of(kinds[1].cpu, o->batches).median - stats_of(kinds[0].cpu, o->batches).median,
               file_size(pristine), ratio_of(kinds[1].us, kinds[0].us, o->batches).median - 1,
               ratio_of(kinds[1].cpu, kinds[0].cpu, o->batches).median - 1);
        return kinds[1].failures != 0;
}

/* A whole `runc run` of a container whose /sbin/init exits at once, plain and through the wrapper. */
static int cmd_runc(const struct opts *o)
{
        char *bundle = path_join(o->work, "rbundle");
        char id[64];
        struct kind kinds[2] = {
                { .name = "runc run", .argv = { o->runc, "run", "--bundle", bundle, id }, .bundle = bundle },
                { .name = "wrapper + runc run", .argv = { o->wrapper, "--runtime-path", o->runc,
                  "--hook-config-path", o->hooks, "run", "--bundle", bundle, id }, .bundle = bundle },
        };
        int n = o->wrapper ? 2 : 1;

        snprintf(id, sizeof(id), "omp-bench-%d", (int)getpid());
        measure(o, kinds, n);
        print_table(o, kinds, n, &kinds[0], "ms", 1000);
        if (n == 2)
                printf("wrapper (with the hook it injects) adds %.2f ms wall per runc run\n",
                       (stats_of(kinds[1].us, o->batches).median - stats_of(kinds[0].us, o->batches).median) / 1000);
        return kinds[0].failures || (n == 2 && kinds[1].failures);
}

static void usage(void)
{
        fprintf(stderr, "usage: bench hook|once|wrapper|runc --work DIR [--hook H --plan P --floor F] "
                "[--wrapper X --stub S --runc R --hooks J] [-b BATCHES] [-n INVOCATIONS] [-- CMD...]\n");
        exit(2);
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "work", required_argument, NULL, 'w' }, { "hook", required_argument, NULL, 'H' },
                { "plan", required_argument, NULL, 'p' }, { "floor", required_argument, NULL, 'f' },
                { "wrapper", required_argument, NULL, 'x' }, { "stub", required_argument, NULL, 's' },
                { "runc", required_argument, NULL, 'r' }, { "hooks", required_argument, NULL, 'j' },
                { "premount-tmpfs", no_argument, NULL, 'T' },
                { 0 },
        };
        struct opts o = { .batches = 11, .inv = 20 };
        const char *cmd;
        int c;

        if (argc < 2)
                usage();
        cmd = argv[1];
        optind = 2;
        while ((c = getopt_long(argc, argv, "+b:n:", longopts, NULL)) != -1) {
                switch (c) {
                case 'w': o.work = optarg; break;
                case 'H': o.hook = optarg; break;
                case 'p': o.plan = optarg; break;
                case 'f': o.floor = optarg; break;
                case 'x': o.wrapper = optarg; break;
                case 's': o.stub = optarg; break;
                case 'r': o.runc = optarg; break;
                case 'j': o.hooks = optarg; break;
                case 'T': premount_cgroup2 = false; break;
                case 'b': o.batches = atoi(optarg); break;
                case 'n': o.inv = atoi(optarg); break;
                default: usage();
                }
        }
        if (!o.work || o.batches < 1 || o.batches > MAX_BATCHES || o.inv < 1)
                usage();
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (strcmp(cmd, "hook") == 0 || strcmp(cmd, "once") == 0)
                cgroup_setup();
        if (strcmp(cmd, "hook") == 0 && o.hook && o.plan && o.floor)
                return cmd_hook(&o);
        if (strcmp(cmd, "once") == 0 && optind < argc)
                return cmd_once(&o, (const char *const *)argv + optind);
        if (strcmp(cmd, "wrapper") == 0 && o.wrapper && o.stub && o.hooks)
                return cmd_wrapper(&o);
        if (strcmp(cmd, "runc") == 0 && o.runc && (!o.wrapper || o.hooks))
                return cmd_runc(&o);
        usage();
}
