/*
 * prodfuzz seed-tests: regression tests from a production snapshot.
 *
 * Runs a target on the snapshot's documents and their mutants (pf_inputs,
 * the same set `check` runs), records each input's outcome and output
 * (pf_run), keeps one fixture per outcome and path signature (pf_seed) and
 * writes them with a runner that replays them and fails on any change: a
 * plain C test for in-process targets, a POSIX shell script for commands.
 * Reproducers of nightly findings (--add) are always kept, so fixed bugs
 * stay fixed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_runopts.h"
#include "cli_target.h"
#include "pf_fs.h"
#include "pf_inputs.h"
#include "pf_mutate.h"
#include "pf_run.h"
#include "pf_seed.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_seed_tests = {"seed-tests", "turn a production snapshot into regression tests",
    "usage: prodfuzz seed-tests INPUT... (TARGET | --cmd 'CMD @@' | --lib SO --symbol FN)\n"
    "                           --out DIR [options]\n"
    "\n"
    "Runs the target on every input (corpus folders, JSONL files, files) and\n"
    "on N mutants per failure class, as `check` does, records each outcome\n"
    "(ok, rejected, crash, timeout, oom, silent-exit) and output, and writes\n"
    "into DIR one fixture per distinct outcome and path signature (the set of\n"
    "JSON paths and types in the input; the smallest input of each), named by\n"
    "outcome, class and path, a manifest (fixtures.json) and a runner that\n"
    "replays them and fails on any changed outcome or output:\n"
    "  commands:   DIR/run_tests.sh, a POSIX shell script\n"
    "  in-process: DIR/seed_test.c, plain C to compile with your entry point,\n"
    "              and DIR/seed_test.mk that builds and runs it:\n"
    "              make -f DIR/seed_test.mk SEED_TEST_LINK='app.c -lcjson'\n"
    "Both end with \"N passed, N failed\" and exit 1 naming what changed.\n"
    "\n"
    "TARGET (or --target BIN) is a worker binary as for `check` (linked with\n"
    "libprodfuzz_libfuzzer.a or libprodfuzz_runner.a); its output is what it\n"
    "hands the worker (the harness kit's serialized text), not its stdout.\n"
    "A command's output is its stdout.\n"
    "\n"
    "  --out DIR             where the tests go: a new or empty folder\n"
    "  --update              re-record an earlier DIR (written aside, then\n"
    "                        swapped in: an interrupted run leaves it intact)\n"
    "  --add FILE            a reproducer that must stay fixed, always kept as\n"
    "                        its own fixture (repeatable; a folder adds its\n"
    "                        files; a nightly --state folder adds every\n"
    "                        findings/ID/reproducer)\n"
    "  --target BIN          the worker binary (else the last INPUT is TARGET)\n"
    "  --cmd 'CMD @@'        a black-box command: @@ is the input file,\n"
    "                        otherwise the input goes to stdin\n"
    "  --lib SO --symbol FN  an uninstrumented library's int FN(const uint8_t *,\n"
    "                        size_t)\n"
    "  --shape PROFILE       mutants relative to production's shape\n"
    "  --mutants N           mutants per class (10; 0: the documents only)\n"
    "  --classes LIST        mutation classes (all; see check --help)\n"
    "  --seed N              mutation seed (1)\n"
    "  --mem SIZE            memory limit per target process (512M; 0: none)\n"
    "  --timeout DURATION    wall time per input (2s)\n"
    "  --outcomes-only       do not record or compare outputs\n"
    "  --max-doc-size SIZE   longest input document read (256M)\n"
    "  --json                print a JSON summary on standard output\n"
    "  --same-output A B     (for run_tests.sh) exit 0 when files A and B hold\n"
    "                        the same output: equal JSON values, else bytes\n"
    "\n"
    "Exit: 0 tests written, 2 bad option or input (DIR not empty and not\n"
    "earlier seed tests, or earlier tests without --update), 3 the target\n"
    "cannot be run.\n"
    "\n"
    "Example:\n"
    "  prodfuzz seed-tests rows.jsonl --cmd 'python3 -m json.tool @@' \\\n"
    "      --out /tmp/seed --mutants 2 --classes null,type,truncate --timeout 10s\n"
    "  sh /tmp/seed/run_tests.sh\n",
    run};

enum { O_OUT = CLI_OPT_FIRST_FREE, O_UPDATE, O_ADD, O_TARGET, O_CMD, O_LIB,
       O_SYMBOL, O_NO_OUTPUT, O_SAME };

/* --same-output A B: 0 same, 1 different, 2 unreadable */
static int same_output(const char *a, const char *b)
{
    pf_buf x = PF_BUF_INIT, y = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    int rc;
    if (pf_fs_read_file(a, (size_t)1 << 30, &x, &err) < 0 ||
        pf_fs_read_file(b, (size_t)1 << 30, &y, &err) < 0)
        rc = cli_fail(&err);
    else
        rc = pf_seed_same_output(x.data, x.len, y.data, y.len) ? 0 : 1;
    pf_buf_free(&x);
    pf_buf_free(&y);
    return rc;
}

