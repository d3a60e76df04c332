/*
 * pf_nightly: the machinery of `prodfuzz nightly` and `prodfuzz repro`.
 *
 * A night, per target: the production seeds (never written) plus the
 * state corpus (what earlier nights learned) go to a supervised fuzzing
 * engine that runs with the prodfuzz mutator for the target's share of
 * the budget; every crash, timeout, out-of-memory and leak artifact is
 * kept; new coverage is merged back into the state corpus, which is
 * swapped in whole; findings are replayed, deduplicated by pf_crash's
 * signature, minimized with that signature held fixed and recorded in a
 * findings database in the state folder.
 *
 * The files of this module, one job each:
 *   pf_nightly_limits.c  production's limits: the heap model, the
 *                        sanitizer options and engine flags it gives
 *   pf_nightly_state.c   the state folder: lock, layout, corpus merge and
 *                        swap, the mutator checks on a target binary
 *   pf_nightly_engine.c  running libFuzzer / AFL++ under supervision,
 *                        status-line sampling, artifacts, replay
 *   pf_nightly_minimize.c  structural minimizing of JSON reproducers
 *   pf_nightly_db.c      the findings database and suppressions
 *   pf_nightly_config.c  the config file (JSON), validated per entry
 *   pf_nightly_night.c   one night over every target: checks, engine,
 *                        merge, findings (replay, signature, minimize,
 *                        explain), the database and the report model
 *
 * Library code: nothing here prints or exits; progress goes through a
 * callback, errors through pf_err.
 */
#ifndef PF_NIGHTLY_H
#define PF_NIGHTLY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"

/* ---- limits (pf_nightly_limits.c) --------------------------------------- */

typedef struct pf_nlimits {
    uint64_t heap_bytes;   /* the application's heap in production */
    double timeout_s;      /* per input */
    uint64_t max_len;      /* largest input, bytes */
} pf_nlimits;

/* 512 MiB heap, 2 s, 1 MiB. */
void pf_nlimits_default(pf_nlimits *l);

/* The memory model (docs/nightly.md): an allocation larger than the heap
 * is an out-of-memory finding (libFuzzer -malloc_limit_mb, ASan
 * max_allocation_size_mb); the process's resident size may exceed the
 * heap by ASan's shadow (an eighth of the heap), a small quarantine and
 * the runtime's own baseline before it is called out of memory. */
#define PF_NIGHTLY_QUARANTINE_MB 16
#define PF_NIGHTLY_BASELINE_MB 96
uint64_t pf_nlimits_heap_mb(const pf_nlimits *l);
uint64_t pf_nlimits_rss_mb(const pf_nlimits *l);
/* ASAN_OPTIONS for the engine and every replay. */
void pf_nlimits_asan_options(const pf_nlimits *l, pf_buf *out);
/* libFuzzer flags ("-max_len=..." ...), appended to argv (NULL-terminated
 * array grown with pf_argv_push). */
int pf_nlimits_libfuzzer_flags(const pf_nlimits *l, char ***argv, size_t *n,
                               pf_err *err);

