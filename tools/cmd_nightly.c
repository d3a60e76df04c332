/*
 * prodfuzz nightly: fuzz every target for its share of a night with the
 * prodfuzz mutator, keep every finding, deduplicate, minimize, explain,
 * track them across nights in the state folder and write the reports.
 * The machinery is pf_nightly (src/pf_nightly*.c); this file reads the
 * options, stops the night cleanly on SIGINT/SIGTERM, prints and picks
 * the exit code.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pf_nightly.h"
#include "pf_report.h"
#include "pf_version.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_nightly = {"nightly", "fuzz every target for a night: dedup, minimize, explain, track, report",
    "usage: prodfuzz nightly [--config FILE] [--target BIN [--corpus DIR]\n"
    "                        [--shape PROFILE] [--dict FILE] [--classes LIST]\n"
    "                        [--afl-target BIN] [--coverage BIN] [--env NAME=VALUE]\n"
    "                        [--import DIR]]...\n"
    "                        --state DIR --out DIR\n"
    "                        [--budget 10m] [--jobs N] [--engine libfuzzer|afl|both]\n"
    "                        [--mode restart|fork]\n"
    "                        [--rss-limit 512M] [--timeout 2s] [--max-len 1M]\n"
    "                        [--suppressions FILE] [--json]\n"
    "\n"
    "Runs each target (a libFuzzer binary linked with the prodfuzz mutator)\n"
    "for its share of the budget, restarting the engine after every crash\n"
    "(or in libFuzzer's fork mode) so one bug never ends the night. Every\n"
    "night starts from the production seeds plus what earlier nights\n"
    "learned (the state corpus, merged with -merge=1 and swapped in whole).\n"
    "Findings are deduplicated by sanitizer\n"
    "error kind and the top three own frames, minimized with that signature\n"
    "held fixed, explained against the shape profile, and tracked in\n"
    "STATE/findings.json (new, open, fixed, suppressed). Reports: report.json,\n"
    "report.md, report.sarif, junit.xml and report.html in --out.\n"
    "\n"
    "  --config FILE         targets, corpora, shares and options (JSON, see\n"
    "                        docs/nightly.md); flags are enough for one target\n"
    "  --target BIN          a libFuzzer target; the options below apply to the\n"
    "                        last --target given\n"
    "  --corpus DIR          its production seeds (never written)\n"
    "  --shape PROFILE       its shape profile (must load: exit 3 otherwise)\n"
    "  --dict FILE           a libFuzzer / AFL++ dictionary\n"
    "  --classes LIST        mutation classes (PRODFUZZ_CLASSES)\n"
    "  --afl-target BIN      its AFL++ build (afl-clang-fast), for --engine afl\n"
    "  --env NAME=VALUE      a variable the target needs (recorded for repro)\n"
    "  --coverage BIN        its build with -fprofile-instr-generate\n"
    "                        -fcoverage-mapping: line coverage per target\n"
    "  --import DIR          reproducers found elsewhere (another fuzzer, CI):\n"
    "                        signed, deduplicated and tracked like tonight's\n"
    "  --state DIR           state kept between nights (locked while running)\n"
    "  --out DIR             where the reports and every artifact go\n"
    "  --budget DURATION     the whole night, shared by the targets (10m; 0:\n"
    "                        no fuzzing, only imports and earlier findings)\n"
    "  --jobs N              engine processes per target (1)\n"
    "  --engine E            libfuzzer (default), afl or both\n"
    "  --mode M              how libFuzzer outlives a crash: restart (default:\n"
    "                        --jobs processes, each restarted) or fork (one\n"
    "                        -fork=JOBS process; every production seed kept)\n"
    "  --rss-limit SIZE      the application's heap in production (512M); see\n"
    "                        docs/nightly.md for what ASan adds on top\n"
    "  --timeout DURATION    per input (2s)\n"
    "  --max-len SIZE        largest input (1M)\n"
    "  --suppressions FILE   accepted findings, with reason and expiry date\n"
    "  --minimize DURATION   time to minimize each new finding (10s; 0: off)\n"
    "  --corpus-cap N        most inputs kept in a state corpus (10000)\n"
    "  --afl-mutator FILE    prodfuzz_afl.so (default: next to this binary)\n"
    "  --json                print a JSON summary on standard output\n"
    "  --link-flags          print the linker flags that put the prodfuzz\n"
    "                        mutator into a libFuzzer target, and exit\n"
    "\n"
    "Exit: 0 no new finding, 1 a new finding (or one whose suppression\n"
    "expired), 2 bad option or config, 3 a target cannot be run, the\n"
    "mutator is not on, or the state is in use by another run.\n"
    "\n"
    "Example:\n"
    "  printf '#include <stddef.h>\\n#include <stdint.h>\\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\\n' >/tmp/t.c\n"
    "  clang -fsanitize=fuzzer,address /tmp/t.c $(prodfuzz nightly --link-flags) -o /tmp/t\n"
    "  prodfuzz nightly --target /tmp/t --corpus corpus/service_orders --budget 5s \\\n"
    "      --state /tmp/pf-state --out /tmp/pf-night\n", run};

enum { O_CONFIG = CLI_OPT_FIRST_FREE, O_TARGET, O_CORPUS, O_SHAPE, O_DICT,
       O_CLASSES, O_AFL_TARGET, O_STATE, O_OUT, O_BUDGET, O_JOBS, O_ENGINE,
       O_RSS, O_TIMEOUT, O_MAX_LEN, O_SUPP, O_MINIMIZE, O_CAP, O_AFL_MUT,
       O_JSON, O_ENV, O_LINK_FLAGS, O_IMPORT, O_COVERAGE, O_MODE };

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    if (g_stop) { /* a second one: stop now */
        signal(sig, SIG_DFL);
        raise(sig);
    }
    g_stop = 1;
}

