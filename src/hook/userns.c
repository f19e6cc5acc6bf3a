/* SPDX-License-Identifier: MIT */
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define MAP_FILE_MAX 16384        /* 340 lines of three ids */

static int read_map(const char *who, const char *file, struct idmap *m, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%s/%s", who, file);
        if ((r = read_file_capped(AT_FDCWD, path, MAP_FILE_MAX, &buf, NULL, e)) < 0)
                return r;
        return idmap_parse_proc(buf, path, m, e);
}

/* The kernel's initial user namespace (PROC_USER_INIT_INO): its maps are the identity. */
#define USER_INIT_NS_INO 0xEFFFFFFDU

/* One stat instead of reading the maps, for the common case; false: read them. */
static bool in_initial_userns(const char *who)
{
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%s/ns/user", who);
        return stat(path, &st) == 0 && st.st_ino == USER_INIT_NS_INO;
}

int userns_probe(const char *stage, int state_pid, bool dry_run, struct userns_facts *u, struct error *e)
{
        char who[16] = "self";
        int r;

        memset(u, 0, sizeof(*u));
        if (dry_run)
                return 0;
        if (strcmp(stage, "createContainer") != 0) {
                if (state_pid <= 0)
                        return 0;
                u->pid = state_pid;
                snprintf(who, sizeof(who), "%d", state_pid);
        }
        if (in_initial_userns(who)) {
                u->known = true;
                idmap_push(&u->uid_map, 0, 0, UINT32_MAX);
                idmap_push(&u->gid_map, 0, 0, UINT32_MAX);
                return 0;
        }
        /* The initial user namespace's gid map is the identity too: one read tells. */
        if ((r = read_map(who, "uid_map", &u->uid_map, e)) < 0 ||
            (!idmap_is_identity(&u->uid_map) && (r = read_map(who, "gid_map", &u->gid_map, e)) < 0)) {
                /* poststop: the container is gone, and with it what the kernel knew. */
                if (r == -ENOENT && strcmp(stage, "poststop") == 0) {
                        userns_facts_free(u);
                        return 0;
                }
                return r;
        }
        u->known = true;
        u->userns = !idmap_is_identity(&u->uid_map);
        if (!u->userns)
                idmap_push(&u->gid_map, 0, 0, UINT32_MAX);
        return 0;
}

static char *whose(const struct userns_facts *u)
{
        return u->pid ? xasprintf("the container's init (pid %d)", u->pid) : xstrdup("the container (the hook's own)");
}

/* The kernel's maps against config.json's; either may be absent. */
static int userns_cross_check(const struct userns_facts *u, const struct spec *s, struct error *e)
{
        _cleanup_free_ char *w = whose(u), *theirs = NULL, *ours = NULL;

        if (!u->userns && s->userns)
                return error_set(e, -EPERM, "config.json asks for a user namespace, but %s is in the host's; "
                                 "refusing", w);
        if (u->userns && !s->userns)
                return error_set(e, -EPERM, "%s is in a user namespace config.json does not name; refusing", w);
        if (!u->userns || s->uid_map.n == 0)
                return 0;
        if (!idmap_equal(&u->uid_map, &s->uid_map) || !idmap_equal(&u->gid_map, &s->gid_map)) {
                bool uid = !idmap_equal(&u->uid_map, &s->uid_map);

                theirs = idmap_describe(uid ? &u->uid_map : &u->gid_map);
                ours = idmap_describe(uid ? &s->uid_map : &s->gid_map);
                return error_set(e, -EPERM, "config.json's linux.%s (%s) are not those of %s (%s); refusing",
                                 uid ? "uidMappings" : "gidMappings", ours, w, theirs);
        }
        return 0;
}

int userns_settle(const struct userns_facts *u, const struct spec *s, const char *what, struct userns_result *out,
                  struct error *e)
{
        const struct idmap *um = u->known ? &u->uid_map : &s->uid_map;
        const struct idmap *gm = u->known ? &u->gid_map : &s->gid_map;
        _cleanup_free_ char *desc = NULL, *w = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if (u->known && (r = userns_cross_check(u, s, e)) < 0)
                return error_wrap(e, "%s: ", what);
        out->userns = u->known ? u->userns : s->userns;
        if (!out->userns) {
                out->why = xstrdup(u->known ? "no user namespace (the kernel's uid_map is the identity)"
                                            : "config.json has no user namespace");
                return 0;
        }
        if (um->n == 0) {
                /* A dry run of a namespace joined by path: only the kernel knows its maps. */
                out->why = xstrdup("a user namespace joined by path (its maps are read from the kernel "
                                   "when the hook runs)");
                return 0;
        }
        if (!idmap_to_outside(um, 0, &out->root_uid) || !idmap_to_outside(gm, 0, &out->root_gid))
                return error_set(e, -EINVAL, "%s: the container's root (%s 0) is not mapped by %s; nothing the "
                                 "hook makes could belong to it", what,
                                 idmap_to_outside(um, 0, &out->root_uid) ? "gid" : "uid",
                                 u->known ? "the kernel's maps" : "config.json's linux.uidMappings/gidMappings");
        desc = idmap_describe(um);
        w = u->known ? whose(u) : NULL;
        out->why = xasprintf("a user namespace, uid map %s (%s): root is %u:%u on the host", desc,
                             w ? w : "config.json", out->root_uid, out->root_gid);
        return 0;
}

void userns_facts_free(struct userns_facts *u)
{
        idmap_free(&u->uid_map);
        idmap_free(&u->gid_map);
}

void userns_result_free(struct userns_result *r)
{
        free(r->why);
        r->why = NULL;
}
