/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#define ARENA_CHUNK (64 * 1024)
#define ARENA_ALIGN 16

/* Each chunk begins with the previous one's address: all stay reachable from arena.chunk. */
static struct {
        char *chunk;
        size_t used, size;
} arena;

static void *arena_alloc(size_t n)
{
        size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

        if (need < n)
                return NULL;
        if (!arena.chunk || arena.size - arena.used < need) {
                size_t size = need + ARENA_ALIGN > ARENA_CHUNK ? need + ARENA_ALIGN : ARENA_CHUNK;
                char *c = malloc(size);

                if (!c)
                        return NULL;
                *(char **)c = arena.chunk;
                arena.chunk = c;
                arena.used = ARENA_ALIGN;
                arena.size = size;
        }
        arena.used += need;
        return arena.chunk + arena.used - need;
}

static void arena_free(void *p)
{
        (void)p;        /* the chunks go with the process */
}

void json_use_arena(void)
{
        json_set_alloc_funcs(arena_alloc, arena_free);
}

void json_seed(void)
{
        uint32_t seed = 0;

        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed != 0)
                json_object_seed(seed);
}

int json_parse_strict(const char *buf, size_t len, const char *what, json_t **out, struct error *e)
{
        json_error_t je;
        json_t *j;

        if (len == 0)
                return error_set(e, -EINVAL, "%s: empty input, expected a JSON object", what);
        /*
         * Without JSON_ALLOW_NUL jansson refuses "\u0000" in strings and keys, so no
         * value is cut short at a NUL into another one; say so in plain words.
         */
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (!j && strstr(je.text, "JSON_ALLOW_NUL"))
                return error_set(e, -EINVAL, "%s:%d:%d: a string holds \\u0000 (a NUL byte): refused", what,
                                 je.line, je.column);
        if (!j)
                return error_set(e, -EINVAL, "%s:%d:%d: %s", what, je.line, je.column, je.text);
        if (!json_is_object(j)) {
                json_decref(j);
                return error_set(e, -EINVAL, "%s: expected a JSON object", what);
        }
        *out = j;
        return 0;
}

int json_parse_kept(const char *buf, size_t len, const char *what, const struct jscan_keep *keep, json_t **out,
                    struct error *e)
{
        json_t *j = len > 0 ? jscan_extract(buf, len, keep) : NULL;

        if (j) {
                *out = j;
                return 0;
        }
        /* Not for certain valid: jansson says where and why. */
        return json_parse_strict(buf, len, what, out, e);
}

static int json_get_typed(json_t *obj, const char *key, const char *what, const char *path,
                          json_type type, const char *tname, json_t **out, struct error *e)
{
        json_t *v = json_object_get(obj, key);

        if (!v || json_is_null(v))
                return 0;
        if (json_typeof(v) != type)
                return error_set(e, -EINVAL, "%s: %s%s must be %s", what, path, key, tname);
        *out = v;
        return 0;
}

int json_get_string(json_t *obj, const char *key, const char *what, const char *path,
                    const char **out, struct error *e)
{
        json_t *v = NULL;
        int r = json_get_typed(obj, key, what, path, JSON_STRING, "a string", &v, e);

        if (r < 0 || !v)
                return r;
        if (strlen(json_string_value(v)) != json_string_length(v))
                return error_set(e, -EINVAL, "%s: %s%s contains a NUL byte", what, path, key);
        *out = json_string_value(v);
        return 0;
}

int json_get_object(json_t *obj, const char *key, const char *what, const char *path,
                    json_t **out, struct error *e)
{
        return json_get_typed(obj, key, what, path, JSON_OBJECT, "an object", out, e);
}

int json_get_array(json_t *obj, const char *key, const char *what, const char *path,
                   json_t **out, struct error *e)
{
        return json_get_typed(obj, key, what, path, JSON_ARRAY, "an array", out, e);
}

int json_get_string_map(json_t *obj, const char *key, const char *what, const char *path,
                        struct kvlist *l, struct error *e)
{
        json_t *map = NULL, *v;
        const char *k;
        int r = json_get_object(obj, key, what, path, &map, e);

        if (r < 0 || !map)
                return r;
        json_object_foreach(map, k, v) {
                if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                        return error_set(e, -EINVAL, "%s: %s%s.\"%s\" must be a string", what, path, key, k);
                kvlist_set(l, k, json_string_value(v));
        }
        return 0;
}