static void say(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (level)
        cli_warn("%s", msg);
    else
        cli_info("%s", msg);
}

static void progress(void *ctx, const char *target, const pf_nsample *s,
                     unsigned restarts, unsigned artifacts)
{
    (void)ctx;
    cli_progress("%s: %.0fs  %llu execs  %.0f exec/s  cov %llu  %u restarts  "
                 "%u artifacts", target, s->t, (unsigned long long)s->execs,
                 s->execs_per_s, (unsigned long long)s->cov, restarts, artifacts);
}

/* A library installed beside this binary: PREFIX/bin/prodfuzz and
 * PREFIX/lib/NAME, or build/{,asan/}bin/prodfuzz and build/lib/NAME. */
static char *beside_me(const char *name)
{
    char self[4096];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0)
        return NULL;
    self[k] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    static const char *const rel[] = {"../lib", "../../lib", NULL};
    for (int i = 0; rel[i]; i++) {
        pf_buf p = PF_BUF_INIT;
        pf_buf_addf(&p, "%s/%s/%s", self, rel[i], name);
        if (pf_buf_ok(&p, NULL) == 0 && access(p.data, R_OK) == 0)
            return pf_buf_detach(&p, NULL);
        pf_buf_free(&p);
    }
    return NULL;
}

static char *default_afl_mutator(void)
{
    const char *e = getenv("PRODFUZZ_AFL_MUTATOR");
    if (e && *e)
        return strdup(e);
    return beside_me("prodfuzz_afl.so");
}

/* --link-flags: what pkg-config --libs prodfuzz-libfuzzer says, found
 * without pkg-config (an uninstalled build, a CI job) */
static int link_flags(void)
{
    char *a = beside_me("libprodfuzz_libfuzzer.a");
    if (!a) {
        cli_error("libprodfuzz_libfuzzer.a is not beside this prodfuzz "
                  "(build it with make, or use pkg-config --libs "
                  "prodfuzz-libfuzzer after make install)");
        return EXIT_ENV;
    }
    char *r = realpath(a, NULL);
    printf("-Wl,-u,LLVMFuzzerCustomMutator -Wl,-u,LLVMFuzzerCustomCrossOver "
           "%s -lcjson -lpq -lcrypto -lm -lpthread\n", r ? r : a);
    free(r);
    free(a);
    return 0;
}

