/*
 * pf_pg: connection, session, snapshot and error classification
 * (pf_pg.h). The catalog lives in pf_pg_catalog.c, the streaming in
 * pf_pg_stream.c; pf_pg_int.h is what they share.
 */
#include "pf_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pf_pg_conninfo_has_password(const char *conninfo)
{
    if (!conninfo || !*conninfo)
        return 0;
    char *errmsg = NULL;
    PQconninfoOption *o = PQconninfoParse(conninfo, &errmsg);
    if (!o) {
        if (errmsg)
            PQfreemem(errmsg);
        return -1;
    }
    int has = 0;
    for (PQconninfoOption *p = o; p->keyword; p++)
        if (!strcmp(p->keyword, "password") && p->val && *p->val)
            has = 1;
    PQconninfoFree(o);
    return has;
}

/* Replace every occurrence of the password in s (in place, same length
 * or shorter). */
static void scrub(const char *pw, char *s)
{
    if (!pw || !*pw || !s)
        return;
    size_t n = strlen(pw);
    char *p;
    while ((p = strstr(s, pw)) != NULL) {
        static const char mask[] = "********";
        size_t m = sizeof mask - 1 < n ? sizeof mask - 1 : n;
        memcpy(p, mask, m);
        memmove(p + m, p + n, strlen(p + n) + 1);
    }
}

/* Drop libpq's trailing newline and its "connection to server ... failed:"
 * line breaks so the message fits on one line. */
static void one_line(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
}

static int class_is(const char *st, const char *cls)
{
    return st && st[0] == cls[0] && st[1] == cls[1];
}

/* The one place SQLSTATEs become pf_codes. */
static pf_code classify(const char *st)
{
    if (!st || strlen(st) != 5)
        return PF_E_ENV;
    if (!strcmp(st, "42501")) /* insufficient_privilege */
        return PF_E_ENV;
    if (class_is(st, "42") || class_is(st, "22") || class_is(st, "23") ||
        class_is(st, "0A") || class_is(st, "21") || class_is(st, "2B") ||
        class_is(st, "25") || class_is(st, "3F") || class_is(st, "P0") ||
        class_is(st, "44") || class_is(st, "39") || class_is(st, "38") ||
        class_is(st, "27"))
        return PF_E_INPUT;
    /* 08 connection, 28 auth, 3D database, 40 rollback/recovery conflict,
     * 53 resources, 54 limits, 55, 57 cancel/shutdown/timeout, 58, XX */
    return PF_E_ENV;
}

int pf_pg_fail(pf_pg *pg, PGresult *res, const char *what, pf_err *err)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(pg->sqlstate, sizeof pg->sqlstate, "%s", st ? st : "");
    char msg[400];
    if (st && (class_is(st, "22") || class_is(st, "23"))) {
        /* Data errors can quote the value of a production row. */
        snprintf(msg, sizeof msg, "a value in the data could not be processed "
                 "(the server's message is withheld because it may quote a "
                 "production value; check --where for casts)");
    } else {
        const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        if (!m || !*m)
            m = PQerrorMessage(pg->conn);
        snprintf(msg, sizeof msg, "%s", m && *m ? m : "unknown error");
    }
    one_line(msg);
    scrub(pg->password, msg);
    if (pg->conn && PQpass(pg->conn))
        scrub(PQpass(pg->conn), msg);
    pf_code code;
    if (pg->conn && PQstatus(pg->conn) == CONNECTION_BAD && !st)
        code = PF_E_ENV;
    else
        code = classify(st);
    if (st && !strcmp(st, "57014"))
        return pf_err_set(err, PF_E_ENV, "%s: %s (SQLSTATE %s; raise "
                          "--statement-timeout if the statement timed out)",
                          what, msg, st);
    if (st && (!strcmp(st, "40001") || !strcmp(st, "40P01")))
        pg->retryable = 1;
    if (st)
        return pf_err_set(err, code, "%s: %s (SQLSTATE %s)", what, msg, st);
    if (pg->conn && PQstatus(pg->conn) == CONNECTION_BAD)
        return pf_err_set(err, PF_E_ENV, "%s: %s%s", what,
                          pg->connected ? "connection to the server lost: " : "", msg);
    return pf_err_set(err, code, "%s: %s", what, msg);
}

