/*
 * pf_pg: read-only sampling of PostgreSQL tables over libpq.
 *
 * A pf_pg is one connection in one REPEATABLE READ, READ ONLY transaction
 * (one snapshot for every table of a run). The session is read-only twice
 * over (default_transaction_read_only=on, then a READ ONLY transaction),
 * has a statement_timeout, application_name=prodfuzz, and pins the output
 * settings that change how values print (DateStyle ISO, TimeZone UTC,
 * extra_float_digits 3, bytea_output hex, IntervalStyle postgres).
 *
 * Every statement goes through the extended protocol (PQexecParams or
 * PQsendQueryParams): one statement per call, so text a user passes in
 * --where cannot start a second statement. Table names are resolved by the
 * server (to_regclass on a bound parameter) and every identifier put into
 * SQL is quoted with PQescapeIdentifier.
 *
 * Rows are streamed with COPY (...) TO STDOUT, one row per callback, so
 * memory stays flat whatever the table size. In whole-row mode the server
 * builds each row's JSON object (row_to_json), which keeps numbers exactly
 * as PostgreSQL prints them and nests json/jsonb/arrays; bytea columns are
 * turned into hex (or base64) text first.
 *
 * Errors are classified by SQLSTATE, never by message text: a missing
 * table or column and SQL errors in --where are PF_E_INPUT (exit 2); an
 * unreachable server, authentication, permissions, a lost connection, a
 * timeout or a cancelled query are PF_E_ENV (exit 3). Messages never
 * contain the password, and messages of data errors (class 22/23, which
 * may quote a production value) are withheld.
 */
#ifndef PF_PG_H
#define PF_PG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"

typedef struct pf_pg pf_pg;

/* 1 when the conninfo string or URI carries a password, 0 when not, -1
 * when libpq cannot parse it. */
int pf_pg_conninfo_has_password(const char *conninfo);

/* Connect (conninfo NULL or "": PG* environment and .pgpass), set up the
 * session and open the read-only snapshot. statement_timeout_ms 0: none.
 * interrupt, when not NULL, is polled while waiting for the server: a
 * non-zero value cancels the query (PF_E_ENV "interrupted"). */
int pf_pg_connect(pf_pg **out, const char *conninfo, long statement_timeout_ms,
                  volatile sig_atomic_t *interrupt, pf_err *err);
void pf_pg_close(pf_pg *pg);
/* Throw the snapshot away and open a fresh one (after a retryable error). */
int pf_pg_restart(pf_pg *pg, pf_err *err);
/* The last error was a query cancelled by a hot-standby recovery conflict
 * (SQLSTATE 40001 or 40P01): worth retrying on a fresh snapshot. */
int pf_pg_retryable(const pf_pg *pg);
/* SQLSTATE of the last server error ("" when none). */
const char *pf_pg_sqlstate(const pf_pg *pg);
const char *pf_pg_dbname(const pf_pg *pg);
int pf_pg_server_version(const pf_pg *pg);

/* ---- catalog ------------------------------------------------------------ */
typedef struct pf_pg_col {
    char *name;
    char *type;      /* format_type(): "numeric(12,2)", "text[]", ... */
    char *typname;   /* base type name: "int4", "jsonb", "_text" */
    char typcat;     /* pg_type.typcategory: 'N' numeric, 'B' bool, ... */
    int notnull;
    char *comment;   /* col_description or NULL */
    double n_distinct; /* pg_stats.n_distinct, 0 when unknown */
    char *seclabel;  /* SECURITY LABEL FOR anon, NULL when none */
    int readable;    /* has_column_privilege(SELECT) for the session's role */
} pf_pg_col;

typedef struct pf_pg_fk {
    unsigned parent;  /* oid of the referenced table */
    char **cols;      /* referencing columns in this table */
    char **pcols;     /* referenced columns in the parent */
    int n;
} pf_pg_fk;

typedef struct pf_pg_table {
    unsigned oid;
    char *schema;
    char *name;
    char *label;   /* name, or schema.name outside public: for policies */
    char *qname;   /* quoted "schema"."name" */
    char relkind;
    double reltuples;
    int row_security; /* row_security_active(): the role sees only some rows */
    char *comment;
    pf_pg_col *cols;
    int ncols;
    char **pk;     /* primary key columns */
    int npk;
    pf_pg_fk *fks;
    int nfks;
} pf_pg_table;

