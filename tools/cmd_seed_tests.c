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
       O_SYMBOL, O_SHAPE, O_MUTANTS, O_CLASSES, O_SEED, O_MEM, O_TIMEOUT,
       O_NO_OUTPUT, O_MAX_DOC, O_JSON, O_SAME };

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

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, O_OUT},
        {"update", no_argument, 0, O_UPDATE},
        {"add", required_argument, 0, O_ADD},
        {"target", required_argument, 0, O_TARGET},
        {"cmd", required_argument, 0, O_CMD},
        {"lib", required_argument, 0, O_LIB},
        {"symbol", required_argument, 0, O_SYMBOL},
        {"shape", required_argument, 0, O_SHAPE},
        {"mutants", required_argument, 0, O_MUTANTS},
        {"classes", required_argument, 0, O_CLASSES},
        {"seed", required_argument, 0, O_SEED},
        {"mem", required_argument, 0, O_MEM},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"outcomes-only", no_argument, 0, O_NO_OUTPUT},
        {"max-doc-size", required_argument, 0, O_MAX_DOC},
        {"json", no_argument, 0, O_JSON},
        {"same-output", no_argument, 0, O_SAME},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_seed_tests;
    const char *out_dir = NULL, *bin = NULL, *cmd_str = NULL, *lib = NULL,
               *symbol = NULL, *shape_path = NULL, *classes = NULL;
    char **adds = NULL;
    size_t nadds = 0;
    uint64_t mutants = 10, seed = 1;
    size_t max_doc = 0;
    pf_limits lim = {.mem_bytes = 512ull << 20, .timeout_s = 2.0,
                     .fsize_bytes = 256ull << 20, .nofile = 1024};
    int update = 0, json = 0, outputs = 1, same = 0, c, rc = EXIT_USAGE;
    pf_err err = PF_ERR_INIT;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_OUT: out_dir = optarg; break;
        case O_UPDATE: update = 1; break;
        case O_TARGET: bin = optarg; break;
        case O_CMD: cmd_str = optarg; break;
        case O_LIB: lib = optarg; break;
        case O_SYMBOL: symbol = optarg; break;
        case O_SHAPE: shape_path = optarg; break;
        case O_CLASSES: classes = optarg; break;
        case O_NO_OUTPUT: outputs = 0; break;
        case O_JSON: json = 1; break;
        case O_SAME: same = 1; break;
        case O_ADD:
            if (add_paths(optarg, &adds, &nadds, &err) < 0) {
                rc = cli_fail(&err);
                goto out_adds;
            }
            break;
        case O_MUTANTS:
            if (cli_parse_u64(cmd, "--mutants", optarg, &mutants) < 0)
                goto out_adds;
            if (mutants > 100000) {
                rc = cli_usage(cmd, "--mutants must be at most 100000");
                goto out_adds;
            }
            break;
        case O_SEED:
            if (cli_parse_u64(cmd, "--seed", optarg, &seed) < 0)
                goto out_adds;
            break;
        case O_MEM:
            if (pf_parse_size(optarg, &lim.mem_bytes, &err) < 0) {
                rc = cli_usage(cmd, "--mem: %s", err.msg);
                goto out_adds;
            }
            break;
        case O_TIMEOUT:
            if (pf_parse_duration(optarg, &lim.timeout_s, &err) < 0) {
                rc = cli_usage(cmd, "--timeout: %s", err.msg);
                goto out_adds;
            }
            break;
        case O_MAX_DOC:
            if (cli_parse_size(cmd, "--max-doc-size", optarg, &max_doc) < 0)
                goto out_adds;
            break;
        case '?':
            rc = cli_bad_option(cmd);
            goto out_adds;
        default: {
            int r = cli_common_opt(cmd, c, optarg);
            if (r) {
                rc = r > 0 ? 0 : EXIT_USAGE;
                goto out_adds;
            }
        }
        }
    }
    char **pos = argv + optind;
    int npos = argc - optind;
    if (same) {
        if (npos != 2) {
            rc = cli_usage(cmd, "--same-output wants two files");
            goto out_adds;
        }
        rc = same_output(pos[0], pos[1]);
        goto out_adds;
    }
    if (!out_dir) {
        rc = cli_usage(cmd, "no --out DIR: say where the tests go");
        goto out_adds;
    }
    if (!bin && !cmd_str && !lib) { /* INPUT... TARGET */
        if (npos < 2) {
            rc = cli_usage(cmd, npos ? "no input, or no TARGET: give INPUT... TARGET, "
                                       "--cmd or --lib"
                                     : "no TARGET: give a worker binary, --cmd or --lib");
            goto out_adds;
        }
        bin = pos[--npos];
        struct stat st;
        if (stat(bin, &st) < 0 || !S_ISREG(st.st_mode) || access(bin, X_OK) < 0) {
            rc = cli_usage(cmd, "the last argument is not an executable file: give "
                           "INPUT... TARGET, or --target BIN, --cmd or --lib");
            goto out_adds;
        }
    }
    if (npos < 1 && !nadds) {
        rc = cli_usage(cmd, "no input: give corpus folders, JSONL files or files");
        goto out_adds;
    }
    cli_target ct;
    if (cli_target_make(&ct, bin, cmd_str, lib, symbol, &err) < 0) {
        rc = err.code == PF_E_USAGE ? cli_usage(cmd, "%s", err.msg) : cli_fail(&err);
        goto out_adds;
    }
    ct.t.reply_output = 1; /* in-process targets: the kit's output */
    unsigned mask = PF_M_ALL;
    pf_shape *shape = NULL;
    pf_inputs in, extra;
    pf_inputs_init(&in);
    pf_inputs_init(&extra);
    pf_seed set;
    pf_seed_init(&set);
    pf_runner *runner = NULL;
    pf_result res;
    pf_result_init(&res);
    if (classes && pf_mclass_parse(classes, &mask, &err) < 0) {
        rc = cli_usage(cmd, "--classes: %s", err.msg);
        goto out;
    }
    if ((shape_path && pf_shape_load(shape_path, &shape, &err) < 0) ||
        (npos > 0 && pf_inputs_read(&in, pos, (size_t)npos, max_doc, &err) < 0) ||
        pf_inputs_mutants(&in, in.n, mutants, mask, shape, seed, 1u << 20, &err) < 0 ||
        (nadds && pf_inputs_read(&extra, adds, nadds, max_doc, &err) < 0)) {
        rc = cli_fail(&err);
        goto out;
    }
    if (!in.n && !extra.n) {
        rc = cli_usage(cmd, "the inputs hold no documents");
        goto out;
    }
    /* refuse a DIR that is not ours before running anything */
    if (pf_seed_check_dir(out_dir, update, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (pf_runner_open(&ct.t, &lim, &runner, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    size_t total = in.n + extra.n;
    for (size_t i = 0; i < total; i++) {
        int added = i >= in.n;
        const pf_input *x = added ? &extra.in[i - in.n] : &in.in[i];
        if (pf_runner_run(runner, (const uint8_t *)x->data, x->len, &res, &err) < 0 ||
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
    char stamp[32], self[4096] = "";
    cli_iso_now(stamp, sizeof stamp);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    pf_seed_meta meta = {
        .engine = ct.engine, .target = ct.name, .lib = lib,
        .cmd_shell = ct.argv_own && !strcmp(ct.argv_own[0], "/bin/sh") &&
                     ct.argv_own[1] && !strcmp(ct.argv_own[1], "-c"),
        .timeout_s = lim.timeout_s, .mem_bytes = lim.mem_bytes,
        .mem_model = pf_runner_limit_model(runner), .seed = seed,
        .mutants = mutants, .outputs = outputs, .created = stamp,
        .prodfuzz = self};
    if (pf_seed_name(&set, &err) < 0 ||
        pf_seed_write(&set, &meta, out_dir, update, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    int is_cmd = !strcmp(ct.engine, "cmd");
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
    for (size_t i = 0; i < set.n; i++)
        fails += pf_outcome_is_failure(set.f[i].outcome);
    if (json) {
        print_json(&set, out_dir, pf_buf_str(&how));
    } else {
        printf("%llu inputs, %zu fixtures (one per outcome and path signature) in %s\n",
               (unsigned long long)set.inputs, set.n, out_dir);
        for (size_t i = 0; i < set.n; i++)
            printf("  %s\n", set.f[i].name);
        printf("run them: %s\n", pf_buf_str(&how));
    }
    if (fails)
        cli_warn("%zu fixture%s a failure (crash, timeout, oom or silent-exit) "
                 "that the runner now expects: fix it, then --update", fails,
                 fails == 1 ? " records" : "s record");
    pf_buf_free(&how);
    rc = 0;
out:
    pf_result_free(&res);
    pf_runner_close(runner);
    pf_seed_free(&set);
    pf_inputs_free(&in);
    pf_inputs_free(&extra);
    pf_shape_free(shape);
    cli_target_free(&ct);
out_adds:
    for (size_t i = 0; i < nadds; i++)
        free(adds[i]);
    free(adds);
    return rc;
}
