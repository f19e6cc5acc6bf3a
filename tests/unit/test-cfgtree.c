/* SPDX-License-Identifier: MIT */
/* The plan reader: the fast path for what plans are written in, libconfig for the rest. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtree.h"
#include "tap.h"
#include "util.h"

/* The i-th child of c (0-based), or an empty string node that fails every check. */
static const struct cfg *nth(const struct cfg *c, int i)
{
        static const struct cfg none = { .type = CFG_STRING, .line = -1, .v.s = "(none)" };

        for (c = c ? c->first : NULL; c && i > 0; i--)
                c = c->next;
        return c ? c : &none;
}

/* Both readers on text: the fast one must (or must not) take it; both give the same lines. */
static void both(const char *text, bool fast_takes, const char *what)
{
        struct cfg_doc f, s;
        bool took = cfg_parse_fast(text, strlen(text), &f);

        ok(took == fast_takes, "%s: the fast reader %s it", what, took ? "takes" : "declines");
        ok(cfg_parse_libconfig(text, &s), "%s: libconfig reads it", what);
        if (took)
                cfg_doc_free(&f);
        cfg_doc_free(&s);
}

static void test_shipped_plans(void)
{
        static const char *const plans[] = { "plans/systemd.conf", "plans/shared-volumes.conf" };
        const char *src = getenv("OMP_SRCDIR");

        for (size_t i = 0; i < sizeof(plans) / sizeof(*plans); i++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", src ? src : ".", plans[i]), *text = NULL;
                struct error e = { 0 };
                struct cfg_doc d;
                size_t len = 0;

                if (read_file_capped(AT_FDCWD, path, 1 << 20, &text, &len, &e) < 0) {
                        ok(false, "%s", e.msg);
                        continue;
                }
                ok(cfg_parse_fast(text, len, &d), "%s takes the fast path (no libconfig on a hook run)", plans[i]);
                cfg_doc_free(&d);
        }
}

static void test_lines(void)
{
        /* libconfig records a string element once it has read the next token. */
        const char *text = "a = ( \"x\"\n\n, \"y\" \"z\"\n ) ;\nb = [ true,\nFALSE ]\nc : { d = -12; e = +7, f = 0 }\n"
                           "g = ( { }, [ ], ( ) ) // end\n";
        struct cfg_doc d;
        const struct cfg *a, *b, *c, *g;

        both(text, true, "strings, booleans, integers over several lines");
        if (!cfg_parse_fast(text, strlen(text), &d)) {
                ok(false, "fast reader declined");
                return;
        }
        a = cfg_member(d.root, "a"), b = cfg_member(d.root, "b"), c = cfg_member(d.root, "c"), g = cfg_member(d.root, "g");
        ok(a && a->type == CFG_LIST && a->n == 2 && a->line == 1, "a list at its name's line");
        ok(nth(a, 0)->line == 3 && strcmp(nth(a, 0)->v.s, "x") == 0, "\"x\": line 3, where the comma after it is");
        ok(nth(a, 1)->line == 4 && strcmp(nth(a, 1)->v.s, "yz") == 0, "\"y\" \"z\" is \"yz\", line 4");
        ok(b && b->type == CFG_ARRAY && nth(b, 0)->line == 5 && nth(b, 1)->line == 6 && !nth(b, 1)->v.b,
           "booleans at their own lines, FALSE is false");
        ok(c && c->type == CFG_GROUP && cfg_member(c, "d")->v.i == -12 && cfg_member(c, "e")->v.i == 7 &&
           cfg_member(c, "f")->v.i == 0, "integers, signed");
        ok(g && nth(g, 0)->type == CFG_GROUP && nth(g, 1)->type == CFG_ARRAY && nth(g, 2)->type == CFG_LIST &&
           nth(g, 0)->line == 8, "empty aggregates in a list");
        cfg_doc_free(&d);
}

static void test_left_to_libconfig(void)
{
        static const char *const texts[] = {
                "x = 1.5;", "x = 0x10;", "x = 10L;", "x = 12345678901;", "x = 0755;", "x = \"\\x41\";",
                "x = \"a\\qb\";", "x = \"two\nlines\";", "x = 1; X = 2;", "x = [ 1, \"a\" ];",
        };
        struct cfg_doc d;

        for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
                ok(!cfg_parse_fast(texts[i], strlen(texts[i]), &d), "fast reader declines %.*s", (int)strcspn(texts[i], "\n"), texts[i]);
                if (cfg_parse(texts[i], strlen(texts[i]), &d) == 0)
                        ok(d.root->n >= 1, "libconfig reads %.*s", (int)strcspn(texts[i], "\n"), texts[i]);
                else
                        ok(d.error && d.error_line > 0, "libconfig: line %d: %s", d.error_line, d.error);
                cfg_doc_free(&d);
        }
        ok(cfg_parse("x = 1;\ny = ;\n", 12, &d) < 0 && d.error_line == 2 && strcmp(d.error, "syntax error") == 0,
           "a syntax error is libconfig's, with its line");
        cfg_doc_free(&d);
        ok(cfg_parse("x = \"a\" \"b\"", 11, &d) == 0 && strcmp(cfg_member(d.root, "x")->v.s, "ab") == 0,
           "adjacent strings at the end of the text");
        cfg_doc_free(&d);
}

int main(void)
{
        test_shipped_plans();
        test_lines();
        test_left_to_libconfig();
        return tap_done();
}
