/* SPDX-License-Identifier: MIT */
/* Id maps: the kernel's /proc/PID/uid_map text, its rules, lookups. */
#include <string.h>

#include "idmap.h"
#include "tap.h"
#include "util.h"

static void test_proc(void)
{
        struct idmap m = { 0 }, n = { 0 };
        struct error e = { 0 };
        uint32_t out = 0;

        ok(idmap_parse_proc("         0          0 4294967295\n", "uid_map", &m, &e) == 0 && idmap_is_identity(&m),
           "the initial user namespace's map is the identity");
        idmap_free(&m);
        ok(idmap_parse_proc("         0     100000      65536\n     65536    1000000         10\n", "uid_map", &m,
                            &e) == 0 && m.n == 2 && !idmap_is_identity(&m), "two extents");
        ok(idmap_to_outside(&m, 0, &out) && out == 100000, "root maps to 100000");
        ok(idmap_to_outside(&m, 65537, &out) && out == 1000001, "65537 maps to 1000001");
        ok(!idmap_to_outside(&m, 65546, &out), "65546 is not mapped");
        idmap_push(&n, 65536, 1000000, 10);
        idmap_push(&n, 0, 100000, 65536);
        ok(idmap_equal(&m, &n), "equal in another order");
        n.v[0].count = 11;
        ok(!idmap_equal(&m, &n), "a different size is another map");
        {
                char *d = idmap_describe(&m);

                is_str(d, "0:100000:65536,65536:1000000:10", "described");
                free(d);
        }
        idmap_free(&m);
        idmap_free(&n);
        ok(idmap_parse_proc("0 100000\n", "uid_map", &m, &e) < 0 && strstr(e.msg, "cannot read"), "%s", e.msg);
        idmap_free(&m);
        ok(idmap_parse_proc("0 0 4294967296\n", "uid_map", &m, &e) < 0, "a count past 32 bits: %s", e.msg);
        idmap_free(&m);
}

static void test_check(void)
{
        struct idmap m = { 0 };
        struct error e = { 0 };

        idmap_push(&m, 0, 100000, 65536);
        idmap_push(&m, 65536, 165535, 1);
        ok(idmap_check(&m, "m", &e) < 0 && strstr(e.msg, "in host ids"), "host ranges touching by one overlap: %s",
           e.msg);
        m.v[1].outside = 165536;
        ok(idmap_check(&m, "m", &e) == 0, "adjacent ranges do not overlap");
        m.v[1].inside = 4294967295U;
        ok(idmap_check(&m, "m", &e) == 0, "the last id alone fits");
        m.v[1].count = 2;
        ok(idmap_check(&m, "m", &e) < 0 && strstr(e.msg, "runs past"), "%s", e.msg);
        idmap_free(&m);
        for (uint32_t i = 0; i < IDMAP_MAX_EXTENTS; i++)
                idmap_push(&m, i, 100000 + i, 1);
        ok(idmap_check(&m, "m", &e) == 0, "340 extents are the kernel's limit");
        idmap_push(&m, 1000, 200000, 1);
        ok(idmap_check(&m, "m", &e) < 0 && strstr(e.msg, "341 entries"), "%s", e.msg);
        idmap_free(&m);
}

int main(void)
{
        test_proc();
        test_check();
        return tap_done();
}
