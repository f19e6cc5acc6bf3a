/* SPDX-License-Identifier: MIT */
/*
 * The plan reader against libconfig. For any text without a NUL: whatever the fast
 * reader (cfg_parse_fast) accepts, libconfig accepts too, into the same tree: types,
 * names, values, order and the line of every setting. What the fast reader declines
 * is libconfig's to read, so errors are always libconfig's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtree.h"
#include "fuzz.h"

FUZZ_LSAN_SUPPRESSIONS

const char fuzz_name[] = "cfgtree";

static bool same_tree(const struct cfg *a, const struct cfg *b)
{
        if (a->type != b->type || a->line != b->line || a->n != b->n || !a->name != !b->name ||
            (a->name && strcmp(a->name, b->name) != 0))
                return false;
        switch (a->type) {
        case CFG_INT:
        case CFG_INT64:
                return a->v.i == b->v.i;
        case CFG_FLOAT:
                return a->v.f == b->v.f || (isnan(a->v.f) && isnan(b->v.f));
        case CFG_STRING:
                return strcmp(a->v.s, b->v.s) == 0;
        case CFG_BOOL:
                return a->v.b == b->v.b;
        case CFG_GROUP:
        case CFG_ARRAY:
        case CFG_LIST:
                break;
        }
        for (a = a->first, b = b->first; a && b; a = a->next, b = b->next)
                if (!same_tree(a, b))
                        return false;
        return !a && !b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cfg_doc fast, slow;
        char *text;

        if (size > 1 << 20 || memchr(data, '\0', size))
                return -1;
        text = fuzz_strndup(data, size);
        if (cfg_parse_fast(text, size, &fast)) {
                if (!cfg_parse_libconfig(text, &slow) || !same_tree(fast.root, slow.root))
                        abort();
                cfg_doc_free(&slow);
                cfg_doc_free(&fast);
        }
        /* And the two together, as plan.c uses them. */
        if (cfg_parse(text, size, &fast) < 0 && (!fast.error || fast.error_line < 0))
                abort();
        cfg_doc_free(&fast);
        free(text);
        return 0;
}
