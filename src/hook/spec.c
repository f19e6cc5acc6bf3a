/* SPDX-License-Identifier: MIT */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/*
 * "prefix[i]." for the messages of element i, without printf (one per element of
 * mounts: snprintf was 1.5% of a hook run). size holds any prefix used here.
 */
static void element_path(char *out, size_t size, const char *prefix, size_t i)
{
        char digits[24];
        size_t n = 0, len = strlen(prefix);

        do
                digits[n++] = (char)('0' + i % 10);
        while ((i /= 10) != 0);
        if (len + n + 4 > size) {
                *out = '\0';
                return;
        }
        memcpy(out, prefix, len);
        out[len++] = '[';
        while (n > 0)
                out[len++] = digits[--n];
        memcpy(out + len, "].", 3);
}

/* Collapses "//", "/./" and a trailing slash, so "/tmp/" and "/tmp" compare equal. */
static char *spec_clean_path(const char *p)
{
        char *out = xmalloc(strlen(p) + 2), *o = out;

        for (const char *c = p; *c; ) {
                const char *next = strchrnul(c, '/');
                size_t n = (size_t)(next - c);

                if (n > 0 && !(n == 1 && c[0] == '.')) {
                        *o++ = '/';
                        memcpy(o, c, n);
                        o += n;
                }
                c = *next ? next + 1 : next;
        }
        if (o == out)
                *o++ = '/';
        *o = '\0';
        return out;
}

static int spec_parse_root(json_t *root, const char *what, const char *bundle,
                           struct spec *s, struct error *e)
{
        json_t *r = NULL, *ro;
        const char *path = NULL;
        int ret;

        if ((ret = json_get_object(root, "root", what, "", &r, e)) < 0)
                return ret;
        if (r && (ret = json_get_string(r, "path", what, "root.", &path, e)) < 0)
                return ret;
        if (!path || !*path)
                return error_set(e, -EINVAL, "%s: root.path is missing", what);
        ro = r ? json_object_get(r, "readonly") : NULL;
        if (ro && !json_is_null(ro) && !json_is_boolean(ro))
                return error_set(e, -EINVAL, "%s: root.readonly must be a boolean", what);
        s->root_readonly = ro && json_is_true(ro);
        if (path[0] == '/')
                s->root_path = spec_clean_path(path);
        else {
                _cleanup_free_ char *joined = path_join(bundle, path);

                s->root_path = spec_clean_path(joined);
        }
        return 0;
}

static int spec_parse_strings(json_t *arr, const char *what, const char *name,
                              struct strv *out, struct error *e)
{
        size_t i;
        json_t *v;

        json_array_foreach(arr, i, v) {
                if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                        return error_set(e, -EINVAL, "%s: %s[%zu] must be a string", what, name, i);
                strv_push_copy(out, json_string_value(v));
        }
        return 0;
}

/* "K=V" strings into s->env, a later K replacing an earlier one, without copying the list first. */
static int spec_parse_env(json_t *env, const char *what, struct spec *s, struct error *e)
{
        size_t i;
        json_t *v;

        json_array_foreach(env, i, v) {
                const char *kv = json_is_string(v) ? json_string_value(v) : NULL, *eq;

                if (!kv || strlen(kv) != json_string_length(v))
                        return error_set(e, -EINVAL, "%s: process.env[%zu] must be a string", what, i);
                eq = strchr(kv, '=');
                /* An entry without '=' is malformed; runtimes ignore it and so do we. */
                if (eq && eq != kv)
                        kvlist_set_n(&s->env, kv, (size_t)(eq - kv), eq + 1);
        }
        return 0;
}

static int spec_parse_process(json_t *root, const char *what, struct spec *s, struct error *e)
{
        json_t *proc = NULL, *args = NULL, *env = NULL;
        const char *cwd = NULL;
        int r;

        if ((r = json_get_object(root, "process", what, "", &proc, e)) < 0 || !proc)
                return r;
        if ((r = json_get_array(proc, "args", what, "process.", &args, e)) < 0 ||
            (r = json_get_array(proc, "env", what, "process.", &env, e)) < 0 ||
            (r = json_get_string(proc, "cwd", what, "process.", &cwd, e)) < 0)
                return r;
        /* Only an absolute cwd means something to the rootfs; runtimes refuse others. */
        if (cwd && cwd[0] == '/')
                s->cwd = xstrdup(cwd);
        if (args && (r = spec_parse_strings(args, what, "process.args", &s->args, e)) < 0)
                return r;
        return env ? spec_parse_env(env, what, s, e) : 0;
}

