/*
 * pf_report_junit: junit.xml for CI test views: a testsuite per target, a
 * testcase for the target's run (an <error> when it could not be built or
 * run) and one per finding (a <failure> with the explanation and repro
 * command when new or open, <skipped> when suppressed, passing when fixed).
 * Findings of targets the report does not list get a suite of their own.
 */
#include "pf_report.h"

#include <string.h>

#include "pf_report_int.h"

static int failing(const pf_finding *f)
{
    return f->status == PF_STATUS_NEW || f->status == PF_STATUS_OPEN;
}

static int same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static void finding_case(pf_buf *b, const char *suite, const pf_finding *f)
{
    pf_buf_adds(b, "    <testcase classname=\"prodfuzz.");
    pf_rep_xml(b, suite);
    pf_buf_adds(b, "\" name=\"");
    pf_rep_xml(b, f->id);
    pf_buf_adds(b, " ");
    pf_rep_xml(b, f->title ? f->title : f->kind);
    pf_buf_adds(b, "\" time=\"0\">\n");
    if (failing(f)) {
        pf_buf_adds(b, "      <failure message=\"");
        pf_rep_xml(b, f->title ? f->title : f->kind);
        pf_buf_adds(b, "\" type=\"");
        pf_rep_xml(b, f->kind && f->kind[0] ? f->kind : pf_outcome_name(f->outcome));
        pf_buf_addf(b, "\">%s %s, %llu input%s\n", pf_status_name(f->status),
                    pf_outcome_name(f->outcome), (unsigned long long)f->count,
                    f->count == 1 ? "" : "s");
        if (f->mclass) {
            pf_buf_adds(b, "class: ");
            pf_rep_xml(b, f->mclass);
            pf_buf_addc(b, '\n');
        }
        if (f->path) {
            pf_buf_adds(b, "path: ");
            pf_rep_xml(b, f->path);
            pf_buf_addc(b, '\n');
        }
        for (size_t i = 0; i < f->nexplain; i++) {
            pf_buf_adds(b, "- ");
            pf_rep_xml(b, f->explain[i]);
            pf_buf_addc(b, '\n');
        }
        if (f->reproducer) {
            pf_buf_adds(b, "reproducer: ");
            pf_rep_xml(b, f->reproducer);
            pf_buf_addc(b, '\n');
        }
        if (f->repro_cmd) {
            pf_buf_adds(b, "reproduce: ");
            pf_rep_xml(b, f->repro_cmd);
            pf_buf_addc(b, '\n');
        }
        pf_buf_adds(b, "signature: ");
        pf_rep_xml(b, f->signature);
        pf_buf_addc(b, '\n');
        if (f->stack) {
            pf_rep_xml(b, f->stack);
        }
        pf_buf_adds(b, "</failure>\n");
    } else if (f->status == PF_STATUS_SUPPRESSED) {
        pf_buf_adds(b, "      <skipped message=\"suppressed: ");
        pf_rep_xml(b, f->suppress_reason ? f->suppress_reason : "no reason given");
        if (f->suppress_until) {
            pf_buf_adds(b, " (until ");
            pf_rep_xml(b, f->suppress_until);
            pf_buf_adds(b, ")");
        }
        pf_buf_adds(b, "\"/>\n");
    } else {
        pf_buf_adds(b, "      <system-out>fixed: the target no longer fails on the "
                       "reproducer</system-out>\n");
    }
    pf_buf_adds(b, "    </testcase>\n");
}

static void suite(pf_buf *b, const pf_report *r, const char *name,
                  const pf_report_target *t)
{
    size_t tests = t ? 1 : 0, fails = 0, skipped = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (same(r->findings[i].target, name)) {
            tests++;
            fails += failing(&r->findings[i]);
            skipped += r->findings[i].status == PF_STATUS_SUPPRESSED;
        }
    pf_buf_adds(b, "  <testsuite name=\"");
    pf_rep_xml(b, name);
    pf_buf_addf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" skipped=\"%zu\" "
                   "time=\"%.3f\">\n",
                tests, fails, t && t->error ? 1 : 0, skipped, t ? t->seconds : 0.0);
    if (t) {
        pf_buf_adds(b, "    <testcase classname=\"prodfuzz.");
        pf_rep_xml(b, name);
        pf_buf_adds(b, "\" name=\"");
        pf_rep_xml(b, name);
        pf_buf_addf(b, " runs (%llu inputs, ", (unsigned long long)t->inputs);
        pf_rep_xml(b, t->engine);
        pf_buf_addf(b, ")\" time=\"%.3f\">\n", t->seconds);
        if (t->error) {
            pf_buf_adds(b, "      <error message=\"");
            pf_rep_xml(b, t->error_msg ? t->error_msg : "could not be built or run");
            pf_buf_adds(b, "\" type=\"environment\"/>\n");
        }
        pf_buf_adds(b, "    </testcase>\n");
    }
    for (size_t i = 0; i < r->nfindings; i++)
        if (same(r->findings[i].target, name))
            finding_case(b, name, &r->findings[i]);
    pf_buf_adds(b, "  </testsuite>\n");
}

int pf_report_write_junit(const pf_report *r, const char *path, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    size_t tests = r->ntargets + r->nfindings, errors = 0;
    double secs = 0;
    for (size_t i = 0; i < r->ntargets; i++) {
        errors += r->targets[i].error != 0;
        secs += r->targets[i].seconds;
    }
    pf_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"prodfuzz ");
    pf_rep_xml(&b, r->tool ? r->tool : "run");
    pf_buf_addf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
                tests, pf_report_count_failing(r), errors, secs);
    for (size_t i = 0; i < r->ntargets; i++)
        suite(&b, r, r->targets[i].name, &r->targets[i]);
    /* findings of targets not in the list: one suite per such target */
    for (size_t i = 0; i < r->nfindings; i++) {
        const char *tn = r->findings[i].target;
        int known = 0;
        for (size_t k = 0; k < r->ntargets && !known; k++)
            known = same(r->targets[k].name, tn);
        for (size_t k = 0; k < i && !known; k++)
            known = same(r->findings[k].target, tn);
        if (!known)
            suite(&b, r, tn ? tn : "", NULL);
    }
    pf_buf_adds(&b, "</testsuites>\n");
    int rc = pf_rep_commit(&b, path, err);
    pf_buf_free(&b);
    return rc;
}
