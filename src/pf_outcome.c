/*
 * pf_outcome: the names of run outcome classes (pf_run.h), shared by
 * reports, `check` tables and the findings database so they cannot drift,
 * and a result's one-line title (check's findings, diff's two sides).
 */
#include "pf_run.h"

#include <string.h>

static const char *const names[PF_OUT__COUNT] = {
    [PF_OUT_OK] = "ok",
    [PF_OUT_REJECTED] = "rejected",
    [PF_OUT_CRASH] = "crash",
    [PF_OUT_TIMEOUT] = "timeout",
    [PF_OUT_OOM] = "oom",
    [PF_OUT_SILENT_EXIT] = "silent-exit",
    [PF_OUT_ROUNDTRIP] = "roundtrip",
    [PF_OUT_DIVERGENCE] = "divergence",
};

const char *pf_outcome_name(pf_outcome o)
{
    return (unsigned)o < PF_OUT__COUNT ? names[o] : "unknown";
}

int pf_outcome_from_name(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < PF_OUT__COUNT; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

int pf_outcome_is_failure(pf_outcome o)
{
    return o != PF_OUT_OK && o != PF_OUT_REJECTED && (unsigned)o < PF_OUT__COUNT;
}

void pf_result_title(const pf_result *res, pf_buf *out)
{
    if (res->outcome == PF_OUT_CRASH || res->outcome == PF_OUT_OOM) {
        pf_crash_title(&res->crash, out);
        return;
    }
    pf_buf_adds(out, pf_outcome_name(res->outcome));
    if (res->outcome == PF_OUT_TIMEOUT)
        pf_buf_addf(out, " (ran %.1fs)", res->seconds);
    else if (res->outcome == PF_OUT_SILENT_EXIT)
        pf_buf_addf(out, res->signal ? " (killed by signal %d)" : " (exit %d)",
                    res->signal ? res->signal : res->exit_code);
    else if (res->outcome == PF_OUT_REJECTED)
        pf_buf_addf(out, " (status %d)", res->exit_code);
}
