/*
 * cli_target: a worker binary, a black-box command or a library entry
 * point as a pf_target, and its replay command. See cli_target.h.
 */
#include "cli_target.h"

#include <stdlib.h>
#include <string.h>

void cli_shell_quote(pf_buf *b, const char *s)
{
    pf_buf_add_shell_word(b, s, 0);
}

void cli_argv_free(char **v)
{
    if (!v)
        return;
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}

char **cli_cmd_argv(const char *cmd)
{
    int shell = strpbrk(cmd, "|&;<>()$`\\\"'*?[]#~{}!") != NULL;
    size_t n = 0;
    char **v = calloc(strlen(cmd) + 4, sizeof *v);
    if (!v)
        return NULL;
    if (shell) {
        v[n++] = strdup("/bin/sh");
        v[n++] = strdup("-c");
        v[n++] = strdup(cmd);
    } else {
        const char *p = cmd;
        while (*p) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (!*p)
                break;
            size_t l = strcspn(p, " \t");
            v[n++] = strndup(p, l);
            p += l;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!v[i]) {
            for (size_t j = 0; j < n; j++)
                free(v[j]);
            free(v);
            return NULL;
        }
    return v;
}

int cli_target_make(cli_target *ct, const char *bin, const char *cmd,
                    const char *lib, const char *symbol, pf_err *err)
{
    memset(ct, 0, sizeof *ct);
    if ((bin != NULL) + (cmd != NULL) + (lib != NULL) != 1)
        return pf_err_set(err, PF_E_USAGE, "give one target: TARGET, --cmd or --lib");
    if (lib && !symbol)
        return pf_err_set(err, PF_E_USAGE, "--lib needs --symbol FN");
    if (cmd) {
        ct->t.kind = PF_TARGET_CMD;
        ct->argv_own = cli_cmd_argv(cmd);
        if (!ct->argv_own)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        if (!ct->argv_own[0]) {
            cli_argv_free(ct->argv_own);
            ct->argv_own = NULL;
            return pf_err_set(err, PF_E_USAGE, "--cmd is empty");
        }
        ct->t.argv = ct->argv_own;
        ct->cmd_str = cmd;
        ct->name = cmd;
        ct->engine = "cmd";
    } else if (lib) {
        ct->t.kind = PF_TARGET_LIB;
        ct->t.lib = lib;
        ct->t.symbol = symbol;
        ct->name = symbol;
        ct->engine = "lib";
    } else {
        ct->t.kind = PF_TARGET_WORKER;
        ct->tav[0] = (char *)bin;
        ct->t.argv = ct->tav;
        ct->name = bin;
        ct->engine = "worker";
    }
    return 0;
}

void cli_target_free(cli_target *ct)
{
    cli_argv_free(ct->argv_own);
    ct->argv_own = NULL;
}

void cli_target_replay(pf_buf *b, const cli_target *ct, const char *repro)
{
    const pf_target *t = &ct->t;
    pf_buf_reset(b);
    if (t->kind == PF_TARGET_CMD) {
        const char *cmd_str = ct->cmd_str;
        if (strstr(cmd_str, "@@")) {
            pf_buf q = PF_BUF_INIT;
            cli_shell_quote(&q, repro);
            for (const char *p = cmd_str; *p;) {
                const char *at = strstr(p, "@@");
                if (!at) {
                    pf_buf_adds(b, p);
                    break;
                }
                pf_buf_add(b, p, (size_t)(at - p));
                pf_buf_adds(b, pf_buf_str(&q));
                p = at + 2;
            }
            pf_buf_free(&q);
        } else {
            pf_buf_adds(b, cmd_str);
            pf_buf_adds(b, " < ");
            cli_shell_quote(b, repro);
        }
    } else if (t->kind == PF_TARGET_WORKER) {
        for (size_t i = 0; t->argv[i]; i++) {
            cli_shell_quote(b, t->argv[i]);
            pf_buf_addc(b, ' ');
        }
        cli_shell_quote(b, repro);
    } else {
        pf_buf_adds(b, "prodfuzz check --mutants 0 --lib ");
        cli_shell_quote(b, t->lib);
        pf_buf_adds(b, " --symbol ");
        cli_shell_quote(b, t->symbol);
        pf_buf_addc(b, ' ');
        cli_shell_quote(b, repro);
    }
}
