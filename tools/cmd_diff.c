/*
 * prodfuzz diff: gate a parser change. Runs an old and a new build of a
 * parser on the same inputs (production documents first, then mutants:
 * pf_inputs, as check) under the same limits (pf_run), and reports every
 * input where they disagree (pf_diff: accept vs reject, output, a failure
 * in only one, different failures), grouped by kind and JSON path, each
 * group with a reproducer, the replay command for each build and the
 * explain line of how the input differs from production (pf_explain).
 * Exit 1 on any divergence the --allow file does not list.
 *
 * Targets are named as in check (cli_target), once per side: --old BIN /
 * --new BIN (workers), --old-cmd / --new-cmd, --old-lib / --new-lib with
 * --symbol (or --old-symbol / --new-symbol). Each input runs on the old
 * build, then the new one; a worker is reused across inputs on each side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_runopts.h"
#include "cli_target.h"
#include "pf_diff.h"
#include "pf_explain.h"
#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_inputs.h"
#include "pf_mutate.h"
#include "pf_report.h"
#include "pf_run.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_diff = {"diff", "gate a parser change: old vs new on the same inputs",
    "usage: prodfuzz diff --old BIN --new BIN INPUT... [options]\n"
    "       prodfuzz diff --old-cmd 'CMD @@' --new-cmd 'CMD @@' INPUT... [options]\n"
    "       prodfuzz diff --old-lib a.so --new-lib b.so --symbol FN INPUT... [options]\n"
    "\n"
    "Runs an old and a new build of a parser on the same inputs (the\n"
    "documents first, then N mutants per failure class) under the same\n"
    "limits, and reports every input where they disagree:\n"
    "  accept->reject, reject->accept  one accepts what the other rejects\n"
    "  output            both accept, the outputs differ (as JSON values when\n"
    "                    both print JSON: key order, whitespace and number\n"
    "                    spelling do not count)\n"
    "  new-OUTCOME       a crash, timeout, oom or silent-exit only in new\n"
    "  fixed-OUTCOME     one only in old\n"
    "  changed-OUTCOME   both fail, differently (OUTCOME: the new one's)\n"
    "The same failure in both builds is no divergence: it is listed as a\n"
    "finding present in both. Divergences are grouped by kind and JSON path\n"
    "(the path a mutant changed; for a document, the first differing output\n"
    "path), each with a reproducer, its replay command for each build and\n"
    "how it differs from production. Exit 1 on a divergence --allow does\n"
    "not list.\n"
    "\n"
    "Each side is one of (any mix):\n"
    "  --old BIN, --new BIN  a worker binary (linked with libprodfuzz_runner.a\n"
    "                        or libprodfuzz_libfuzzer.a, as for check); its\n"
    "                        output is what it hands the harness kit\n"
    "                        (pf_worker_output), none otherwise\n"
    "  --old-cmd 'CMD @@', --new-cmd 'CMD @@'\n"
    "                        a black-box command (@@ is the input file,\n"
    "                        otherwise stdin); its output is standard output\n"
    "  --old-lib SO, --new-lib SO\n"
    "                        an uninstrumented library's int FN(const uint8_t *,\n"
    "                        size_t) (outcomes only, no output)\n"
    "  --symbol FN           the entry point of both libraries (or\n"
    "                        --old-symbol FN, --new-symbol FN)\n"
    "\n"
    "  --allow FILE          intended divergences, one 'KIND PATH' per line\n"
    "                        ('#' comments; KIND may use * and ?; PATH is a\n"
    "                        path pattern such as $.a.b, $.lines[*], $.meta.**,\n"
    "                        or * for any); see docs/diff.md\n"
    "  --exact-output        compare outputs byte for byte\n"
    "  --shape PROFILE       mutants relative to production's shape; also\n"
    "                        what the explain lines compare with\n"
    "  --mutants N           mutants per class (10; 0: the documents only)\n"
    "  --classes LIST        null, missing, type, oversize, number, deep,\n"
    "                        legacy, unicode, dupkey, truncate, format, empty\n"
    "  --seed N              mutation seed (1)\n"
    "  --mem SIZE            memory limit per target process (512M; 0: none)\n"
    "  --timeout DURATION    wall time per input and build (2s)\n"
    "  --shard K/N           only the inputs of shard K of N (by content hash)\n"
    "  --fresh-process       a new process per input (state between inputs)\n"
    "  --repro-dir DIR       where reproducers go (REPORT/reproducers with\n"
    "                        --report, else ./prodfuzz-diff)\n"
    "  --report DIR          write report.json, report.md, report.sarif,\n"
    "                        junit.xml, report.html into DIR\n"
    "  --max-doc-size SIZE   longest input document read (256M)\n"
    "  --json                print a JSON summary on standard output\n"
    "\n"
    "Exit: 0 no divergence (or only allowed ones), 1 divergences not allowed,\n"
    "2 bad option, input or allow file, 3 a target cannot be run.\n"
    "\n"
    "Example:\n"
    "  printf '{\"id\":7,\"tags\":[\"a\"],\"total\":1.50}\\n' > /tmp/docs.jsonl && \\\n"
    "  prodfuzz diff --old-cmd 'python3 -m json.tool @@' \\\n"
    "      --new-cmd 'python3 -m json.tool --sort-keys --compact @@' /tmp/docs.jsonl \\\n"
    "      --mutants 2 --classes null,type,number --timeout 10s\n",
    run};

enum { O_OLD = CLI_OPT_FIRST_FREE, O_NEW, O_OLD_CMD, O_NEW_CMD, O_OLD_LIB,
       O_NEW_LIB, O_SYMBOL, O_OLD_SYMBOL, O_NEW_SYMBOL, O_ALLOW, O_EXACT };

/* A group: the divergent inputs of one kind and path, or (kind "") the
 * inputs that failed the same way in both builds. The smallest input is
 * the reproducer. */
