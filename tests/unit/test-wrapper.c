/* SPDX-License-Identifier: MIT */
/* oci-mountplan-runtime's pure part: which command and bundle it finds, and injection. */
#include "tap.h"
#include "wrapper.h"

/* PARSE(&w, "create", ...): the wrapper's command line, after its own name. */
#define ARGV(...) ((const char *[]){ "oci-mountplan-runtime", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((const char *[]){ "oci-mountplan-runtime", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(w, ...) parse(w, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

/* The wrapper never writes to argv; main()'s is not const, these literals are. */
static int parse(struct wrapper *w, int argc, const char **cargv)
{
        char **argv = (char **)cargv;
        struct error e = { 0 };
        int r;

        *w = (struct wrapper){ .runtime_path = "runc" };
        r = wrapper_parse_flags(argc, argv, w, &e);
        if (r == 0)
                wrapper_parse_runtime_args(w);
        return r;
}

static void test_bundle_forms(void)
{
        struct wrapper w;

        PARSE(&w, "create", "--bundle", "/b", "id");
        is_str(w.bundle, "/b", "create --bundle DIR");
        PARSE(&w, "create", "--bundle=/b", "id");
        is_str(w.bundle, "/b", "create --bundle=DIR");
        PARSE(&w, "create", "-b", "/b", "id");
        is_str(w.bundle, "/b", "create -b DIR");
        PARSE(&w, "create", "-b=/b", "id");
        is_str(w.bundle, "/b", "create -b=DIR");
        PARSE(&w, "create", "id", "--bundle", "/b");
        is_str(w.bundle, "/b", "the bundle after the id");
        PARSE(&w, "create", "id");
        is_str(w.bundle, ".", "no bundle: the current directory");
        PARSE(&w, "run", "-d", "--bundle", "/b", "id");
        is_str(w.bundle, "/b", "run takes a bundle too");
        PARSE(&w, "create", "--", "--bundle", "/b");
        is_str(w.bundle, ".", "nothing after -- is an option");
}

static void test_pass_through(void)
{
        struct wrapper w;

        PARSE(&w, "--root", "/run/r", "--log", "/l.json", "--log-format", "json", "--systemd-cgroup", "create",
              "--bundle", "/b", "id");
        is_str(w.command, "create", "global options before the command are skipped");
        is_str(w.log_path, "/l.json", "--log noted for errors");
        is_str(w.log_format, "json", "--log-format noted");
        is_str(w.bundle, "/b", "and the bundle still found");
        PARSE(&w, "--root", "create", "state", "id");
        is_str(w.command, "state", "a global option's value is not the command");
        ok(!w.bundle, "state has no bundle");
        PARSE(&w, "start", "--bundle", "/b", "id");
        ok(!w.bundle, "only create and run get the hook");
        PARSE(&w, "features");
        ok(w.runtime_argc == 1 && !w.bundle, "features passes through untouched");
}

static void test_wrapper_flags(void)
{
        struct wrapper w;

        ok(PARSE(&w, "--hook-config-path", "/h.json", "--runtime-path=crun", "create", "id") == 0 &&
                   strcmp(w.hook_config_path, "/h.json") == 0 && strcmp(w.runtime_path, "crun") == 0 &&
                   w.runtime_argc == 2,
           "the Go wrapper's flags, then the runtime's arguments");
        ok(PARSE(&w, "--plan", "/a.conf", "--plan", "/b.conf", "--hook-path", "/h", "create", "id") == 0 &&
                   w.n_plans == 2 && strcmp(w.hook_path, "/h") == 0,
           "--plan repeats, --hook-path");
        ok(PARSE(&w, "--runtime-path") < 0, "a flag without its value is refused");
        ok(PARSE(&w, "--", "--plan", "x") == 0 && w.n_plans == 0 && w.runtime_argc == 2,
           "-- ends the wrapper's flags");
        /* The hook runs in the container's root directory: a relative plan would be the image's. */
        ok(PARSE(&w, "--plan", "plans/p.conf", "create", "id") < 0, "a relative --plan is refused");
        ok(PARSE(&w, "--plan=p.conf", "create", "id") < 0, "a relative --plan=FILE is refused");
        ok(PARSE(&w, "--hook-path", "oci-mountplan", "create", "id") < 0, "a relative --hook-path is refused");
}

