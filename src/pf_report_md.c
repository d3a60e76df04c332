/*
 * pf_report_md: report.md, the report for a pull request comment or a chat
 * message: a summary line, a findings table, each finding's explanation
 * and repro command, and the targets' outcome tables (GitHub-flavoured
 * Markdown; every reproducer-derived text escaped).
 */
#include "pf_report.h"

#include <string.h>

#include "pf_report_int.h"

#define MD_TABLE_BUDGET (32 * 1024)
#define MD_DETAIL_BUDGET (48 * 1024)

/* A fenced block whose fence is longer than any backtick run inside. */
static void fence(pf_buf *b, const char *lang, const char *text)
{
    size_t run = 0, longest = 0;
    for (const char *p = text ? text : ""; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    size_t n = longest < 3 ? 3 : longest + 1;
    pf_buf_addrep(b, '`', n);
    pf_buf_adds(b, lang);
    pf_buf_addc(b, '\n');
    pf_buf c = PF_BUF_INIT;
    pf_rep_clean(&c, text, 1);
    pf_buf_add(b, c.data, c.len);
    if (c.oom)
        b->oom = 1;
    pf_buf_free(&c);
    pf_buf_addc(b, '\n');
    pf_buf_addrep(b, '`', n);
    pf_buf_addc(b, '\n');
}

static void summary(pf_buf *b, const pf_report *r)
{
    uint64_t st[4];
    pf_rep_status_counts(r, st);
    size_t failing = pf_report_count_failing(r);
    pf_buf_adds(b, "# prodfuzz ");
    pf_rep_md(b, r->tool ? r->tool : "run");
    pf_buf_adds(b, " report\n\n");
    if (r->run_id) {
        pf_buf_adds(b, "Run ");
        pf_rep_md_code(b, r->run_id);
        if (r->started) {
            pf_buf_adds(b, ", ");
            pf_rep_md(b, r->started);
            if (r->finished) {
                pf_buf_adds(b, " to ");
                pf_rep_md(b, r->finished);
            }
        }
        pf_buf_adds(b, ".\n\n");
    }
    pf_buf_addf(b, "%s **%zu failing finding%s** (%llu new, %llu open, %llu fixed, "
                   "%llu suppressed) in %zu target%s.\n\n",
                failing ? ":x:" : ":white_check_mark:", failing,
                failing == 1 ? "" : "s", (unsigned long long)st[0],
                (unsigned long long)st[1], (unsigned long long)st[2],
                (unsigned long long)st[3], r->ntargets, r->ntargets == 1 ? "" : "s");
}

static void findings(pf_buf *b, const pf_report *r)
{
    if (!r->nfindings)
        return;
    pf_buf_adds(b, "## Findings\n\n"
                   "| Status | Id | Target | Outcome | Class | Title | Inputs |\n"
                   "|---|---|---|---|---|---|---:|\n");
    for (size_t i = 0; i < r->nfindings; i++) {
        const pf_finding *f = &r->findings[i];
        if (b->len > MD_TABLE_BUDGET) {
            pf_buf_addf(b, "\n_%zu more finding%s: see report.html or report.json._\n",
                        r->nfindings - i, r->nfindings - i == 1 ? "" : "s");
            break;
        }
        pf_buf_addf(b, "| %s | ", pf_status_name(f->status));
        pf_rep_md_code(b, f->id);
        pf_buf_adds(b, " | ");
        pf_rep_md(b, f->target ? f->target : "");
        pf_buf_addf(b, " | %s | ", pf_outcome_name(f->outcome));
        pf_rep_md(b, f->mclass ? f->mclass : "");
        pf_buf_adds(b, " | ");
        pf_rep_md(b, f->title ? f->title : f->kind);
        pf_buf_addf(b, " | %llu |\n", (unsigned long long)f->count);
    }
    pf_buf_addc(b, '\n');
    for (size_t i = 0; i < r->nfindings; i++) {
        const pf_finding *f = &r->findings[i];
        /* a pull request comment holds 65536 characters: past ~48 KiB the
         * details stay in report.json and report.html */
        if (b->len > MD_DETAIL_BUDGET) {
            pf_buf_addf(b, "_%zu more finding%s: see report.html or report.json._\n\n",
                        r->nfindings - i, r->nfindings - i == 1 ? "" : "s");
            break;
        }
        pf_buf_adds(b, "### ");
        pf_rep_md_code(b, f->id);
        pf_buf_adds(b, " ");
        pf_rep_md(b, f->title ? f->title : f->kind);
        pf_buf_addf(b, "\n\n- Status: **%s**, outcome %s, %llu input%s",
                    pf_status_name(f->status), pf_outcome_name(f->outcome),
                    (unsigned long long)f->count, f->count == 1 ? "" : "s");
        if (f->first_seen) {
            pf_buf_adds(b, ", first seen ");
            pf_rep_md(b, f->first_seen);
        }
        pf_buf_adds(b, "\n");
        if (f->mclass || f->path) {
            pf_buf_adds(b, "- Class ");
            pf_rep_md_code(b, f->mclass ? f->mclass : "unknown");
            if (f->path) {
                pf_buf_adds(b, " at ");
                pf_rep_md_code(b, f->path);
            }
            pf_buf_adds(b, "\n");
        }
        if (f->top_file) {
            pf_buf_adds(b, "- Where: ");
            pf_rep_md_code(b, f->top_file);
            if (f->top_line > 0)
                pf_buf_addf(b, " line %d", f->top_line);
            pf_buf_adds(b, "\n");
        }
        if (f->status == PF_STATUS_SUPPRESSED && f->suppress_reason) {
            pf_buf_adds(b, "- Suppressed: ");
            pf_rep_md(b, f->suppress_reason);
            if (f->suppress_until) {
                pf_buf_adds(b, " (until ");
                pf_rep_md(b, f->suppress_until);
                pf_buf_adds(b, ")");
            }
            pf_buf_adds(b, "\n");
        }
        if (f->reproducer) {
            pf_buf_adds(b, "- Reproducer: ");
            pf_rep_md_code(b, f->reproducer);
            pf_buf_addf(b, " (%llu bytes)\n", (unsigned long long)f->repro_bytes);
        }
        pf_buf_adds(b, "- Signature: ");
        pf_rep_md_code(b, f->signature);
        pf_buf_adds(b, "\n\n");
        if (f->nexplain) {
            pf_buf_adds(b, "Why:\n\n");
            for (size_t k = 0; k < f->nexplain; k++) {
                pf_buf_adds(b, "- ");
                pf_rep_md(b, f->explain[k]);
                pf_buf_adds(b, "\n");
            }
            pf_buf_adds(b, "\n");
        }
        if (f->repro_cmd) {
            pf_buf_adds(b, "Reproduce:\n\n");
            fence(b, "sh", f->repro_cmd);
            pf_buf_adds(b, "\n");
        }
    }
}

static void targets(pf_buf *b, const pf_report *r)
{
    if (!r->ntargets)
        return;
    pf_buf_adds(b, "## Targets\n\n| Target | Engine | Inputs | Seconds | Execs/s |");
    for (int o = 0; o < PF_OUT__COUNT; o++)
        pf_buf_addf(b, " %s |", pf_outcome_name((pf_outcome)o));
    pf_buf_adds(b, "\n|---|---|---:|---:|---:|");
    for (int o = 0; o < PF_OUT__COUNT; o++)
        pf_buf_adds(b, "---:|");
    pf_buf_addc(b, '\n');
    for (size_t i = 0; i < r->ntargets; i++) {
        const pf_report_target *t = &r->targets[i];
        pf_buf_adds(b, "| ");
        pf_rep_md(b, t->name);
        if (t->error) {
            pf_buf_adds(b, " (error: ");
            pf_rep_md(b, t->error_msg ? t->error_msg : "could not run");
            pf_buf_adds(b, ")");
        }
        pf_buf_adds(b, " | ");
        pf_rep_md(b, t->engine);
        pf_buf_adds(b, " | ");
        pf_rep_num(b, (double)t->inputs);
        pf_buf_addf(b, " | %.1f | ", t->seconds);
        pf_rep_num(b, t->seconds > 0 ? (double)t->inputs / t->seconds : 0);
        pf_buf_adds(b, " |");
        for (int o = 0; o < PF_OUT__COUNT; o++)
            pf_buf_addf(b, " %llu |", (unsigned long long)t->outcomes[o]);
        pf_buf_addc(b, '\n');
    }
    pf_buf_addc(b, '\n');
    for (size_t i = 0; i < r->ntargets; i++) {
        const pf_report_target *t = &r->targets[i];
        if (!t->nclasses)
            continue;
        pf_buf_adds(b, "### Outcomes by class: ");
        pf_rep_md(b, t->name);
        pf_buf_adds(b, "\n\n| Class |");
        for (int o = 0; o < PF_OUT__COUNT; o++)
            pf_buf_addf(b, " %s |", pf_outcome_name((pf_outcome)o));
        pf_buf_adds(b, "\n|---|");
        for (int o = 0; o < PF_OUT__COUNT; o++)
            pf_buf_adds(b, "---:|");
        pf_buf_addc(b, '\n');
        for (size_t k = 0; k < t->nclasses; k++) {
            pf_buf_adds(b, "| ");
            pf_rep_md(b, t->classes[k]);
            pf_buf_adds(b, " |");
            for (int o = 0; o < PF_OUT__COUNT; o++)
                pf_buf_addf(b, " %llu |", (unsigned long long)t->by_class[k][o]);
            pf_buf_addc(b, '\n');
        }
        pf_buf_addc(b, '\n');
    }
}

int pf_report_write_md(const pf_report *r, const char *path, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    summary(&b, r);
    findings(&b, r);
    targets(&b, r);
    int rc = pf_rep_commit(&b, path, err);
    pf_buf_free(&b);
    return rc;
}