typedef struct group {
    char kind[32];
    char *path;         /* divergence path; in-both: the failure's id */
    uint64_t count;
    size_t input;       /* index of the smallest input in the run */
    char *old_title, *new_title;
    pf_outcome old_out, new_out;
    pf_allow_rule *rule; /* allowed by, or NULL */
    int repeats;        /* the reproducer run again on both builds gave
                           the same kind (1), another or none (0) */
    pf_crash crash;     /* the report of the failing side (new's when both
                           failed), for the reports' stack and location */
    /* filled at the end */
    char *repro, *replay_old, *replay_new;
    char **explain;
    size_t nexplain;
} group;

typedef struct diffrun {
    pf_inputs in;
    group *g;           /* divergences */
    size_t ng;
    group *b;           /* findings in both */
    size_t nb;
    uint64_t divergent, not_allowed;
    uint64_t outcomes[2][PF_OUT__COUNT];
} diffrun;

static void group_free(group *g)
{
    pf_crash_free(&g->crash);
    free(g->path);
    free(g->old_title);
    free(g->new_title);
    free(g->repro);
    free(g->replay_old);
    free(g->replay_new);
    for (size_t i = 0; i < g->nexplain; i++)
        free(g->explain[i]);
    free(g->explain);
}

static void diffrun_free(diffrun *d)
{
    pf_inputs_free(&d->in);
    for (size_t i = 0; i < d->ng; i++)
        group_free(&d->g[i]);
    for (size_t i = 0; i < d->nb; i++)
        group_free(&d->b[i]);
    free(d->g);
    free(d->b);
}

