/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* By hand, not snprintf: made before most syscalls on an fd, where printf's machinery costs more. */
char *proc_fd_path(char buf[static PROC_FD_PATH_MAX], int fd)
{
        static const char prefix[] = "/proc/self/fd/";
        char digits[12];
        size_t n = 0;
        unsigned v = fd < 0 ? 0U - (unsigned)fd : (unsigned)fd;
        char *o = buf + sizeof(prefix) - 1;

        memcpy(buf, prefix, sizeof(prefix) - 1);
        do
                digits[n++] = (char)('0' + v % 10);
        while ((v /= 10) > 0);
        if (fd < 0)
                *o++ = '-';
        while (n > 0)
                *o++ = digits[--n];
        *o = '\0';
        return buf;
}

bool fd_same_inode(int a, int b)
{
        struct stat sa, sb;

        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);

        if (!p)
                abort();
        return p;
}

static struct {
        bool enabled;
        void **v;
        size_t n, cap;
} kept;

void exit_keep_enable(void)
{
        kept.enabled = true;
}

bool exit_keep_enabled(void)
{
        return kept.enabled;
}

bool exit_keep(void *p)
{
        if (!kept.enabled)
                return false;
        if (kept.n == kept.cap) {
                kept.cap = kept.cap ? 2 * kept.cap : 8;
                kept.v = xrealloc(kept.v, kept.cap * sizeof(*kept.v));
        }
        kept.v[kept.n++] = p;
        return true;
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

void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p)
                abort();
        return p;
}

void *xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);

        if (!p)
                abort();
        return p;
}

char *xstrndup(const char *s, size_t n)
{
        char *p = strndup(s, n);

        if (!p)
                abort();
        return p;
}

/*
 * Lists grow by doubling; their size follows from n alone (only the push functions
 * add, nothing removes but the free): a strv of n holds 2^k >= n + 1 slots, grown
 * when n + 1 is a power of two.
 */
void strv_push(struct strv *s, char *owned)
{
        if (!s->v || ((s->n + 1) & s->n) == 0)
                s->v = xrealloc(s->v, 2 * (s->n + 1) * sizeof(char *));
        s->v[s->n++] = owned;
        s->v[s->n] = NULL;
}

