/*
 * cli: error printing, logs, colour, progress and option parsing shared by
 * the subcommands (cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "pf_buf.h"
#include "pf_hash.h"

pf_cli pf_cli_g;

void cli_init(void)
{
    memset(&pf_cli_g, 0, sizeof pf_cli_g);
    pf_cli_g.tty = isatty(2);
    const char *nc = getenv("NO_COLOR");
    pf_cli_g.color = pf_cli_g.tty && !(nc && *nc) && getenv("TERM") &&
                     strcmp(getenv("TERM"), "dumb") != 0;
    pf_cli_g.progress = pf_cli_g.tty;
    unsigned char id[8];
    if (RAND_bytes(id, sizeof id) != 1) {
        uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        memcpy(id, &t, sizeof id);
    }
    pf_hex(id, sizeof id, pf_cli_g.run_id);
    /* A file size limit (RLIMIT_FSIZE) must be an EFBIG error, not a kill. */
    signal(SIGXFSZ, SIG_IGN);
    /* Writing to a closed pipe (prodfuzz ... | head) is EPIPE, not a kill. */
    signal(SIGPIPE, SIG_IGN);
}

static void json_log(const char *level, const char *msg)
{
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pf_buf b = PF_BUF_INIT;
    pf_buf_addf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"run\":\"%s\",\"cmd\":",
                ts, level, pf_cli_g.run_id);
    const char *cmd = pf_cli_g.cmd ? pf_cli_g.cmd : "prodfuzz";
    pf_buf_add_json_str(&b, cmd, strlen(cmd));
    pf_buf_adds(&b, ",\"msg\":");
    pf_buf_add_json_str(&b, msg, strlen(msg));
    pf_buf_adds(&b, "}\n");
    fwrite(b.data, 1, b.len, stderr);
    pf_buf_free(&b);
}

static void vlog(const char *level, const char *color, const char *fmt,
                 va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cli_progress_done();
    if (pf_cli_g.json_logs) {
        json_log(level, msg);
        return;
    }
    if (pf_cli_g.color && color)
        fprintf(stderr, "prodfuzz: \033[%sm%s\033[0m: %s\n", color, level, msg);
    else if (strcmp(level, "info") == 0)
        fprintf(stderr, "prodfuzz: %s\n", msg);
    else
        fprintf(stderr, "prodfuzz: %s: %s\n", level, msg);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", "1;31", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning", "1;33", fmt, ap);
    va_end(ap);
}

void cli_info(const char *fmt, ...)
{
    if (pf_cli_g.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("info", NULL, fmt, ap);
    va_end(ap);
}

int cli_fail(const pf_err *err)
{
    cli_error("%s", err->msg[0] ? err->msg : "unknown error");
    int code = pf_err_exit_code(err->code);
    return code ? code : EXIT_ENV;
}

int cli_usage(const pf_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", "1;31", fmt, ap);
    va_end(ap);
    return cli_bad_option(cmd);
}

int cli_bad_option(const pf_cmd *cmd)
{
    if (!pf_cli_g.json_logs) {
        if (cmd)
            fprintf(stderr, "Try 'prodfuzz help %s'.\n", cmd->name);
        else
            fprintf(stderr, "Try 'prodfuzz --help'.\n");
    }
    return EXIT_USAGE;
}

void cli_print_help(const pf_cmd *cmd) { fputs(cmd->usage, stdout); }

int cli_common_opt(const pf_cmd *cmd, int c, const char *arg)
{
    switch (c) {
    case 'h':
        cli_print_help(cmd);
        return 1;
    case CLI_OPT_LOG_FORMAT:
        if (strcmp(arg, "json") == 0) {
            pf_cli_g.json_logs = 1;
            pf_cli_g.progress = 0;
            return 0;
        }
        if (strcmp(arg, "text") == 0) {
            pf_cli_g.json_logs = 0;
            return 0;
        }
        cli_usage(cmd, "--log-format takes 'text' or 'json', not '%s'", arg);
        return -1;
    case CLI_OPT_NO_COLOR:
        pf_cli_g.color = 0;
        return 0;
    case CLI_OPT_QUIET:
        pf_cli_g.quiet = 1;
        pf_cli_g.progress = 0;
        return 0;
    default:
        cli_bad_option(cmd);
        return -1;
    }
}

int cli_rest_opt(const pf_cmd *cmd, int c, const char *arg)
{
    if (c == '?')
        return cli_bad_option(cmd);
    int r = cli_common_opt(cmd, c, arg);
    if (r == 0)
        return CLI_GO_ON;
    return r > 0 ? 0 : EXIT_USAGE;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_iso_now(char *buf, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cli_warn_db_password(int has_password)
{
    if (has_password == 1)
        cli_warn("--db contains a password: other users can read it in the "
                 "process list; use ~/.pgpass or PGPASSFILE instead");
}

static double last_progress;
static int progress_shown;

void cli_progress(const char *fmt, ...)
{
    if (!pf_cli_g.progress)
        return;
    double now = cli_now();
    if (now - last_progress < 0.2)
        return;
    last_progress = now;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r\033[K%s", msg);
    progress_shown = 1;
}

void cli_progress_done(void)
{
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
    last_progress = 0;
}

int cli_parse_u64(const pf_cmd *cmd, const char *opt, const char *s,
                  uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        goto bad;
    *out = v;
    return 0;
bad:
    cli_usage(cmd, "%s takes a whole number, not '%s'", opt, s ? s : "");
    return -1;
}

int cli_parse_double(const pf_cmd *cmd, const char *opt, const char *s,
                     double *out)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || errno || *end || v != v) {
        cli_usage(cmd, "%s takes a number, not '%s'", opt, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_size(const pf_cmd *cmd, const char *opt, const char *s,
                   size_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        goto bad;
    unsigned long long mul = 1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': mul = 1ULL << 10; end++; break;
    case 'm': case 'M': mul = 1ULL << 20; end++; break;
    case 'g': case 'G': mul = 1ULL << 30; end++; break;
    default: goto bad;
    }
    if (*end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > (~0ULL) / mul)
        goto bad;
    *out = (size_t)(v * mul);
    return 0;
bad:
    cli_usage(cmd, "%s takes a size such as 4096, 64K, 256M or 1G, not '%s'",
              opt, s ? s : "");
    return -1;
}