static int set_titles(group *g, const pf_result *o, const pf_result *n, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    pf_result_title(o, &b);
    char *ot = pf_buf_detach(&b, NULL);
    pf_result_title(n, &b);
    char *nt = pf_buf_detach(&b, NULL);
    if (!ot || !nt) {
        free(ot);
        free(nt);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    free(g->old_title);
    free(g->new_title);
    g->old_title = ot;
    g->new_title = nt;
    g->old_out = o->outcome;
    g->new_out = n->outcome;
    return 0;
}

/* File the input under its group (a new one, or the existing one, whose
 * reproducer becomes this input when it is smaller). */
static int file_input(group **gv, size_t *ng, const char *kind, const char *path,
                      const diffrun *d, size_t idx, const pf_result *o,
                      const pf_result *n, group **out, pf_err *err)
{
    for (size_t i = 0; i < *ng; i++) {
        group *g = &(*gv)[i];
        if (strcmp(g->kind, kind) || strcmp(g->path, path))
            continue;
        g->count++;
        *out = g;
        if (d->in.in[idx].len >= d->in.in[g->input].len)
            return 0;
        g->input = idx;
        return set_titles(g, o, n, err);
    }
    group *nv = realloc(*gv, (*ng + 1) * sizeof *nv);
    if (!nv)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    *gv = nv;
    group *g = &nv[*ng];
    memset(g, 0, sizeof *g);
    pf_crash_init(&g->crash);
    snprintf(g->kind, sizeof g->kind, "%s", kind);
    g->path = strdup(path);
    g->count = 1;
    g->input = idx;
    (*ng)++;
    *out = g;
    if (!g->path)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    return set_titles(g, o, n, err);
}

/* The group's reproducer is this input now: keep the failing side's
 * report (moved out of the result, which the next run resets). */
static void keep_crash(group *g, pf_result res[2])
{
    pf_result *r = pf_outcome_is_failure(res[1].outcome) ? &res[1]
                   : pf_outcome_is_failure(res[0].outcome) ? &res[0]
                                                           : NULL;
    pf_crash_free(&g->crash);
    pf_crash_init(&g->crash);
    if (r && r->crash.kind[0]) {
        g->crash = r->crash;
        pf_crash_init(&r->crash);
    }
}

/* The path a divergence is grouped by: the mutant's, else the first
 * differing output path, else the whole document. */
static const char *group_path(const pf_input *in, const pf_diff *df)
{
    if (in->row && in->path && *in->path)
        return in->path;
    if (df->path.len)
        return pf_buf_str(&df->path);
    return "$";
}

/* "accept->reject" -> "accept-to-reject": a file name */
static void kind_slug(pf_buf *b, const char *kind)
{
    for (const char *p = kind; *p; p++) {
        if (p[0] == '-' && p[1] == '>') {
            pf_buf_adds(b, "-to-");
            p++;
        } else {
            pf_buf_addc(b, *p);
        }
    }
}

/* The explainer over the production documents (read again: the run's own
 * set may be one shard) and the profile; made when first needed. */
static int explainer_open(pf_explainer **x, const cli_runopts *ro, char **paths,
                          size_t npaths, pf_err *err)
{
    pf_inputs docs;
    pf_inputs_init(&docs);
    int rc = pf_inputs_read(&docs, paths, npaths, ro->max_doc, err);
    if (rc == 0)
        rc = cli_runopts_explainer(ro, docs.in, docs.n, x, err);
    pf_inputs_free(&docs);
    return rc;
}

static int explain_group(group *g, const pf_input *in, pf_explainer *x, pf_err *err)
{
    if (!in->row) { /* a production document is its own nearest */
        g->explain = calloc(1, sizeof *g->explain);
        if (!g->explain || asprintf(&g->explain[0], "a production document (%s)",
                                    in->origin) < 0) {
            if (g->explain)
                g->explain[0] = NULL;
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        g->nexplain = 1;
        return 0;
    }
    pf_explanation e;
    if (pf_explainer_explain_named(x, NULL, (const uint8_t *)in->data, in->len, &e,
                                   err) < 0)
        return -1;
    size_t n = e.n < 3 ? e.n : 3;
    g->explain = calloc(n ? n : 1, sizeof *g->explain);
    int rc = g->explain ? 0 : pf_err_set(err, PF_E_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!(g->explain[i] = strdup(e.items[i].text)))
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
        else
            g->nexplain++;
    }
    if (rc == 0 && n == 0) {
        if (!(g->explain[0] = strdup("nothing production has not shown (a mutant "
                                     "within production's shape)")))
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
        else
            g->nexplain = 1;
    }
    pf_explanation_free(&e);
    return rc;
}

/* Write each group's reproducer (exact bytes), its replay commands. */
static int finish_group(group *g, const diffrun *d, const char *repro_dir,
                        const cli_target *ot, const cli_target *nt, pf_err *err)
{
    const pf_input *in = &d->in.in[g->input];
    pf_buf key = PF_BUF_INIT, b = PF_BUF_INIT;
    pf_buf_addf(&key, "%s\n%s", g->kind, g->path);
    char hex[41];
    if (pf_buf_ok(&key, err) < 0 || pf_sha1_hex(key.data, key.len, hex, err) < 0) {
        pf_buf_free(&key);
        return -1;
    }
    pf_buf_free(&key);
    pf_buf_addf(&b, "%s/", repro_dir);
    if (g->kind[0])
        kind_slug(&b, g->kind);
    else
        pf_buf_addf(&b, "both-%s", pf_outcome_name(g->new_out));
    pf_buf_addf(&b, "-%.12s", hex);
    if (pf_buf_ok(&b, err) < 0 ||
        pf_fs_write_atomic(b.data, in->data, in->len, 0644, err) < 0) {
        pf_buf_free(&b);
        return -1;
    }
    g->repro = pf_buf_detach(&b, NULL);
    cli_target_replay(&b, ot, g->repro);
    g->replay_old = pf_buf_detach(&b, NULL);
    cli_target_replay(&b, nt, g->repro);
    g->replay_new = pf_buf_detach(&b, NULL);
    if (!g->repro || !g->replay_old || !g->replay_new)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    return 0;
}

/* Run the group's reproducer on both builds again: a divergence that
 * came from state a worker kept, or from timing, does not repeat. */
static int confirm_group(group *g, const diffrun *d, pf_runner *runner[2],
                         pf_result res[2], const pf_diff_opts *o, pf_diff *df,
                         pf_err *err)
{
    const pf_input *in = &d->in.in[g->input];
    for (int s = 0; s < 2; s++)
        if (pf_runner_run(runner[s], (const uint8_t *)in->data, in->len, &res[s], err) < 0)
            return pf_err_prefix(err, "%s build", s ? "new" : "old");
    if (pf_diff_results(&res[0], &res[1], o, df, err) < 0)
        return -1;
    g->repeats = df->verdict == PF_DIFF_DIVERGED && !strcmp(df->kind, g->kind);
    return 0;
}

/* ---- output ---------------------------------------------------------------- */

static void print_outcomes(const diffrun *d, const cli_target *ct[2], FILE *o)
{
    static const pf_outcome cols[] = {PF_OUT_OK, PF_OUT_REJECTED, PF_OUT_CRASH,
                                      PF_OUT_TIMEOUT, PF_OUT_OOM, PF_OUT_SILENT_EXIT};
    fprintf(o, "%-6s %7s", "build", "inputs");
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
        fprintf(o, " %*s", k == 5 ? 11 : 9, pf_outcome_name(cols[k]));
    fprintf(o, "  target\n");
    for (int s = 0; s < 2; s++) {
        fprintf(o, "%-6s %7zu", s ? "new" : "old", d->in.n);
        for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
            fprintf(o, " %*llu", k == 5 ? 11 : 9,
                    (unsigned long long)d->outcomes[s][cols[k]]);
        fprintf(o, "  %s\n", ct[s]->name);
    }
}

static void print_groups(const diffrun *d, const pf_allow *allow, FILE *o)
{
    if (d->ng) {
        fprintf(o, "\n%-16s %-32s %7s  %-9s %s\n", "divergence", "path", "inputs",
                "allowed", "old -> new");
        for (size_t i = 0; i < d->ng; i++) {
            const group *g = &d->g[i];
            char al[32] = "no";
            if (g->rule)
                snprintf(al, sizeof al, "line %d", g->rule->line);
            fprintf(o, "%-16s %-32s %7llu  %-9s %s -> %s\n", g->kind, g->path,
                    (unsigned long long)g->count, al, pf_outcome_name(g->old_out),
                    pf_outcome_name(g->new_out));
        }
    }
    for (size_t i = 0; i < d->ng; i++) {
        const group *g = &d->g[i];
        const pf_input *in = &d->in.in[g->input];
        fprintf(o, "\n%s at %s (%llu input%s, class %s)%s\n", g->kind, g->path,
                (unsigned long long)g->count, g->count == 1 ? "" : "s",
                pf_inputs_row_name(in->row), g->rule ? ", allowed" : "");
        if (g->rule)
            fprintf(o, "  allowed by: %s:%d\n", allow->name, g->rule->line);
        fprintf(o, "  input:      %s\n", in->origin);
        fprintf(o, "  old:        %s\n", g->old_title);
        fprintf(o, "  new:        %s\n", g->new_title);
        if (!g->repeats)
            fprintf(o, "  repeats:    no (run again, the reproducer did not diverge the "
                       "same way: state kept between inputs, or timing)\n");
        for (size_t k = 0; k < g->nexplain; k++)
            fprintf(o, "  %s %s\n", k ? "           " : "explain:   ", g->explain[k]);
        fprintf(o, "  reproducer: %s (%zu bytes)\n", g->repro, in->len);
        fprintf(o, "  replay old: %s\n", g->replay_old);
        fprintf(o, "  replay new: %s\n", g->replay_new);
    }
    for (size_t i = 0; i < d->nb; i++) {
        const group *g = &d->b[i];
        const pf_input *in = &d->in.in[g->input];
        fprintf(o, "\nin both: %s (%llu input%s, class %s; not a divergence)\n",
                g->new_title, (unsigned long long)g->count, g->count == 1 ? "" : "s",
                pf_inputs_row_name(in->row));
        fprintf(o, "  input:      %s\n", in->origin);
        fprintf(o, "  reproducer: %s (%zu bytes)\n", g->repro, in->len);
        fprintf(o, "  replay new: %s\n", g->replay_new);
    }
}

static void json_str(pf_buf *b, const char *s)
{
    pf_buf_add_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

static void json_group(pf_buf *b, const group *g, const diffrun *d, const pf_allow *allow)
{
    const pf_input *in = &d->in.in[g->input];
    pf_buf_adds(b, "{");
    if (g->kind[0]) {
        pf_buf_adds(b, "\"kind\":");
        json_str(b, g->kind);
        pf_buf_adds(b, ",\"path\":");
        json_str(b, g->path);
        pf_buf_adds(b, ",\"allowed\":");
        if (g->rule) {
            pf_buf_adds(b, "{\"file\":");
            json_str(b, allow->name);
            pf_buf_addf(b, ",\"line\":%d}", g->rule->line);
        } else {
            pf_buf_adds(b, "false");
        }
        pf_buf_adds(b, ",\"old\":{\"outcome\":");
        json_str(b, pf_outcome_name(g->old_out));
        pf_buf_adds(b, ",\"title\":");
        json_str(b, g->old_title);
        pf_buf_adds(b, "},\"new\":{\"outcome\":");
        json_str(b, pf_outcome_name(g->new_out));
        pf_buf_adds(b, ",\"title\":");
        json_str(b, g->new_title);
        pf_buf_adds(b, "},\"explain\":[");
        for (size_t k = 0; k < g->nexplain; k++) {
            if (k)
                pf_buf_addc(b, ',');
            json_str(b, g->explain[k]);
        }
        pf_buf_addf(b, "],\"repeats\":%s,\"replay_old\":", g->repeats ? "true" : "false");
        json_str(b, g->replay_old);
        pf_buf_adds(b, ",");
    } else {
        pf_buf_adds(b, "\"outcome\":");
        json_str(b, pf_outcome_name(g->new_out));
        pf_buf_adds(b, ",\"title\":");
        json_str(b, g->new_title);
        pf_buf_adds(b, ",\"id\":");
        json_str(b, g->path);
        pf_buf_adds(b, ",");
    }
    pf_buf_adds(b, "\"replay_new\":");
    json_str(b, g->replay_new);
    pf_buf_addf(b, ",\"count\":%llu,\"class\":", (unsigned long long)g->count);
    json_str(b, pf_inputs_row_name(in->row));
    pf_buf_adds(b, ",\"origin\":");
    json_str(b, in->origin);
    pf_buf_adds(b, ",\"reproducer\":");
    json_str(b, g->repro);
    pf_buf_addf(b, ",\"reproducer_bytes\":%zu}", in->len);
}

static void print_json(const diffrun *d, const cli_target *ct[2], const pf_allow *allow,
                       double secs)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_addf(&b, "{\"inputs\":%zu,\"seconds\":%.3f,\"divergent_inputs\":%llu,"
                "\"not_allowed\":%llu", d->in.n, secs, (unsigned long long)d->divergent,
                (unsigned long long)d->not_allowed);
    for (int s = 0; s < 2; s++) {
        pf_buf_addf(&b, ",\"%s\":{\"target\":", s ? "new" : "old");
        json_str(&b, ct[s]->name);
        pf_buf_adds(&b, ",\"engine\":");
        json_str(&b, ct[s]->engine);
        pf_buf_adds(&b, ",\"outcomes\":{");
        for (int k = 0; k < PF_OUT_DIVERGENCE; k++)
            pf_buf_addf(&b, "%s\"%s\":%llu", k ? "," : "", pf_outcome_name((pf_outcome)k),
                        (unsigned long long)d->outcomes[s][k]);
        pf_buf_adds(&b, "}}");
    }
    pf_buf_adds(&b, ",\"divergences\":[");
    for (size_t i = 0; i < d->ng; i++) {
        if (i)
            pf_buf_addc(&b, ',');
        json_group(&b, &d->g[i], d, allow);
    }
    pf_buf_adds(&b, "],\"in_both\":[");
    for (size_t i = 0; i < d->nb; i++) {
        if (i)
            pf_buf_addc(&b, ',');
        json_group(&b, &d->b[i], d, allow);
    }
    pf_buf_adds(&b, "]}\n");
    fwrite(pf_buf_str(&b), 1, b.len, stdout);
    pf_buf_free(&b);
}

/* The groups as report findings: a divergence is outcome "divergence"
 * (suppressed when allowed); a failure in both keeps its own outcome and
 * is "open" (it was there before the change). */
static int report_groups(pf_report *rep, const diffrun *d, const cli_target *nt,
                         const pf_allow *allow, pf_err *err)
{
    char now[32];
    cli_iso_now(now, sizeof now);
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass ? d->nb : d->ng;
        for (size_t i = 0; i < n; i++) {
            const group *g = pass ? &d->b[i] : &d->g[i];
            const pf_input *in = &d->in.in[g->input];
            pf_finding t;
            memset(&t, 0, sizeof t);
            pf_buf sig = PF_BUF_INIT, title = PF_BUF_INIT, cmd = PF_BUF_INIT,
                   reason = PF_BUF_INIT, ctitle = PF_BUF_INIT, stack = PF_BUF_INIT;
            if (g->crash.kind[0]) /* stack and location; kind, title and
                                     signature are set below */
                pf_finding_from_crash(&t, &g->crash, &ctitle, &stack);
            if (pass == 0) {
                pf_buf_addf(&sig, "divergence|%s|%s", g->kind, g->path);
                pf_buf_addf(&title, "%s at %s: %s -> %s", g->kind, g->path, g->old_title,
                            g->new_title);
                pf_buf_addf(&cmd, "%s; %s", g->replay_old, g->replay_new);
                t.outcome = PF_OUT_DIVERGENCE;
                t.kind = (char *)g->kind;
                t.path = g->path;
                t.status = g->rule ? PF_STATUS_SUPPRESSED : PF_STATUS_NEW;
                if (g->rule) {
                    pf_buf_addf(&reason, "allowed by %s:%d", allow->name, g->rule->line);
                    t.suppress_reason = reason.data;
                }
            } else {
                pf_buf_addf(&sig, "%s", g->path);
                pf_buf_addf(&title, "%s (in both builds)", g->new_title);
                pf_buf_adds(&cmd, g->replay_new);
                t.outcome = g->new_out;
                t.kind = (char *)g->crash.kind;
                t.path = in->path;
                t.status = PF_STATUS_OPEN;
            }
            t.signature = sig.data;
            t.title = title.data;
            t.target = (char *)nt->name;
            t.mclass = in->row ? (char *)pf_inputs_row_name(in->row) : NULL;
            t.explain = g->explain;
            t.nexplain = g->nexplain;
            t.reproducer = g->repro;
            t.repro_bytes = in->len;
            t.repro_cmd = cmd.data;
            t.count = g->count;
            t.first_seen = t.last_seen = now;
            int ok = pf_buf_ok(&sig, err) == 0 && pf_buf_ok(&title, err) == 0 &&
                     pf_buf_ok(&cmd, err) == 0 && pf_buf_ok(&reason, err) == 0;
            pf_finding *got = ok ? pf_report_add_failure(rep, &t, err) : NULL;
            pf_buf_free(&sig);
            pf_buf_free(&title);
            pf_buf_free(&cmd);
            pf_buf_free(&reason);
            pf_buf_free(&ctitle);
            pf_buf_free(&stack);
            if (!got)
                return -1;
        }
    }
    return 0;
}

