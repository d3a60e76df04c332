/*
 * cli_target: how a subcommand names the target it runs (check, diff,
 * seed-tests): a worker binary (TARGET), a black-box command (--cmd, "@@"
 * is the input file, otherwise stdin) or an uninstrumented library's
 * entry point (--lib SO --symbol FN), and the shell command that replays
 * a reproducer as-is against it.
 */
#ifndef PF_CLI_TARGET_H
#define PF_CLI_TARGET_H

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_run.h"

typedef struct cli_target {
    pf_target t;
    const char *name;    /* for reports: the binary, the command or FN */
    const char *engine;  /* "worker", "cmd" or "lib" */
    const char *cmd_str; /* PF_TARGET_CMD: the command as given */
    char **argv_own;     /* owned argv (commands) */
    char *tav[2];        /* worker argv */
} cli_target;

/* Exactly one of bin, cmd, lib (lib needs symbol). Returns 0, or -1 with
 * a usage error in err. */
int cli_target_make(cli_target *ct, const char *bin, const char *cmd,
                    const char *lib, const char *symbol, pf_err *err);
void cli_target_free(cli_target *ct);
/* The command that replays repro against the target (into b, reset). */
void cli_target_replay(pf_buf *b, const cli_target *ct, const char *repro);
/* Quote for a POSIX shell when needed. */
void cli_shell_quote(pf_buf *b, const char *s);
/* --cmd: split on blanks when nothing needs a shell, else sh -c CMD.
 * NULL when out of memory; free with cli_argv_free. */
char **cli_cmd_argv(const char *cmd);
void cli_argv_free(char **v);

#endif