/* append a copy of p to the NULL-terminated list v of n */
static int push(char ***v, size_t *n, char *p, pf_err *err)
{
    char **nv = p ? realloc(*v, (*n + 2) * sizeof *nv) : NULL;
    if (!nv) {
        free(p);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    nv[(*n)++] = p;
    nv[*n] = NULL;
    *v = nv;
    return 0;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --add PATH: a file or folder as given; a nightly state folder (it has
 * findings.json and findings/) gives each findings/ID/reproducer */
static int add_paths(const char *p, char ***v, size_t *n, pf_err *err)
{
    pf_buf f = PF_BUF_INIT, db = PF_BUF_INIT;
    pf_buf_addf(&f, "%s/findings", p);
    pf_buf_addf(&db, "%s/findings.json", p);
    if (pf_buf_ok(&f, err) < 0 || pf_buf_ok(&db, err) < 0) {
        pf_buf_free(&f);
        pf_buf_free(&db);
        return -1;
    }
    int state = pf_fs_is_dir(f.data) && access(db.data, F_OK) == 0;
    pf_buf_free(&db);
    int rc = 0;
    if (!state) {
        rc = push(v, n, strdup(p), err);
    } else {
        size_t first = *n;
        DIR *d = opendir(f.data);
        if (!d)
            rc = pf_err_errno(err, errno, "%s", f.data);
        struct dirent *e;
        while (rc == 0 && d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char *r = NULL;
            if (asprintf(&r, "%s/%s/reproducer", f.data, e->d_name) < 0)
                rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
            else if (access(r, R_OK) == 0)
                rc = push(v, n, r, err);
            else
                free(r);
        }
        if (d)
            closedir(d);
        if (rc == 0) /* in name order, as pf_docs reads a folder */
            qsort(*v + first, *n - first, sizeof **v, cmp_path);
    }
    pf_buf_free(&f);
    return rc;
}

static void print_json(const pf_seed *s, const char *dir, const char *runner)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_addf(&b, "{\"inputs\":%llu,\"fixtures\":%zu,\"out\":",
                (unsigned long long)s->inputs, s->n);
    pf_buf_add_json_str(&b, dir, strlen(dir));
    pf_buf_adds(&b, ",\"runner\":");
    pf_buf_add_json_str(&b, runner, strlen(runner));
    pf_buf_adds(&b, ",\"outcomes\":{");
    int first = 1;
    for (int k = 0; k < PF_OUT__COUNT; k++) {
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++)
            n += s->f[i].outcome == (pf_outcome)k;
        if (!n)
            continue;
        pf_buf_addf(&b, "%s\"%s\":%zu", first ? "" : ",", pf_outcome_name((pf_outcome)k), n);
        first = 0;
    }
    pf_buf_adds(&b, "},\"files\":[");
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            pf_buf_addc(&b, ',');
        pf_buf_add_json_str(&b, s->f[i].name, strlen(s->f[i].name));
    }
    pf_buf_adds(&b, "]}\n");
    fwrite(pf_buf_str(&b), 1, b.len, stdout);
    pf_buf_free(&b);
}

/* seed-tests' options: the run options it shares with check (cli_runopts:
 * --shape, --mutants, --classes, --seed, --mem, --timeout,
 * --max-doc-size, --json) and its own. */
typedef struct seed_opts {
    cli_runopts ro;
    const char *out_dir, *bin, *cmd_str, *lib, *symbol;
    char **adds; /* --add: reproducers that must stay fixed */
    size_t nadds;
    int update, outputs, same;
    char **pos; /* the inputs (and TARGET last, without --target, --cmd or --lib) */
    int npos;
} seed_opts;

static void seed_opts_free(seed_opts *o)
{
    for (size_t i = 0; i < o->nadds; i++)
        free(o->adds[i]);
    free(o->adds);
    cli_runopts_free(&o->ro);
}

/* Step 1: the options; the target is the last operand when no other
 * names it. CLI_GO_ON, or the exit code (--help, --version, or an error
 * already printed). */
