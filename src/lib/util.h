/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"

/* Cleanup attributes, after systemd's _cleanup_free_ and friends. */
static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Hands ownership out of a cleanup variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* A growable NULL-terminated string vector. */
struct strv {
        char **v;
        size_t n;
};

/* Out of memory, these abort (as xmalloc). */
void strv_push(struct strv *s, char *owned);       /* takes ownership */
void strv_push_copy(struct strv *s, const char *str);
void strv_free(struct strv *s);
bool strv_contains(const struct strv *s, const char *str);
char *strv_join(const struct strv *s, const char *sep);

/*
 * A growable string. open_memstream() would do, but it callocs and zeroes a
 * buffer of several KiB per use, which showed up in the hook's profile.
 */
struct strbuf {
        char *s;
        size_t len, cap;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
/* The string built ("" if nothing was added); the caller frees it. */
char *strbuf_take(struct strbuf *b);

/* Writes all of buf, retrying short writes and EINTR. */
int write_all(int fd, const char *buf, size_t len);

/* Reads all of fd, refusing more than max bytes; result is NUL-terminated. */
int read_fd_capped(int fd, size_t max, char **out, size_t *len, struct error *e, const char *what);
int read_file_capped(int dirfd, const char *path, size_t max, char **out, size_t *len,
                     struct error *e);

/*
 * An absolute path with no ".", ".." or empty components and no trailing slash
 * ("/" itself is allowed). Everything the plan names inside the container must be
 * one, so that a plan cannot point outside what it means to name.
 */
bool path_is_normalized_absolute(const char *p);

/*
 * Makes p (absolute, or relative to "/") normalized absolute: drops empty and "."
 * components, and takes ".." back one component. -EINVAL when ".." would climb
 * above "/": such a path means to name something outside the root.
 */
int path_normalize(const char *p, char **out);

/* Is child equal to or below parent (both normalized absolute)? */
bool path_is_below(const char *child, const char *parent, bool or_equal);

/* Joins two paths with one slash between them. */
char *path_join(const char *a, const char *b);

/* Parses an octal mode string ("0755", "1777"); refuses anything above 07777. */
int parse_mode(const char *s, unsigned *mode);

/*
 * Escapes text for a terminal or a log line, so that nothing read from an image,
 * config.json or the state can start a line of its own or drive a terminal:
 * \n, \r and \t as those two characters, every other C0 control and DEL as \xNN,
 * a C1 control (U+0080-U+009F, which some terminals obey) as the \xNN of its two
 * UTF-8 bytes, and every byte that is not part of valid UTF-8 (overlong forms,
 * surrogates and values above U+10FFFF included) as \xNN. Everything else, other
 * Unicode included, passes unchanged, and so does a backslash: ordinary text reads
 * as written, at the price that "\n" in the output may also have been written as
 * those two characters (the JSON dry-run is exact for tools). Like snprintf: writes
 * at most size bytes including the NUL (out may be NULL when size is 0), never cuts
 * an escape or a character in half, and returns the length of the whole escaped text.
 */
size_t str_escape(char *out, size_t size, const char *s);
char *str_escape_dup(const char *s);

/* "/proc/self/fd/N": reaches what fd names (mount(2) on an fd, reopening an O_PATH fd). */
#define PROC_FD_PATH_MAX 32
char *proc_fd_path(char buf[static PROC_FD_PATH_MAX], int fd);

/* Are the two fds the same file (device and inode)? False when either cannot be stat'ed. */
bool fd_same_inode(int a, int b);

/*
 * The one out-of-memory policy: these abort (nothing sensible a hook can do without
 * memory), and so does everything that allocates (strv_push, strbuf_add, kvlist_set).
 */
void *xmalloc(size_t n);

/*
 * A program that exits right after its work (the hook) may leave the parse trees
 * it no longer needs to exit(): freeing them block by block was a sixth of the
 * hook's instructions. exit_keep() keeps p reachable from a static list until the
 * process ends (leak checkers see "still reachable", not a leak) once
 * exit_keep_enable() was called, and returns true; else false: the caller frees p
 * itself, as the library's other users (the wrapper, tests, fuzzers) do.
 */
void exit_keep_enable(void);
bool exit_keep(void *p);

/* Was exit_keep_enable() called: will the process exit right after its work? */
bool exit_keep_enabled(void);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An ordered list of key/value pairs (annotations, environment). */
struct kv {
        char *key;
        char *value;
};

struct kvlist {
        struct kv *v;
        size_t n;
};

void kvlist_set(struct kvlist *l, const char *key, const char *value);   /* replaces */
/* The same with the first keylen bytes of key as the key (for "K=V" strings). */
void kvlist_set_n(struct kvlist *l, const char *key, size_t keylen, const char *value);
const char *kvlist_get(const struct kvlist *l, const char *key);
void kvlist_free(struct kvlist *l);