/* ---- the run ------------------------------------------------------------- */

typedef struct side_opts {
    const char *bin, *cmd, *lib, *symbol;
} side_opts;

static int make_side(const pf_cmd *cmd, cli_target *ct, const char *which,
                     const side_opts *s, const char *symbol, int fresh)
{
    pf_err err = PF_ERR_INIT;
    int n = (s->bin != NULL) + (s->cmd != NULL) + (s->lib != NULL);
    if (n != 1) {
        memset(ct, 0, sizeof *ct);
        return cli_usage(cmd, n ? "give one %s target: --%s, --%s-cmd or --%s-lib"
                                : "no %s target: give --%s BIN, --%s-cmd 'CMD @@' or --%s-lib SO",
                         which, which, which, which);
    }
    if (cli_target_make(ct, s->bin, s->cmd, s->lib, s->symbol ? s->symbol : symbol,
                        &err) < 0) {
        if (err.code == PF_E_USAGE)
            return cli_usage(cmd, "%s: %s", which, err.msg);
        return cli_fail(&err);
    }
    ct->t.fresh_process = fresh;
    ct->t.reply_output = 1;
    return 0;
}

/* diff's options: the run options (cli_runopts), the two builds and its
 * own. */
typedef struct diff_opts {
    cli_runopts ro;
    side_opts side[2];
    const char *symbol, *allow_path;
    pf_diff_opts dopts;
    char **pos; /* the inputs */
    size_t npos;
} diff_opts;

