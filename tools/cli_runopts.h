/*
 * cli_runopts: the options of a run over production-shaped inputs under
 * limits, spelled, defaulted and checked as check does: --shape,
 * --mutants, --classes, --seed, --mem, --timeout, --shard,
 * --fresh-process, --repro-dir, --report, --max-doc-size, --json, and the
 * input set they make, and the explainer of that production. A command
 * puts CLI_RUN_LONGOPTS in its getopt_long table (or the entries it
 * takes) and hands every code to cli_runopts_opt first. check, diff and
 * seed-tests use it (one table, so the commands cannot drift), and check
 * and diff begin and end a run the same way (cli_runopts_begin, _open,
 * _end).
 */
#ifndef PF_CLI_RUNOPTS_H
#define PF_CLI_RUNOPTS_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "cli_target.h"
#include "pf_explain.h"
#include "pf_inputs.h"
#include "pf_report.h"
#include "pf_run.h"
#include "pf_shape.h"

typedef struct cli_runopts {
    const char *shape_path, *classes, *repro_dir, *report_dir;
    uint64_t mutants;      /* per class (10) */
    uint64_t mutants_max;  /* what --mutants takes at most (1000000) */
    uint64_t seed;         /* (1) */
    unsigned shard_k, shard_n; /* (1/1) */
    size_t max_doc;        /* 0: pf_docs' default */
    pf_limits lim;         /* 512M, 2s, 256M files, 1024 open files */
    int fresh, json;
    char *repro_own;
} cli_runopts;

/* Between the common options (1000...) and a command's own
 * (CLI_OPT_FIRST_FREE). */
enum {
    CLI_RUN_SHAPE = 1050, CLI_RUN_MUTANTS, CLI_RUN_CLASSES, CLI_RUN_SEED,
    CLI_RUN_MEM, CLI_RUN_TIMEOUT, CLI_RUN_SHARD, CLI_RUN_FRESH, CLI_RUN_REPRO,
    CLI_RUN_REPORT, CLI_RUN_MAX_DOC, CLI_RUN_JSON
};
#define CLI_RUN_LONGOPTS                                          \
    {"shape", required_argument, 0, CLI_RUN_SHAPE},               \
    {"mutants", required_argument, 0, CLI_RUN_MUTANTS},           \
    {"classes", required_argument, 0, CLI_RUN_CLASSES},           \
    {"seed", required_argument, 0, CLI_RUN_SEED},                 \
    {"mem", required_argument, 0, CLI_RUN_MEM},                   \
    {"timeout", required_argument, 0, CLI_RUN_TIMEOUT},           \
    {"shard", required_argument, 0, CLI_RUN_SHARD},               \
    {"fresh-process", no_argument, 0, CLI_RUN_FRESH},             \
    {"repro-dir", required_argument, 0, CLI_RUN_REPRO},           \
    {"report", required_argument, 0, CLI_RUN_REPORT},             \
    {"max-doc-size", required_argument, 0, CLI_RUN_MAX_DOC},      \
    {"json", no_argument, 0, CLI_RUN_JSON}

void cli_runopts_init(cli_runopts *o);
void cli_runopts_free(cli_runopts *o);
/* 1 handled, 0 not a run option, -1 a usage error (printed). */
int cli_runopts_opt(const pf_cmd *cmd, cli_runopts *o, int c, const char *arg);
/* The input set: the documents of paths, --mutants per class of
 * --classes (relative to --shape, loaded into *shape), cut to --shard.
 * 0, or the exit code after printing the error. */
int cli_runopts_inputs(const pf_cmd *cmd, const cli_runopts *o, char **paths,
                       size_t n, pf_inputs *in, pf_shape **shape);
/* --repro-dir, else REPORT/reproducers with --report, else dflt; NULL
 * when out of memory. */
const char *cli_runopts_repro_dir(cli_runopts *o, const char *dflt);
/* The start of a run, as check and diff make it: the input set of
 * paths[0..n) (none is a usage error), where reproducers go (*repro_dir,
 * dflt without --repro-dir or --report) and the report's start time.
 * 0, or the exit code after printing the error. */
int cli_runopts_begin(const pf_cmd *cmd, cli_runopts *o, char **paths, size_t n,
                      const char *dflt, pf_inputs *in, pf_shape **shape,
                      const char **repro_dir, pf_report *rep);
/* A target of the run: its entry in the report (*tgt) and its runner under
 * the run's limits. 0 or -1. */
int cli_runopts_open(const cli_runopts *o, const cli_target *ct, pf_report *rep,
                     pf_report_target **tgt, pf_runner **runner, pf_err *err);
/* The end of a run: the report's finish time, and with --report DIR the
 * reports written there and (without --json) where they are said. 0 or
 * -1. */
int cli_runopts_end(const cli_runopts *o, pf_report *rep, pf_err *err);
/* An explainer of this run's production: the profile (--shape) and the
 * production documents docs[0..ndocs) (the mutants are not production).
 * On error *x may be set: close it. */
int cli_runopts_explainer(const cli_runopts *o, const pf_input *docs, size_t ndocs,
                          pf_explainer **x, pf_err *err);

#endif
