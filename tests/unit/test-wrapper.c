/* SPDX-License-Identifier: MIT */
/* oci-mountplan-runtime's pure part: which command and bundle it finds, and injection. */
#include "tap.h"
#include "wrapper.h"

/* PARSE(&w, "create", ...): the wrapper's command line, after its own name. */
#define ARGV(...) ((const char *[]){ "oci-mountplan-runtime", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((const char *[]){ "oci-mountplan-runtime", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(w, ...) parse(w, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static struct error parse_error;

/* The wrapper never writes to argv; main()'s is not const, these literals are. */
static int parse(struct wrapper *w, int argc, const char **cargv)
{
        char **argv = (char **)cargv;
        int r;

        parse_error = (struct error){ 0 };
        *w = (struct wrapper){ .runtime_path = "runc" };
        r = wrapper_parse_flags(argc, argv, w, &parse_error);
        if (r == 0)
                r = wrapper_parse_runtime_args(w, &parse_error);
        return r;
}

/* The file the wrapper would rewrite, compared with want (NULL: none, parse failed). */
static void config_is(struct wrapper *w, int r, const char *want, const char *name)
{
        char *path = r == 0 && w->bundle ? wrapper_config_path(w) : NULL;

        if (!want)
                ok(r < 0, "%s: refused (%s)", name, parse_error.msg);
        else
                is_str(path, want, "%s", name);
        free(path);
}
#define CONFIG_IS(want, ...)                                                             \
        do {                                                                             \
                struct wrapper w_;                                                       \
                int r_ = PARSE(&w_, __VA_ARGS__);                                        \
                config_is(&w_, r_, want, #__VA_ARGS__);                                  \
        } while (0)

/* runc reads its arguments with Go's flag package: one dash or two, "=" or the next argument. */
static void test_runc_forms(void)
{
        CONFIG_IS("/b/config.json", "create", "-bundle", "/b", "id");
        CONFIG_IS("/b/config.json", "create", "-bundle=/b", "id");
        CONFIG_IS("/b/config.json", "create", "--b", "/b", "id");
        CONFIG_IS("/b/config.json", "create", "--b=/b", "id");
        CONFIG_IS("/b/config.json", "create", "id", "-b", "/b");
        CONFIG_IS("/b/config.json", "create", "--pid-file", "-b", "--bundle", "/b", "id");
        CONFIG_IS("/b/config.json", "create", "--console-socket", "/s", "-b", "/b", "--preserve-fds", "3", "id");
        CONFIG_IS("/b/config.json", "create", "-b", "/a", "--bundle", "/b", "id");
        CONFIG_IS("./config.json", "create", "--bundle=", "id");
        CONFIG_IS("/b/config.json", "-root", "/r", "-log", "/l", "create", "-b", "/b", "id");
        CONFIG_IS("/b/config.json", "--root=/r", "--criu", "/c", "--rootless", "true", "--debug", "run", "-d",
                  "-b", "/b", "id");
        CONFIG_IS("/b/config.json", "--", "create", "--bundle", "/b", "id");
        CONFIG_IS("/b/config.json", "--runtime-path", "/usr/local/sbin/runc.amd64", "create", "-bundle", "/b", "id");
        CONFIG_IS(NULL, "create", "id", "--bundle");
        CONFIG_IS(NULL, "--root");
        CONFIG_IS(NULL, "-log");
}

/* crun reads them with argp: --config, attached short values, long-name prefixes. */
static void test_crun_forms(void)
{
        CONFIG_IS("/c.json", "--runtime-path", "crun", "create", "--config", "/c.json", "id");
        CONFIG_IS("/c.json", "--runtime-path", "crun", "create", "--config=/c.json", "-b", "/b", "id");
        CONFIG_IS("rel.json", "--runtime-path", "/usr/bin/crun", "create", "-f", "rel.json", "id");
        CONFIG_IS("/b/config.json", "--runtime-path", "crun", "create", "--config", "config.json", "-b", "/b", "id");
        CONFIG_IS("/b/config.json", "--runtime-path", "crun", "create", "-b/b", "id");
        CONFIG_IS("/b/config.json", "--runtime-path", "crun", "create", "--bund", "/b", "id");
        CONFIG_IS("/b/config.json", "--runtime-path", "crun", "run", "-db", "/b", "id");
        CONFIG_IS("=/b/config.json", "--runtime-path", "crun", "create", "-b=/b", "id");
        CONFIG_IS("undle/config.json", "--runtime-path", "crun", "create", "-bundle", "/b", "id");
        CONFIG_IS("/b/config.json", "--runtime-path", "crun", "--root", "/r", "--log-level", "debug",
                  "--cgroup-manager", "systemd", "--systemd-cgroup", "create", "--bundle=/b", "id");
        CONFIG_IS(NULL, "--runtime-path", "crun", "create", "--c", "x", "id");
        CONFIG_IS(NULL, "--runtime-path", "crun", "create", "id", "--config");
}

/* Another runtime: what runc and crun read alike is taken, the rest refused. */
static void test_unknown_runtime(void)
{
        CONFIG_IS("/b/config.json", "--runtime-path", "youki", "create", "--bundle", "/b", "id");
        CONFIG_IS("/b/config.json", "--runtime-path", "youki", "--root", "/r", "create", "-b", "/b", "id");
        CONFIG_IS(NULL, "--runtime-path", "youki", "create", "-bundle", "/b", "id");
        CONFIG_IS(NULL, "--runtime-path", "youki", "create", "-b=/b", "id");
        CONFIG_IS(NULL, "--runtime-path", "youki", "-root", "/r", "create", "id");
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
        is_str(w.bundle, "/b", "create -b=DIR (runc)");
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

/*
 * Splices the default hook into text: the result must read back as what parsing,
 * injecting and re-serialising gave, and (inserted true) differ from text by one
 * contiguous insertion, every other byte as it was.
 */
static void splice_case(const char *text, bool inserted, const char *name)
{
        struct wrapper w;
        struct error e = { 0 };
        json_t *hooks, *old = NULL, *back = NULL;
        char *out = NULL;
        size_t len = strlen(text), out_len = 0, p = 0;
        bool changed = false, same = false, one_insertion = true;

        PARSE(&w, "create", "id");
        hooks = wrapper_default_hooks(&w);
        if (json_parse_strict(text, len, "c", &old, &e) == 0 && wrapper_inject_hooks(old, hooks, "c", &changed, &e) == 0 &&
            wrapper_splice_hooks(text, len, hooks, "c", &out, &out_len, &e) == 0 && out &&
            json_parse_strict(out, out_len, "out", &back, &e) == 0)
                same = json_equal(old, back);
        if (out && inserted) {
                while (p < len && out[p] == text[p])
                        p++;
                one_insertion = out_len > len && memcmp(out + p + (out_len - len), text + p, len - p) == 0;
        }
        ok(same && changed && one_insertion, "%s: %s", name, out ? out : e.msg);
        free(out);
        json_decref(hooks);
        json_decref(old);
        json_decref(back);
}

static void test_splice(void)
{
        static const char present[] = "{\"hooks\": {\"createContainer\": [{\"path\": \"" BINDIR "/oci-mountplan\", "
                                      "\"args\": [\"oci-mountplan\"]}], \"createRuntime\": [{\"path\": \"" BINDIR
                                      "/oci-mountplan\", \"args\": [\"oci-mountplan\", \"--stage\", \"createRuntime\"]}]}}";
        static const char not_sure[] = "{\"x\\u0061\": 1}";
        struct wrapper w;
        struct error e = { 0 };
        json_t *hooks;
        char *out = NULL;
        size_t n;

        splice_case("{\n  \"ociVersion\": \"1.0.2\",\n  \"x\": [1.50, \"\\u00e9\\n\", {}]\n}\n", true,
                    "no hooks: a hooks object before the last brace");
        splice_case("{}", true, "an empty document");
        splice_case("{\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\"}]}, \"z\": 0}", true, "a new stage");
        splice_case("{\"hooks\": {}}", true, "an empty hooks object");
        splice_case("{\"hooks\": {\"createContainer\": [ ]}}", true, "an empty createContainer array");
        splice_case("{\"hooks\": {\"createContainer\": [{\"path\": \"/other\"}]}}", true, "after another hook");
        splice_case(not_sure, false, "an escaped key: re-serialised, same document");
        PARSE(&w, "create", "id");
        hooks = wrapper_default_hooks(&w);
        ok(wrapper_splice_hooks(present, strlen(present), hooks, "c", &out, &n, &e) == 0 && !out,
           "the hook there already: nothing to write");
#define SPLICE(text) wrapper_splice_hooks(text, strlen(text), hooks, "c", &out, &n, &e)
        ok(SPLICE("{\"hooks\": []}") < 0 && strcmp(e.msg, "c: hooks must be an object") == 0, "%s", e.msg);
        ok(SPLICE("{\"hooks\": {\"createContainer\": {}}}") < 0 &&
                   strcmp(e.msg, "c: hooks.createContainer must be an array") == 0, "%s", e.msg);
        ok(SPLICE("{\"a\": 1,}") < 0 && strncmp(e.msg, "c:1:", 4) == 0, "invalid JSON: jansson's message: %s", e.msg);
#undef SPLICE
        json_decref(hooks);
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
        test_runc_forms();
        test_crun_forms();
        test_unknown_runtime();
        test_wrapper_flags();
        test_injection();
        test_hook_config();
        test_splice();
        return tap_done();
}