/* Step 1: the options. CLI_GO_ON, or the exit code (--help, --version,
 * or a usage error already printed). */
static int parse(int argc, char **argv, diff_opts *o)
{
    static const struct option opts[] = {
        {"old", required_argument, 0, O_OLD},
        {"new", required_argument, 0, O_NEW},
        {"old-cmd", required_argument, 0, O_OLD_CMD},
        {"new-cmd", required_argument, 0, O_NEW_CMD},
        {"old-lib", required_argument, 0, O_OLD_LIB},
        {"new-lib", required_argument, 0, O_NEW_LIB},
        {"symbol", required_argument, 0, O_SYMBOL},
        {"old-symbol", required_argument, 0, O_OLD_SYMBOL},
        {"new-symbol", required_argument, 0, O_NEW_SYMBOL},
        {"allow", required_argument, 0, O_ALLOW},
        {"exact-output", no_argument, 0, O_EXACT},
        CLI_RUN_LONGOPTS, CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_diff;
    side_opts *side = o->side;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int r = cli_runopts_opt(cmd, &o->ro, c, optarg);
        if (r < 0)
            return EXIT_USAGE;
        if (r > 0)
            continue;
        switch (c) {
        case O_OLD: side[0].bin = optarg; break;
        case O_NEW: side[1].bin = optarg; break;
        case O_OLD_CMD: side[0].cmd = optarg; break;
        case O_NEW_CMD: side[1].cmd = optarg; break;
        case O_OLD_LIB: side[0].lib = optarg; break;
        case O_NEW_LIB: side[1].lib = optarg; break;
        case O_OLD_SYMBOL: side[0].symbol = optarg; break;
        case O_NEW_SYMBOL: side[1].symbol = optarg; break;
        case O_SYMBOL: o->symbol = optarg; break;
        case O_ALLOW: o->allow_path = optarg; break;
        case O_EXACT: o->dopts.exact_output = 1; break;
        default:
            if ((r = cli_rest_opt(cmd, c, optarg)) != CLI_GO_ON)
                return r;
        }
    }
    o->pos = argv + optind;
    o->npos = (size_t)(argc - optind);
    return CLI_GO_ON;
}