typedef struct opts {
    const char *config, *state, *out, *engine, *supp, *afl_mut;
    double budget, minimize;
    int jobs, json;
    int fork_mode;       /* -1: not given */
    uint64_t cap;
    pf_nlimits lim;
    int has_timeout, has_heap, has_max_len, has_budget, has_jobs;
} opts;

/* Per-target flags go to the last --target. */
static int target_opt(const pf_cmd *cmd, pf_nconfig *cl, const char *name,
                      const char *val, char **slot_of_last)
{
    (void)slot_of_last;
    if (!cl->n)
        return cli_usage(cmd, "%s applies to a --target: give --target first", name);
    pf_ntarget *t = &cl->t[cl->n - 1];
    char **slot = !strcmp(name, "--corpus") ? &t->corpus
                  : !strcmp(name, "--shape") ? &t->shape
                  : !strcmp(name, "--dict") ? &t->dict
                  : !strcmp(name, "--classes") ? &t->classes
                  : !strcmp(name, "--import") ? &t->import
                  : !strcmp(name, "--coverage") ? &t->coverage
                  : &t->afl_binary;
    free(*slot);
    *slot = strdup(val);
    return *slot ? 0 : EXIT_ENV;
}

/* Step 1: the options; per-target ones go to the last --target (into
 * cl). CLI_GO_ON, or the exit code (--help, --version, --link-flags, or a
 * usage error already printed). */
