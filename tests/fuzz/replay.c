/* SPDX-License-Identifier: MIT */
/*
 * Replays a corpus through a harness without libFuzzer, for `make check`: every
 * regular file in each directory (or each file) named on the command line, or in
 * $OMP_SRCDIR/tests/fuzz/corpus/<fuzz_name> when none is, goes once through
 * LLVMFuzzerTestOneInput. Prints TAP; a crash ends the run, which the driver reports.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "fuzz.h"

#define REPLAY_MAX_BYTES (16 * 1024 * 1024)

static int read_all(const char *path, uint8_t **out, size_t *len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        size_t size = 0, cap = 4096;
        uint8_t *buf = NULL;

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                if (size == cap || !buf) {
                        uint8_t *nb;

                        if (buf)
                                cap *= 2;
                        nb = cap > REPLAY_MAX_BYTES ? NULL : realloc(buf, cap);
                        if (!nb) {
                                free(buf);
                                close(fd);
                                return -EFBIG;
                        }
                        buf = nb;
                }
                n = read(fd, buf + size, cap - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;

                        free(buf);
                        close(fd);
                        return r;
                }
                if (n == 0)
                        break;
                size += (size_t)n;
        }
        close(fd);
        *out = buf;
        *len = size;
        return 0;
}

static void replay_file(const char *path)
{
        uint8_t *buf = NULL, *exact;
        size_t len = 0;
        int r = read_all(path, &buf, &len);

        if (r < 0) {
                ok(0, "%s: cannot read", path);
                return;
        }
        /* An exact-size copy, as libFuzzer passes, so an overread past the input shows under ASan. */
        exact = malloc(len ? len : 1);
        if (!exact)
                abort();
        memcpy(exact, buf, len);
        free(buf);
        (void)LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        ok(1, "%s", path);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(const char *path)
{
        struct dirent **names = NULL;
        struct stat st;
        int n;

        if (stat(path, &st) < 0) {
                ok(0, "%s: not found", path);
                return;
        }
        if (!S_ISDIR(st.st_mode)) {
                replay_file(path);
                return;
        }
        n = scandir(path, &names, NULL, by_name);
        if (n < 0) {
                ok(0, "%s: cannot list", path);
                return;
        }
        for (int i = 0; i < n; i++) {
                char *file;

                if (names[i]->d_name[0] != '.' &&
                    asprintf(&file, "%s/%s", path, names[i]->d_name) >= 0) {
                        if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
                                replay_file(file);
                        free(file);
                }
                free(names[i]);
        }
        free(names);
}

int main(int argc, char **argv)
{
        if (argc > 1) {
                for (int i = 1; i < argc; i++)
                        replay_path(argv[i]);
        } else {
                const char *src = getenv("OMP_SRCDIR");
                char *dir;

                if (asprintf(&dir, "%s/tests/fuzz/corpus/%s", src ? src : ".", fuzz_name) < 0)
                        return 99;
                replay_path(dir);
                free(dir);
        }
        if (tap_n == 0)
                ok(0, "no corpus files found");
        return tap_done();
}