/* Step 4, once per group after the inputs ran: a divergence confirmed by
 * running its input again, the group's reproducer and replay commands
 * written, and its input explained (*x opened on first use). 0 or -1. */
static int settle_groups(diffrun *d, const diff_opts *o, pf_runner *runner[2],
                         pf_result res[2], pf_diff *df, const cli_target *ct[2],
                         const char *repro_dir, pf_explainer **x, pf_err *err)
{
    if ((d->ng || d->nb) && pf_fs_mkdirs(repro_dir, 0755, err) < 0)
        return -1;
    for (size_t i = 0; i < d->ng + d->nb; i++) {
        group *g = i < d->ng ? &d->g[i] : &d->b[i - d->ng];
        const pf_input *in = &d->in.in[g->input];
        if ((i < d->ng && confirm_group(g, d, runner, res, &o->dopts, df, err) < 0) ||
            finish_group(g, d, repro_dir, ct[0], ct[1], err) < 0 ||
            (in->row && !*x && explainer_open(x, &o->ro, o->pos, o->npos, err) < 0) ||
            explain_group(g, in, *x, err) < 0)
            return -1;
    }
    return 0;
}

/* Step 5: the summary (text or --json), allow rules that allowed nothing,
 * and the reports. The exit code. */
static int finish(diffrun *d, const diff_opts *o, const cli_target *ct[2],
                  const pf_allow *allow, pf_runner *runner[2], pf_report *rep,
                  pf_report_target *tgt[2], double secs)
{
    pf_err err = PF_ERR_INIT;
    if (o->ro.json) {
        print_json(d, ct, allow, secs);
    } else {
        print_outcomes(d, ct, stdout);
        print_groups(d, allow, stdout);
        printf("\n%zu inputs in %.2fs, memory limit by %s: ", d->in.n, secs,
               pf_runner_limit_model(runner[1]));
        if (!d->divergent)
            printf("no divergence");
        else
            printf("%llu divergent input%s in %zu group%s, %llu not allowed",
                   (unsigned long long)d->divergent, d->divergent == 1 ? "" : "s", d->ng,
                   d->ng == 1 ? "" : "s", (unsigned long long)d->not_allowed);
        if (d->nb)
            printf("; %zu finding%s in both builds", d->nb, d->nb == 1 ? "" : "s");
        printf("\n");
    }
    for (size_t i = 0; i < allow->n; i++)
        if (!allow->rules[i].hits)
            cli_warn("%s:%d: allows nothing in this run (%s %s)", allow->name,
                     allow->rules[i].line, allow->rules[i].kind,
                     allow->rules[i].path ? allow->rules[i].path : "*");
    for (int s = 0; s < 2; s++) {
        tgt[s]->inputs = d->in.n;
        tgt[s]->seconds = secs;
    }
    if ((o->ro.report_dir && report_groups(rep, d, ct[1], allow, &err) < 0) ||
        cli_runopts_end(&o->ro, rep, &err) < 0)
        return cli_fail(&err);
    return d->not_allowed ? EXIT_FINDINGS : 0;
}

