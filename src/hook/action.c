/* SPDX-License-Identifier: MIT */
#include "action.h"

#include <string.h>

/* The table of action kinds: the one place a kind is registered. */
static const struct action_ops *const action_table[_ACTION_KIND_MAX] = {
        [ACTION_TMPFS] = &action_tmpfs_ops,
        [ACTION_BIND] = &action_bind_ops,
        [ACTION_CGROUP] = &action_cgroup_ops,
        [ACTION_MKDIR] = &action_mkdir_ops,
        [ACTION_FILE] = &action_file_ops,
        [ACTION_SYMLINK] = &action_symlink_ops,
};

const struct action_ops *action_ops_of(enum action_kind kind)
{
        return action_table[kind];
}

const char *action_kind_name(enum action_kind kind)
{
        return action_table[kind]->name;
}

bool action_kind_from_name(const char *name, enum action_kind *kind)
{
        for (int k = 0; k < _ACTION_KIND_MAX; k++)
                if (strcmp(name, action_table[k]->name) == 0) {
                        *kind = (enum action_kind)k;
                        return true;
                }
        return false;
}

const char *action_kind_list(void)
{
        static char list[256];

        if (!*list)
                for (int k = 0; k < _ACTION_KIND_MAX; k++)
                        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "",
                                 action_table[k]->name);
        return list;
}
