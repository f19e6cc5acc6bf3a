/* SPDX-License-Identifier: MIT */
#include "idmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void idmap_push(struct idmap *m, uint32_t inside, uint32_t outside, uint32_t count)
{
        m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
        m->v[m->n++] = (struct idmap_extent){ inside, outside, count };
}

static bool ranges_overlap(uint32_t a, uint32_t na, uint32_t b, uint32_t nb)
{
        return (uint64_t)a < (uint64_t)b + nb && (uint64_t)b < (uint64_t)a + na;
}

int idmap_check(const struct idmap *m, const char *what, struct error *e)
{
        if (m->n > IDMAP_MAX_EXTENTS)
                return error_set(e, -EINVAL, "%s has %zu entries, more than the kernel's %d", what, m->n,
                                 IDMAP_MAX_EXTENTS);
        for (size_t i = 0; i < m->n; i++) {
                const struct idmap_extent *x = &m->v[i];

                if (x->count == 0)
                        return error_set(e, -EINVAL, "%s[%zu] has size 0", what, i);
                if ((uint64_t)x->inside + x->count > (uint64_t)UINT32_MAX + 1 ||
                    (uint64_t)x->outside + x->count > (uint64_t)UINT32_MAX + 1)
                        return error_set(e, -EINVAL, "%s[%zu] (%" PRIu32 ":%" PRIu32 ":%" PRIu32 ") runs past "
                                         "the last id, 4294967295", what, i, x->inside, x->outside, x->count);
                for (size_t j = 0; j < i; j++) {
                        const struct idmap_extent *y = &m->v[j];

                        if (ranges_overlap(x->inside, x->count, y->inside, y->count))
                                return error_set(e, -EINVAL, "%s[%zu] overlaps %s[%zu] in container ids "
                                                 "(%" PRIu32 "+%" PRIu32 " and %" PRIu32 "+%" PRIu32 ")",
                                                 what, i, what, j, x->inside, x->count, y->inside, y->count);
                        if (ranges_overlap(x->outside, x->count, y->outside, y->count))
                                return error_set(e, -EINVAL, "%s[%zu] overlaps %s[%zu] in host ids "
                                                 "(%" PRIu32 "+%" PRIu32 " and %" PRIu32 "+%" PRIu32 ")",
                                                 what, i, what, j, x->outside, x->count, y->outside, y->count);
                }
        }
        return 0;
}

int idmap_parse_proc(const char *text, const char *what, struct idmap *m, struct error *e)
{
        for (const char *p = text; *p; ) {
                unsigned long long in, out, n;
                int used = 0;

                if (sscanf(p, " %llu %llu %llu%n", &in, &out, &n, &used) != 3 || in > UINT32_MAX ||
                    out > UINT32_MAX || n > UINT32_MAX)
                        return error_set(e, -EINVAL, "%s: cannot read \"%.*s\"", what,
                                         (int)(strcspn(p, "\n") < 40 ? strcspn(p, "\n") : 40), p);
                idmap_push(m, (uint32_t)in, (uint32_t)out, (uint32_t)n);
                p += used;
                p += strspn(p, " \n");
        }
        return idmap_check(m, what, e);
}

bool idmap_is_identity(const struct idmap *m)
{
        return m->n == 1 && m->v[0].inside == 0 && m->v[0].outside == 0 && m->v[0].count == UINT32_MAX;
}

static bool has_extent(const struct idmap *m, const struct idmap_extent *x)
{
        for (size_t i = 0; i < m->n; i++)
                if (m->v[i].inside == x->inside && m->v[i].outside == x->outside && m->v[i].count == x->count)
                        return true;
        return false;
}

bool idmap_equal(const struct idmap *a, const struct idmap *b)
{
        if (a->n != b->n)
                return false;
        /* Extents do not overlap, so equal sets of equal size are equal maps. */
        for (size_t i = 0; i < a->n; i++)
                if (!has_extent(b, &a->v[i]))
                        return false;
        return true;
}

bool idmap_to_outside(const struct idmap *m, uint32_t id, uint32_t *out)
{
        for (size_t i = 0; i < m->n; i++)
                if (id >= m->v[i].inside && (uint64_t)id < (uint64_t)m->v[i].inside + m->v[i].count) {
                        *out = m->v[i].outside + (id - m->v[i].inside);
                        return true;
                }
        return false;
}

char *idmap_describe(const struct idmap *m)
{
        struct strbuf b = { 0 };
        char one[40];

        for (size_t i = 0; i < m->n; i++) {
                snprintf(one, sizeof(one), "%s%" PRIu32 ":%" PRIu32 ":%" PRIu32, i ? "," : "", m->v[i].inside,
                         m->v[i].outside, m->v[i].count);
                strbuf_puts(&b, one);
        }
        return b.s ? strbuf_take(&b) : xstrdup("");
}

void idmap_free(struct idmap *m)
{
        free(m->v);
        m->v = NULL;
        m->n = 0;
}