/* Step 3 is run's loop: every input through both builds, each divergence
 * filed into its group as it comes. */
static int run(int argc, char **argv)
{
    const pf_cmd *cmd = &pf_cmd_diff;
    diff_opts o;
    memset(&o, 0, sizeof o);
    cli_runopts_init(&o.ro);
    int rc = parse(argc, argv, &o);
    if (rc != CLI_GO_ON) {
        cli_runopts_free(&o.ro);
        return rc;
    }
    const pf_diff_opts dopts = o.dopts;
    pf_err err = PF_ERR_INIT;
    cli_target ct_old, ct_new;
    if ((rc = make_side(cmd, &ct_old, "old", &o.side[0], o.symbol, o.ro.fresh))) {
        cli_runopts_free(&o.ro);
        return rc;
    }
    if ((rc = make_side(cmd, &ct_new, "new", &o.side[1], o.symbol, o.ro.fresh))) {
        cli_target_free(&ct_old);
        cli_runopts_free(&o.ro);
        return rc;
    }
    const cli_target *ct[2] = {&ct_old, &ct_new};
    pf_allow allow;
    pf_allow_init(&allow);
    pf_shape *shape = NULL;
    diffrun d;
    memset(&d, 0, sizeof d);
    pf_runner *runner[2] = {NULL, NULL};
    pf_result res[2];
    pf_result_init(&res[0]);
    pf_result_init(&res[1]);
    pf_diff df;
    pf_diff_init(&df);
    pf_report rep;
    pf_report_init(&rep, "diff", pf_cli_g.run_id);
    pf_explainer *x = NULL;
    const char *repro_dir = NULL;
    pf_report_target *tgt[2];
    if (o.allow_path && pf_allow_load(&allow, o.allow_path, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if ((rc = cli_runopts_begin(cmd, &o.ro, o.pos, o.npos, "prodfuzz-diff", &d.in, &shape,
                                &repro_dir, &rep)))
        goto out;
    for (int s = 0; s < 2; s++) {
        if (cli_runopts_open(&o.ro, ct[s], &rep, &tgt[s], &runner[s], &err) < 0) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    double t0 = cli_now();
    pf_buf id = PF_BUF_INIT;
    /* both builds get the inputs a window ahead: two reused workers run
     * side by side while this loop compares, and answer in order */
    size_t ahead = 0;
    for (size_t i = 0; i < d.in.n; i++) {
        pf_input *in = &d.in.in[i];
        for (; ahead < d.in.n && ahead < i + PF_RUN_WINDOW; ahead++) {
            const pf_input *x = &d.in.in[ahead];
            for (int s = 0; s < 2; s++)
                if (pf_runner_submit(runner[s], (const uint8_t *)x->data, x->len,
                                     &err) < 0) {
                    rc = cli_fail(&err);
                    pf_buf_free(&id);
                    goto out;
                }
        }
        for (int s = 0; s < 2; s++) {
            if (pf_runner_collect(runner[s], &res[s], &err) < 0) {
                pf_err_prefix(&err, "%s build", s ? "new" : "old");
                rc = cli_fail(&err);
                pf_buf_free(&id);
                goto out;
            }
            d.outcomes[s][res[s].outcome]++;
            if (pf_report_target_count(tgt[s], pf_inputs_row_name(in->row),
                                       res[s].outcome, &err) < 0) {
                rc = cli_fail(&err);
                pf_buf_free(&id);
                goto out;
            }
        }
        if (pf_diff_results(&res[0], &res[1], &dopts, &df, &err) < 0) {
            rc = cli_fail(&err);
            pf_buf_free(&id);
            goto out;
        }
        group *g = NULL;
        int frc = 0;
        if (df.verdict == PF_DIFF_DIVERGED) {
            const char *path = group_path(in, &df);
            d.divergent++;
            frc = file_input(&d.g, &d.ng, df.kind, path, &d, i, &res[0], &res[1], &g,
                             &err);
            if (frc == 0 && g->count == 1)
                g->rule = pf_allow_match(&allow, g->kind, g->path);
            else if (frc == 0 && g->rule)
                g->rule->hits++;
            if (frc == 0 && !g->rule)
                d.not_allowed++;
        } else if (df.verdict == PF_DIFF_BOTH) {
            pf_diff_failure_id(&res[1], &id);
            frc = pf_buf_ok(&id, &err);
            if (frc == 0)
                frc = file_input(&d.b, &d.nb, "", pf_buf_str(&id), &d, i, &res[0],
                                 &res[1], &g, &err);
        }
        if (frc < 0) {
            rc = cli_fail(&err);
            pf_buf_free(&id);
            goto out;
        }
        if (g && g->input == i)
            keep_crash(g, res);
        if (pf_cli_g.progress)
            cli_progress("diff: %zu of %zu inputs, %llu divergent", i + 1, d.in.n,
                         (unsigned long long)d.divergent);
    }
    pf_buf_free(&id);
    double secs = cli_now() - t0;
    if (pf_cli_g.progress)
        cli_progress_done();
    if (settle_groups(&d, &o, runner, res, &df, ct, repro_dir, &x, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    rc = finish(&d, &o, ct, &allow, runner, &rep, tgt, secs);
out:
    pf_explainer_close(x);
    pf_report_free(&rep);
    pf_diff_free(&df);
    pf_runner_close(runner[0]);
    pf_runner_close(runner[1]);
    pf_result_free(&res[0]);
    pf_result_free(&res[1]);
    diffrun_free(&d);
    pf_shape_free(shape);
    pf_allow_free(&allow);
    cli_runopts_free(&o.ro);
    cli_target_free(&ct_old);
    cli_target_free(&ct_new);
    return rc;
}
