/* SPDX-License-Identifier: MIT */
#include "plandir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static bool has_conf_suffix(const char *name)
{
        size_t n = strlen(name);

        return n > 5 && name[0] != '.' && strcmp(name + n - 5, ".conf") == 0;
}

/* Empty, or a symlink to /dev/null: the admin's way to switch a plan off. */
static bool is_mask(int dirfd, const char *name)
{
        char target[PATH_MAX];
        struct stat st;
        ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

        if (n > 0) {
                target[n] = '\0';
                if (strcmp(target, "/dev/null") == 0)
                        return true;
        }
        return fstatat(dirfd, name, &st, 0) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names[i] is the file's name; paths[i] its path, NULL when masked. */
struct entries {
        struct strv names;
        char **paths;
};

static void entries_put(struct entries *en, const char *name, char *path)
{
        for (size_t i = 0; i < en->names.n; i++)
                if (strcmp(en->names.v[i], name) == 0) {
                        free(en->paths[i]);
                        en->paths[i] = path;
                        return;
                }
        strv_push_copy(&en->names, name);
        en->paths = xrealloc(en->paths, en->names.n * sizeof(char *));
        en->paths[en->names.n - 1] = path;
}

static int scan_dir(const char *dir, struct entries *en, struct error *e)
{
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : error_setsys(e, -errno, "%s", dir);
        while ((de = readdir(d))) {
                if (!has_conf_suffix(de->d_name))
                        continue;
                if (en->names.n >= PLANDIR_MAX_FILES) {
                        closedir(d);
                        return error_set(e, -E2BIG, "%s: more than %d plans", dir, PLANDIR_MAX_FILES);
                }
                entries_put(en, de->d_name, is_mask(dirfd(d), de->d_name) ? NULL : path_join(dir, de->d_name));
        }
        closedir(d);
        return 0;
}

int plandir_collect(const char *const *dirs, size_t n_dirs, struct strv *plans, struct error *e)
{
        struct entries en = { 0 };
        size_t *order;
        int r = 0;

        for (size_t i = 0; i < n_dirs && r >= 0; i++)
                r = scan_dir(dirs[i], &en, e);
        if (r >= 0) {
                /* Sort names and carry the paths along. */
                order = xmalloc((en.names.n + 1) * sizeof(*order));
                for (size_t i = 0; i < en.names.n; i++)
                        order[i] = i;
                for (size_t i = 1; i < en.names.n; i++)
                        for (size_t j = i; j > 0 && name_cmp(&en.names.v[order[j - 1]], &en.names.v[order[j]]) > 0; j--) {
                                size_t t = order[j];

                                order[j] = order[j - 1];
                                order[j - 1] = t;
                        }
                for (size_t i = 0; i < en.names.n; i++)
                        if (en.paths[order[i]])
                                strv_push_copy(plans, en.paths[order[i]]);
                free(order);
        }
        for (size_t i = 0; i < en.names.n; i++)
                free(en.paths[i]);
        free(en.paths);
        strv_free(&en.names);
        return r;
}
