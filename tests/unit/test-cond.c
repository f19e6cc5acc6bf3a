/* SPDX-License-Identifier: MIT */
#include "tap.h"
#include "cond.h"

#include <stdlib.h>

static struct strv args_of(const char *a0, const char *a1, const char *a2)
{
        struct strv s = { 0 };

        if (a0) strv_push_copy(&s, a0);
        if (a1) strv_push_copy(&s, a1);
        if (a2) strv_push_copy(&s, a2);
        return s;
}

static bool eval_command(const char *pattern, struct strv *args, int shell)
{
        struct cond c = { .see_through_shell = shell };
        struct kvlist empty = { 0 };
        struct cond_input in = { .args = args, .env = &empty, .annotations = &empty, .stage = "createContainer" };
        char *why = NULL;
        bool r;

        c.has_pos[COND_COMMAND] = true;
        strv_push_copy(&c.pos[COND_COMMAND], pattern);
        r = cond_eval(&c, &in, &why);
        free(why);
        cond_free(&c);
        return r;
}

static void test_command(void)
{
        struct strv init = args_of("/sbin/init", NULL, NULL);
        struct strv sh = args_of("/bin/sh", "-c", "exec /sbin/init --log-level=debug");
        struct strv sh2 = args_of("sh", "-ec", "  exec   \"/lib/systemd/systemd\"");
        struct strv bb = args_of("/bin/busybox", "sh", NULL);
        struct strv none = { 0 };

        ok(eval_command("init", &init, -1), "basename pattern");
        ok(eval_command("*/init", &init, -1), "path glob");
        ok(eval_command("/sbin/init", &init, -1), "exact path");
        ok(!eval_command("/init", &init, -1), "different path");
        ok(!eval_command("systemd", &init, -1), "different basename");
        ok(eval_command("init", &sh, -1), "sees through sh -c exec");
        ok(!eval_command("init", &sh, 0), "shell = false");
        ok(eval_command("sh", &sh, -1), "the shell itself still matches");
        ok(eval_command("systemd", &sh2, -1), "sh -ec with quotes");
        ok(!eval_command("init", &bb, -1), "busybox sh without -c");
        ok(!eval_command("init", &none, -1), "no args");
        strv_free(&init); strv_free(&sh); strv_free(&sh2); strv_free(&bb);
}

static void test_env_annotations_mounts(void)
{
        struct kvlist env = { 0 }, ann = { 0 };
        struct strv args = args_of("/sbin/init", NULL, NULL);
        const char *mounts[] = { "/tmp", "/proc" };
        struct cond_input in = { .args = &args, .env = &env, .annotations = &ann, .mounts = mounts,
                                 .n_mounts = 2, .stage = "prestart" };
        struct cond c = { .see_through_shell = -1 };
        char *why = NULL;
        bool held;

        kvlist_set(&env, "container", "docker");
        kvlist_set(&ann, "oci-mountplan.disable", "1");

        c.has_pos[COND_ENV] = true;
        strv_push_copy(&c.pos[COND_ENV], "container=dock*");
        held = cond_eval(&c, &in, &why);
        ok(held, "env glob matches");
        free(why);
        strv_push_copy(&c.pos[COND_ENV], "HOME");
        held = cond_eval(&c, &in, &why);
        ok(!held, "env: all must hold: %s", why);
        free(why);
        cond_free(&c);

        c = (struct cond){ .see_through_shell = -1 };
        c.has_neg[COND_ANNOTATION] = true;
        strv_push_copy(&c.neg[COND_ANNOTATION], "oci-mountplan.disable");
        held = cond_eval(&c, &in, &why);
        ok(!held && strstr(why, "oci-mountplan.disable"), "opt-out annotation: %s", why);
        free(why);
        cond_free(&c);

        c = (struct cond){ .see_through_shell = -1 };
        c.has_neg[COND_MOUNTED] = true;
        strv_push_copy(&c.neg[COND_MOUNTED], "/tmp");
        held = cond_eval(&c, &in, &why);
        ok(!held, "mounted_not /tmp fails when mounted: %s", why);
        free(why);
        cond_free(&c);

        c = (struct cond){ .see_through_shell = -1 };
        c.has_pos[COND_STAGE] = true;
        strv_push_copy(&c.pos[COND_STAGE], "createContainer");
        held = cond_eval(&c, &in, &why);
        ok(!held, "stage: %s", why);
        free(why);
        strv_push_copy(&c.pos[COND_STAGE], "prestart");
        held = cond_eval(&c, &in, &why);
        ok(held, "stage any");
        free(why);
        cond_free(&c);

        kvlist_free(&env);
        kvlist_free(&ann);
        strv_free(&args);
}

static void test_keys(void)
{
        enum cond_kind k;
        bool neg;

        ok(cond_kind_from_key("env_not", &k, &neg) && k == COND_ENV && neg, "env_not");
        ok(cond_kind_from_key("command", &k, &neg) && k == COND_COMMAND && !neg, "command");
        ok(!cond_kind_from_key("commands", &k, &neg), "commands unknown");
        ok(!cond_kind_from_key("env_nott", &k, &neg), "env_nott unknown");
        ok(cond_pattern_problem(COND_STAGE, "bogus") != NULL, "bad stage");
        ok(cond_pattern_problem(COND_MOUNTED, "tmp") != NULL, "relative mount");
        ok(cond_pattern_problem(COND_ENV, "=x") != NULL, "env without name");
}

int main(void)
{
        test_command();
        test_env_annotations_mounts();
        test_keys();
        return tap_done();
}
