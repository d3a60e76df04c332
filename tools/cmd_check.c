/*
 * prodfuzz check: run a target on production documents and their
 * mutants under production-like limits, classify every outcome (pf_run),
 * keep a reproducer per failure, deduplicate failures by signature and
 * print a table by outcome x mutation class. Exit 1 on any failure.
 *
 * The inputs are the documents (corpus folders, JSONL, files) followed by
 * --mutants N per class made by the mutation engine, each seeded from
 * --seed, the class and its index, so a run is reproducible and a shard
 * of it (--shard K/N, by content hash) is the same on every machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_runopts.h"
#include "cli_target.h"
#include "pf_docs.h"
#include "pf_explain.h"
#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_inputs.h"
#include "pf_mutate.h"
#include "pf_report.h"
#include "pf_run.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_check = {"check", "run an app's entry point or command on production-shaped inputs under limits",
    "usage: prodfuzz check TARGET INPUT... [options]\n"
    "       prodfuzz check --cmd 'CMD @@' INPUT... [options]\n"
    "       prodfuzz check --cmd 'CMD' --lines INPUT... [options]\n"
    "       prodfuzz check --lib app.so --symbol FN INPUT... [options]\n"
    "\n"
    "Runs a target on every input (corpus folders, JSONL files, files) and\n"
    "on N mutants per failure class, under production-like limits, and\n"
    "classifies each outcome: ok, rejected, crash, timeout, oom,\n"
    "silent-exit, roundtrip. Every failure gets a reproducer file (the exact\n"
    "bytes) and the command that replays it; failures with one signature\n"
    "are one finding. Exit 1 on any failure.\n"
    "\n"
    "TARGET is a binary linked with libprodfuzz_libfuzzer.a (any libFuzzer\n"
    "target built with pkg-config prodfuzz-libfuzzer) or with\n"
    "libprodfuzz_runner.a (a plain sanitizer build): it serves inputs in one\n"
    "process, restarted after a crash.\n"
    "\n"
    "  --cmd 'CMD @@'        a black-box command, any language: @@ is the input\n"
    "                        file, otherwise the input goes to stdin\n"
    "  --lines               --cmd is a line server: started once, it reads one\n"
    "                        input per line on stdin and answers one line each\n"
    "                        (\"ok...\" accepts, anything else rejects); restarted\n"
    "                        after a crash, a timeout or a missing answer\n"
    "  --lib SO --symbol FN  an uninstrumented library's int FN(const uint8_t *,\n"
    "                        size_t), run in a forked worker\n"
    "  --shape PROFILE       mutants relative to production's shape\n"
    "  --mutants N           mutants per class (10; 0: the documents only)\n"
    "  --classes LIST        null, missing, type, oversize, number, deep,\n"
    "                        legacy, unicode, dupkey, truncate, format (all)\n"
    "  --seed N              mutation seed (1)\n"
    "  --mem SIZE            memory limit per target process (512M; 0: none)\n"
    "  --timeout DURATION    wall time per input (2s); CPU time for commands\n"
    "  --threads N           run each input on N threads at once (in-process\n"
    "                        targets; build with -fsanitize=thread for races)\n"
    "  --shard K/N           only the inputs of shard K of N (by content hash)\n"
    "  --fresh-process       a new process per input (state between inputs)\n"
    "  --roundtrip           the output must parse back to the input's JSON\n"
    "                        value (commands: stdout; workers: the kit's output)\n"
    "  --repro-dir DIR       where reproducers go (REPORT/reproducers with\n"
    "                        --report, else ./prodfuzz-repro)\n"
    "  --report DIR          write report.json, report.md, report.sarif,\n"
    "                        junit.xml, report.html into DIR\n"
    "  --max-doc-size SIZE   longest input document read (256M)\n"
    "  --json                print a JSON summary on standard output\n"
    "  --outcomes FILE       write every input's outcome to FILE, one JSON\n"
    "                        object a line (input, class, outcome, signature)\n"
    "\n"
    "Exit: 0 all inputs ok or rejected, 1 failures, 2 bad option or input,\n"
    "3 the target cannot be run.\n"
    "\n"
    "Example:\n"
    "  printf '{\"a\":1}\\n{\"a\":[1,2]}\\n' > /tmp/docs.jsonl && \\\n"
    "  prodfuzz check --cmd 'python3 -m json.tool @@' /tmp/docs.jsonl \\\n"
    "      --mutants 2 --classes null,type,deep --timeout 10s\n",
    run};

enum { O_CMD = CLI_OPT_FIRST_FREE, O_LIB, O_SYMBOL, O_THREADS, O_ROUNDTRIP,
       O_LINES, O_OUTCOMES };

typedef struct finding {
    char *signature;
    pf_outcome outcome;
    char *title;
    char *repro;
    size_t repro_len;
    char *replay;
    char *origin;
    int row;
    uint64_t count;
    char **explain;      /* pf_explain's lines for the reproducer */
    size_t nexplain;
    char *ex_class, *ex_path; /* its first line's class and path */
    int state_dependent; /* an input failed only after earlier ones in the
                            same worker (pf_result.state_dependent) */
} finding;