static int parse(int argc, char **argv, seed_opts *o)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, O_OUT},
        {"update", no_argument, 0, O_UPDATE},
        {"add", required_argument, 0, O_ADD},
        {"target", required_argument, 0, O_TARGET},
        {"cmd", required_argument, 0, O_CMD},
        {"lib", required_argument, 0, O_LIB},
        {"symbol", required_argument, 0, O_SYMBOL},
        {"shape", required_argument, 0, CLI_RUN_SHAPE},
        {"mutants", required_argument, 0, CLI_RUN_MUTANTS},
        {"classes", required_argument, 0, CLI_RUN_CLASSES},
        {"seed", required_argument, 0, CLI_RUN_SEED},
        {"mem", required_argument, 0, CLI_RUN_MEM},
        {"timeout", required_argument, 0, CLI_RUN_TIMEOUT},
        {"outcomes-only", no_argument, 0, O_NO_OUTPUT},
        {"max-doc-size", required_argument, 0, CLI_RUN_MAX_DOC},
        {"json", no_argument, 0, CLI_RUN_JSON},
        {"same-output", no_argument, 0, O_SAME},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_seed_tests;
    pf_err err = PF_ERR_INIT;
    int c, r;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if ((r = cli_runopts_opt(cmd, &o->ro, c, optarg)) != 0) {
            if (r < 0)
                return EXIT_USAGE;
            continue;
        }
        switch (c) {
        case O_OUT: o->out_dir = optarg; break;
        case O_UPDATE: o->update = 1; break;
        case O_TARGET: o->bin = optarg; break;
        case O_CMD: o->cmd_str = optarg; break;
        case O_LIB: o->lib = optarg; break;
        case O_SYMBOL: o->symbol = optarg; break;
        case O_NO_OUTPUT: o->outputs = 0; break;
        case O_SAME: o->same = 1; break;
        case O_ADD:
            if (add_paths(optarg, &o->adds, &o->nadds, &err) < 0)
                return cli_fail(&err);
            break;
        default:
            if ((r = cli_rest_opt(cmd, c, optarg)) != CLI_GO_ON)
                return r;
        }
    }
    o->pos = argv + optind;
    o->npos = argc - optind;
    if (o->same)
        return o->npos != 2 ? cli_usage(cmd, "--same-output wants two files")
                            : same_output(o->pos[0], o->pos[1]);
    if (!o->out_dir)
        return cli_usage(cmd, "no --out DIR: say where the tests go");
    if (!o->bin && !o->cmd_str && !o->lib) { /* INPUT... TARGET */
        if (o->npos < 2)
            return cli_usage(cmd, o->npos ? "no input, or no TARGET: give INPUT... TARGET, "
                                            "--cmd or --lib"
                                          : "no TARGET: give a worker binary, --cmd or --lib");
        o->bin = o->pos[--o->npos];
        struct stat st;
        if (stat(o->bin, &st) < 0 || !S_ISREG(st.st_mode) || access(o->bin, X_OK) < 0)
            return cli_usage(cmd, "the last argument is not an executable file: give "
                             "INPUT... TARGET, or --target BIN, --cmd or --lib");
    }
    if (o->npos < 1 && !o->nadds)
        return cli_usage(cmd, "no input: give corpus folders, JSONL files or files");
    return CLI_GO_ON;
}

/* Step 2: the inputs (documents and their mutants, then the --add
 * reproducers), and the output folder checked before anything runs. 0, or
 * the exit code after printing the error. */
static int read_inputs(const seed_opts *o, pf_inputs *in, pf_inputs *extra,
                       pf_shape **shape)
{
    pf_err err = PF_ERR_INIT;
    int rc = cli_runopts_inputs(&pf_cmd_seed_tests, &o->ro, o->pos, (size_t)o->npos, in,
                                shape);
    if (rc)
        return rc;
    if (o->nadds && pf_inputs_read(extra, o->adds, o->nadds, o->ro.max_doc, &err) < 0)
        return cli_fail(&err);
    if (!in->n && !extra->n)
        return cli_usage(&pf_cmd_seed_tests, "the inputs hold no documents");
    /* refuse a DIR that is not ours before running anything */
    if (pf_seed_check_dir(o->out_dir, o->update, &err) < 0)
        return cli_fail(&err);
    return 0;
}

/* Step 4: the fixtures written with their runner, and said (text or
 * --json). The exit code. */
