/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);

        if (!p)
                abort();
        return p;
}

char *xstrdup(const char *s)
{
        char *p = strdup(s);

        if (!p)
                abort();
        return p;
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *p;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&p, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return p;
}

int strv_push(struct strv *s, char *owned)
{
        char **v = realloc(s->v, (s->n + 2) * sizeof(char *));

        if (!v) {
                free(owned);
                return -ENOMEM;
        }
        v[s->n++] = owned;
        v[s->n] = NULL;
        s->v = v;
        return 0;
}

int strv_push_copy(struct strv *s, const char *str)
{
        return strv_push(s, xstrdup(str));
}

void strv_free(struct strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

bool strv_contains(const struct strv *s, const char *str)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i], str) == 0)
                        return true;
        return false;
}

char *strv_join(const struct strv *s, const char *sep)
{
        size_t len = 1;
        char *out, *o;

        for (size_t i = 0; i < s->n; i++)
                len += strlen(s->v[i]) + strlen(sep);
        out = o = xmalloc(len);
        *o = '\0';
        for (size_t i = 0; i < s->n; i++)
                o = stpcpy(stpcpy(o, i ? sep : ""), s->v[i]);
        return out;
}

int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 64;

                while (cap < b->len + n + 1)
                        cap *= 2;
                b->s = realloc(b->s, cap);
                if (!b->s)
                        abort();        /* as xmalloc() */
                b->cap = cap;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
        strbuf_add(b, s, strlen(s));
}

void strbuf_putc(struct strbuf *b, char c)
{
        strbuf_add(b, &c, 1);
}

char *strbuf_take(struct strbuf *b)
{
        char *s = b->s ? b->s : xstrdup("");

        *b = (struct strbuf){ 0 };
        return s;
}

int read_fd_capped(int fd, size_t max, char **out, size_t *len, struct error *e, const char *what)
{
        /* A Docker config.json (~14 KiB) in one read and one more for the end; untouched pages cost nothing. */
        size_t size = 0, cap = 64 * 1024 - 1;
        _cleanup_free_ char *buf = xmalloc(cap + 1);

        for (;;) {
                ssize_t n;

                if (size == cap) {
                        char *nb;

                        if (cap > max)
                                return error_set(e, -EFBIG, "%s: larger than %zu bytes", what, max);
                        cap *= 2;
                        nb = realloc(buf, cap + 1);
                        if (!nb)
                                return error_set(e, -ENOMEM, "%s: out of memory", what);
                        buf = nb;
                }
                n = read(fd, buf + size, cap - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_setsys(e, -errno, "%s: read failed", what);
                }
                if (n == 0)
                        break;
                size += (size_t)n;
        }
        if (size > max)
                return error_set(e, -EFBIG, "%s: larger than %zu bytes", what, max);
        buf[size] = '\0';
        if (len)
                *len = size;
        *out = TAKE_PTR(buf);
        return 0;
}

int read_file_capped(int dirfd, const char *path, size_t max, char **out, size_t *len,
                     struct error *e)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return error_setsys(e, -errno, "%s", path);
        return read_fd_capped(fd, max, out, len, e, path);
}

bool path_is_normalized_absolute(const char *p)
{
        if (!p || p[0] != '/')
                return false;
        if (p[1] == '\0')
                return true;
        for (const char *c = p; *c; ) {
                const char *next;
                size_t n;

                c++;                                    /* skip the slash */
                next = strchrnul(c, '/');
                n = (size_t)(next - c);
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c = next;
        }
        return true;
}

bool path_is_below(const char *child, const char *parent, bool or_equal)
{
        size_t n = strlen(parent);

        if (strcmp(parent, "/") == 0)
                return or_equal || strcmp(child, "/") != 0;
        if (strncmp(child, parent, n) != 0)
                return false;
        if (child[n] == '\0')
                return or_equal;
        return child[n] == '/';
}

char *path_join(const char *a, const char *b)
{
        size_t la = strlen(a);

        while (la > 0 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        return xasprintf("%.*s/%s", (int)la, a, b);
}

int parse_mode(const char *s, unsigned *mode)
{
        unsigned long v;
        char *end;

        if (!s || !*s || strspn(s, "01234567") != strlen(s) || strlen(s) > 5)
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 8);
        if (errno || *end || v > 07777)
                return -ERANGE;
        *mode = (unsigned)v;
        return 0;
}

void kvlist_set(struct kvlist *l, const char *key, const char *value)
{
        struct kv *v;

        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i].key, key) == 0) {
                        free(l->v[i].value);
                        l->v[i].value = xstrdup(value);
                        return;
                }
        v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v)
                abort();
        v[l->n].key = xstrdup(key);
        v[l->n].value = xstrdup(value);
        l->v = v;
        l->n++;
}

const char *kvlist_get(const struct kvlist *l, const char *key)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i].key, key) == 0)
                        return l->v[i].value;
        return NULL;
}

void kvlist_free(struct kvlist *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].key);
                free(l->v[i].value);
        }
        free(l->v);
        l->v = NULL;
        l->n = 0;
}
