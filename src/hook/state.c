/* SPDX-License-Identifier: MIT */
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "json.h"

static int state_get_pid(json_t *root, const char *what, int *pid, struct error *e)
{
        json_t *v = json_object_get(root, "pid");
        json_int_t p;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v))
                return error_set(e, -EINVAL, "%s: pid must be an integer", what);
        p = json_integer_value(v);
        if (p < 0 || p > INT_MAX)
                return error_set(e, -EINVAL, "%s: pid %lld out of range", what, (long long)p);
        *pid = (int)p;
        return 0;
}

/* The id ends up in paths and file contents; runc allows only these characters. */
bool state_id_is_sane(const char *id)
{
        return strlen(id) <= 1024 &&
               strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-") == strlen(id);
}

/* The members read below: jscan builds only these (jansson's whole parse was 3% of a hook run). */
static const struct jscan_keep state_keep[] = {
        { "ociVersion", NULL }, { "id", NULL }, { "status", NULL }, { "bundle", NULL }, { "pid", NULL },
        { "annotations", NULL }, { NULL, NULL },
};

static int state_parse_tree(json_t *root, const char *what, struct state *s, struct error *e)
{
        const char *ver = NULL, *id = NULL, *status = NULL, *bundle = NULL;
        int r;

        if ((r = json_get_string(root, "ociVersion", what, "", &ver, e)) < 0 ||
            (r = json_get_string(root, "id", what, "", &id, e)) < 0 ||
            (r = json_get_string(root, "status", what, "", &status, e)) < 0 ||
            (r = json_get_string(root, "bundle", what, "", &bundle, e)) < 0 ||
            (r = state_get_pid(root, what, &s->pid, e)) < 0 ||
            (r = json_get_string_map(root, "annotations", what, "", &s->annotations, e)) < 0)
                goto fail;
        if (!id || !*id) {
                r = error_set(e, -EINVAL, "%s: state has no container id", what);
                goto fail;
        }
        if (!state_id_is_sane(id)) {
                r = error_set(e, -EINVAL, "%s: container id \"%.64s\" has characters outside [A-Za-z0-9_.+-]", what, id);
                goto fail;
        }
        if (!bundle || !*bundle) {
                r = error_set(e, -EINVAL, "%s: state has no bundle path", what);
                goto fail;
        }
        if (bundle[0] != '/') {
                r = error_set(e, -EINVAL, "%s: bundle \"%s\" is not an absolute path", what, bundle);
                goto fail;
        }
        s->id = xstrdup(id);
        s->bundle = xstrdup(bundle);
        return 0;
fail:
        state_free(s);
        return r;
}

int state_parse(const char *buf, size_t len, const char *what, struct state *s, struct error *e)
{
        json_t *root = NULL;
        int r;

        memset(s, 0, sizeof(*s));
        r = json_parse_kept(buf, len, what, state_keep, &root, e);
        if (r < 0)
                return r;
        r = state_parse_tree(root, what, s, e);
        if (!exit_keep(root))
                json_decref(root);
        return r;
}

void state_free(struct state *s)
{
        free(s->id);
        free(s->bundle);
        kvlist_free(&s->annotations);
        memset(s, 0, sizeof(*s));
}