static int spec_parse_mounts(json_t *root, const char *what, struct spec *s, struct error *e)
{
        json_t *mounts = NULL, *m;
        size_t i;
        int r;

        if ((r = json_get_array(root, "mounts", what, "", &mounts, e)) < 0 || !mounts)
                return r;
        s->mounts = xcalloc(json_array_size(mounts) + 1, sizeof(*s->mounts));
        json_array_foreach(mounts, i, m) {
                const char *dest = NULL, *type = NULL, *src = NULL;
                char path[32];

                element_path(path, sizeof(path), "mounts", i);
                if (!json_is_object(m))
                        return error_set(e, -EINVAL, "%s: mounts[%zu] must be an object", what, i);
                if ((r = json_get_string(m, "destination", what, path, &dest, e)) < 0 ||
                    (r = json_get_string(m, "type", what, path, &type, e)) < 0 ||
                    (r = json_get_string(m, "source", what, path, &src, e)) < 0)
                        return r;
                if (!dest || !*dest)
                        return error_set(e, -EINVAL, "%s: mounts[%zu] has no destination", what, i);
                /* ".." is resolved here, so that nothing downstream mistakes "/run/../etc" for "below /run". */
                if (path_normalize(dest, &s->mounts[s->n_mounts].destination) < 0)
                        return error_set(e, -EINVAL, "%s: mounts[%zu].destination \"%s\" climbs out of the "
                                         "container's root with \"..\"", what, i, dest);
                s->mounts[s->n_mounts].type = xstrdup(type ? type : "");
                s->mounts[s->n_mounts].source = xstrdup(src ? src : "");
                s->n_mounts++;
        }
        return 0;
}

/* One member of a mapping: an integer id or size, 0 .. 2^32-1. */
static int spec_get_id(json_t *m, const char *key, const char *what, const char *name, size_t i,
                       uint32_t *out, struct error *e)
{
        json_t *v = json_object_get(m, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)UINT32_MAX)
                return error_set(e, -EINVAL, "%s: %s[%zu].%s must be an integer from 0 to 4294967295", what,
                                 name, i, key);
        *out = (uint32_t)json_integer_value(v);
        return 0;
}

static int spec_parse_idmap(json_t *linux_, const char *key, const char *what, struct idmap *out,
                            struct error *e)
{
        json_t *arr = NULL, *m;
        char name[32];
        size_t i;
        int r;

        snprintf(name, sizeof(name), "linux.%s", key);
        if ((r = json_get_array(linux_, key, what, "linux.", &arr, e)) < 0 || !arr)
                return r;
        json_array_foreach(arr, i, m) {
                uint32_t in, outside, n;

                if (!json_is_object(m))
                        return error_set(e, -EINVAL, "%s: %s[%zu] must be an object", what, name, i);
                if ((r = spec_get_id(m, "containerID", what, name, i, &in, e)) < 0 ||
                    (r = spec_get_id(m, "hostID", what, name, i, &outside, e)) < 0 ||
                    (r = spec_get_id(m, "size", what, name, i, &n, e)) < 0)
                        return r;
                idmap_push(out, in, outside, n);
        }
        if ((r = idmap_check(out, name, e)) < 0)
                return error_wrap(e, "%s: ", what);
        return 0;
}

/* A user namespace's mappings, which must make sense together with the namespace. */
static int spec_parse_userns(json_t *linux_, const char *what, struct spec *s, struct error *e)
{
        int r;

        if ((r = spec_parse_idmap(linux_, "uidMappings", what, &s->uid_map, e)) < 0 ||
            (r = spec_parse_idmap(linux_, "gidMappings", what, &s->gid_map, e)) < 0)
                return r;
        if ((s->uid_map.n > 0) != (s->gid_map.n > 0))
                return error_set(e, -EINVAL, "%s: linux.%s without linux.%s", what,
                                 s->uid_map.n ? "uidMappings" : "gidMappings", s->uid_map.n ? "gidMappings" : "uidMappings");
        if (s->uid_map.n > 0 && !s->userns)
                return error_set(e, -EINVAL, "%s: linux.uidMappings without a user namespace in linux.namespaces",
                                 what);
        if (s->userns && !s->userns_joined && s->uid_map.n == 0)
                return error_set(e, -EINVAL, "%s: a new user namespace needs linux.uidMappings and "
                                 "linux.gidMappings", what);
        return 0;
}