PGresult *pf_pg_exec(pf_pg *pg, const char *sql, int nparams,
                     const char *const *params, const char *what, pf_err *err)
{
    pg->retryable = 0;
    if (!PQsendQueryParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
        pf_pg_fail(pg, NULL, what, err);
        return NULL;
    }
    if (pf_pg_wait(pg, what, err) < 0)
        return NULL;
    PGresult *res = PQgetResult(pg->conn), *r, *bad = NULL;
    /* Drain to the end of this statement. */
    while ((r = PQgetResult(pg->conn)) != NULL)
        PQclear(r);
    if (!res) {
        pf_pg_fail(pg, NULL, what, err);
        return NULL;
    }
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        bad = res;
        pf_pg_fail(pg, bad, what, err);
        PQclear(bad);
        return NULL;
    }
    return res;
}

/* Wait until libpq is no longer busy, polling the interrupt flag. */
int pf_pg_wait(pf_pg *pg, const char *what, pf_err *err)
{
    while (PQisBusy(pg->conn)) {
        if (pf_pg_poll(pg, what, err) < 0)
            return -1;
        if (!PQconsumeInput(pg->conn))
            return pf_pg_fail(pg, NULL, what, err);
    }
    return 0;
}

int pf_pg_poll(pf_pg *pg, const char *what, pf_err *err)
{
    if (pg->interrupt && *pg->interrupt) {
        PGcancel *c = PQgetCancel(pg->conn);
        if (c) {
            char eb[256];
            PQcancel(c, eb, sizeof eb);
            PQfreeCancel(c);
        }
        return pf_err_set(err, PF_E_ENV, "%s: interrupted", what);
    }
    struct pollfd pfd = {PQsocket(pg->conn), POLLIN, 0};
    if (pfd.fd < 0)
        return pf_pg_fail(pg, NULL, what, err);
    int r = poll(&pfd, 1, 200);
    if (r < 0 && errno != EINTR)
        return pf_err_errno(err, errno, "%s: poll", what);
    return 0;
}

