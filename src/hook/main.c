/* SPDX-License-Identifier: MIT */
/*
 * oci-mountplan: an OCI hook that performs a declarative mount plan inside a
 * container. parse (plan, state, config.json) -> resolve (pure) -> print or execute.
 * This file owns the command line, the exit codes and all printing of errors.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "exec.h"
#include "facts.h"
#include "json.h"
#include "log.h"
#include "mount.h"
#include "plan.h"
#include "plandir.h"
#include "report.h"
#include "resolve.h"
#include "spec.h"
#include "state.h"
#include "userns.h"

#ifdef OMP_ASAN
/*
 * LeakSanitizer's exit-time check reads /proc/<its pid>/task; a createContainer
 * hook runs in the container's pid namespace while /proc is still the host's, so
 * that names another process (or none) and LSan aborts the hook. There the
 * sanitizer build leaves by _exit(), skipping the check; everywhere else it runs.
 */
static bool proc_is_another_pid_namespace(void)
{
        char buf[32];
        ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

        if (n <= 0)
                return true;
        buf[n] = '\0';
        return atoi(buf) != getpid();
}
#endif

/* Every error line leaves through error_print(), escaped. */
#define print_error(...) error_print("oci-mountplan", __VA_ARGS__)

#define EXIT_BAD_INPUT 2
#define EXIT_EXEC_FAILED 1
#define MAX_PLANS 64

struct options {
        const char *plans[MAX_PLANS];
        size_t n_plans;
        const char *plan_dirs[MAX_PLANS];
        size_t n_plan_dirs;
        struct strv found;        /* plans found in the plan directories */
        int log_level;
        const char *stage;
        const char *bundle;
        const char *id;
        bool dry_run;
        bool validate;
        bool json;
};

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: oci-mountplan [--plan FILE...] [--plan-dir DIR...] [--stage STAGE]\n"
                "                     [--log-level LVL]\n"
                "       oci-mountplan --dry-run [--plan FILE...] [--plan-dir DIR...]\n"
                "                     [--bundle DIR [--id ID]] [--stage STAGE] [--format text|json]\n"
                "       oci-mountplan --validate [--plan FILE...] [--plan-dir DIR...]\n"
                "\n"
                "An OCI hook: reads the container state on stdin and the bundle's config.json,\n"
                "resolves the plan(s) against them and performs the mounts and writes inside the\n"
                "container. Without --plan and --plan-dir, the plan directories below are used.\n"
                "\n"
                "  -p, --plan FILE      plan file (libconfig); repeat for more, applied in order\n"
                "  -d, --plan-dir DIR   take every DIR/*.conf; a later DIR overrides an earlier one by\n"
                "                       file name (default: " PLANDIR " then\n"
                "                       " ADMIN_PLANDIR ")\n"
                "  -s, --stage STAGE    createContainer (default), createRuntime, prestart or poststop\n"
                "  -n, --dry-run        print the resolved operations, touch nothing\n"
                "  -b, --bundle DIR     with --dry-run: read DIR/config.json instead of a state on stdin\n"
                "  -i, --id ID          with --bundle: the container id to assume (default: DIR's name)\n"
                "  -f, --format FMT     dry-run output: text (default) or json\n"
                "      --validate       check the plan files and print every problem\n"
                "  -l, --log-level LVL  syslog: none, err, warning, notice, info (default), debug\n"
                "  -h, --help           this help\n"
                "  -V, --version        the version\n"
                "\n"
                "Exit status: 0 done (or nothing to do), 1 performing failed, 2 bad usage or input.\n");
}

static bool stage_is_supported(const char *s)
{
        return strcmp(s, "createContainer") == 0 || strcmp(s, "createRuntime") == 0 ||
               strcmp(s, "prestart") == 0 || strcmp(s, "poststop") == 0;
}

