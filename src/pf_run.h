/*
 * pf_run: run a target on one input under production-like limits and say
 * what happened. The one way `check`, `diff`, `seed-tests` and `nightly`
 * (minimize, repro, "is it fixed?") execute a target.
 *
 * A target is one of:
 *   - PF_TARGET_WORKER: a binary linked with libprodfuzz_libfuzzer.a (or
 *     the harness kit). Started with PRODFUZZ_WORKER_FD set, it serves
 *     inputs in a loop over two pipes instead of fuzzing (see
 *     pf_worker.h), so one process handles thousands of inputs a second
 *     (hundreds of thousands when they are sent ahead: pf_runner_submit);
 *     it is respawned after a crash. fresh_process forks a copy per
 *     input.
 *   - PF_TARGET_CMD: a black-box command (argv; "@@" is replaced by the
 *     input file's path, otherwise the input goes to stdin), any language.
 *     With lines set, a line server instead: started once, it reads one
 *     input per line on stdin and answers one line on stdout ("ok..." or
 *     anything else for a clean rejection); it is started again after a
 *     crash, a timeout or a missing answer (docs/check.md).
 *   - PF_TARGET_LIB: an uninstrumented shared library and a symbol with
 *     the signature int fn(const uint8_t *, size_t), loaded in a forked
 *     worker of prodfuzz itself.
 *
 * Outcome classes and their precedence (design.md): when several apply,
 * the first in this order wins: crash > oom > timeout > silent-exit >
 * roundtrip > divergence > rejected > ok. A sanitizer report always
 * makes a crash (or oom when the report is an allocation-size or
 * out-of-memory report), whatever the exit status.
 *
 * The library never prints: captured stdout/stderr are handed back.
 */
#ifndef PF_RUN_H
#define PF_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_crash.h"
#include "pf_err.h"

typedef enum pf_outcome {
    PF_OUT_OK = 0,
    PF_OUT_REJECTED,    /* clean error: non-zero return or exit, no report */
    PF_OUT_CRASH,       /* signal or sanitizer report */
    PF_OUT_TIMEOUT,
    PF_OUT_OOM,
    PF_OUT_SILENT_EXIT, /* killed or exited non-zero with nothing on stderr */
    PF_OUT_ROUNDTRIP,   /* serialize/parse mismatch */
    PF_OUT_DIVERGENCE,  /* old and new disagree (diff) */
    PF_OUT__COUNT
} pf_outcome;

const char *pf_outcome_name(pf_outcome o);      /* "ok", "silent-exit", ... */
int pf_outcome_from_name(const char *s);        /* -1 if unknown */
int pf_outcome_is_failure(pf_outcome o);        /* not ok, not rejected */

typedef enum pf_target_kind {
    PF_TARGET_WORKER = 0,
    PF_TARGET_CMD,
    PF_TARGET_LIB
} pf_target_kind;

typedef struct pf_limits {
    uint64_t mem_bytes;   /* 0: none. cgroup v2, else RLIMIT_AS
                             (uninstrumented) or ASan allocator limits */
    double timeout_s;     /* wall time per input; 0: none */
    uint64_t fsize_bytes; /* RLIMIT_FSIZE; 0: none */
    uint64_t nofile;      /* RLIMIT_NOFILE; 0: inherit */
} pf_limits;

typedef struct pf_target {
    pf_target_kind kind;
    char **argv;          /* WORKER: the binary (+args); CMD: the command */
    const char *lib;      /* LIB: path of the .so */
    const char *symbol;   /* LIB: entry point name */
    int fresh_process;    /* a new process per input */
    int roundtrip;        /* ask the worker to run the kit's round trip */
    char **env;           /* extra NAME=VALUE entries, NULL-terminated */
    int threads;          /* WORKER/LIB: run each input on this many
                             threads at once (races, with TSan); 0 or 1:
                             one (added after the first contract; zero
                             keeps the old behaviour) */
    int lines;            /* CMD without "@@": a persistent line server
                             (added after the first contract; zero keeps
                             the old behaviour). An input holding a
                             newline byte cannot be one line: run returns
                             PF_E_INPUT for it. */
    int reply_output;     /* WORKER/LIB: res->out is the output the target
                             handed pf_worker_output for this input (the
                             kit's serialized text), not its stdout, which
                             stdio buffers across inputs (seed-tests; added
                             after the first contract, 0 keeps stdout) */
} pf_target;