static void test_injection(void)
{
        struct wrapper w;
        struct error e = { 0 };
        json_t *config = json_pack("{s:s, s:{s:[{s:s}]}, s:{s:i}}", "ociVersion", "1.0.2", "hooks", "poststop",
                                   "path", "/bin/true", "x-vendor", "keep", 1);
        json_t *hooks, *bad = json_pack("{s:[]}", "hooks");
        bool changed = false;

        PARSE(&w, "--plan", "/p.conf", "create", "id");
        hooks = wrapper_default_hooks(&w);
        ok(wrapper_inject_hooks(config, hooks, "c", &changed, &e) == 0 && changed, "default hook injected");
        ok(json_array_size(json_object_get(json_object_get(config, "hooks"), "createContainer")) == 1 &&
                   json_array_size(json_object_get(json_object_get(config, "hooks"), "poststop")) == 1 &&
                   json_integer_value(json_object_get(json_object_get(config, "x-vendor"), "keep")) == 1,
           "as a createContainer hook, other hooks and fields kept");
        changed = false;
        ok(wrapper_inject_hooks(config, hooks, "c", &changed, &e) == 0 && !changed, "a second injection changes nothing");
        ok(wrapper_inject_hooks(bad, hooks, "c", &changed, &e) < 0 && strstr(e.msg, "hooks must be an object"),
           "hooks that are not an object: %s", e.msg);
        json_decref(config);
        json_decref(hooks);
        json_decref(bad);
}

static void test_hook_config(void)
{
        static const char good[] = "{\"hooks\": {\"prestart\": [{\"path\": \"/h\", \"args\": [\"h\"], \"timeout\": 5}]}}";
        struct error e = { 0 };
        json_t *hooks = NULL;

        ok(wrapper_parse_hook_config(good, strlen(good), "h.json", &hooks, &e) == 0 &&
                   json_array_size(json_object_get(hooks, "prestart")) == 1,
           "a hook config in the Go wrapper's format");
        json_decref(hooks);
#define BAD(text, want)                                                                                   \
        ok(wrapper_parse_hook_config(text, strlen(text), "h.json", &hooks, &e) < 0 && strstr(e.msg, want), \
           "refused: %s", e.msg)
        BAD("{\"hooks\": {\"nope\": []}}", "unknown hook stage \"nope\"");
        BAD("{\"hooks\": {\"prestart\": [{\"path\": \"rel\"}]}}", "path must be an absolute path");
        BAD("{\"hooks\": {\"prestart\": [{\"path\": \"/h\", \"timeout\": 0}]}}", "timeout must be a positive");
        BAD("{\"hooks\": {\"prestart\": [{\"path\": \"/h\", \"args\": [1]}]}}", "args[0] must be a string");
        BAD("{\"hooks\": []}", "expected {\"hooks\"");
        /* An oci-mountplan hook's plans in every form its getopt takes; other hooks' arguments are theirs. */
#define OMP(args) "{\"hooks\": {\"createContainer\": [{\"path\": \"/usr/bin/oci-mountplan\", \"args\": " args "}]}}"
        BAD(OMP("[\"oci-mountplan\", \"--plan\", \"rel.conf\"]"), "--plan \"rel.conf\" is a relative path");
        BAD(OMP("[\"oci-mountplan\", \"--plan=rel.conf\"]"), "--plan \"rel.conf\" is a relative path");
        BAD(OMP("[\"oci-mountplan\", \"-p\", \"rel.conf\"]"), "--plan \"rel.conf\" is a relative path");
        BAD(OMP("[\"oci-mountplan\", \"-prel.conf\"]"), "--plan \"rel.conf\" is a relative path");
        BAD(OMP("[\"oci-mountplan\", \"--plan-dir\", \"plans.d\"]"), "--plan-dir \"plans.d\" is a relative");
        BAD(OMP("[\"oci-mountplan\", \"--plan-dir=plans.d\"]"), "--plan-dir \"plans.d\" is a relative");
        BAD(OMP("[\"oci-mountplan\", \"-d\", \"plans.d\"]"), "--plan-dir \"plans.d\" is a relative");
        BAD(OMP("[\"oci-mountplan\", \"--plan\", \"/abs.conf\", \"--plan\", \"rel.conf\"]"), "hooks.createContainer[0]");
        BAD("{\"hooks\": {}, \"hooks\": {}}", "duplicate");
#define GOOD(text, name)                                                                                  \
        ok(wrapper_parse_hook_config(text, strlen(text), "h.json", &hooks, &e) == 0, name), json_decref(hooks)
        GOOD(OMP("[\"oci-mountplan\", \"--plan\", \"/a.conf\", \"-p/b.conf\", \"--plan-dir=/d\", \"-d\", \"/e\"]"),
             "an oci-mountplan hook with absolute plans and plan directories");
        GOOD("{\"hooks\": {\"prestart\": [{\"path\": \"/usr/bin/other\", \"args\": [\"other\", \"--plan\", \"rel\"]}]}}",
             "another hook's --plan is its own business");
        GOOD(OMP("[\"oci-mountplan\"]"), "an oci-mountplan hook with its plan directories");
#undef GOOD
#undef OMP
#undef BAD
}

int main(void)
{
        json_seed();
        test_bundle_forms();
        test_pass_through();
        test_wrapper_flags();
        test_injection();
        test_hook_config();
        return tap_done();
}
