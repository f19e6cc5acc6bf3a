/* SPDX-License-Identifier: MIT */
/*
 * The executor for real (as root, in a private mount namespace) with a container
 * root mapped to host ids 100000:100000: everything the operations create inside
 * the rootfs is given to that owner, nothing that was there before is.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "plan.h"
#include "report.h"
#include "resolve.h"
#include "tap.h"

#define OWNER 100000

static char top[] = "/var/tmp/omp-test-exec.XXXXXX";
static char root[64];

static void path_in(char *buf, size_t n, const char *rel)
{
        snprintf(buf, n, "%s%s", root, rel);
}

/* Is the file at rel inside the rootfs (not following a last symlink) owned by uid:gid? */
static bool owned_by(const char *rel, uid_t uid)
{
        char p[512];
        struct stat st;

        path_in(p, sizeof(p), rel);
        return lstat(p, &st) == 0 && st.st_uid == uid && st.st_gid == (gid_t)uid;
}

static int setup(void)
{
        char p[600];

        if (!mkdtemp(top))
                return -errno;
        snprintf(root, sizeof(root), "%s/rootfs", top);
        snprintf(p, sizeof(p), "mkdir -p %s/etc %s/run/t/sub %s/run/u %s/srcdir && echo x >%s/srcfile && "
                 "mount --bind %s/srcdir %s/run/t/sub", root, root, root, top, top, top, root);
        return system(p) == 0 ? 0 : -EIO;
}

static const char *plan_text(void)
{
        static char text[4096];

        snprintf(text, sizeof(text),
                 "version = 1;\nactions = (\n"
                 "{ type = \"mkdir\"; target = \"/a/b/c\"; mode = \"0750\"; },\n"
                 "{ type = \"file\"; target = \"/etc/x/hostname\"; content = \"h\"; },\n"
                 "{ type = \"file\"; target = \"/etc/mid\"; content = \"m\"; via = \"bind\"; },\n"
                 "{ type = \"bind\"; source = \"%s/srcfile\"; target = \"/mnt/f\"; readonly = true; },\n"
                 "{ type = \"tmpfs\"; target = \"/run/t\"; },\n"
                 "{ type = \"tmpfs\"; target = \"/run/u\"; options = \"uid=5,gid=5\"; },\n"
                 "{ type = \"symlink\"; target = \"/l/d/link\"; source = \"../x\"; }\n"
                 ");\n", top);
        return text;
}

/* The dry run names the owner when it is not root's (golden outputs, with root, stay as they were). */
static void check_report(const struct resolution *res)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        report_text(f, res);
        fclose(f);
        ok(text && strstr(text, "  mkdir  /a/b/c host=") && strstr(text, " mode=0750 owner=100000:100000 [plan.conf:3]"),
           "the text report shows the owner");
        free(text);
        f = open_memstream(&text, &size);
        report_json(f, res);
        fclose(f);
        ok(text && strstr(text, "\"uid\": 100000") && strstr(text, "\"gid\": 100000"), "the JSON report too");
        free(text);
}

static int run_plan(struct error *e)
{
        static const char state_json[] = "{\"ociVersion\": \"1.0.2\", \"id\": \"owner\", \"pid\": 1, \"bundle\": \"/\"}";
        char config[512];
        struct diag d = { 0 };
        struct plan p;
        struct spec spec;
        struct state state;
        struct resolution res;
        enum exec_outcome *outcomes;
        const char *text = plan_text();
        int r;

        snprintf(config, sizeof(config), "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/sbin/init\"]},"
                 " \"root\": {\"path\": \"%s\"}}", root);
        if (plan_load_string(text, strlen(text), "plan.conf", &p, &d) < 0)
                return error_set(e, -EINVAL, "%s", d.n ? d.msgs[0] : "plan");
        if ((r = state_parse(state_json, strlen(state_json), "state", &state, e)) < 0 ||
            (r = spec_parse(config, strlen(config), "config.json", "/", &spec, e)) < 0 ||
            (r = resolve_plans(&p, 1, &spec, &state, NULL, "createContainer", true, &res, e)) < 0)
                return r;
        /* What the user-namespace support puts in the resolution, and each op takes from it. */
        res.root_uid = OWNER;
        res.root_gid = OWNER;
        for (size_t i = 0; i < res.n_ops; i++) {
                res.ops[i].uid = OWNER;
                res.ops[i].gid = OWNER;
        }
        check_report(&res);
        outcomes = calloc(res.n_ops, sizeof(*outcomes));
        r = exec_resolution(&res, &spec, &state, outcomes, e);
        free(outcomes);
        resolution_free(&res);
        spec_free(&spec);
        state_free(&state);
        plan_free(&p);
        diag_free(&d);
        return r;
}

static void check_owners(void)
{
        ok(owned_by("/a", OWNER) && owned_by("/a/b", OWNER) && owned_by("/a/b/c", OWNER),
           "mkdir: every directory it made belongs to the container's root");
        ok(owned_by("/etc/x", OWNER) && owned_by("/etc/x/hostname", OWNER), "file: its directory and the file too");
        ok(owned_by("/etc", 0), "a directory that was there stays root's");
        ok(owned_by("/mnt", OWNER), "bind: the directory made for a file target");
        ok(owned_by("/run", 0), "tmpfs: the target that was there stays root's");
        ok(owned_by("/run/t", OWNER), "tmpfs: the new tmpfs's root");
        ok(owned_by("/run/u", 5), "tmpfs: ... unless its options say whose it is");
        ok(owned_by("/l", OWNER) && owned_by("/l/d", OWNER) && owned_by("/l/d/link", OWNER),
           "symlink: the link itself (not what it names) and its new parents");
}

/* Underneath the mounts: the mount points the bind and the file made. */
static void check_mount_points(void)
{
        char cmd[400];

        snprintf(cmd, sizeof(cmd), "umount %s/mnt/f && umount %s/etc/mid && umount %s/run/t/sub", root, root, root);
        ok(system(cmd) == 0, "the bind, the file's bind and the carried mount are there");
        ok(owned_by("/run/t/sub", OWNER), "tmpfs: the mount point made to carry a mount over");
        ok(owned_by("/mnt/f", OWNER), "bind: the file made as its mount point");
        ok(owned_by("/etc/mid", OWNER), "file via bind: the file made as its mount point");
}

int main(void)
{
        struct error e = { 0 };
        char cmd[400];
        int r;

        if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                printf("1..0 # SKIP needs root and a mount namespace\n");
                return 0;       /* a TAP skip, as tests/tap.sh's skip_all */
        }
        if ((r = setup()) < 0) {
                printf("Bail out! cannot set up %s: %s\n", top, strerror(-r));
                return 1;
        }
        r = run_plan(&e);
        ok(r == 0, "the plan runs with an owner (%s)", r < 0 ? e.msg : "ok");
        check_owners();
        check_mount_points();
        /* The mounts go with this process's namespace, but rm would find them busy. */
        snprintf(cmd, sizeof(cmd), "for i in 1 2 3; do awk -v r=%s 'index($5, r) == 1 { print $5 }' "
                 "/proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null; done; rm -rf '%s'", root, top);
        if (system(cmd) != 0)
                printf("# cannot remove %s\n", top);
        return tap_done();
}
