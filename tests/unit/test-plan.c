/* SPDX-License-Identifier: MIT */
#include "tap.h"
#include "plan.h"

static int load(const char *text, struct plan *p, struct diag *d)
{
        diag_free(d);
        plan_free(p);
        return plan_load_string(text, strlen(text), "t.conf", p, d);
}

int main(void)
{
        struct plan p = { 0 };
        struct diag d = { 0 };

        ok(load("version = 1; actions = ( { type = \"tmpfs\"; target = \"/run\"; } );", &p, &d) == 0,
           "minimal plan");
        ok(p.n_actions == 1 && p.actions[0].kind == ACTION_TMPFS && p.actions[0].keep_submounts, "defaults");
        is_str(p.name, "t", "name defaults to the file's base name");

        ok(load("version = 1;\nactions = (\n { type = \"tmpf\"; target = \"/run\"; } );", &p, &d) < 0, "unknown action");
        is_str(d.msgs[0], "t.conf:3: unknown action \"tmpf\" (one of tmpfs, bind, cgroup, mkdir, file, symlink)", "message with line, the kinds from the table");

        ok(load("version = 1; actions = ( { type = \"mkdir\"; target = \"/a\"; mode = 755; } );", &p, &d) < 0,
           "integer mode refused");
        ok(load("version = 1; actions = ( { type = \"mkdir\"; target = \"/a\"; mode = \"77777\"; } );", &p, &d) < 0,
           "absurd mode refused");
        ok(load("version = 1; actions = ( { type = \"mkdir\"; target = \"a/b\"; } );", &p, &d) < 0, "relative target");
        ok(load("version = 1; actions = ( { type = \"mkdir\"; target = \"/a/../b\"; } );", &p, &d) < 0, ".. target");
        ok(load("version = 1; actions = ( { type = \"file\"; target = \"/a\"; content = \"${bogus}\"; } );", &p, &d) < 0,
           "unknown variable");
        is_str(d.msgs[0], "t.conf:1: content: unknown variable \"${bogus}\"", "unknown variable named");
        ok(load("version = 1; actions = ( { type = \"file\"; target = \"/a\"; } );", &p, &d) < 0, "missing content");
        ok(load("version = 1; bogus = 1; actions = ();", &p, &d) < 0, "unknown top-level key");
        ok(load("version = 2; actions = ();", &p, &d) < 0, "future version");
        ok(load("actions = ();", &p, &d) < 0, "missing version");
        ok(load("version = 1; actions = ( { type = \"mkdir\"; target = \"/a\"; colour = \"x\"; } );", &p, &d) < 0,
           "unknown action key");
        ok(load("version = 1; when = { command_nope = \"x\"; }; actions = ();", &p, &d) < 0, "unknown condition");
        ok(load("@include \"/etc/passwd\"\nversion = 1; actions = ();", &p, &d) < 0, "@include refused");
        ok(load("version = 1;\n\t  @include \"x.conf\"\nactions = ();", &p, &d) < 0, "@include after blanks refused");
        is_str(d.msgs[0], "t.conf:2: @include is not allowed in plans", "@include: the line named");
        ok(load("version = 1;\nactions = ( { type = \"file\"; target = \"/a\"; content = \"a\\x00b\"; } );", &p, &d) < 0,
           "\\x00 in a string refused, not cut short");
        is_str(d.msgs[0], "t.conf:2: \\x00 (a NUL byte) is not allowed: it would end the string there",
               "\\x00: the line named");
        ok(load("version = 1; actions = ( { type = \"file\"; target = \"/a\"; content = \"a\\X00\"; } );", &p, &d) < 0,
           "\\X00 refused");
        ok(load("version = 1; actions = ( { type = \"file\"; target = \"/a\"; content = \"a\\\\x00\\x41\"; } );", &p, &d) == 0 &&
                   strcmp(p.actions[0].content, "a\\x00A") == 0,
           "an escaped backslash before x00 is text");
        ok(load("version = 1;\nactions = ( { type = ; } );", &p, &d) < 0 && d.n == 1, "syntax error");
        is_str(d.msgs[0], "t.conf:2: syntax error", "syntax error names the line");
        load("version = 1; actions = (\n{ type = \"tmpf\"; },\n{ type = \"mkdir\"; target = \"x\"; } );", &p, &d);
        ok(d.n == 2, "every problem collected (%u)", d.n);
        /* Comments are taken out before libconfig reads the plan: strings and line numbers stay. */
        ok(load("# a\nversion = 1; // b\n/* c\n d */ actions = ( { type = \"file\"; target = \"/a\";\n"
                "content = \"x # y // z /* w */ \\\" #\"; } );", &p, &d) == 0 &&
                   strcmp(p.actions[0].content, "x # y // z /* w */ \" #") == 0 && p.actions[0].line == 4,
           "comments out, strings with # // /* and an escaped quote kept, lines kept (%d)",
           p.n_actions ? p.actions[0].line : -1);
        ok(load("version = 1; actions = ( { type = \"file\"; target = \"/a\"; content = \"a/*b*/c\"; } );", &p, &d) == 0 &&
                   strcmp(p.actions[0].content, "a/*b*/c") == 0, "a block comment inside a string is text");
        ok(load("version = 1; actions = ( { type = \"mkdir\"; target = \"/a\"; mode = \"07\"/**/\"55\"; } );", &p, &d) == 0 &&
                   p.actions[0].mode == 0755, "a block comment between two strings: still concatenated");
        ok(load("version = 1;/* x\n\n*/\nactions = ( { type = ; } );", &p, &d) < 0, "syntax error after a block comment");
        is_str(d.msgs[0], "t.conf:4: syntax error", "... names its own line");
        ok(load("version = 1; /* open\nactions = ();", &p, &d) < 0, "an unterminated block comment is libconfig's error");
        plan_free(&p);
        diag_free(&d);
        return tap_done();
}