static int write_tests(pf_seed *set, const seed_opts *o, const cli_target *ct,
                       const pf_runner *runner)
{
    pf_err err = PF_ERR_INIT;
    const char *out_dir = o->out_dir;
    char stamp[32], self[4096] = "";
    cli_iso_now(stamp, sizeof stamp);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    pf_seed_meta meta = {
        .engine = ct->engine, .target = ct->name, .lib = o->lib,
        .cmd_shell = ct->argv_own && !strcmp(ct->argv_own[0], "/bin/sh") &&
                     ct->argv_own[1] && !strcmp(ct->argv_own[1], "-c"),
        .timeout_s = o->ro.lim.timeout_s, .mem_bytes = o->ro.lim.mem_bytes,
        .mem_model = pf_runner_limit_model(runner), .seed = o->ro.seed,
        .mutants = o->ro.mutants, .outputs = o->outputs, .created = stamp,
        .prodfuzz = self};
    if (pf_seed_name(set, &err) < 0 ||
        pf_seed_write(set, &meta, out_dir, o->update, &err) < 0)
        return cli_fail(&err);
    int is_cmd = !strcmp(ct->engine, "cmd");
    pf_buf how = PF_BUF_INIT;
    if (is_cmd) {
        pf_buf_adds(&how, "sh ");
        cli_shell_quote(&how, out_dir);
        pf_buf_adds(&how, "/run_tests.sh");
    } else {
        pf_buf_adds(&how, "make -f ");
        cli_shell_quote(&how, out_dir);
        pf_buf_adds(&how, "/seed_test.mk SEED_TEST_LINK='YOUR_ENTRY.c LIBS'");
    }
    size_t fails = 0;
    for (size_t i = 0; i < set->n; i++)
        fails += pf_outcome_is_failure(set->f[i].outcome);
    if (o->ro.json) {
        print_json(set, out_dir, pf_buf_str(&how));
    } else {
        printf("%llu inputs, %zu fixtures (one per outcome and path signature) in %s\n",
               (unsigned long long)set->inputs, set->n, out_dir);
        for (size_t i = 0; i < set->n; i++)
            printf("  %s\n", set->f[i].name);
        printf("run them: %s\n", pf_buf_str(&how));
    }
    if (fails)
        cli_warn("%zu fixture%s a failure (crash, timeout, oom or silent-exit) "
                 "that the runner now expects: fix it, then --update", fails,
                 fails == 1 ? " records" : "s record");
    pf_buf_free(&how);
    return 0;
}

/* Step 3 is run's loop: every input through the runner, each offered to
 * the fixture set with its outcome and output. */
static int run(int argc, char **argv)
{
    seed_opts o;
    memset(&o, 0, sizeof o);
    o.outputs = 1;
    cli_runopts_init(&o.ro);
    o.ro.mutants_max = 100000;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_GO_ON) {
        seed_opts_free(&o);
        return rc;
    }
    const int outputs = o.outputs;
    pf_err err = PF_ERR_INIT;
    cli_target ct;
    if (cli_target_make(&ct, o.bin, o.cmd_str, o.lib, o.symbol, &err) < 0) {
        rc = err.code == PF_E_USAGE ? cli_usage(&pf_cmd_seed_tests, "%s", err.msg)
                                    : cli_fail(&err);
        seed_opts_free(&o);
        return rc;
    }
    ct.t.reply_output = 1; /* in-process targets: the kit's output */
    pf_shape *shape = NULL;
    pf_inputs in, extra;
    pf_inputs_init(&in);
    pf_inputs_init(&extra);
    pf_seed set;
    pf_seed_init(&set);
    pf_runner *runner = NULL;
    pf_result res;
    pf_result_init(&res);
    if ((rc = read_inputs(&o, &in, &extra, &shape)))
        goto out;
    if (pf_runner_open(&ct.t, &o.ro.lim, &runner, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    size_t total = in.n + extra.n, ahead = 0;
    for (size_t i = 0; i < total; i++) {
        int added = i >= in.n;
        const pf_input *x = added ? &extra.in[i - in.n] : &in.in[i];
        /* inputs go a window ahead to a reused worker, results come in order */
        for (; ahead < total && ahead < i + PF_RUN_WINDOW; ahead++) {
            const pf_input *y = ahead >= in.n ? &extra.in[ahead - in.n] : &in.in[ahead];
            if (pf_runner_submit(runner, (const uint8_t *)y->data, y->len, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
            }
        }
        if (pf_runner_collect(runner, &res, &err) < 0 ||
            pf_seed_offer(&set, x->data, x->len, x->origin, x->path,
                          added ? "reproducer" : pf_inputs_row_name(x->row),
                          added, &res, outputs, &err) < 0) {
            rc = cli_fail(&err);
            goto out;
        }
        if (pf_cli_g.progress)
            cli_progress("seed-tests: %zu of %zu inputs, %zu fixtures", i + 1,
                         total, set.n);
    }
    if (pf_cli_g.progress)
        cli_progress_done();
    rc = write_tests(&set, &o, &ct, runner);
out:
    pf_result_free(&res);
    pf_runner_close(runner);
    pf_seed_free(&set);
    pf_inputs_free(&in);
    pf_inputs_free(&extra);
    pf_shape_free(shape);
    cli_target_free(&ct);
    seed_opts_free(&o);
    return rc;
}
