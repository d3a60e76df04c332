/*
 * pf_diff: one input, an old and a new result -> no divergence, the same
 * failure in both, or a divergence of a named kind (pf_diff.h).
 *
 * Outcomes fall in three groups: accepted (ok), rejected, and failed
 * (everything pf_outcome_is_failure says: crash, timeout, oom,
 * silent-exit, roundtrip). A move between groups is a divergence named
 * for the move; within "failed" the failures' identities decide; within
 * "ok" the outputs do.
 */
#include <stdio.h>
#include <string.h>

#include "pf_diff.h"

const char *const pf_diff_kinds[] = {
    "accept->reject", "reject->accept", "output",
    "new-crash", "new-timeout", "new-oom", "new-silent-exit", "new-roundtrip",
    "fixed-crash", "fixed-timeout", "fixed-oom", "fixed-silent-exit", "fixed-roundtrip",
    "changed-crash", "changed-timeout", "changed-oom", "changed-silent-exit",
    "changed-roundtrip",
    NULL};

void pf_diff_init(pf_diff *d)
{
    memset(d, 0, sizeof *d);
    pf_buf_init(&d->path);
}

void pf_diff_free(pf_diff *d)
{
    pf_buf_free(&d->path);
}

/* Crash and oom reports are told apart by kind and the functions of the
 * top three own frames; line numbers move with any change to the parser,
 * so they are left out. Other failures are their outcome: where a
 * timeout happened to be stopped is not the bug's identity. */
void pf_diff_failure_id(const pf_result *r, pf_buf *b)
{
    pf_buf_reset(b);
    pf_buf_adds(b, pf_outcome_name(r->outcome));
    if (r->outcome != PF_OUT_CRASH && r->outcome != PF_OUT_OOM)
        return;
    pf_buf_addc(b, '|');
    pf_buf_adds(b, r->crash.kind);
    if (r->outcome == PF_OUT_CRASH && !r->crash.kind[0] && r->signal)
        pf_buf_addf(b, "signal-%d", r->signal);
    int n = 0;
    for (int i = 0; i < r->crash.nframes && n < 3; i++) {
        const pf_frame *f = &r->crash.frames[i];
        if (!f->own)
            continue;
        pf_buf_addc(b, '|');
        pf_buf_adds(b, f->func ? f->func : "?");
        n++;
    }
}

static void set_kind(pf_diff *d, const char *prefix, pf_outcome o)
{
    d->verdict = PF_DIFF_DIVERGED;
    snprintf(d->kind, sizeof d->kind, "%s%s", prefix, prefix[0] ? pf_outcome_name(o) : "");
}

int pf_diff_results(const pf_result *old, const pf_result *new_,
                    const pf_diff_opts *o, pf_diff *d, pf_err *err)
{
    d->verdict = PF_DIFF_SAME;
    d->kind[0] = '\0';
    pf_buf_reset(&d->path);
    int fo = pf_outcome_is_failure(old->outcome);
    int fn = pf_outcome_is_failure(new_->outcome);
    if (fo && fn) {
        pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
        pf_diff_failure_id(old, &a);
        pf_diff_failure_id(new_, &b);
        int oom = a.oom || b.oom;
        int same = !strcmp(pf_buf_str(&a), pf_buf_str(&b));
        pf_buf_free(&a);
        pf_buf_free(&b);
        if (oom)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        if (same)
            d->verdict = PF_DIFF_BOTH;
        else
            set_kind(d, "changed-", new_->outcome);
        return 0;
    }
    if (fn) {
        set_kind(d, "new-", new_->outcome);
        return 0;
    }
    if (fo) {
        set_kind(d, "fixed-", old->outcome);
        return 0;
    }
    if (old->outcome != new_->outcome) {
        d->verdict = PF_DIFF_DIVERGED;
        snprintf(d->kind, sizeof d->kind, "%s",
                 old->outcome == PF_OUT_OK ? "accept->reject" : "reject->accept");
        return 0;
    }
    if (old->outcome != PF_OUT_OK)
        return 0; /* two rejections: their messages are not compared */
    int rc = pf_diff_output(&old->out, &new_->out, o && o->exact_output, &d->path, err);
    if (rc < 0)
        return -1;
    if (rc) {
        d->verdict = PF_DIFF_DIVERGED;
        snprintf(d->kind, sizeof d->kind, "output");
    }
    return 0;
}
