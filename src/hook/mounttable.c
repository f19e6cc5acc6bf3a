/* SPDX-License-Identifier: MIT */
#include "mounttable.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A container's mount namespace before pivot_root holds the host's mounts too. */
#define MOUNTINFO_MAX (16 * 1024 * 1024)

/* mountinfo writes space, tab, newline and backslash in a path as \ooo. */
static void unescape_octal(char *s)
{
        char *o = s;

        for (char *c = s; *c; ) {
                if (c[0] == '\\' && c[1] >= '0' && c[1] <= '3' && c[2] >= '0' && c[2] <= '7' &&
                    c[3] >= '0' && c[3] <= '7') {
                        *o++ = (char)((c[1] - '0') * 64 + (c[2] - '0') * 8 + (c[3] - '0'));
                        c += 4;
                } else
                        *o++ = *c++;
        }
        *o = '\0';
}

/* Splits one mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...". */
static bool parse_line(char *line, uint64_t *id, char **mountpoint)
{
        char *save = NULL, *f[5];

        for (int i = 0; i < 5; i++)
                if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
                        return false;
        if (sscanf(f[0], "%" SCNu64, id) != 1)
                return false;
        unescape_octal(f[4]);
        *mountpoint = f[4];
        return true;
}

static void submounts_push(struct submounts *s, uint64_t id, const char *rel)
{
        s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        s->v[s->n++] = (struct submount){ .id = id, .rel = xstrdup(rel) };
}

/* Is s->v[i] beneath another listed mount (not merely stacked on the same point)? */
static bool is_nested(const struct submounts *s, size_t i)
{
        for (size_t j = 0; j < s->n; j++)
                if (j != i && path_is_below(s->v[i].rel, s->v[j].rel, false))
                        return true;
        return false;
}

static void drop_nested(struct submounts *s)
{
        bool *nested = xmalloc(s->n + 1);
        size_t n = 0;

        for (size_t i = 0; i < s->n; i++)
                nested[i] = is_nested(s, i);
        for (size_t i = 0; i < s->n; i++) {
                if (nested[i])
                        free(s->v[i].rel);
                else
                        s->v[n++] = s->v[i];
        }
        s->n = n;
        free(nested);
}

int mounttable_parse(char *text, const char *dir, struct submounts *out)
{
        size_t dlen = strlen(dir);
        char *save = NULL;

        memset(out, 0, sizeof(*out));
        if (dir[0] != '/')
                return -EINVAL;
        if (strcmp(dir, "/") == 0)
                dlen = 0;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *mp;
                uint64_t id;

                if (!parse_line(line, &id, &mp))
                        continue;
                /* Compared as "/rel" relative to dir: "/" then names everything but itself. */
                if (strncmp(mp, dir, dlen) != 0 || mp[dlen] != '/' || mp[dlen + 1] == '\0')
                        continue;
                submounts_push(out, id, mp + dlen + 1);
        }
        drop_nested(out);
        return 0;
}

int mounttable_beneath(int dirfd, struct submounts *out)
{
        char proc[PROC_FD_PATH_MAX], dir[PATH_MAX];
        _cleanup_free_ char *text = NULL;
        struct error e = { 0 };
        ssize_t n;
        int r;

        memset(out, 0, sizeof(*out));
        n = readlink(proc_fd_path(proc, dirfd), dir, sizeof(dir) - 1);
        if (n < 0)
                return -errno;
        dir[n] = '\0';
        /* Outside our root (or deleted): the mount table cannot name anything beneath it. */
        if (dir[0] != '/')
                return -EXDEV;
        r = read_file_capped(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL, &e);
        if (r < 0)
                return r;
        return mounttable_parse(text, dir, out);
}

bool submounts_has(const struct submounts *s, const char *rel, uint64_t id)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].id == id && strcmp(s->v[i].rel, rel) == 0)
                        return true;
        return false;
}

void submounts_free(struct submounts *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i].rel);
        free(s->v);
        memset(s, 0, sizeof(*s));
}