typedef struct check {
    pf_inputs in;
    finding *f;
    size_t nf;
    uint64_t table[1 + PF_M_NCLASSES][PF_OUT__COUNT];
    uint64_t failures;
    uint64_t not_run;  /* --lines: inputs holding a newline byte */
} check;

#define row_name pf_inputs_row_name

static void check_free(check *c)
{
    pf_inputs_free(&c->in);
    for (size_t i = 0; i < c->nf; i++) {
        free(c->f[i].signature);
        free(c->f[i].title);
        free(c->f[i].repro);
        free(c->f[i].replay);
        free(c->f[i].origin);
        for (size_t k = 0; k < c->f[i].nexplain; k++)
            free(c->f[i].explain[k]);
        free(c->f[i].explain);
        free(c->f[i].ex_class);
        free(c->f[i].ex_path);
    }
    free(c->f);
}

/* Explain every finding's (smallest) reproducer: how it differs from what
 * production has shown. An input pf_explain cannot explain keeps no lines. */
static int explain_findings(check *c, pf_explainer *x, pf_err *err)
{
    for (size_t i = 0; i < c->nf; i++) {
        finding *f = &c->f[i];
        pf_buf data = PF_BUF_INIT;
        pf_explanation e;
        memset(&e, 0, sizeof e);
        if (pf_fs_read_file(f->repro, (size_t)1 << 30, &data, err) < 0)
            return -1;
        int r = pf_explainer_explain(x, (const uint8_t *)(data.data ? data.data : ""),
                                     data.len, &e, err);
        pf_buf_free(&data);
        if (r < 0)
            return -1;
        if (e.n && !(f->explain = calloc(e.n, sizeof *f->explain))) {
            pf_explanation_free(&e);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        for (size_t k = 0; k < e.n; k++)
            if ((f->explain[f->nexplain] = strdup(e.items[k].text)))
                f->nexplain++;
        size_t want = e.n;
        if (e.n) {
            f->ex_class = e.items[0].cls ? strdup(e.items[0].cls) : NULL;
            f->ex_path = e.items[0].path ? strdup(e.items[0].path) : NULL;
        }
        pf_explanation_free(&e);
        if (f->nexplain < want)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    return 0;
}

/* The explanations into the report model's findings (same signature). */
static int explain_report(const check *c, pf_report *rep, pf_err *err)
{
    for (size_t i = 0; i < c->nf; i++) {
        const finding *f = &c->f[i];
        for (size_t k = 0; k < rep->nfindings; k++) {
            pf_finding *t = &rep->findings[k];
            if (!t->signature || strcmp(t->signature, f->signature) || !f->nexplain)
                continue;
            char **lines = calloc(f->nexplain, sizeof *lines);
            if (!lines)
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            size_t n = 0;
            for (size_t j = 0; j < f->nexplain; j++)
                if ((lines[n] = strdup(f->explain[j])))
                    n++;
            for (size_t j = 0; j < t->nexplain; j++)
                free(t->explain[j]);
            free(t->explain);
            t->explain = lines;
            t->nexplain = n;
            /* a mutant's class is what made it; a production document's
             * failure takes the explanation's */
            if (!t->mclass && f->ex_class)
                t->mclass = strdup(f->ex_class);
            if (!t->path && f->ex_path)
                t->path = strdup(f->ex_path);
            if (n < f->nexplain)
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
    }
    return 0;
}

static int record_failure(check *c, const pf_input *in, const pf_result *res,
                          const cli_target *ct, const char *repro_dir, pf_err *err)
{
    const char *sig = res->crash.signature && *res->crash.signature
                          ? res->crash.signature
                          : pf_outcome_name(res->outcome);
    for (size_t i = 0; i < c->nf; i++)
        if (c->f[i].outcome == res->outcome && !strcmp(c->f[i].signature, sig)) {
            c->f[i].count++;
            c->f[i].state_dependent |= res->state_dependent;
            if (in->len >= c->f[i].repro_len)
                return 0;
            /* keep the smallest reproducer */
            if (pf_fs_write_atomic(c->f[i].repro, in->data, in->len, 0644, err) < 0)
                return -1;
            c->f[i].repro_len = in->len;
            free(c->f[i].origin);
            c->f[i].origin = strdup(in->origin);
            c->f[i].row = in->row;
            return c->f[i].origin ? 0 : pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
    finding *nf = realloc(c->f, (c->nf + 1) * sizeof *nf);
    if (!nf)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    c->f = nf;
    finding *f = &c->f[c->nf];
    memset(f, 0, sizeof *f);
    char hex[41];
    if (pf_sha1_hex(sig, strlen(sig), hex, err) < 0)
        return -1;
    pf_buf b = PF_BUF_INIT;
    pf_buf_addf(&b, "%s/%s-%.12s", repro_dir, pf_outcome_name(res->outcome), hex);
    if (pf_buf_ok(&b, err) < 0)
        return -1;
    if (pf_fs_write_atomic(b.data, in->data, in->len, 0644, err) < 0) {
        pf_buf_free(&b);
        return -1;
    }
    f->repro = pf_buf_detach(&b, NULL);
    f->repro_len = in->len;
    cli_target_replay(&b, ct, f->repro);
    f->replay = pf_buf_detach(&b, NULL);
    pf_result_title(res, &b);
    f->title = pf_buf_detach(&b, NULL);
    f->signature = strdup(sig);
    f->origin = strdup(in->origin);
    f->outcome = res->outcome;
    f->row = in->row;
    f->count = 1;
    f->state_dependent = res->state_dependent;
    c->nf++;
    if (!f->replay || !f->title || !f->signature || !f->origin)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    return 0;
}

static const char *sig_of(const pf_result *res)
{
    return res->crash.signature && *res->crash.signature
               ? res->crash.signature
               : pf_outcome_name(res->outcome);
}

/* the finding record_failure filed res under */
static const finding *find(const check *c, const pf_result *res)
{
    for (size_t i = 0; i < c->nf; i++)
        if (c->f[i].outcome == res->outcome && !strcmp(c->f[i].signature, sig_of(res)))
            return &c->f[i];
    return &c->f[c->nf - 1];
}

/* The same failure in the report model (pf_report_add_failure merges by
 * signature and keeps the smaller reproducer). */
static int report_failure(pf_report *rep, const char *target, const finding *f,
                          const pf_input *in, const pf_result *res, pf_err *err)
{
    pf_finding t;
    memset(&t, 0, sizeof t);
    pf_buf title = PF_BUF_INIT, stack = PF_BUF_INIT;
    if (res->outcome == PF_OUT_CRASH || res->outcome == PF_OUT_OOM ||
        (res->outcome == PF_OUT_TIMEOUT && res->crash.nframes))
        pf_finding_from_crash(&t, &res->crash, &title, &stack);
    t.signature = f->signature;
    t.title = f->title;
    t.kind = t.kind ? t.kind : (char *)res->crash.kind;
    t.target = (char *)target;
    t.outcome = res->outcome;
    t.mclass = in->row ? (char *)row_name(in->row) : NULL;
    t.path = in->path;
    t.reproducer = f->repro;
    t.repro_bytes = in->len;
    t.repro_cmd = f->replay;
    t.count = 1;
    t.status = PF_STATUS_NEW;
    char now[32];
    cli_iso_now(now, sizeof now);
    t.first_seen = t.last_seen = now;
    pf_finding *got = pf_report_add_failure(rep, &t, err);
    pf_buf_free(&title);
    pf_buf_free(&stack);
    return got ? 0 : -1;
}

static void print_table(const check *c, FILE *o)
{
    static const pf_outcome cols[] = {PF_OUT_OK, PF_OUT_REJECTED, PF_OUT_CRASH,
                                      PF_OUT_TIMEOUT, PF_OUT_OOM,
                                      PF_OUT_SILENT_EXIT, PF_OUT_ROUNDTRIP};
    const size_t ncols = sizeof cols / sizeof *cols;
    fprintf(o, "%-12s %7s", "class", "inputs");
    for (size_t k = 0; k < ncols; k++)
        fprintf(o, " %*s", k == 5 ? 11 : 9, pf_outcome_name(cols[k]));
    fputc('\n', o);
    uint64_t tot[PF_OUT__COUNT] = {0}, all = 0;
    for (int r = 0; r <= PF_M_NCLASSES; r++) {
        uint64_t n = 0;
        for (int k = 0; k < PF_OUT__COUNT; k++)
            n += c->table[r][k];
        if (!n)
            continue;
        all += n;
        fprintf(o, "%-12s %7llu", row_name(r), (unsigned long long)n);
        for (size_t k = 0; k < ncols; k++) {
            tot[cols[k]] += c->table[r][cols[k]];
            fprintf(o, " %*llu", k == 5 ? 11 : 9,
                    (unsigned long long)c->table[r][cols[k]]);
        }
        fputc('\n', o);
    }
    fprintf(o, "%-12s %7llu", "total", (unsigned long long)all);
    for (size_t k = 0; k < ncols; k++)
        fprintf(o, " %*llu", k == 5 ? 11 : 9, (unsigned long long)tot[cols[k]]);
    fputc('\n', o);
}

static void json_str(pf_buf *b, const char *s)
{
    pf_buf_add_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

static void print_json(const check *c, const char *model, double secs)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_addf(&b, "{\"inputs\":%llu,\"seconds\":%.3f,\"memory_limit\":\"%s\","
                "\"failures\":%llu,\"not_run\":%llu,\"outcomes\":{",
                (unsigned long long)(c->in.n - c->not_run), secs, model,
                (unsigned long long)c->failures, (unsigned long long)c->not_run);
    for (int k = 0; k < PF_OUT__COUNT; k++) {
        uint64_t n = 0;
        for (int r = 0; r <= PF_M_NCLASSES; r++)
            n += c->table[r][k];
        pf_buf_addf(&b, "%s\"%s\":%llu", k ? "," : "", pf_outcome_name((pf_outcome)k),
                    (unsigned long long)n);
    }
    pf_buf_adds(&b, "},\"classes\":{");
    for (int r = 0, first = 1; r <= PF_M_NCLASSES; r++) {
        uint64_t n = 0;
        for (int k = 0; k < PF_OUT__COUNT; k++)
            n += c->table[r][k];
        if (!n)
            continue;
        pf_buf_addf(&b, "%s\"%s\":{", first ? "" : ",", row_name(r));
        first = 0;
        for (int k = 0, f2 = 1; k < PF_OUT__COUNT; k++)
            if (c->table[r][k]) {
                pf_buf_addf(&b, "%s\"%s\":%llu", f2 ? "" : ",",
                            pf_outcome_name((pf_outcome)k),
                            (unsigned long long)c->table[r][k]);
                f2 = 0;
            }
        pf_buf_addc(&b, '}');
    }
    pf_buf_adds(&b, "},\"findings\":[");
    for (size_t i = 0; i < c->nf; i++) {
        const finding *f = &c->f[i];
        pf_buf_addf(&b, "%s{\"outcome\":\"%s\",\"signature\":", i ? "," : "",
                    pf_outcome_name(f->outcome));
        json_str(&b, f->signature);
        pf_buf_adds(&b, ",\"title\":");
        json_str(&b, f->title);
        pf_buf_addf(&b, ",\"class\":\"%s\",\"count\":%llu,\"reproducer\":",
                    row_name(f->row), (unsigned long long)f->count);
        json_str(&b, f->repro);
        pf_buf_addf(&b, ",\"reproducer_bytes\":%zu,\"replay\":", f->repro_len);
        json_str(&b, f->replay);
        pf_buf_adds(&b, ",\"origin\":");
        json_str(&b, f->origin);
        pf_buf_adds(&b, ",\"explain\":[");
        for (size_t k = 0; k < f->nexplain; k++) {
            if (k)
                pf_buf_addc(&b, ',');
            json_str(&b, f->explain[k]);
        }
        pf_buf_adds(&b, "]");
        if (f->ex_class) {
            pf_buf_adds(&b, ",\"explain_class\":");
            json_str(&b, f->ex_class);
        }
        if (f->ex_path) {
            pf_buf_adds(&b, ",\"explain_path\":");
            json_str(&b, f->ex_path);
        }
        if (f->state_dependent)
            pf_buf_adds(&b, ",\"state_dependent\":true");
        pf_buf_addc(&b, '}');
    }
    pf_buf_adds(&b, "]}\n");
    fwrite(pf_buf_str(&b), 1, b.len, stdout);
    pf_buf_free(&b);
}

static void print_findings(const check *c, FILE *o)
{
    for (size_t i = 0; i < c->nf; i++) {
        const finding *f = &c->f[i];
        fprintf(o, "\n%s: %s (%llu input%s, class %s)\n", pf_outcome_name(f->outcome),
                f->title, (unsigned long long)f->count, f->count == 1 ? "" : "s",
                row_name(f->row));
        fprintf(o, "  input:      %s\n", f->origin);
        if (f->nexplain)
            fprintf(o, "  explain:    %s\n", f->explain[0]);
        fprintf(o, "  reproducer: %s (%zu bytes)\n", f->repro, f->repro_len);
        fprintf(o, "  replay:     %s\n", f->replay);
        if (f->state_dependent)
            fprintf(o, "  note:       it failed after earlier inputs in the same worker, "
                       "not alone: state kept between inputs is part of the cause "
                       "(--fresh-process runs each input alone)\n");
    }
}

/* check's options: the run options (cli_runopts) and its own. */
typedef struct check_opts {
    cli_runopts ro;
    const char *cmd_str, *lib, *symbol, *outcomes_path;
    uint64_t threads;
    int roundtrip, lines;
    char **pos; /* the operands: [TARGET] INPUT... */
    int npos;
} check_opts;

/* Step 1: the options, and what they say of each other. CLI_GO_ON, or
 * the exit code (--help, --version, or a usage error already printed). */
static int parse(int argc, char **argv, check_opts *o)
{
    static const struct option opts[] = {
        {"cmd", required_argument, 0, O_CMD},
        {"lib", required_argument, 0, O_LIB},
        {"symbol", required_argument, 0, O_SYMBOL},
        {"threads", required_argument, 0, O_THREADS},
        {"roundtrip", no_argument, 0, O_ROUNDTRIP},
        {"lines", no_argument, 0, O_LINES},
        {"outcomes", required_argument, 0, O_OUTCOMES},
        CLI_RUN_LONGOPTS, CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_check;
    int c, r;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if ((r = cli_runopts_opt(cmd, &o->ro, c, optarg)) != 0) {
            if (r < 0)
                return EXIT_USAGE;
            continue;
        }
        switch (c) {
        case O_CMD: o->cmd_str = optarg; break;
        case O_LIB: o->lib = optarg; break;
        case O_SYMBOL: o->symbol = optarg; break;
        case O_ROUNDTRIP: o->roundtrip = 1; break;
        case O_LINES: o->lines = 1; break;
        case O_OUTCOMES: o->outcomes_path = optarg; break;
        case O_THREADS:
            if (cli_parse_u64(cmd, "--threads", optarg, &o->threads) < 0)
                return EXIT_USAGE;
            if (o->threads < 1 || o->threads > 64)
                return cli_usage(cmd, "--threads must be between 1 and 64");
            break;
        default:
            if ((r = cli_rest_opt(cmd, c, optarg)) != CLI_GO_ON)
                return r;
        }
    }
    /* GNU getopt moved the operands to the end */
    o->pos = argv + optind;
    o->npos = argc - optind;
    if (o->cmd_str && o->threads > 1)
        return cli_usage(cmd, "--threads needs an in-process target (TARGET or --lib)");
    if (o->lines && !o->cmd_str)
        return cli_usage(cmd, "--lines needs a command (--cmd)");
    if (o->lines && strstr(o->cmd_str, "@@"))
        return cli_usage(cmd, "--lines: a line server reads its inputs on stdin, "
                              "so its command has no @@");
    if (o->lines && o->ro.fresh)
        return cli_usage(cmd, "--lines and --fresh-process contradict each other");
    if (!o->cmd_str && !o->lib && o->npos < 1)
        return cli_usage(cmd, "no TARGET: give a worker binary, --cmd or --lib");
    return CLI_GO_ON;
}

/* Step 2: the target the options name (the first operand when it is a
 * worker binary). 0, or the exit code after printing the error. */
static int make_target(const check_opts *o, int first_input, cli_target *ct)
{
    pf_err err = PF_ERR_INIT;
    if (cli_target_make(ct, first_input ? o->pos[0] : NULL, o->cmd_str, o->lib,
                        o->symbol, &err) < 0)
        return err.code == PF_E_USAGE ? cli_usage(&pf_cmd_check, "%s", err.msg)
                                      : cli_fail(&err);
    ct->t.fresh_process = o->ro.fresh;
    ct->t.roundtrip = o->roundtrip;
    ct->t.threads = (int)o->threads;
    ct->t.lines = o->lines;
    return 0;
}

/* Step 4, after the inputs ran: the findings explained, the summary
 * printed (table or --json), the reports and --outcomes written. The exit
 * code. */
static int finish(check *ck, const check_opts *o, pf_report *rep, pf_report_target *tgt,
                  const pf_runner *runner, const pf_buf *outcomes, double secs)
{
    pf_err err = PF_ERR_INIT;
    if (ck->nf) {
        pf_explainer *x = NULL;
        int r = cli_runopts_explainer(&o->ro, ck->in.in, ck->in.ndocs, &x, &err) < 0 ||
                        explain_findings(ck, x, &err) < 0 ||
                        explain_report(ck, rep, &err) < 0
                    ? -1 : 0;
        pf_explainer_close(x);
        if (r < 0)
            return cli_fail(&err);
    }
    if (o->ro.json) {
        print_json(ck, pf_runner_limit_model(runner), secs);
    } else {
        print_table(ck, stdout);
        print_findings(ck, stdout);
        if (ck->not_run)
            printf("\n%llu input%s not run: a line server takes one line per "
                   "input, and they hold a newline byte\n",
                   (unsigned long long)ck->not_run, ck->not_run == 1 ? "" : "s");
        printf("\n%llu inputs in %.2fs, memory limit by %s: %s\n",
               (unsigned long long)(ck->in.n - ck->not_run), secs,
               pf_runner_limit_model(runner),
               ck->nf ? "failures found" : "no failures");
    }
    tgt->inputs = ck->in.n - ck->not_run;
    tgt->seconds = secs;
    if (cli_runopts_end(&o->ro, rep, &err) < 0)
        return cli_fail(&err);
    if (o->outcomes_path &&
        (pf_buf_ok(outcomes, &err) < 0 ||
         pf_fs_write_atomic(o->outcomes_path, outcomes->data ? outcomes->data : "",
                            outcomes->len, 0644, &err) < 0))
        return cli_fail(&err);
    return ck->nf ? EXIT_FINDINGS : 0;
}

/* Step 3 is run's loop: every input through the runner, each failure
 * recorded and reported as it comes. */
static int run(int argc, char **argv)
{
    check_opts o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    cli_runopts_init(&o.ro);
    pf_err err = PF_ERR_INIT;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_GO_ON) {
        cli_runopts_free(&o.ro);
        return rc;
    }
    int first_input = !o.cmd_str && !o.lib;
    const int lines = o.lines;
    const char *outcomes_path = o.outcomes_path;
    cli_target ct;
    if ((rc = make_target(&o, first_input, &ct))) {
        cli_runopts_free(&o.ro);
        return rc;
    }
    pf_shape *shape = NULL;
    check ck;
    memset(&ck, 0, sizeof ck);
    pf_runner *runner = NULL;
    pf_result res;
    pf_result_init(&res);
    pf_report rep;
    pf_report_init(&rep, "check", pf_cli_g.run_id);
    pf_report_target *tgt = NULL;
    pf_buf outcomes = PF_BUF_INIT; /* --outcomes: one JSON line per input */
    const char *repro_dir = NULL, *tname = ct.name;
    if ((rc = cli_runopts_begin(&pf_cmd_check, &o.ro, o.pos + first_input,
                                (size_t)(o.npos - first_input), "prodfuzz-repro", &ck.in,
                                &shape, &repro_dir, &rep)))
        goto out;
    if (cli_runopts_open(&o.ro, &ct, &rep, &tgt, &runner, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    int made_dir = 0;
    double t0 = cli_now();
    /* inputs go to the runner a window ahead (a reused worker runs them
     * while this loop files the results), and come back in order */
    size_t ahead = 0;
    for (size_t i = 0; i < ck.in.n; i++) {
        pf_input *in = &ck.in.in[i];
        if (lines && in->len && memchr(in->data, '\n', in->len)) {
            ck.not_run++; /* no way to send it as one line */
            continue;
        }
        for (; ahead < ck.in.n && ahead < i + PF_RUN_WINDOW; ahead++) {
            const pf_input *x = &ck.in.in[ahead];
            if (!(lines && x->len && memchr(x->data, '\n', x->len)) &&
                pf_runner_submit(runner, (const uint8_t *)x->data, x->len, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
            }
        }
        if (pf_runner_collect(runner, &res, &err) < 0) {
            rc = cli_fail(&err);
            goto out;
        }
        ck.table[in->row][res.outcome]++;
        if (outcomes_path) {
            pf_buf_adds(&outcomes, "{\"input\":");
            json_str(&outcomes, in->origin);
            pf_buf_addf(&outcomes, ",\"class\":\"%s\",\"outcome\":\"%s\"",
                        row_name(in->row), pf_outcome_name(res.outcome));
            if (pf_outcome_is_failure(res.outcome)) {
                pf_buf_adds(&outcomes, ",\"signature\":");
                json_str(&outcomes, sig_of(&res));
            }
            if (res.state_dependent)
                pf_buf_adds(&outcomes, ",\"state_dependent\":true");
            pf_buf_adds(&outcomes, "}\n");
        }
        if (pf_outcome_is_failure(res.outcome)) {
            ck.failures++;
            if (!made_dir && pf_fs_mkdirs(repro_dir, 0755, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
            }
            made_dir = 1;
            if (record_failure(&ck, in, &res, &ct, repro_dir, &err) < 0 ||
                report_failure(&rep, tname, find(&ck, &res), in, &res, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
            }
        }
        if (pf_report_target_count(tgt, row_name(in->row), res.outcome, &err) < 0) {
            rc = cli_fail(&err);
            goto out;
        }
        if (pf_cli_g.progress)
            cli_progress("check: %zu of %zu inputs, %llu failures", i + 1, ck.in.n,
                         (unsigned long long)ck.failures);
    }
    double secs = cli_now() - t0;
    if (pf_cli_g.progress)
        cli_progress_done();
    rc = finish(&ck, &o, &rep, tgt, runner, &outcomes, secs);
out:
    pf_buf_free(&outcomes);
    pf_report_free(&rep);
    pf_runner_close(runner);
    pf_result_free(&res);
    check_free(&ck);
    pf_shape_free(shape);
    cli_target_free(&ct);
    cli_runopts_free(&o.ro);
    return rc;
}