static int parse(int argc, char **argv, opts *o, pf_nconfig *cl)
{
    static const struct option lo[] = {
        {"config", required_argument, 0, O_CONFIG},
        {"target", required_argument, 0, O_TARGET},
        {"corpus", required_argument, 0, O_CORPUS},
        {"shape", required_argument, 0, O_SHAPE},
        {"dict", required_argument, 0, O_DICT},
        {"classes", required_argument, 0, O_CLASSES},
        {"afl-target", required_argument, 0, O_AFL_TARGET},
        {"state", required_argument, 0, O_STATE},
        {"out", required_argument, 0, O_OUT},
        {"budget", required_argument, 0, O_BUDGET},
        {"jobs", required_argument, 0, O_JOBS},
        {"engine", required_argument, 0, O_ENGINE},
        {"mode", required_argument, 0, O_MODE},
        {"rss-limit", required_argument, 0, O_RSS},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"max-len", required_argument, 0, O_MAX_LEN},
        {"suppressions", required_argument, 0, O_SUPP},
        {"minimize", required_argument, 0, O_MINIMIZE},
        {"corpus-cap", required_argument, 0, O_CAP},
        {"afl-mutator", required_argument, 0, O_AFL_MUT},
        {"json", no_argument, 0, O_JSON},
        {"env", required_argument, 0, O_ENV},
        {"link-flags", no_argument, 0, O_LINK_FLAGS},
        {"import", required_argument, 0, O_IMPORT},
        {"coverage", required_argument, 0, O_COVERAGE},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_nightly;
    pf_err err = PF_ERR_INIT;
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        uint64_t u;
        switch (c) {
        case O_CONFIG: o->config = optarg; break;
        case O_TARGET:
            if (!pf_nconfig_add(cl, optarg, &err))
                return cli_fail(&err);
            break;
        case O_CORPUS: case O_SHAPE: case O_DICT: case O_CLASSES: case O_AFL_TARGET:
        case O_IMPORT: case O_COVERAGE: {
            const char *nm = c == O_CORPUS ? "--corpus" : c == O_SHAPE ? "--shape"
                             : c == O_DICT ? "--dict" : c == O_CLASSES ? "--classes"
                             : c == O_IMPORT ? "--import"
                             : c == O_COVERAGE ? "--coverage" : "--afl-target";
            int r = target_opt(cmd, cl, nm, optarg, NULL);
            if (r)
                return r;
            break;
        }
        case O_ENV: {
            pf_ntarget *t = cl->n ? &cl->t[cl->n - 1] : NULL;
            if (!t)
                return cli_usage(cmd, "--env applies to a --target: give --target first");
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return cli_usage(cmd, "--env takes NAME=VALUE");
            if (pf_argv_push(&t->env, &t->nenv, optarg, &err) < 0)
                return cli_fail(&err);
            break;
        }
        case O_LINK_FLAGS:
            return link_flags();
        case O_STATE: o->state = optarg; break;
        case O_OUT: o->out = optarg; break;
        case O_SUPP: o->supp = optarg; break;
        case O_AFL_MUT: o->afl_mut = optarg; break;
        case O_JSON: o->json = 1; break;
        case O_ENGINE:
            if (strcmp(optarg, "libfuzzer") && strcmp(optarg, "afl") &&
                strcmp(optarg, "both"))
                return cli_usage(cmd, "--engine is libfuzzer, afl or both, not '%s'", optarg);
            o->engine = optarg;
            break;
        case O_MODE:
            if (strcmp(optarg, "restart") && strcmp(optarg, "fork"))
                return cli_usage(cmd, "--mode is restart or fork, not '%s'", optarg);
            o->fork_mode = !strcmp(optarg, "fork");
            break;
        case O_BUDGET:
            if (!strcmp(optarg, "0"))
                o->budget = 0;
            else if (pf_nparse_duration(optarg, &o->budget) < 0)
                return cli_usage(cmd, "--budget takes a duration such as 10m, 8h or 30s, not '%s'", optarg);
            o->has_budget = 1;
            break;
        case O_MINIMIZE:
            if (strcmp(optarg, "0") && pf_nparse_duration(optarg, &o->minimize) < 0)
                return cli_usage(cmd, "--minimize takes a duration such as 10s (0: off), not '%s'", optarg);
            if (!strcmp(optarg, "0"))
                o->minimize = 0;
            break;
        case O_TIMEOUT:
            if (pf_nparse_duration(optarg, &o->lim.timeout_s) < 0)
                return cli_usage(cmd, "--timeout takes a duration such as 2s or 500ms, not '%s'", optarg);
            o->has_timeout = 1;
            break;
        case O_RSS:
            if (pf_nparse_size(optarg, &o->lim.heap_bytes) < 0)
                return cli_usage(cmd, "--rss-limit takes a size such as 512M or 2G, not '%s'", optarg);
            o->has_heap = 1;
            break;
        case O_MAX_LEN:
            if (pf_nparse_size(optarg, &o->lim.max_len) < 0)
                return cli_usage(cmd, "--max-len takes a size such as 1M or 4096, not '%s'", optarg);
            o->has_max_len = 1;
            break;
        case O_JOBS:
            if (cli_parse_u64(cmd, "--jobs", optarg, &u) < 0)
                return EXIT_USAGE;
            if (u < 1 || u > 256)
                return cli_usage(cmd, "--jobs must be between 1 and 256");
            o->jobs = (int)u;
            o->has_jobs = 1;
            break;
        case O_CAP:
            if (cli_parse_u64(cmd, "--corpus-cap", optarg, &o->cap) < 0)
                return EXIT_USAGE;
            if (o->cap < 1)
                return cli_usage(cmd, "--corpus-cap must be at least 1");
            break;
        default: {
            int r = cli_rest_opt(cmd, c, optarg);
            if (r != CLI_GO_ON)
                return r;
        }
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!o->state || !o->out)
        return cli_usage(cmd, "--state DIR and --out DIR are required");
    if (!o->config && !cl->n)
        return cli_usage(cmd, "give --target BIN or --config FILE");
    return CLI_GO_ON;
}