typedef struct pf_result {
    pf_outcome outcome;
    int exit_code;        /* -1 when killed by a signal */
    int signal;           /* 0 when it exited */
    double seconds;
    uint64_t peak_rss;    /* bytes, when known */
    pf_buf out;           /* target's stdout (capped); WORKER/LIB with
                             roundtrip or reply_output: the bytes the
                             target gave pf_worker_output for this input */
    pf_buf err;           /* target's stderr (capped) */
    pf_crash crash;       /* parsed report when outcome is crash/oom/timeout */
    int state_dependent;  /* pipelined runs only: this input failed among
                             others, its stderr could not be told apart
                             from its neighbours', and run again alone in
                             a fresh worker it did not fail: the result is
                             the batch's, and state left by earlier inputs
                             is part of the cause (added after the first
                             contract; 0 everywhere else) */
} pf_result;

void pf_result_init(pf_result *r);
void pf_result_free(pf_result *r);

typedef struct pf_runner pf_runner;

int pf_runner_open(const pf_target *t, const pf_limits *lim, pf_runner **out,
                   pf_err *err);
/* Run one input. Returns 0 with the outcome in res (a crashing target is
 * not an error), -1 with err when the target cannot be run at all
 * (PF_E_ENV: binary missing, cannot fork, worker protocol broken). */
int pf_runner_run(pf_runner *r, const uint8_t *data, size_t len,
                  pf_result *res, pf_err *err);
void pf_runner_close(pf_runner *r);

/* Pipelined runs (added after the first contract). pf_runner_submit
 * queues an input (data must stay valid until its result is collected);
 * pf_runner_collect hands back the oldest queued input's result, exactly
 * what pf_runner_run would have given, running the target as needed:
 * 1 with res filled, 0 when nothing is queued, -1 with err as
 * pf_runner_run (then every queued input is dropped). Keep a window of
 * inputs submitted ahead (PF_RUN_WINDOW) and collect one result per input.
 *
 * A reused worker (WORKER or LIB without fresh_process) is sent inputs
 * ahead while it runs the earlier ones, so it never waits for this
 * process: the point is throughput (a round trip per input costs more
 * than most entry points). The worker serves them in order, so each
 * reply, crash, timeout or out-of-memory belongs to one input: when the
 * worker dies the input it was serving gets the outcome, and the inputs
 * after it go to a new worker. An input's timeout runs from the previous
 * input's reply. stdout and stderr are one stream for all inputs: what a
 * target prints is given to the newest reply read with it, so a
 * passing input's captured text can hold its neighbour's (the kit's
 * output, res->out with roundtrip or reply_output, is exact). A
 * sanitizer report read with a reply while more inputs were in flight is
 * given to the next input (sanitizers halt: the input that dies printed
 * it). A failing input whose stderr may hold its neighbour's (the reply
 * before it came with stderr text) is run again alone in a fresh worker,
 * and that run's result (its own report) is kept when it fails too; when
 * it does not, the batch's result is kept with state_dependent set.
 * Limits, the memory-limit model, threads, roundtrip and the outcome
 * precedence are those of pf_runner_run.
 * fresh_process, CMD targets and line servers run one input at a time
 * (as pf_runner_run) when collected. Do not mix pf_runner_run with
 * inputs pending. */
#define PF_RUN_WINDOW 1024
int pf_runner_submit(pf_runner *r, const uint8_t *data, size_t len,
                     pf_err *err);
int pf_runner_collect(pf_runner *r, pf_result *res, pf_err *err);
size_t pf_runner_pending(const pf_runner *r); /* submitted, not collected */

/* n inputs at once: res[i] for in[i] (res initialized by the caller). */
typedef struct pf_run_input {
    const uint8_t *data;
    size_t len;
} pf_run_input;
int pf_runner_run_batch(pf_runner *r, const pf_run_input *in, size_t n,
                        pf_result *res, pf_err *err);
/* How the memory limit is enforced: "cgroup", "asan", "rlimit" or "none"
 * (no limit asked, or none possible: a LIB target in a sanitized
 * prodfuzz). Added after the first contract. */
const char *pf_runner_limit_model(const pf_runner *r);

/* "512M", "2G", "1048576" -> bytes; "2s", "500ms", "1m" -> seconds. */
int pf_parse_size(const char *s, uint64_t *out, pf_err *err);
int pf_parse_duration(const char *s, double *out, pf_err *err);

/* One line for a result, appended to out: the crash title for crash and
 * oom ("heap-buffer-overflow READ 1 in f (a.c:12)"), else the outcome's
 * name with what explains it: "timeout (ran 2.0s)", "silent-exit (exit
 * 3)", "rejected (status 1)", "ok". */
void pf_result_title(const pf_result *res, pf_buf *out);

#endif