static int spec_parse_linux(json_t *root, const char *what, struct spec *s, struct error *e)
{
        json_t *linux_ = NULL, *ns = NULL, *n;
        const char *cgpath = NULL, *label = NULL;
        size_t i;
        int r;

        if ((r = json_get_object(root, "linux", what, "", &linux_, e)) < 0 || !linux_)
                return r;
        if ((r = json_get_string(linux_, "cgroupsPath", what, "linux.", &cgpath, e)) < 0 ||
            (r = json_get_string(linux_, "mountLabel", what, "linux.", &label, e)) < 0 ||
            (r = json_get_array(linux_, "namespaces", what, "linux.", &ns, e)) < 0)
                return r;
        if (cgpath)
                s->cgroups_path = xstrdup(cgpath);
        if (label && *label)
                s->mount_label = xstrdup(label);
        if (!ns)
                return spec_parse_userns(linux_, what, s, e);
        json_array_foreach(ns, i, n) {
                const char *type = NULL, *path = NULL;
                char p[40];

                element_path(p, sizeof(p), "linux.namespaces", i);
                if (!json_is_object(n))
                        return error_set(e, -EINVAL, "%s: linux.namespaces[%zu] must be an object", what, i);
                if ((r = json_get_string(n, "type", what, p, &type, e)) < 0 ||
                    (r = json_get_string(n, "path", what, p, &path, e)) < 0)
                        return r;
                if (type && strcmp(type, "cgroup") == 0) {
                        s->cgroupns_private = !path || !*path;
                        s->cgroupns_joined = path && *path;
                }
                if (type && strcmp(type, "user") == 0) {
                        s->userns = true;
                        s->userns_joined = path && *path;
                }
        }
        return spec_parse_userns(linux_, what, s, e);
}

/*
 * What the functions above read, and all that is handed to jansson: the rest of
 * config.json (seccomp above all) is only checked to be valid JSON. A member read
 * here must be added to this table.
 */
static const struct jscan_keep process_keep[] = {
        { "args", NULL }, { "env", NULL }, { "cwd", NULL }, { NULL, NULL },
};
static const struct jscan_keep root_keep[] = {
        { "path", NULL }, { "readonly", NULL }, { NULL, NULL },
};
static const struct jscan_keep mount_keep[] = {
        { "destination", NULL }, { "type", NULL }, { "source", NULL }, { NULL, NULL },
};
static const struct jscan_keep namespace_keep[] = {
        { "type", NULL }, { "path", NULL }, { NULL, NULL },
};
static const struct jscan_keep linux_keep[] = {
        { "cgroupsPath", NULL }, { "namespaces", namespace_keep }, { "uidMappings", NULL }, { "gidMappings", NULL },
        { "mountLabel", NULL }, { NULL, NULL },
};
const struct jscan_keep spec_keep[] = {
        { "root", root_keep }, { "process", process_keep }, { "hostname", NULL }, { "annotations", NULL },
        { "mounts", mount_keep }, { "linux", linux_keep }, { NULL, NULL },
};

static int spec_parse_tree(json_t *root, const char *what, const char *bundle, struct spec *s, struct error *e)
{
        const char *hostname = NULL;
        int r;

        if ((r = spec_parse_root(root, what, bundle, s, e)) < 0 ||
            (r = spec_parse_process(root, what, s, e)) < 0 ||
            (r = json_get_string(root, "hostname", what, "", &hostname, e)) < 0 ||
            (r = json_get_string_map(root, "annotations", what, "", &s->annotations, e)) < 0 ||
            (r = spec_parse_mounts(root, what, s, e)) < 0 ||
            (r = spec_parse_linux(root, what, s, e)) < 0) {
                spec_free(s);
                return r;
        }
        s->hostname = xstrdup(hostname ? hostname : "");
        return 0;
}

int spec_parse(const char *buf, size_t len, const char *what, const char *bundle,
               struct spec *s, struct error *e)
{
        json_t *root = NULL;
        int r;

        memset(s, 0, sizeof(*s));
        r = json_parse_kept(buf, len, what, spec_keep, &root, e);
        if (r < 0)
                return r;
        r = spec_parse_tree(root, what, bundle, s, e);
        if (!exit_keep(root))
                json_decref(root);
        return r;
}

int spec_load(const char *bundle, struct spec *s, struct error *e)
{
        _cleanup_free_ char *path = path_join(bundle, "config.json");
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = read_file_capped(AT_FDCWD, path, SPEC_MAX_BYTES, &buf, &len, e);
        if (r < 0)
                return r;
        return spec_parse(buf, len, path, bundle, s, e);
}

void spec_free(struct spec *s)
{
        free(s->root_path);
        strv_free(&s->args);
        free(s->cwd);
        kvlist_free(&s->env);
        free(s->hostname);
        kvlist_free(&s->annotations);
        for (size_t i = 0; i < s->n_mounts; i++) {
                free(s->mounts[i].destination);
                free(s->mounts[i].type);
                free(s->mounts[i].source);
        }
        free(s->mounts);
        free(s->cgroups_path);
        idmap_free(&s->uid_map);
        idmap_free(&s->gid_map);
        free(s->mount_label);
        memset(s, 0, sizeof(*s));
}

bool spec_mounts_at(const struct spec *s, const char *dest)
{
        for (size_t i = 0; i < s->n_mounts; i++)
                if (strcmp(s->mounts[i].destination, dest) == 0)
                        return true;
        return false;
}