/* Move command-line target cl into the config's new entry t. */
static void take_target(pf_ntarget *t, pf_ntarget *cl)
{
    free(t->name);
    t->name = cl->name;
    t->corpus = cl->corpus;
    t->shape = cl->shape;
    t->dict = cl->dict;
    t->classes = cl->classes;
    t->afl_binary = cl->afl_binary;
    t->import = cl->import;
    t->coverage = cl->coverage;
    cl->import = cl->coverage = NULL;
    t->env = cl->env;
    t->nenv = cl->nenv;
    cl->env = NULL;
    cl->nenv = 0;
    cl->name = cl->corpus = cl->shape = cl->dict = NULL;
    cl->classes = cl->afl_binary = NULL;
}

/* Step 2: the night's configuration: --config's targets and the command
 * line's after them; command-line limits where the config said nothing
 * or the command line said so; budget, jobs, engine, mode and
 * suppressions from the config unless given. 0, or the exit code after
 * printing the error. */
static int configure(opts *o, pf_nconfig *cl, pf_nconfig *conf)
{
    pf_err err = PF_ERR_INIT;
    if (o->config && pf_nconfig_load(o->config, conf, &err) < 0)
        return cli_fail(&err);
    for (size_t i = 0; i < cl->n; i++) {
        pf_ntarget *t = pf_nconfig_add(conf, cl->t[i].binary, &err);
        if (!t)
            return cli_fail(&err);
        take_target(t, &cl->t[i]);
        for (size_t k = 0; k + 1 < conf->n; k++)
            if (!strcmp(conf->t[k].name, t->name))
                return cli_usage(&pf_cmd_nightly, "two targets are named '%s': give them "
                                 "different binaries or use a config file", t->name);
    }
    for (size_t i = 0; i < conf->n; i++) {
        pf_ntarget *t = &conf->t[i];
        if (!t->has_timeout || o->has_timeout)
            t->lim.timeout_s = o->lim.timeout_s;
        if (!t->has_heap || o->has_heap)
            t->lim.heap_bytes = o->lim.heap_bytes;
        if (!t->has_max_len || o->has_max_len)
            t->lim.max_len = o->lim.max_len;
    }
    if (!o->has_budget && conf->budget_s > 0)
        o->budget = conf->budget_s;
    if (!o->has_jobs && conf->jobs > 0)
        o->jobs = conf->jobs;
    if (!o->engine)
        o->engine = conf->engine ? conf->engine : "libfuzzer";
    if (o->fork_mode < 0)
        o->fork_mode = conf->fork_mode > 0;
    if (!o->supp)
        o->supp = conf->suppressions;
    return 0;
}

/* Step 4: the night's findings by status, as JSON (--json) or one line
 * each, and where the report is. */
static void print_night(const opts *o, const pf_report *rep, const pf_night_result *res,
                        int rc)
{
    size_t cnt[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < rep->nfindings; i++)
        if (rep->findings[i].status <= PF_STATUS_SUPPRESSED)
            cnt[rep->findings[i].status]++;
    if (o->json) {
        pf_buf j = PF_BUF_INIT;
        pf_buf_addf(&j, "{\"run_id\":\"%s\",\"new\":%zu,\"open\":%zu,"
                    "\"fixed\":%zu,\"suppressed\":%zu,\"expired\":%zu,"
                    "\"target_errors\":%zu,\"stopped\":%s,\"report\":",
                    pf_cli_g.run_id, cnt[0], cnt[1], cnt[2], cnt[3],
                    res->nexpired, res->ntarget_errors,
                    res->stopped ? "true" : "false");
        pf_buf html = PF_BUF_INIT;
        pf_buf_addf(&html, "%s/report.html", o->out);
        pf_buf_add_json_str(&j, html.data, html.len);
        pf_buf_adds(&j, ",\"targets\":[");
        for (size_t i = 0; i < rep->ntargets; i++) {
            const pf_report_target *t = &rep->targets[i];
            pf_buf_adds(&j, i ? ",{\"name\":" : "{\"name\":");
            pf_buf_add_json_str(&j, t->name, strlen(t->name));
            pf_buf_addf(&j, ",\"engine\":\"%s\",\"execs\":%llu,\"seconds\":%.2f,"
                        "\"execs_per_s\":%.0f,\"error\":%s}", t->engine,
                        (unsigned long long)t->inputs, t->seconds,
                        t->seconds > 0 ? (double)t->inputs / t->seconds : 0.0,
                        t->error ? "true" : "false");
        }
        pf_buf_addf(&j, "],\"exit\":%d}\n", rc);
        fwrite(j.data, 1, j.len, stdout);
        pf_buf_free(&j);
        pf_buf_free(&html);
        return;
    }
    printf("%zu new, %zu open, %zu fixed, %zu suppressed finding%s",
           cnt[0], cnt[1], cnt[2], cnt[3],
           cnt[0] + cnt[1] + cnt[2] + cnt[3] == 1 ? "" : "s");
    if (res->nexpired)
        printf(" (%zu behind an expired suppression)", res->nexpired);
    printf("\n");
    for (size_t i = 0; i < rep->nfindings; i++) {
        const pf_finding *f = &rep->findings[i];
        printf("  %-10s %s  %s  %s\n", pf_status_name(f->status), f->id,
               f->target, f->title ? f->title : f->signature);
    }
    printf("report: %s/report.html\n", o->out);
}

