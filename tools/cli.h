/*
 * cli: what every prodfuzz subcommand shares.
 *
 * The library returns errors; this layer prints them ("prodfuzz: error:
 * ...", or one JSON object per line with --log-format json), decides
 * colour and progress (only when stderr is a terminal and NO_COLOR is
 * unset), and maps pf_err codes to exit codes: 0 ok, 1 findings, 2 usage
 * or input error, 3 environment error.
 */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_err.h"

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2
#define EXIT_ENV 3

typedef struct pf_cmd {
    const char *name;
    const char *summary;
    const char *usage; /* full --help text, with a working example */
    int (*run)(int argc, char **argv);
} pf_cmd;

typedef struct pf_cli {
    const char *cmd;   /* current subcommand name, for logs */
    int color;         /* colour on stderr */
    int tty;           /* stderr is a terminal */
    int progress;      /* show progress on stderr */
    int quiet;
    int json_logs;     /* --log-format json */
    char run_id[17];
} pf_cli;

extern pf_cli pf_cli_g;

/* Options every subcommand accepts; put CLI_COMMON_LONGOPTS in the
 * getopt_long table and pass unknown codes to cli_common_opt. */
enum {
    CLI_OPT_LOG_FORMAT = 1000,
    CLI_OPT_NO_COLOR,
    CLI_OPT_QUIET,
    CLI_OPT_FIRST_FREE = 1100
};
#define CLI_COMMON_LONGOPTS                                              \
    {"help", no_argument, 0, 'h'},                                       \
    {"log-format", required_argument, 0, CLI_OPT_LOG_FORMAT},            \
    {"no-color", no_argument, 0, CLI_OPT_NO_COLOR},                      \
    {"quiet", no_argument, 0, CLI_OPT_QUIET}

void cli_init(void);
/* Handle a common option: 0 handled, 1 was --help (usage printed, caller
 * returns 0), -1 usage error (printed, caller returns EXIT_USAGE). */
int cli_common_opt(const pf_cmd *cmd, int c, const char *arg);

/* What a command's option switch leaves to its default case: '?' (getopt
 * already complained) and the common options. CLI_GO_ON to keep parsing,
 * else the status run() returns (0 after --help, EXIT_USAGE):
 *     default:
 *         if ((r = cli_rest_opt(cmd, c, optarg)) != CLI_GO_ON)
 *             return r;                                              */
#define CLI_GO_ON (-1)
int cli_rest_opt(const pf_cmd *cmd, int c, const char *arg);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print err and return its exit code. */
int cli_fail(const pf_err *err);
/* "prodfuzz: error: <msg>" + "Try 'prodfuzz help CMD'." and return 2. */
int cli_usage(const pf_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* getopt_long's own complaint already went out: add the hint, return 2. */
int cli_bad_option(const pf_cmd *cmd);
void cli_print_help(const pf_cmd *cmd);

/* Progress on one stderr line, rate-limited; only when pf_cli_g.progress. */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_done(void);

/* Parse helpers: 0 ok, -1 usage error already printed. */
int cli_parse_u64(const pf_cmd *cmd, const char *opt, const char *s,
                  uint64_t *out);
int cli_parse_double(const pf_cmd *cmd, const char *opt, const char *s,
                     double *out);
/* Sizes: "256M", "1G", "4096", "64k". */
int cli_parse_size(const pf_cmd *cmd, const char *opt, const char *s,
                   size_t *out);

double cli_now(void); /* monotonic seconds */
/* UTC time as 2026-11-25T02:45:54Z, for manifests and summaries. */
void cli_iso_now(char *buf, size_t n);
/* Warn when a --db conninfo carries a password (visible in the process
 * list); has_password is pf_pg_conninfo_has_password's answer. */
void cli_warn_db_password(int has_password);

/* The table of subcommands (prodfuzz.c). */
const pf_cmd *cli_find_cmd(const char *name);

#endif