/* Resolve [SCHEMA.]TABLE with SQL identifier rules (unquoted names fold to
 * lower case; "Quoted.Name" keeps case and dots) and load its columns,
 * primary key and foreign keys. A missing table is PF_E_INPUT. */
int pf_pg_table_load(pf_pg *pg, const char *spec, pf_pg_table *t, pf_err *err);
int pf_pg_table_load_oid(pf_pg *pg, unsigned oid, pf_pg_table *t, pf_err *err);
/* Also read pg_stats.n_distinct and anon security labels (policy init). */
int pf_pg_table_stats(pf_pg *pg, pf_pg_table *t, pf_err *err);
void pf_pg_table_free(pf_pg_table *t);
const pf_pg_col *pf_pg_table_col(const pf_pg_table *t, const char *name);

/* ---- sampling ----------------------------------------------------------- */
typedef enum pf_pg_method {
    PF_PG_ALL = 0,   /* no TABLESAMPLE */
    PF_PG_BERNOULLI,
    PF_PG_SYSTEM
} pf_pg_method;

typedef struct pf_pg_sample {
    pf_pg_method method;
    double percent;      /* with BERNOULLI/SYSTEM */
    uint64_t limit;      /* 0: no limit */
    int64_t seed;
    const char *where;   /* SQL boolean expression or NULL */
    const char *column;  /* column mode, or NULL for whole rows */
    int bytea_base64;    /* whole-row mode: bytea as base64, not hex */
} pf_pg_sample;

/* One row: a JSON object (whole-row mode) or the column's value (column
 * mode: text bytes, bytea decoded; NULL values are skipped and counted).
 * rowno counts from 1 per table. Return -1 with err set to stop. */
typedef int (*pf_pg_row_fn)(void *ctx, const pf_pg_table *t, uint64_t rowno,
                            const char *data, size_t len, pf_err *err);

typedef struct pf_pg_stats {
    uint64_t rows;        /* rows handed to the callback */
    uint64_t nulls;       /* column mode: NULL values skipped */
    uint64_t bytes;
    int used_estimate;    /* --limit was served from a TABLESAMPLE estimate */
} pf_pg_stats;

/* Stream the sample of t. Column names in s->column are checked against
 * the catalog first (PF_E_INPUT when missing). */
int pf_pg_stream(pf_pg *pg, const pf_pg_table *t, const pf_pg_sample *s,
                 pf_pg_row_fn fn, void *ctx, pf_pg_stats *st, pf_err *err);

/* The pieces pf_pg_stream is made of, for following foreign keys: the
 * SELECT of t's sampled rows (runs the --limit estimate once; the same
 * rows every time it is executed in this snapshot), ... */
int pf_pg_sample_sql(pf_pg *pg, const pf_pg_table *t, const pf_pg_sample *s,
                     pf_buf *sql, int *used_estimate, pf_err *err);
/* ... the SELECT of the rows of parent that the rows of rows_sql reference
 * through fk (ordered by parent's key; can be nested for the next level),
 * ... */
int pf_pg_parents_sql(pf_pg *pg, const pf_pg_fk *fk, const pf_pg_table *parent,
                      const char *rows_sql, pf_buf *sql, pf_err *err);
/* ... and streaming the rows of a SELECT over t (whole rows, or s->column;
 * s->bytea_base64). what names the step in errors. */
int pf_pg_stream_rows(pf_pg *pg, const pf_pg_table *t, const char *rows_sql,
                      const pf_pg_sample *s, const char *what, pf_pg_row_fn fn,
                      void *ctx, pf_pg_stats *st, pf_err *err);

/* Run a bounded count(DISTINCT col) on at most `rows` rows of t: for
 * policy init when pg_stats has nothing. -1 on error; *nonnull (when not
 * NULL) gets how many of those rows had a value. */
int64_t pf_pg_count_distinct(pf_pg *pg, const pf_pg_table *t, const char *col,
                             long rows, int64_t *nonnull, pf_err *err);

/* ---- decoding what the server sends (exposed for tests and fuzzing) ---- */
/* One single-column row of COPY's text format (with or without its
 * trailing newline), decoded in place; returns 1 for \N (NULL), else 0. */
int pf_pg_copy_unescape(char *s, size_t *len);
/* bytea's hex output ("\x4142") to bytes, in place; -1 when malformed. */
int pf_pg_bytea_decode(char *s, size_t *len);

#endif
