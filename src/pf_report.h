/*
 * pf_report: the one data model of a run's results and its writers.
 *
 * `check`, `diff`, `seed-tests` and `nightly` fill a pf_report; the same
 * model is written as JSON (report.json, "format": "prodfuzz-report",
 * versioned, documented in docs/reports.md), Markdown, SARIF 2.1.0, JUnit
 * XML and a self-contained HTML page with charts. Writers go through a
 * temporary file and a rename, so a report is either whole or absent.
 *
 * Findings are deduplicated by signature (pf_crash.h): pf_report_add_failure
 * merges a failure into an existing finding with the same signature and
 * keeps the smallest reproducer.
 */
#ifndef PF_REPORT_H
#define PF_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_run.h"

#define PF_REPORT_VERSION 1

typedef enum pf_status {
    PF_STATUS_NEW = 0,
    PF_STATUS_OPEN,
    PF_STATUS_FIXED,
    PF_STATUS_SUPPRESSED
} pf_status;

const char *pf_status_name(pf_status s);
int pf_status_from_name(const char *s); /* -1 if unknown */

typedef struct pf_finding {
    char *id;             /* short stable id: first 12 hex of SHA-1(signature) */
    char *target;         /* target name */
    pf_outcome outcome;
    char *signature;      /* from pf_crash, or outcome-specific */
    char *kind;           /* error kind, "" when none */
    char *title;          /* one line */
    char *mclass;         /* mutation / failure class that produced it
                             ("null", "oversize", ...), NULL if unknown */
    char *path;           /* JSON path the explanation points at, or NULL */
    char **explain;       /* explanation lines, most important first */
    size_t nexplain;
    char *reproducer;     /* path of the kept reproducer file */
    uint64_t repro_bytes;
    char *repro_cmd;      /* shell command that replays it */
    char *top_file;       /* top own frame, for SARIF locations */
    int top_line;
    char *stack;          /* symbolized frames as text, may be NULL */
    uint64_t count;       /* inputs that hit it */
    pf_status status;
    char *first_seen;     /* RFC 3339 UTC */
    char *last_seen;
    char *suppress_reason;
    char *suppress_until; /* YYYY-MM-DD */
} pf_finding;

typedef struct pf_point {  /* one sample of a time series */
    double t;              /* seconds since the target started */
    double value;
} pf_point;

typedef struct pf_report_target {
    char *name;
    char *engine;          /* "libfuzzer", "afl", "worker", "cmd", ... */
    uint64_t inputs;       /* inputs or executions */
    double seconds;
    uint64_t outcomes[PF_OUT__COUNT];
    /* outcome x mutation class table for check: rows by class name */
    char **classes;
    uint64_t (*by_class)[PF_OUT__COUNT];
    size_t nclasses;
    pf_point *execs_per_s; size_t nexecs_per_s;
    pf_point *coverage;    size_t ncoverage;   /* edges or features */
    double line_coverage;  /* percent, < 0 when not measured */
    int error;             /* could not be built or run */
    char *error_msg;
} pf_report_target;

typedef struct pf_night {  /* history for charts: one row per earlier run */
    char *date;            /* RFC 3339 */
    uint64_t new_findings, open_findings, fixed_findings;
    char **classes; uint64_t *class_counts; size_t nclasses;
} pf_night;

typedef struct pf_report {
    char *tool;            /* "check", "diff", "nightly", "seed-tests" */
    char *run_id;
    char *started, *finished; /* RFC 3339 UTC */
    pf_report_target *targets; size_t ntargets;
    pf_finding *findings;   size_t nfindings;
    pf_night *history;      size_t nhistory;
    char *src_root;         /* folder SARIF uris are made relative to;
                               NULL: the current folder when writing */
} pf_report;

void pf_report_init(pf_report *r, const char *tool, const char *run_id);
void pf_report_free(pf_report *r);
pf_report_target *pf_report_add_target(pf_report *r, const char *name,
                                       const char *engine, pf_err *err);
/* Merge a failure: an existing finding with the same signature gets its
 * count raised (and the smaller reproducer); otherwise a new one is added.
 * Strings are copied. Returns the finding or NULL on allocation failure. */
pf_finding *pf_report_add_failure(pf_report *r, const pf_finding *f,
                                  pf_err *err);
/* Findings that decide the exit code: new or open, not suppressed. */
size_t pf_report_count_failing(const pf_report *r);

/* Helpers for producers (additions to the first contract):
 * the id of a signature: first 12 hex of SHA-1(signature), NUL-ended. */
int pf_finding_id(const char *signature, char out[13], pf_err *err);
/* Point a template finding's kind, signature, title, top_file/top_line and
 * stack at a parsed crash (title and stack text go into the caller's
 * buffers); pf_report_add_failure copies them. */
void pf_finding_from_crash(pf_finding *f, const pf_crash *c, pf_buf *title,
                           pf_buf *stack);
/* Count one input of a target: outcomes[o]++ and, when mclass is not
 * NULL, its row of the outcome x class table. */
int pf_report_target_count(pf_report_target *t, const char *mclass,
                           pf_outcome o, pf_err *err);
/* Append a sample to a series (t->coverage, t->execs_per_s). */
int pf_report_add_point(pf_point **pts, size_t *n, double t, double value,
                        pf_err *err);
/* Append an earlier run to the history (charts by night); date copied. */
pf_night *pf_report_add_night(pf_report *r, const char *date, pf_err *err);
/* Set a night's count for a class (added when new). */
int pf_night_set_class(pf_night *n, const char *mclass, uint64_t count,
                       pf_err *err);
void pf_finding_free(pf_finding *f);

/* Writers: each writes one file atomically. */
int pf_report_write_json(const pf_report *r, const char *path, pf_err *err);
int pf_report_write_md(const pf_report *r, const char *path, pf_err *err);
int pf_report_write_sarif(const pf_report *r, const char *path, pf_err *err);
int pf_report_write_junit(const pf_report *r, const char *path, pf_err *err);
int pf_report_write_html(const pf_report *r, const char *path, pf_err *err);
/* All of the above into dir: report.json, report.md, report.sarif,
 * junit.xml, report.html. */
int pf_report_write_all(const pf_report *r, const char *dir, pf_err *err);
/* Read a report.json back (nightly history, repro). */
int pf_report_load_json(const char *path, pf_report *r, pf_err *err);

#endif
