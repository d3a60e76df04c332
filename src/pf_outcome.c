/*
 * pf_outcome: the names of run outcome classes (pf_run.h), shared by
 * reports, `check` tables and the findings database so they cannot drift.
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