/* A growable NULL-terminated argv of owned strings. */
int pf_argv_push(char ***argv, size_t *n, const char *s, pf_err *err);
int pf_argv_pushf(char ***argv, size_t *n, pf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pf_argv_free(char **argv);

/* ---- state folder (pf_nightly_state.c) ----------------------------------- */

typedef struct pf_nstate {
    char *dir;
    int lock_fd;
} pf_nstate;

/* Create dir if needed and take its lock (flock on DIR/.lock, held until
 * pf_nstate_close). A second run on the same state is refused with
 * PF_E_ENV naming the pid that holds it. Leftovers of a killed run
 * (DIR/run-* work folders, temporary files) are removed. */
int pf_nstate_open(const char *dir, pf_nstate *st, pf_err *err);
void pf_nstate_close(pf_nstate *st);
/* DIR/<rel>, malloc'd. */
char *pf_nstate_path(const pf_nstate *st, const char *rel);

/* The target links the prodfuzz mutator: its symbol table defines
 * LLVMFuzzerCustomMutator. Returns 1 yes, 0 no, -1 with err when the file
 * is not a readable ELF binary. */
int pf_binary_has_symbol(const char *path, const char *symbol, pf_err *err);
/* SHA-256 of the binary's bytes, hex: the build id recorded with findings. */
int pf_binary_build_id(const char *path, char out[65], pf_err *err);

/* Files directly in dir (no dot files, no folders), sorted by name. */
int pf_dir_files(const char *dir, char ***names, size_t *n, pf_err *err);
void pf_dir_files_free(char **names, size_t n);

/* Replace the corpus folder dst with the files of src (content-addressed,
 * pf_corpus: built beside dst and swapped in whole), keeping at most
 * cap_files files and cap_bytes bytes (smallest first; 0: no cap).
 * Returns the number of files kept. */
int64_t pf_corpus_replace(const char *dst, const char *const *srcs,
                          size_t nsrcs, uint64_t cap_files,
                          uint64_t cap_bytes, const char *manifest_json,
                          pf_err *err);

/* ---- engine supervision (pf_nightly_engine.c) ---------------------------- */

typedef struct pf_nsample {
    double t;          /* seconds since the engine started */
    double execs_per_s;
    uint64_t cov;      /* libFuzzer cov: / AFL++ edges found */
    uint64_t execs;
} pf_nsample;

typedef struct pf_engine_cfg {
    const char *engine;     /* "libfuzzer" or "afl" */
    const char *target;     /* the binary */
    const char *seeds;      /* production seeds (read only), may be NULL */
    const char *learned;    /* state corpus (read only), may be NULL */
    const char *work;       /* the night's work folder for this target */
    const char *logs;       /* engine logs (kept); NULL: WORK/logs */
    const char *dict;       /* may be NULL */
    char **env;             /* extra NAME=VALUE, NULL-terminated, may be NULL */
    char **extra_args;      /* extra engine flags, may be NULL */
    const char *afl_mutator;/* AFL++: path of prodfuzz_afl.so */
    pf_nlimits lim;
    double seconds;
    int jobs;
    /* libFuzzer only: 0 restart mode (--jobs processes, each restarted
     * after every failure), 1 fork mode (one `-fork=JOBS` process with
     * -ignore_crashes/timeouts/ooms and -keep_seed=1; the run is refused
     * when libFuzzer reports fewer seed inputs than the production seeds
     * plus the state corpus hold) */
    int fork_mode;
    volatile sig_atomic_t *stop; /* set by a signal handler: stop cleanly */
    /* called about once a second with the latest sample */
    void (*progress)(void *ctx, const pf_nsample *s, unsigned restarts,
                     unsigned artifacts);
    void *ctx;
} pf_engine_cfg;

typedef struct pf_engine_result {
    uint64_t execs;
    double seconds;
    unsigned restarts;      /* engine processes started after the first */
    pf_nsample *samples; size_t nsamples;
    uint64_t max_cov;
    size_t seed_files;      /* production seeds the engine loaded */
    size_t seed_expected;   /* fork mode: files in the seeds and state
                               corpus folders when the night began */
    int stopped;            /* ended by *stop */
} pf_engine_result;

void pf_engine_result_free(pf_engine_result *r);

/* Run the engine for cfg->seconds (restarting after every crash; --jobs
 * processes at once, or one libFuzzer fork-mode process with --jobs
 * children); artifacts land in WORK/artifacts/, new inputs in
 * WORK/corpus/, engine logs in cfg->logs. An engine that cannot start,
 * that says the prodfuzz mutator is off, or (fork mode) that would fuzz
 * without every production seed is a PF_E_ENV error. */
int pf_engine_run(const pf_engine_cfg *cfg, pf_engine_result *res,
                  pf_err *err);

/* libFuzzer -merge=1 of the given folders into out (created). */
int pf_engine_merge(const pf_engine_cfg *cfg, const char *out,
                    const char *const *dirs, size_t ndirs, pf_err *err);

/* Replay one input on a libFuzzer binary under the limits; stderr is
 * captured in err_text. *failed is 1 when the target failed (non-zero
 * exit or a signal). */
int pf_engine_replay(const char *target, char **env, const pf_nlimits *lim,
                     const char *input, int *failed, pf_buf *err_text,
                     pf_err *err);
/* libFuzzer -minimize_crash=1 for up to seconds; the smallest input it
 * kept is written to out_path. Returns 1 when it wrote one. */
int pf_engine_minimize(const char *target, char **env, const pf_nlimits *lim,
                       const char *input, const char *out_path,
                       double seconds, pf_err *err);

/* Source-based line coverage of a build made with -fprofile-instr-generate
 * -fcoverage-mapping (a libFuzzer binary): every input of the folders is
 * run once (-runs=0), the raw profiles are merged with llvm-profdata and
 * llvm-cov export gives the line totals. tmp is a scratch folder. */
int pf_coverage_lines(const char *bin, char **env, const char *const *dirs,
                      size_t ndirs, const char *tmp, uint64_t *covered,
                      uint64_t *total, pf_err *err);

/* Make a JSON input smaller while still(ctx, candidate) returns 1 (0: the
 * candidate lost the failure, -1: could not run): drops members and
 * elements, halves long strings; every candidate is valid JSON. Input
 * that is not JSON comes back as it was. At most `seconds`. */
int pf_json_minimize(const char *data, size_t len,
                     int (*still)(void *ctx, const char *d, size_t n),
                     void *ctx, double seconds, pf_buf *out, pf_err *err);

/* Set the scalar values of data that differ from the value at the same
 * path in ref (a production document) back to ref's, one at a time, while
 * still() holds: what stays different is what the failure needs. Not JSON
 * (either side): out is data. */
int pf_json_toward(const char *data, size_t len, const char *ref, size_t rlen,
                   int (*still)(void *ctx, const char *d, size_t n), void *ctx,
                   double seconds, pf_buf *out, pf_err *err);

/* The environment for the engine and replays: the caller's env entries,
 * ASAN_OPTIONS from the limits (unless an entry sets it) and
 * UBSAN_OPTIONS. NULL-terminated, owned. */
char **pf_engine_env(char **extra, const pf_nlimits *lim, pf_err *err);

/* ---- findings database (pf_nightly_db.c) --------------------------------- */

typedef enum pf_nstatus {
    PF_NS_NEW = 0,
    PF_NS_OPEN,
    PF_NS_FIXED,
    PF_NS_SUPPRESSED
} pf_nstatus;
const char *pf_nstatus_name(pf_nstatus s);

typedef struct pf_nfinding {
    char *id;            /* 12 hex of SHA-1(signature), as pf_report's */
    char *target;
    char *signature;
    char *kind;
    char *outcome;       /* "crash", "timeout", "oom", "leak" */
    char *title;
    char *mclass;        /* explanation's class, may be NULL */
    char *path;          /* explanation's JSON path, may be NULL */
    char **explain; size_t nexplain;
    char *top_file; int top_line;
    char *stack;
    char *reproducer;    /* relative to the state folder */
    uint64_t repro_bytes;
    uint64_t orig_bytes; /* the engine's artifact before minimizing */
    char *first_seen, *last_seen;
    uint64_t count;      /* artifacts that hit it, all nights */
    uint64_t nights;     /* nights it was seen (or still reproduced) */
    pf_nstatus status;   /* this night's, before suppressions */
    /* the environment it was recorded with (repro) */
    char *binary;        /* absolute path of the target */
    char *build_id;
    char *version;
    char **env; size_t nenv;     /* NAME=VALUE */
    pf_nlimits lim;
    /* this night only (not saved) */
    int seen_tonight;
    char *suppress_reason, *suppress_until;
    int suppress_expired;
} pf_nfinding;

typedef struct pf_nnight {
    char *date, *run_id;
    uint64_t nnew, nopen, nfixed, nsuppressed;
    char **classes; uint64_t *class_counts; size_t nclasses;
} pf_nnight;

typedef struct pf_ndb {
    pf_nfinding *f; size_t n;
    pf_nnight *nights; size_t nnights;
} pf_ndb;

void pf_ndb_init(pf_ndb *db);
void pf_ndb_free(pf_ndb *db);
/* Load DIR/findings.json (an absent file is an empty database). */
int pf_ndb_load(const char *path, pf_ndb *db, pf_err *err);
int pf_ndb_save(const pf_ndb *db, const char *path, pf_err *err);
pf_nfinding *pf_ndb_find(pf_ndb *db, const char *id);
/* The finding with this signature, added (status new, for this target)
 * when absent. */
pf_nfinding *pf_ndb_get(pf_ndb *db, const char *target, const char *signature,
                        int *created, pf_err *err);
/* 12 hex chars + NUL. */
int pf_nfinding_id(const char *signature, char out[13], pf_err *err);

typedef struct pf_nsupp {
    char *id, *reason, *until; /* until: YYYY-MM-DD */
} pf_nsupp;
typedef struct pf_nsupps {
    pf_nsupp *s; size_t n;
} pf_nsupps;
/* Load a suppressions file: {"suppressions":[{"id":..,"reason":..,
 * "until":"YYYY-MM-DD"}]}; errors name the entry. Absent file: none. */
int pf_nsupps_load(const char *path, pf_nsupps *s, int must_exist,
                   pf_err *err);
void pf_nsupps_free(pf_nsupps *s);
/* Apply to the database for today (YYYY-MM-DD): a matching unexpired
 * entry marks the finding suppressed; an expired one is remembered. */
void pf_nsupps_apply(const pf_nsupps *s, pf_ndb *db, const char *today);

/* ---- config file (pf_nightly_config.c) ----------------------------------- */

typedef struct pf_ntarget {
    char *name;
    char *binary;
    char *afl_binary;    /* AFL++-instrumented build, may be NULL */
    char *corpus;        /* production seeds, may be NULL */
    char *shape, *dict, *classes;
    char *import;        /* reproducers found elsewhere, taken as artifacts */
    char *coverage;      /* a coverage build (-fprofile-instr-generate), or NULL */
    char **env; size_t nenv;
    char **args; size_t nargs;   /* extra engine flags */
    double share;        /* of the budget; weights, normalised */
    pf_nlimits lim;
    int has_timeout, has_heap, has_max_len;
} pf_ntarget;

typedef struct pf_nconfig {
    pf_ntarget *t; size_t n;
    double budget_s;     /* 0: not set in the file */
    int jobs;            /* 0: not set */
    char *engine;        /* NULL: not set */
    int fork_mode;       /* -1: not set, 0 restart, 1 fork ("mode") */
    char *suppressions;  /* NULL: not set */
} pf_nconfig;

void pf_nconfig_init(pf_nconfig *c);
void pf_nconfig_free(pf_nconfig *c);
/* Parse the config file; relative paths are taken from the file's folder.
 * Errors are PF_E_INPUT and point at the entry ("targets[1].share: ..."). */
int pf_nconfig_load(const char *path, pf_nconfig *c, pf_err *err);
/* Add one target (the command line's --target): strings copied. */
pf_ntarget *pf_nconfig_add(pf_nconfig *c, const char *binary, pf_err *err);
/* pf_parse_size / pf_parse_duration (pf_run.h) with the night's policy:
 * positive, a duration at most a month. 0 or -1. */
int pf_nparse_size(const char *s, uint64_t *out);
int pf_nparse_duration(const char *s, double *out);

/* ---- one night (pf_nightly_night.c) -------------------------------------- */

struct pf_report;

typedef struct pf_night_cfg {
    pf_nconfig *conf;        /* the targets (limits already settled) */
    const char *state_dir;
    const char *out_dir;
    double budget_s;         /* shared by the targets by their shares */
    int jobs;
    const char *engine;      /* "libfuzzer", "afl", "both" */
    int fork_mode;           /* libFuzzer's fork mode (pf_engine_cfg) */
    const char *afl_mutator; /* prodfuzz_afl.so for AFL++ */
    const char *suppressions;/* file, may be NULL */
    const char *today;       /* YYYY-MM-DD, for suppressions */
    const char *now;         /* RFC 3339, first/last seen */
    const char *run_id;
    const char *version;     /* prodfuzz version recorded with findings */
    double minimize_s;       /* per finding; 0: no minimizing */
    uint64_t cap_files, cap_bytes; /* state corpus cap */
    volatile sig_atomic_t *stop;
    /* messages for the user (the command prints them) */
    void (*say)(void *ctx, int level, const char *msg); /* 0 info, 1 warn */
    void (*progress)(void *ctx, const char *target, const pf_nsample *s,
                     unsigned restarts, unsigned artifacts);
    void *ctx;
} pf_night_cfg;

typedef struct pf_night_result {
    size_t nnew;          /* new findings, not suppressed */
    size_t nexpired;      /* still failing behind an expired suppression */
    size_t ntarget_errors;/* targets that could not be run */
    int stopped;          /* SIGINT/SIGTERM ended the night early */
} pf_night_result;

/* Run the night: fills rep (tool "nightly"), updates the state folder
 * (under its lock), writes the reports into out_dir. Returns -1 only when
 * the night as a whole cannot go on (state locked or unreadable, out
 * folder unwritable, out of memory); a target that cannot run is a target
 * error in the report and in res. */
int pf_night_run(const pf_night_cfg *cfg, struct pf_report *rep,
                 pf_night_result *res, pf_err *err);

#endif
