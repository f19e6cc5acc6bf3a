/* SPDX-License-Identifier: MIT */
#include "tap.h"
#include "vars.h"

#include <ctype.h>
#include <stdlib.h>

static bool valid_machine_id(const char *s)
{
        bool nonzero = false;

        if (strlen(s) != 32)
                return false;
        for (int i = 0; i < 32; i++) {
                if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
                        return false;
                nonzero |= s[i] != '0';
        }
        return nonzero;
}

static void test_machine_id(void)
{
        char a[33], b[33];

        machine_id_from_container_id("4f9a2b1c0d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a", a);
        is_str(a, "4f9a2b1c0d8e7f6a5b4c3d2e1f0a9b8c", "docker id: first 32 hex digits");
        machine_id_from_container_id("ABCDEF0123456789ABCDEF0123456789", a);
        is_str(a, "abcdef0123456789abcdef0123456789", "upper-case hex folded");
        machine_id_from_container_id("web", a);
        ok(valid_machine_id(a), "short id gives a valid id: %s", a);
        ok(a[12] == '4', "hashed id is a v4 uuid");
        machine_id_from_container_id("web", b);
        is_str(a, b, "stable");
        machine_id_from_container_id("web2", b);
        ok(strcmp(a, b) != 0, "different ids differ");
        machine_id_from_container_id("00000000000000000000000000000000", a);
        ok(valid_machine_id(a), "all-zero id is hashed: %s", a);
        machine_id_from_container_id("", a);
        ok(valid_machine_id(a), "empty id still valid");
        machine_id_from_container_id("my-container.1", a);
        ok(valid_machine_id(a), "non-hex id valid: %s", a);
}

static void test_expand(void)
{
        struct kvlist env = { 0 }, ann = { 0 };
        struct var_ctx ctx = { .id = "c1", .machine_id = "m", .bundle = "/b", .rootfs = "/b/rootfs",
                               .hostname = "h", .stage = "createContainer", .pid = 42,
                               .env = &env, .annotations = &ann };
        struct error e = { 0 };
        char *out = NULL;

        kvlist_set(&env, "TZ", "UTC");
        kvlist_set(&ann, "io.x/y", "v");
        ok(vars_expand("${id}-${machine_id}-${bundle}-${rootfs}-${hostname}-${pid}-${stage}", &ctx, &out, &e) == 0,
           "expand all plain variables");
        is_str(out, "c1-m-/b-/b/rootfs-h-42-createContainer", "values");
        free(out);
        ok(vars_expand("${env:TZ}|${env:NOPE}|${annotation:io.x/y}|$$", &ctx, &out, &e) == 0, "env, annotation");
        is_str(out, "UTC||v|$", "env, missing env, annotation, literal $");
        free(out);
        ok(vars_check("${nope}", &e) < 0 && strstr(e.msg, "unknown variable \"${nope}\""), "unknown: %s", e.msg);
        ok(vars_check("${env}", &e) < 0, "env needs a name: %s", e.msg);
        ok(vars_check("${id:x}", &e) < 0, "id takes no argument: %s", e.msg);
        ok(vars_check("${id", &e) < 0, "unterminated: %s", e.msg);
        ok(vars_check("a$b", &e) < 0, "stray $: %s", e.msg);
        ok(vars_check("plain text", &e) == 0, "plain text");
        kvlist_free(&env);
        kvlist_free(&ann);
}

int main(void)
{
        test_machine_id();
        test_expand();
        return tap_done();
}