/* An error of a hook run: one line on stderr (the runtime shows it) and in syslog. */
__attribute__((format(printf, 1, 2)))
static void report_failure(const char *fmt, ...)
{
        char msg[ERROR_MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        print_error("%s", msg);
        log_msg(LOG_ERR, "%s", msg);
}

/* Returns 0, or an exit code with the error already printed. */
static int parse_args(int argc, char **argv, struct options *o)
{
        enum { OPT_VALIDATE = 0x100 };
        static const struct option longopts[] = {
                { "plan", required_argument, NULL, 'p' },
                { "stage", required_argument, NULL, 's' },
                { "dry-run", no_argument, NULL, 'n' },
                { "bundle", required_argument, NULL, 'b' },
                { "id", required_argument, NULL, 'i' },
                { "format", required_argument, NULL, 'f' },
                { "validate", no_argument, NULL, OPT_VALIDATE },
                { "plan-dir", required_argument, NULL, 'd' },
                { "log-level", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { 0 },
        };
        int c;

        o->stage = "createContainer";
        o->log_level = LOG_INFO;
        opterr = 0;     /* getopt's own messages would print the argument raw */
        while ((c = getopt_long(argc, argv, ":p:d:s:nb:i:f:l:hV", longopts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        if (o->n_plans == MAX_PLANS) {
                                print_error("at most %d plans", MAX_PLANS);
                                return EXIT_BAD_INPUT;
                        }
                        o->plans[o->n_plans++] = optarg;
                        break;
                case 'd':
                        if (o->n_plan_dirs == MAX_PLANS) {
                                print_error("at most %d plan directories", MAX_PLANS);
                                return EXIT_BAD_INPUT;
                        }
                        o->plan_dirs[o->n_plan_dirs++] = optarg;
                        break;
                case 'l':
                        if (!log_parse_level(optarg, &o->log_level)) {
                                print_error("unknown log level \"%s\"", optarg);
                                return EXIT_BAD_INPUT;
                        }
                        break;
                case 's':
                        o->stage = optarg;
                        break;
                case 'n':
                        o->dry_run = true;
                        break;
                case 'b':
                        o->bundle = optarg;
                        break;
                case 'i':
                        o->id = optarg;
                        break;
                case 'f':
                        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                                print_error("--format must be text or json, not \"%s\"", optarg);
                                return EXIT_BAD_INPUT;
                        }
                        o->json = strcmp(optarg, "json") == 0;
                        break;
                case OPT_VALIDATE:
                        o->validate = true;
                        break;
                case 'h':
                        usage(stdout);
                        exit(EXIT_SUCCESS);
                case 'V':
                        printf("oci-mountplan %s\n", PACKAGE_VERSION);
                        exit(EXIT_SUCCESS);
                case ':':
                        print_error("option \"%s\" needs a value", argv[optind - 1]);
                        return EXIT_BAD_INPUT;
                default:
                        if (optopt)
                                print_error("unknown option \"-%c\"; see --help", optopt);
                        else
                                print_error("unknown option \"%s\"; see --help", argv[optind - 1]);
                        return EXIT_BAD_INPUT;
                }
        }
        if (optind < argc) {
                print_error("unexpected argument \"%s\"", argv[optind]);
                return EXIT_BAD_INPUT;
        }
        if (!stage_is_supported(o->stage)) {
                print_error("unknown stage \"%s\" (createContainer, createRuntime, "
                        "prestart or poststop)", o->stage);
                return EXIT_BAD_INPUT;
        }
        if ((o->bundle || o->id) && !o->dry_run) {
                print_error("--bundle and --id go with --dry-run; a hook reads the state on stdin");
                return EXIT_BAD_INPUT;
        }
        if (o->id && !o->bundle) {
                print_error("--id goes with --bundle");
                return EXIT_BAD_INPUT;
        }
        return 0;
}

/*
 * A hook runs with the container's root directory as its working directory (runc
 * and crun start it there), so a relative plan path names a file of the image,
 * which would be performed as root. A hook run refuses them before reading
 * anything; --dry-run and --validate, run by a person in a shell, take them.
 */
static int refuse_relative_plans(const struct options *o)
{
        for (size_t i = 0; i < o->n_plans; i++)
                if (o->plans[i][0] != '/') {
                        report_failure("--plan \"%s\" is a relative path: a hook runs in the container's root "
                                       "directory and needs an absolute one", o->plans[i]);
                        return EXIT_BAD_INPUT;
                }
        for (size_t i = 0; i < o->n_plan_dirs; i++)
                if (o->plan_dirs[i][0] != '/') {
                        report_failure("--plan-dir \"%s\" is a relative path: a hook runs in the container's "
                                       "root directory and needs an absolute one", o->plan_dirs[i]);
                        return EXIT_BAD_INPUT;
                }
        return 0;
}

/* Without --plan, the plans come from the plan directories. */
static int find_plans(struct options *o)
{
        static const char *const defaults[] = { PLANDIR, ADMIN_PLANDIR };
        const char *const *dirs = o->n_plan_dirs ? o->plan_dirs : defaults;
        size_t n_dirs = o->n_plan_dirs ? o->n_plan_dirs : 2;
        struct error e = { 0 };

        if (o->n_plans > 0 && o->n_plan_dirs == 0)
                return 0;
        if (plandir_collect(dirs, n_dirs, &o->found, &e) < 0) {
                print_error("%s", e.msg);
                return EXIT_BAD_INPUT;
        }
        for (size_t i = 0; i < o->found.n; i++) {
                if (o->n_plans == MAX_PLANS) {
                        print_error("at most %d plans", MAX_PLANS);
                        return EXIT_BAD_INPUT;
                }
                o->plans[o->n_plans++] = o->found.v[i];
        }
        if (o->n_plans == 0 && (o->validate || o->dry_run)) {
                char list[ERROR_MSG_MAX] = "";
                size_t len = 0;

                for (size_t i = 0; i < n_dirs && len < sizeof(list); i++)
                        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s %s%s", i ? " or" : "", dirs[i],
                                                access(dirs[i], F_OK) < 0 ? " (missing)" : "");
                print_error("no plans found in%s", list);
                return EXIT_BAD_INPUT;
        }
        return 0;
}


/* Loads every plan; prints the first problem, or every problem with --validate. */
static int load_plans(const struct options *o, struct plan *plans)
{
        struct diag d = { 0 };
        int ret = 0;

        for (size_t i = 0; i < o->n_plans; i++) {
                if (plan_load(o->plans[i], &plans[i], &d) < 0 && !o->validate)
                        break;
        }
        if (d.n > 0) {
                unsigned shown = o->validate ? d.n : 1;

                for (unsigned i = 0; i < shown && i < DIAG_MAX; i++)
                        report_failure("%s", d.msgs[i] ? d.msgs[i] : "out of memory");
                if (o->validate && d.n > DIAG_MAX)
                        print_error("... and %u more", d.n - DIAG_MAX);
                ret = EXIT_BAD_INPUT;
        }
        diag_free(&d);
        return ret;
}

/* The state from stdin, or one made up from --bundle for a dry run. */
static int read_state(const struct options *o, struct state *s, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        if (o->bundle) {
                char abs[PATH_MAX];
                const char *base;

                if (!realpath(o->bundle, abs))
                        return error_setsys(e, -errno, "%s", o->bundle);
                base = strrchr(abs, '/');
                if (o->id && !state_id_is_sane(o->id))
                        return error_set(e, -EINVAL, "--id \"%s\" has characters outside [A-Za-z0-9_.+-]", o->id);
                memset(s, 0, sizeof(*s));
                s->id = xstrdup(o->id ? o->id : (base && base[1] ? base + 1 : "container"));
                s->bundle = xstrdup(abs);
                return 0;
        }
        if (isatty(STDIN_FILENO))
                return error_set(e, -EINVAL, "stdin: expected the OCI state JSON (or --dry-run --bundle DIR)");
        r = read_fd_capped(STDIN_FILENO, STATE_MAX_BYTES, &buf, &len, e, "stdin");
        if (r < 0)
                return r;
        return state_parse(buf, len, "stdin", s, e);
}

/*
 * The hook may inherit the image's or the runtime's environment and runs with the
 * rootfs as its working directory: trust neither.
 */
static void sanitize_process(void)
{
        clearenv();
        setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
        setenv("LC_ALL", "C", 1);
        mount_umask(022);
        if (chdir("/") < 0) {
                /* Nothing below uses relative paths by then; not fatal. */
        }
}

/*
 * Every decision and action to syslog, with the container's short id: one line per
 * run at info (one datagram on every container start), one per operation at debug.
 */
static void log_run(const struct resolution *r, const enum exec_outcome *outcomes, const char *error)
{
        int shortid = (int)(strlen(r->id) > 12 ? 12 : strlen(r->id));
        char *text = NULL;
        size_t size = 0;
        FILE *f;

        if (!log_enabled(LOG_ERR))
                return;
        f = open_memstream(&text, &size);
        if (!f)
                abort();        /* out of memory: as xmalloc */
        fprintf(f, "%.*s: stage %s:", shortid, r->id, r->stage);
        for (size_t i = 0; i < r->n_plans; i++) {
                const struct plan_result *pr = &r->plans[i];

                fprintf(f, " plan %s %s%s", pr->plan->name, pr->applies ? "applies" : "does not apply",
                        pr->n_ops ? ":" : ";");
                for (size_t j = pr->first_op; j < pr->first_op + pr->n_ops; j++)
                        fprintf(f, " %s %s %s%s", action_kind_name(r->ops[j].kind), r->ops[j].target,
                                exec_outcome_name(outcomes[j]), j + 1 < pr->first_op + pr->n_ops ? "," : ";");
                log_msg(LOG_DEBUG, "%.*s: plan %s (%s): %s", shortid, r->id, pr->plan->name, pr->plan->file, pr->why);
                for (size_t j = pr->first_op; j < pr->first_op + pr->n_ops; j++)
                        log_msg(LOG_DEBUG, "%.*s: %s:%d: %s %s: %s%s%s", shortid, r->id, pr->plan->file,
                                r->ops[j].line, action_kind_name(r->ops[j].kind), r->ops[j].target,
                                exec_outcome_name(outcomes[j]), r->ops[j].skipped ? ": " : "",
                                r->ops[j].skipped ? r->ops[j].why : "");
        }
        if (fclose(f) == 0 && text)
                log_msg(error ? LOG_NOTICE : LOG_INFO, "%s", text);
        free(text);
        if (error)
                log_msg(LOG_ERR, "%.*s: %s (what was done is undone)", shortid, r->id, error);
}

/*
 * Inside a user namespace the hook may not be able to read the bundle (Docker's
 * userns-remap keeps it the host root's). What is known without it, the stage
 * and the user namespace, may already rule out every plan: then that is all.
 */
static bool no_plan_applies_early(const struct options *o, const struct plan *plans, const struct state *state,
                                  const struct userns_facts *u)
{
        const struct cond_input in = { .stage = o->stage, .userns = u->userns };

        if (!u->known)
                return false;
        for (size_t i = 0; i < o->n_plans; i++)
                if (!cond_fails_early(&plans[i].when, &in))
                        return false;
        log_msg(LOG_INFO, "%.12s: stage %s: no plan applies %s a user namespace (config.json not read)",
                state->id, o->stage, u->userns ? "in" : "without");
        return true;
}

/*
 * A hook run exits right after: what it built is left to exit (exit_keep(), as the
 * parse trees are) instead of freed piece by piece, a few hundred free() calls.
 * Kept in one heap block, so leak checkers still find all of it reachable.
 */
static bool keep_run_state(enum exec_outcome *outcomes, struct resolution *res, struct facts *facts,
                           struct userns_facts *userns, struct userns_result *settled, struct spec *spec,
                           struct state *state)
{
        struct {
                enum exec_outcome *outcomes;
                struct resolution res;
                struct facts facts;
                struct userns_facts userns;
                struct userns_result settled;
                struct spec spec;
                struct state state;
        } *k;

        if (!exit_keep_enabled())
                return false;
        k = xmalloc(sizeof(*k));
        *k = (typeof(*k)){ outcomes, *res, *facts, *userns, *settled, *spec, *state };
        return exit_keep(k);
}

static int run(const struct options *o, struct plan *plans)
{
        struct state state = { 0 };
        struct spec spec = { 0 };
        struct resolution res = { 0 };
        struct facts facts = { 0 };
        struct userns_facts userns = { 0 };
        struct userns_result settled = { 0 };
        _cleanup_free_ char *config = NULL;
        struct error e = { 0 };
        enum exec_outcome *outcomes = NULL;
        int ret = EXIT_BAD_INPUT, r;

        if (read_state(o, &state, &e) < 0 || userns_probe(o->stage, state.pid, o->dry_run, &userns, &e) < 0) {
                report_failure("%s", e.msg);
                goto out;
        }
        if (no_plan_applies_early(o, plans, &state, &userns)) {
                ret = EXIT_SUCCESS;
                goto out;
        }
        if (spec_load(state.bundle, &spec, &e) < 0) {
                report_failure("%s", e.msg);
                goto out;
        }
        /* config.json's mappings against the kernel's, before anything looks at the rootfs. */
        config = path_join(state.bundle, "config.json");
        if (userns_settle(&userns, &spec, config, &settled, &e) < 0) {
                report_failure("%s", e.msg);
                goto out;
        }
        /* The one look at the rootfs before resolving, which stays pure. */
        facts_gather(&spec, o->dry_run, &facts);
        facts.userns = settled;
        memset(&settled, 0, sizeof(settled));
        if (resolve_plans(plans, o->n_plans, &spec, &state, &facts, o->stage, o->dry_run || log_enabled(LOG_DEBUG),
                          &res, &e) < 0) {
                report_failure("%s", e.msg);
                goto out;
        }
        if (o->dry_run) {
                if (o->json)
                        report_json(stdout, &res);
                else
                        report_text(stdout, &res);
                ret = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_EXEC_FAILED;
                goto out;
        }
        outcomes = xmalloc((res.n_ops + 1) * sizeof(*outcomes));
        sanitize_process();
        r = exec_resolution(&res, &spec, &state, outcomes, &e);
        log_run(&res, outcomes, r < 0 ? e.msg : NULL);
        if (r < 0) {
                print_error("%s: %s", state.id, e.msg);
                ret = EXIT_EXEC_FAILED;
                goto out;
        }
        ret = EXIT_SUCCESS;
out:
        if (keep_run_state(outcomes, &res, &facts, &userns, &settled, &spec, &state))
                return ret;
        free(outcomes);
        resolution_free(&res);
        facts_free(&facts);
        userns_facts_free(&userns);
        userns_result_free(&settled);
        spec_free(&spec);
        state_free(&state);
        return ret;
}

int main(int argc, char **argv)
{
        /* Static: what a run leaves to exit stays reachable from here after main returns. */
        static struct options o;
        static struct plan plans[MAX_PLANS];
        int ret;

        /* Grow the heap in one step, not six brk() calls: pages untouched cost nothing. */
        mallopt(M_TOP_PAD, 1024 * 1024);
        /* One run, then exit: the parse trees are left to it (exit_keep(), json_use_arena()). */
        exit_keep_enable();
        json_use_arena();
        json_seed();
        ret = parse_args(argc, argv, &o);
        /* A hook run logs from the start, so that bad input reaches syslog too. */
        if (ret == 0 && !o.dry_run && !o.validate) {
                log_open(o.log_level);
                ret = refuse_relative_plans(&o);
        }
        if (ret == 0)
                ret = find_plans(&o);
        if (ret != 0) {
                strv_free(&o.found);
                return ret;
        }
        ret = load_plans(&o, plans);
        if (ret == 0 && o.validate)
                printf("%zu plan(s) valid\n", o.n_plans);
        else if (ret == 0)
                ret = run(&o, plans);
        if (!exit_keep_enabled()) {
                for (size_t i = 0; i < o.n_plans; i++)
                        plan_free(&plans[i]);
                strv_free(&o.found);
        }
#ifdef OMP_ASAN
        if (proc_is_another_pid_namespace()) {
                fflush(NULL);
                _exit(ret);
        }
#endif
        return ret;
}