static int set_guc(pf_pg *pg, const char *name, const char *value, pf_err *err)
{
    const char *p[2] = {name, value};
    PGresult *r = pf_pg_exec(pg, "SELECT pg_catalog.set_config($1, $2, false)", 2,
                             p, "setting up the session", err);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

static int begin(pf_pg *pg, pf_err *err)
{
    PGresult *r = pf_pg_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                             0, NULL, "opening a read-only snapshot", err);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int pf_pg_connect(pf_pg **out, const char *conninfo, long statement_timeout_ms,
                  volatile sig_atomic_t *interrupt, pf_err *err)
{
    *out = NULL;
    pf_pg *pg = calloc(1, sizeof *pg);
    if (!pg)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    pg->interrupt = interrupt;
    if (conninfo && *conninfo) {
        char *errmsg = NULL;
        PQconninfoOption *o = PQconninfoParse(conninfo, &errmsg);
        if (!o) {
            /* libpq's parse error names the bad keyword, not the value,
             * but scrub anyway: the string may hold a password. */
            char m[300];
            snprintf(m, sizeof m, "%s", errmsg ? errmsg : "cannot parse it");
            if (errmsg)
                PQfreemem(errmsg);
            one_line(m);
            free(pg);
            return pf_err_set(err, PF_E_USAGE, "--db: not a valid connection "
                              "string or URI: %s", m);
        }
        for (PQconninfoOption *p = o; p->keyword; p++)
            if (!strcmp(p->keyword, "password") && p->val && *p->val)
                pg->password = strdup(p->val);
        PQconninfoFree(o);
    }
    /* Later keywords override earlier ones: a connect_timeout in the
     * user's string wins over ours, application_name is always ours. */
    const char *kw[] = {"connect_timeout", "dbname", "application_name", NULL};
    const char *val[] = {"10", conninfo && *conninfo ? conninfo : NULL, "prodfuzz", NULL};
    if (!val[1]) {
        kw[1] = "application_name";
        val[1] = "prodfuzz";
        kw[2] = NULL;
        val[2] = NULL;
    }
    pg->conn = PQconnectdbParams(kw, val, 1);
    if (!pg->conn) {
        pf_pg_close(pg);
        return pf_err_set(err, PF_E_NOMEM, "out of memory connecting");
    }
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        pf_pg_fail(pg, NULL, "cannot connect to PostgreSQL", err);
        err->code = PF_E_ENV;
        pf_pg_close(pg);
        return -1;
    }
    pg->connected = 1;
    char tmo[32];
    snprintf(tmo, sizeof tmo, "%ld", statement_timeout_ms);
    static const char *const fixed[][2] = {
        {"default_transaction_read_only", "on"},
        {"application_name", "prodfuzz"},
        {"DateStyle", "ISO, YMD"},
        {"TimeZone", "UTC"},
        {"extra_float_digits", "3"},
        {"bytea_output", "hex"},
        {"IntervalStyle", "postgres"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (set_guc(pg, fixed[i][0], fixed[i][1], err) < 0)
            goto fail;
    /* UTF-8 from every encoding the server converts; a SQL_ASCII server
     * never checked its bytes (legacy systems keep cp1251 or Latin-1 text
     * there), and converting them to UTF-8 fails the whole table with
     * SQLSTATE 22021: take them as stored, which anonymize scrambles
     * like any other text (docs/sample.md) */
    const char *senc = PQparameterStatus(pg->conn, "server_encoding");
    if (set_guc(pg, "client_encoding",
                senc && !strcmp(senc, "SQL_ASCII") ? "SQL_ASCII" : "UTF8", err) < 0)
        goto fail;
    if (set_guc(pg, "statement_timeout", tmo, err) < 0 || begin(pg, err) < 0)
        goto fail;
    *out = pg;
    return 0;
fail:
    pf_pg_close(pg);
    return -1;
}

int pf_pg_restart(pf_pg *pg, pf_err *err)
{
    PGresult *r = pf_pg_exec(pg, "ROLLBACK", 0, NULL, "ending the snapshot", err);
    if (!r)
        return -1;
    PQclear(r);
    return begin(pg, err);
}

void pf_pg_close(pf_pg *pg)
{
    if (!pg)
        return;
    if (pg->conn)
        PQfinish(pg->conn);
    if (pg->password) {
        memset(pg->password, 0, strlen(pg->password));
        free(pg->password);
    }
    free(pg);
}

int pf_pg_retryable(const pf_pg *pg) { return pg && pg->retryable; }
const char *pf_pg_sqlstate(const pf_pg *pg) { return pg ? pg->sqlstate : ""; }
const char *pf_pg_dbname(const pf_pg *pg)
{
    return pg && pg->conn && PQdb(pg->conn) ? PQdb(pg->conn) : "";
}
int pf_pg_server_version(const pf_pg *pg)
{
    return pg && pg->conn ? PQserverVersion(pg->conn) : 0;
}

char *pf_pg_ident(pf_pg *pg, const char *name, pf_err *err)
{
    char *q = PQescapeIdentifier(pg->conn, name, strlen(name));
    if (!q) {
        pf_err_set(err, PF_E_INPUT, "cannot quote identifier (invalid encoding?)");
        return NULL;
    }
    char *c = strdup(q);
    PQfreemem(q);
    if (!c)
        pf_err_set(err, PF_E_NOMEM, "out of memory");
    return c;
}
