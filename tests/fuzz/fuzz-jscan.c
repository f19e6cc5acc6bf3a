/* SPDX-License-Identifier: MIT */
/*
 * The JSON scanner against jansson. For any input: json_parse_kept() accepts
 * exactly what json_parse_strict() (the whole text into jansson) accepts, with
 * the same error message, and the kept members have the same values; whatever
 * the scanner calls valid, jansson accepts. Checked with config.json's table
 * (spec_keep) and with a small one whose names a fuzzer finds quickly.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "spec.h"

const char fuzz_name[] = "jscan";

static const struct jscan_keep short_inner[] = { { "b", NULL }, { "c", NULL }, { NULL, NULL } };
static const struct jscan_keep short_keep[] = { { "a", short_inner }, { "d", NULL }, { NULL, NULL } };

/* The kept members of v as a tree, by the table: what the scanner must hand on. */
static json_t *kept_tree(json_t *v, const struct jscan_keep *keep)
{
        json_t *out, *m;
        const char *key;
        size_t i;

        if (!keep)
                return json_incref(v);
        if (json_is_array(v)) {
                out = json_array();
                json_array_foreach(v, i, m)
                        json_array_append_new(out, kept_tree(m, keep));
                return out;
        }
        if (!json_is_object(v))
                return json_incref(v);
        out = json_object();
        json_object_foreach(v, key, m)
                for (const struct jscan_keep *k = keep; k->name; k++)
                        if (strcmp(k->name, key) == 0)
                                json_object_set_new(out, key, kept_tree(m, k->members));
        return out;
}

static void check(const char *buf, size_t size, const struct jscan_keep *keep)
{
        _cleanup_json_ json_t *full = NULL, *kept = NULL, *a = NULL, *b = NULL;
        struct error e1 = { 0 }, e2 = { 0 };
        int r1 = json_parse_strict(buf, size, "config.json", &full, &e1);
        int r2 = json_parse_kept(buf, size, "config.json", keep, &kept, &e2);

        if (r1 != r2 || strcmp(e1.msg, e2.msg) != 0)
                abort();
        if (r1 < 0)
                return;
        a = kept_tree(full, keep);
        b = kept_tree(kept, keep);
        if (!json_equal(a, b))
                abort();
}

/* The member noted while checking is the one jscan_member finds afterwards. */
static void check_member(const char *buf, size_t size, const char *key)
{
        struct jscan_span doc, noted = { 0 }, found = { 0 }, doc2;
        bool has, valid = jscan_valid_object_member(buf, size, &doc, key, &noted, &has);

        if (valid != jscan_valid_object(buf, size, &doc2))
                abort();
        if (!valid)
                return;
        if (doc.start != doc2.start || doc.end != doc2.end || has != jscan_member(buf, size, doc.start, key, &found))
                abort();
        if (has && (noted.start != found.start || noted.end != found.end))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        json_t *j;

        if (size > SPEC_MAX_BYTES)
                return -1;
        check(buf, size, spec_keep);
        check(buf, size, short_keep);
        if (jscan_valid_object(buf, size, NULL)) {
                j = json_loadb(buf, size, JSON_REJECT_DUPLICATES, NULL);
                if (!json_is_object(j))
                        abort();
                json_decref(j);
        }
        check_member(buf, size, "a");
        check_member(buf, size, "hooks");
        return 0;
}