void strv_push_copy(struct strv *s, const char *str)
{
        strv_push(s, xstrdup(str));
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
                b->s = xrealloc(b->s, cap);
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

/* read(2) until end of file or until buf is full; the bytes read, or a negative errno. */
static ssize_t read_until_full(int fd, char *buf, size_t cap)
{
        size_t size = 0;

        while (size < cap) {
                ssize_t n = read(fd, buf + size, cap - size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t)n;
        }
        return (ssize_t)size;
}

int read_fd_capped(int fd, size_t max, char **out, size_t *len, struct error *e, const char *what)
{
        /*
         * What fits in 64 KiB (a Docker config.json of ~14 KiB, every /proc file the hook
         * reads) is read on the stack, in one read and one more for the end, and copied
         * to a heap buffer of its size: a 64 KiB heap buffer, freed, makes malloc
         * consolidate its free lists and trim the heap each time.
         */
        char stackbuf[64 * 1024];
        _cleanup_free_ char *buf = NULL;
        size_t size, cap = sizeof(stackbuf);
        ssize_t n = read_until_full(fd, stackbuf, cap);

        if (n < 0)
                return error_setsys(e, (int)n, "%s: read failed", what);
        size = (size_t)n;
        if (size < cap) {
                buf = xmalloc(size + 1);
                memcpy(buf, stackbuf, size);
        } else {
                /* Larger: grow on the heap, doubling, until the end or past max. */
                buf = xmalloc(cap + 1);
                memcpy(buf, stackbuf, size);
                while (size == cap) {
                        if (cap > max)
                                return error_set(e, -EFBIG, "%s: larger than %zu bytes", what, max);
                        cap *= 2;
                        buf = xrealloc(buf, cap + 1);
                        n = read_until_full(fd, buf + size, cap - size);
                        if (n < 0)
                                return error_setsys(e, (int)n, "%s: read failed", what);
                        size += (size_t)n;
                }
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

int path_normalize(const char *p, char **out)
{
        char *buf = xmalloc(strlen(p) + 2);
        size_t len = 0;

        for (const char *c = p; *c; ) {
                const char *next = strchrnul(c, '/');
                size_t n = (size_t)(next - c);

                if (n == 2 && c[0] == '.' && c[1] == '.') {
                        if (len == 0) {
                                free(buf);
                                return -EINVAL;
                        }
                        while (buf[--len] != '/')
                                ;
                } else if (n > 0 && !(n == 1 && c[0] == '.')) {
                        buf[len++] = '/';
                        memcpy(buf + len, c, n);
                        len += n;
                }
                c = *next ? next + 1 : next;
        }
        if (len == 0)
                buf[len++] = '/';
        buf[len] = '\0';
        *out = buf;
        return 0;
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
        {
                size_t lb = strlen(b);
                char *out = xmalloc(la + lb + 2);

                memcpy(out, a, la);
                out[la] = '/';
                memcpy(out + la + 1, b, lb + 1);
                return out;
        }
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

void kvlist_set_n(struct kvlist *l, const char *key, size_t keylen, const char *value)
{
        struct kv *v;

        for (size_t i = 0; i < l->n; i++)
                if (strncmp(l->v[i].key, key, keylen) == 0 && l->v[i].key[keylen] == '\0') {
                        free(l->v[i].value);
                        l->v[i].value = xstrdup(value);
                        return;
                }
        /* Doubling as strv_push: n entries in 2^k >= n slots, grown when n is a power of two. */
        v = l->v;
        if (!v || (l->n & (l->n - 1)) == 0)
                v = xrealloc(l->v, (l->n ? 2 * l->n : 1) * sizeof(*v));
        v[l->n].key = xstrndup(key, keylen);
        v[l->n].value = xstrdup(value);
        l->v = v;
        l->n++;
}

void kvlist_set(struct kvlist *l, const char *key, const char *value)
{
        kvlist_set_n(l, key, strlen(key), value);
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

/* Length of the valid UTF-8 sequence at s (1 to 4), 0 when none starts there. */
static size_t utf8_sequence_length(const unsigned char *s)
{
        unsigned c = s[0];

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                return (s[1] & 0xc0) == 0x80 ? 2 : 0;
        if (c >= 0xe0 && c <= 0xef) {
                if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
                        return 0;
                if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
                        return 0;       /* overlong, or a UTF-16 surrogate */
                return 3;
        }
        if (c >= 0xf0 && c <= 0xf4) {
                if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
                        return 0;
                if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
                        return 0;       /* overlong, or above U+10FFFF */
                return 4;
        }
        return 0;
}

/* The escaped form of the character at s into piece; returns how many bytes of s it took. */
static size_t escape_one(const unsigned char *s, char piece[9], size_t *plen)
{
        size_t n = utf8_sequence_length(s);

        if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) {
                if (s[0] == '\n' || s[0] == '\r' || s[0] == '\t')
                        *plen = (size_t)sprintf(piece, "\\%c", s[0] == '\n' ? 'n' : s[0] == '\r' ? 'r' : 't');
                else
                        *plen = (size_t)sprintf(piece, "\\x%02x", s[0]);
                return 1;
        }
        if (n == 2 && s[0] == 0xc2 && s[1] <= 0x9f) {
                *plen = (size_t)sprintf(piece, "\\x%02x\\x%02x", s[0], s[1]);
                return 2;
        }
        if (n == 0) {
                *plen = (size_t)sprintf(piece, "\\x%02x", s[0]);
                return 1;
        }
        memcpy(piece, s, n);
        *plen = n;
        return n;
}

size_t str_escape(char *out, size_t size, const char *s)
{
        const unsigned char *c = (const unsigned char *)s;
        size_t total = 0, written = 0;
        bool full = size == 0;

        while (*c) {
                char piece[9];
                size_t plen;

                c += escape_one(c, piece, &plen);
                if (!full && written + plen < size) {
                        memcpy(out + written, piece, plen);
                        written += plen;
                } else
                        full = true;    /* nothing after a piece that did not fit */
                total += plen;
        }
        if (size > 0)
                out[written] = '\0';
        return total;
}

char *str_escape_dup(const char *s)
{
        size_t n = str_escape(NULL, 0, s);
        char *out = xmalloc(n + 1);

        str_escape(out, n + 1, s);
        return out;
}