/* Step 3 is the night itself (pf_night_run), stopped cleanly by SIGINT or
 * SIGTERM. */
static int run(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.budget = 600;
    o.minimize = 10;
    o.jobs = 1;
    o.fork_mode = -1;
    o.cap = 10000;
    pf_nlimits_default(&o.lim);
    pf_nconfig cl, conf;
    pf_nconfig_init(&cl);
    pf_nconfig_init(&conf);
    pf_report rep;
    int rep_init = 0, rc;
    char *afl_mut = NULL;
    pf_err err = PF_ERR_INIT;
    if ((rc = parse(argc, argv, &o, &cl)) != CLI_GO_ON || (rc = configure(&o, &cl, &conf)))
        goto out;
    afl_mut = o.afl_mut ? strdup(o.afl_mut) : default_afl_mutator();

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char now[32], today[16];
    cli_iso_now(now, sizeof now);
    snprintf(today, sizeof today, "%.10s", now);
    const char *fake_today = getenv("PRODFUZZ_TODAY"); /* tests of expiry */
    if (fake_today && strlen(fake_today) == 10)
        snprintf(today, sizeof today, "%s", fake_today);
    pf_report_init(&rep, "nightly", pf_cli_g.run_id);
    rep_init = 1;
    free(rep.started);
    rep.started = strdup(now);
    pf_night_cfg nc;
    memset(&nc, 0, sizeof nc);
    nc.conf = &conf;
    nc.state_dir = o.state;
    nc.out_dir = o.out;
    nc.budget_s = o.budget;
    nc.jobs = o.jobs;
    nc.engine = o.engine;
    nc.fork_mode = o.fork_mode;
    nc.afl_mutator = afl_mut;
    nc.suppressions = o.supp;
    nc.today = today;
    nc.now = now;
    nc.run_id = pf_cli_g.run_id;
    nc.version = PF_VERSION;
    nc.minimize_s = o.minimize;
    nc.cap_files = o.cap;
    nc.stop = &g_stop;
    nc.say = say;
    nc.progress = progress;
    pf_night_result res;
    cli_info("nightly run %s: %zu target%s, %.0f s, state %s", pf_cli_g.run_id,
             conf.n, conf.n == 1 ? "" : "s", o.budget, o.state);
    int r = pf_night_run(&nc, &rep, &res, &err);
    cli_progress_done();
    if (r < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    rc = res.ntarget_errors ? EXIT_ENV : (res.nnew || res.nexpired) ? EXIT_FINDINGS : 0;
    if (res.stopped)
        cli_warn("stopped by a signal: the report covers the time that ran");
    print_night(&o, &rep, &res, rc);
out:
    if (rep_init)
        pf_report_free(&rep);
    pf_nconfig_free(&cl);
    pf_nconfig_free(&conf);
    free(afl_mut);
    return rc;
}
