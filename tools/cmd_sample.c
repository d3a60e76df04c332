/*
 * prodfuzz sample: stream a sample of PostgreSQL rows through the
 * anonymizer into a corpus folder or a JSONL file.
 *
 * The database side is pf_pg (read-only snapshot, COPY streaming, SQLSTATE
 * classification); the privacy side is pf_anon (default-deny, keyed,
 * leak check). This file parses options, wires the two together, writes
 * the output atomically (pf_corpus / pf_tmpfile) and picks the exit code.
 * A failure, SIGINT or SIGTERM aborts the staging folder or temporary file,
 * so the previous corpus is left exactly as it was.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pf_anon.h"
#include "pf_buf.h"
#include "pf_corpus.h"
#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_json.h"
#include "pf_pg.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_sample = {"sample",
    "sample and anonymize PostgreSQL rows into a corpus",
    "usage: prodfuzz sample --db CONNINFO --table [SCHEMA.]TABLE [--table ...]\n"
    "         [--column COL] [--limit N] [--percent P [--method bernoulli|system]]\n"
    "         [--seed S] [--where SQL] [--follow-fks[=DEPTH]] [--policy FILE]\n"
    "         [--key-file FILE] [--no-verify] [--statement-timeout SECS]\n"
    "         [--bytea base64] [--jobs N] [--json] [--force]\n"
    "         [--format corpus|jsonl] --out DIR|FILE.jsonl\n"
    "\n"
    "Streams rows from a read-only snapshot (REPEATABLE READ, READ ONLY) and\n"
    "anonymizes every row before it touches disk (default-deny: every value\n"
    "is transformed unless --policy marks its path keep).\n"
    "\n"
    "  --db CONNINFO        libpq connection string or URI; without it the PG*\n"
    "                       environment variables and ~/.pgpass are used\n"
    "  --table T            table to sample (SQL name rules; repeatable: all\n"
    "                       tables come from one snapshot)\n"
    "  --column COL         the column's value is the document (json, jsonb,\n"
    "                       text; bytea decoded) instead of the whole row\n"
    "  --limit N            N random rows, the same rows for the same --seed\n"
    "  --percent P          TABLESAMPLE P percent (0 < P <= 100)\n"
    "  --method M           bernoulli (default, row level) or system (pages)\n"
    "  --seed S             sampling seed (integer, default 0)\n"
    "  --where SQL          a boolean SQL expression on the columns (every table)\n"
    "  --follow-fks[=DEPTH] also take the rows the sampled rows reference\n"
    "                       through foreign keys, DEPTH levels deep (1-5, default 1)\n"
    "  --policy FILE        anonymization policy (default: everything transformed)\n"
    "  --key-file FILE      secret key (or PRODFUZZ_KEY_FILE); without one a\n"
    "                       random key is used and the output is not repeatable\n"
    "  --no-verify          skip the leak check (on by default: exit 1 when an\n"
    "                       original value survives, nothing is written)\n"
    "  --statement-timeout SECS  per statement, default 300, 0 for none\n"
    "  --bytea base64       whole-row mode: bytea as base64 (default hex)\n"
    "  --jobs N             anonymizing threads (default: the online CPUs);\n"
    "                       the output and the leak check are the same for any N\n"
    "  --out DIR|FILE.jsonl corpus folder (SHA-1 names) or JSONL file; several\n"
    "                       tables (--table more than once, or --follow-fks)\n"
    "                       give one corpus per table, DIR/TABLE/, each with\n"
    "                       its own manifest\n"
    "  --format jsonl       DIR/TABLE.jsonl per table instead of corpus folders\n"
    "  --force              replace DIR even when it holds files its manifest\n"
    "                       does not list (a fuzzer's inputs): they are deleted\n"
    "                       (default: refused, exit 2)\n"
    "  --json               a JSON summary on stdout\n"
    "\n"
    "Exit: 0 ok, 1 an original value survived anonymization, 2 bad option,\n"
    "missing table or column, SQL error in --where, 3 connection,\n"
    "authentication, permission, timeout or I/O error; 130/143 interrupted.\n"
    "\n"
    "The corpus is production's: libFuzzer writes new inputs into the first\n"
    "folder it is given, so give it a working folder first and the corpus\n"
    "after it (read-only seeds): ./my_fuzzer work/ corpus/shop/orders/\n"
    "\n"
    "Example:\n"
    "  umask 077; head -c 32 /dev/urandom > prodfuzz.key\n"
    "  prodfuzz sample --db 'postgresql:///shop' --table orders --limit 1000 \\\n"
    "      --seed 7 --follow-fks --key-file prodfuzz.key --out corpus/shop\n"
    "  ls corpus/shop        # orders/ users/: one corpus per table\n"
    "  prodfuzz shape corpus/shop -o shapes    # shapes/orders.shape.json, ...\n",
    run};

enum {
    OPT_DB = CLI_OPT_FIRST_FREE,
    OPT_TABLE,
    OPT_COLUMN,
    OPT_LIMIT,
    OPT_PERCENT,
    OPT_METHOD,
    OPT_SEED,
    OPT_WHERE,
    OPT_FOLLOW,
    OPT_POLICY,
    OPT_KEY,
    OPT_NOVERIFY,
    OPT_TIMEOUT,
    OPT_OUT,
    OPT_JSON,
    OPT_BYTEA,
    OPT_JOBS,
    OPT_FORCE,
    OPT_FORMAT
};

static volatile sig_atomic_t g_sig;

static void on_signal(int s) { g_sig = s; }

#define MAX_TABLES 64
#define MAX_COUNTS (MAX_TABLES * 4) /* manifest entries: tables and followed FKs */

/* One table's output inside a per-table folder: its own corpus folder
 * (staged inside the folder's staging copy) or JSONL file. */
typedef struct tab_out {
    char label[200];
    char entry[256];   /* "orders" or "orders.jsonl" */
    pf_corpus corpus;  /* corpus format */
    FILE *fp;          /* jsonl format */
    char *path;        /* jsonl: the file in the staging folder */
    char sha1[41];     /* jsonl: the file's SHA-1, at commit */
    uint64_t rows, docs;
} tab_out;

typedef struct out_ctx {
    pf_anon_pool *pool;
    int jsonl;
    int per_table;     /* one corpus folder (or JSONL file) per table */
    pf_corpus corpus;  /* the folder (per-table: holds the tables) */
    pf_tmpfile tmp;
    tab_out tabs[MAX_COUNTS];
    int ntabs, last;
    pf_buf line;
    const pf_pg_col *col; /* column mode */
    uint64_t rows;        /* over all tables */
    uint64_t bytes_in;
    double t0;
    const char *phase;
} out_ctx;

/* A text value is handled as a JSON document only when it is an object
 * or an array; anything else is a bare text leaf. */
static int is_json_container(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    if (i == n || (s[i] != '{' && s[i] != '['))
        return 0;
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    int ok = pf_json_parse(&j, s, n, &e) == 0;
    pf_json_free(&j);
    return ok;
}

static int on_row(void *vctx, const pf_pg_table *t, uint64_t rowno, const char *data,
                  size_t len, pf_err *err)
{
    out_ctx *o = vctx;
    char label[300];
    snprintf(label, sizeof label, "%s row %llu%s", t->label, (unsigned long long)rowno,
             o->phase ? o->phase : "");
    int json = 1;
    if (o->col) {
        json = !strcmp(o->col->typname, "json") || !strcmp(o->col->typname, "jsonb") ||
               is_json_container(data, len);
    }
    /* anonymized on the pool's threads; emit_row gets it back in order */
    return pf_anon_pool_put(o->pool, !json, t->label, label, data, len, 0, err);
}

static int emit_row(void *vctx, const pf_anon_result *r, pf_err *err)
{
    out_ctx *o = vctx;
    if (r->rc < 0) {
        *err = *r->err;
        return pf_err_prefix(err, "%s", r->row);
    }
    o->rows++;
    o->bytes_in += r->in_len;
    tab_out *t = NULL;
    if (o->per_table) {
        if (o->last < o->ntabs && !strcmp(o->tabs[o->last].label, r->table))
            t = &o->tabs[o->last];
        for (int i = 0; !t && i < o->ntabs; i++)
            if (!strcmp(o->tabs[i].label, r->table)) {
                t = &o->tabs[i];
                o->last = i;
            }
        if (!t)
            return pf_err_set(err, PF_E_INTERNAL, "a row of %s, a table without an output",
                              r->table);
        t->rows++;
    }
    if (o->jsonl) {
        pf_buf_reset(&o->line);
        if (!r->text) {
            /* Raw line breaks can only be whitespace between JSON tokens
             * (a json column keeps the application's formatting): a space
             * keeps the document equal and the line whole. */
            pf_buf_add(&o->line, r->out, r->out_len);
            for (int k = 0; k < 2 && o->line.len; k++) {
                char *p = o->line.data, *end = p + o->line.len;
                while ((p = memchr(p, k ? '\r' : '\n', (size_t)(end - p))) != NULL)
                    *p++ = ' ';
            }
        } else {
            pf_buf_add_json_str(&o->line, r->out, r->out_len);
        }
        pf_buf_addc(&o->line, '\n');
        if (pf_buf_ok(&o->line, err) < 0 ||
            pf_fs_fwrite(t ? t->fp : o->tmp.fp, o->line.data, o->line.len,
                         "writing the JSONL output", err) < 0)
            return -1;
        if (t)
            t->docs++;
    } else if (pf_corpus_add(t ? &t->corpus : &o->corpus, r->out, r->out_len, NULL, err) < 0) {
        return -1;
    }
    if (pf_cli_g.progress) {
        double el = cli_now() - o->t0;
        cli_progress("sample: %s: %llu rows, %.0f rows/s, %.1f MB, %.1fs", r->table,
                     (unsigned long long)o->rows, el > 0 ? (double)o->rows / el : 0.0,
                     (double)o->bytes_in / 1e6, el);
    }
    return 0;
}

typedef struct opts {
    char *db;
    const char *tables[MAX_TABLES];
    int ntables;
    pf_pg_sample s;
    int follow;
    const char *policy;
    const char *keyfile;
    int verify;
    long timeout_ms;
    const char *out;
    int json;
    int jobs;
    int percent_set, method_set;
    int force;
    int format; /* 0 from --out's name, 1 corpus, 2 jsonl */
} opts;

typedef struct table_count {
    const char *label;
    uint64_t rows;
    uint64_t nulls;
    int parent;
    int estimate;
} table_count;

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Per-table output: make sure table label has its own corpus folder or
 * JSONL file in the staging folder before its first row arrives. */
static int tab_open(out_ctx *o, const char *label, pf_err *err)
{
    if (!o->per_table)
        return 0;
    for (int i = 0; i < o->ntabs; i++)
        if (!strcmp(o->tabs[i].label, label))
            return 0;
    if (o->ntabs >= MAX_COUNTS)
        return pf_err_set(err, PF_E_USAGE, "more than %d tables to write", MAX_COUNTS);
    tab_out *t = &o->tabs[o->ntabs];
    memset(t, 0, sizeof *t);
    snprintf(t->label, sizeof t->label, "%s", label);
    char base[200];
    pf_corpus_table_entry(label, base, sizeof base);
    /* two labels that read the same once made a file name ("a/b", "a_b") */
    for (int k = 1;; k++) {
        if (k == 1)
            snprintf(t->entry, sizeof t->entry, "%s%s", base, o->jsonl ? ".jsonl" : "");
        else
            snprintf(t->entry, sizeof t->entry, "%s~%d%s", base, k, o->jsonl ? ".jsonl" : "");
        int clash = 0;
        for (int i = 0; i < o->ntabs; i++)
            clash |= !strcmp(o->tabs[i].entry, t->entry);
        if (!clash)
            break;
    }
    pf_buf p = PF_BUF_INIT;
    pf_buf_addf(&p, "%s/%s", o->corpus.stage, t->entry);
    if (pf_buf_ok(&p, err) < 0)
        return -1;
    int rc = 0;
    if (o->jsonl) {
        t->path = pf_buf_detach(&p, NULL);
        t->fp = t->path ? fopen(t->path, "wx") : NULL;
        if (!t->fp)
            rc = pf_err_errno(err, errno, "cannot create %s in %s", t->entry, o->corpus.dir);
    } else {
        rc = pf_corpus_open(&t->corpus, p.data, 0, err);
    }
    pf_buf_free(&p);
    o->ntabs++; /* even on failure: abort_output cleans it */
    return rc;
}

static void count_add(table_count *counts, int *ncounts, const char *label,
                      const pf_pg_stats *st, int depth)
{
    /* labels must outlive the tables loaded while following keys */
    static char pool[MAX_COUNTS][200];
    if (*ncounts >= MAX_COUNTS)
        return;
    table_count *c = &counts[*ncounts];
    snprintf(pool[*ncounts], sizeof pool[0], "%s", label);
    c->label = pool[*ncounts];
    c->rows = st->rows;
    c->nulls = st->nulls;
    c->parent = depth;
    c->estimate = st->used_estimate;
    (*ncounts)++;
}

/* Stream the rows of every table that the rows of rows_sql (of table t)
 * reference through a foreign key, then theirs, depth levels deep. */
static int follow_fks(pf_pg *pg, const opts *op, const pf_pg_table *t,
                      const char *rows_sql, int depth, out_ctx *o,
                      table_count *counts, int *ncounts, pf_err *err)
{
    if (depth > op->follow)
        return 0;
    pf_pg_sample whole = op->s;
    whole.column = NULL;
    for (int f = 0; f < t->nfks; f++) {
        pf_pg_table parent;
        pf_buf sql = PF_BUF_INIT;
        int rc = pf_pg_table_load_oid(pg, t->fks[f].parent, &parent, err);
        if (rc == 0)
            rc = pf_pg_parents_sql(pg, &t->fks[f], &parent, rows_sql, &sql, err);
        if (rc == 0) {
            pf_pg_stats ps = {0, 0, 0, 0};
            char phase[300], what[300];
            snprintf(phase, sizeof phase, " (referenced by %s)", t->label);
            snprintf(what, sizeof what, "following foreign keys of %s to %s", t->label,
                     parent.label);
            o->phase = phase;
            rc = tab_open(o, parent.label, err);
            if (rc == 0)
                rc = pf_pg_stream_rows(pg, &parent, sql.data, &whole, what, on_row, o, &ps,
                                       err);
            o->phase = NULL;
            if (rc == 0) {
                count_add(counts, ncounts, parent.label, &ps, depth);
                rc = follow_fks(pg, op, &parent, sql.data, depth + 1, o, counts, ncounts,
                                err);
            }
        }
        pf_buf_free(&sql);
        pf_pg_table_free(&parent);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* One attempt: sample every table into a fresh output. On success the
 * output is still open (committed by the caller after the leak check). */
static int sample_all(pf_pg *pg, const opts *op, pf_pg_table *tabs, out_ctx *o,
                      table_count *counts, int *ncounts, pf_err *err)
{
    *ncounts = 0;
    for (int i = 0; i < op->ntables; i++) {
        pf_pg_sample s = op->s;
        pf_buf inner = PF_BUF_INIT;
        pf_pg_stats st = {0, 0, 0, 0};
        int est = 0;
        char what[300];
        snprintf(what, sizeof what, "sampling %s", tabs[i].label);
        /* Column mode: each table's own column of that name. */
        o->col = s.column ? pf_pg_table_col(&tabs[i], s.column) : NULL;
        o->phase = NULL;
        int rc = tab_open(o, tabs[i].label, err);
        if (rc == 0)
            rc = pf_pg_sample_sql(pg, &tabs[i], &s, &inner, &est, err);
        if (rc == 0)
            rc = pf_pg_stream_rows(pg, &tabs[i], inner.data, &s, what, on_row, o, &st, err);
        if (rc == 0) {
            st.used_estimate = est;
            count_add(counts, ncounts, tabs[i].label, &st, 0);
            if (op->follow)
                rc = follow_fks(pg, op, &tabs[i], inner.data, 1, o, counts, ncounts, err);
        }
        pf_buf_free(&inner);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int open_output(out_ctx *o, const opts *op, pf_err *err)
{
    o->ntabs = o->last = 0;
    if (o->jsonl && !o->per_table) {
        /* Like a corpus folder, a JSONL file gets its parent folders. */
        const char *out = op->out;
        const char *slash = strrchr(out, '/');
        if (slash && slash != out) {
            char *parent = strndup(out, (size_t)(slash - out));
            if (!parent)
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            int rc = pf_fs_mkdirs(parent, 0755, err);
            free(parent);
            if (rc < 0)
                return -1;
        }
        return pf_tmpfile_open(&o->tmp, out, 0600, err);
    }
    return pf_corpus_open(&o->corpus, op->out, op->force ? PF_CORPUS_FORCE : 0, err);
}

static void abort_output(out_ctx *o)
{
    for (int i = 0; i < o->ntabs; i++) {
        tab_out *t = &o->tabs[i];
        if (t->fp)
            fclose(t->fp);
        t->fp = NULL;
        free(t->path);
        t->path = NULL;
        if (t->corpus.stage)
            pf_corpus_abort(&t->corpus);
    }
    o->ntabs = 0;
    if (o->jsonl && !o->per_table) {
        if (o->tmp.fp || o->tmp.tmp)
            pf_tmpfile_abort(&o->tmp);
    } else if (o->corpus.stage) {
        pf_corpus_abort(&o->corpus);
    }
}

/* The manifest (pf_corpus writes it): the source, the sampling settings,
 * counts and times; pf_corpus adds files, key fingerprint and names. */
/* tab: one table's manifest in a per-table output (NULL: the output's
 * own, which lists the tables' corpora when per table). */
static int build_manifest(pf_buf *text, const opts *op, const table_count *counts,
                          int n, const out_ctx *o, const tab_out *tab, const pf_key *key,
                          const char *digest, const char *started, double secs,
                          pf_pg *pg, pf_err *err)
{
    static const char *mnames[] = {"all", "bernoulli", "system"};
    char fin[32];
    cli_iso_now(fin, sizeof fin);
    pf_manifest man;
    pf_manifest_init(&man, "sample");
    pf_buf *m = &man.body;
    pf_buf_adds(m, "\"source\":{\"kind\":\"postgresql\",\"database\":");
    const char *db = pf_pg_dbname(pg);
    pf_buf_add_json_str(m, db, strlen(db));
    pf_buf_addf(m, ",\"server_version\":%d,\"tables\":[", pf_pg_server_version(pg));
    for (int i = 0; i < n; i++) {
        pf_buf_adds(m, i ? ",{\"table\":" : "{\"table\":");
        pf_buf_add_json_str(m, counts[i].label, strlen(counts[i].label));
        pf_buf_addf(m, ",\"rows\":%llu,\"followed_fk\":%s", (unsigned long long)counts[i].rows,
                    counts[i].parent ? "true" : "false");
        if (counts[i].parent)
            pf_buf_addf(m, ",\"fk_depth\":%d", counts[i].parent);
        if (op->s.column)
            pf_buf_addf(m, ",\"null_values_skipped\":%llu", (unsigned long long)counts[i].nulls);
        if (counts[i].estimate)
            pf_buf_adds(m, ",\"limit_from_tablesample_estimate\":true");
        pf_buf_addc(m, '}');
    }
    pf_buf_adds(m, "],\"column\":");
    if (op->s.column)
        pf_buf_add_json_str(m, op->s.column, strlen(op->s.column));
    else
        pf_buf_adds(m, "null");
    pf_buf_addf(m, ",\"method\":\"%s\"", mnames[op->s.method]);
    if (op->s.method != PF_PG_ALL)
        pf_buf_addf(m, ",\"percent\":%.17g", op->s.percent);
    else
        pf_buf_adds(m, ",\"percent\":null");
    pf_buf_addf(m, ",\"seed\":%lld", (long long)op->s.seed);
    if (op->s.limit)
        pf_buf_addf(m, ",\"limit\":%llu", (unsigned long long)op->s.limit);
    else
        pf_buf_adds(m, ",\"limit\":null");
    /* --where may hold a production value (email = '...'): only a digest. */
    if (op->s.where) {
        char h[65];
        pf_err e = PF_ERR_INIT;
        if (pf_sha256_hex(op->s.where, strlen(op->s.where), h, &e) == 0)
            pf_buf_addf(m, ",\"where_sha256\":\"%s\"", h);
    }
    pf_buf_addf(m, ",\"follow_fks\":%d,\"bytea\":\"%s\"},", op->follow,
                op->s.bytea_base64 ? "base64" : "hex");
    uint64_t docs = o->corpus.written;
    if (tab) {
        pf_buf_adds(m, "\"table\":");
        pf_buf_add_json_str(m, tab->label, strlen(tab->label));
        pf_buf_addc(m, ',');
    } else {
        for (int i = 0; i < o->ntabs; i++) {
            docs += o->tabs[i].docs;
            pf_manifest_add_corpus(&man, o->tabs[i].label, o->tabs[i].entry, o->jsonl,
                                   o->tabs[i].docs, o->tabs[i].sha1);
        }
    }
    pf_buf_addf(m, "\"rows\":%llu,\"documents\":%llu,",
                (unsigned long long)(tab ? tab->rows : o->rows),
                (unsigned long long)(tab ? tab->docs : docs));
    pf_buf_addf(m, "\"started\":\"%s\",\"finished\":\"%s\",\"seconds\":%.3f", started,
                fin, secs);
    pf_manifest_set_anon(&man, key->fingerprint, digest, PF_ANON_TRANSFORM_VERSION,
                         key->random, op->verify);
    int rc = pf_manifest_text(&man, tab ? &tab->corpus : &o->corpus, text, err);
    pf_manifest_free(&man);
    return rc;
}

/* Per-table output: each table's corpus gets its manifest and moves into
 * the staging folder (JSONL files are closed and hashed); the folder
 * itself is swapped in by the caller, so all tables appear at once. */
static int commit_tables(out_ctx *o, const opts *op, const table_count *counts, int n,
                         const pf_key *key, const char *digest, const char *started,
                         double secs, pf_pg *pg, pf_err *err)
{
    for (int i = 0; i < o->ntabs; i++) {
        tab_out *t = &o->tabs[i];
        if (o->jsonl) {
            FILE *fp = t->fp;
            t->fp = NULL;
            if (fclose(fp) != 0)
                return pf_err_errno(err, errno, "cannot write %s", t->entry);
            if (pf_sha1_file_hex(t->path, t->sha1, err) < 0)
                return -1;
            continue;
        }
        t->docs = t->corpus.written;
        pf_buf man = PF_BUF_INIT;
        int rc = build_manifest(&man, op, counts, n, o, t, key, digest, started, secs, pg, err);
        if (rc == 0)
            rc = pf_corpus_commit(&t->corpus, man.data, err);
        pf_buf_free(&man);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, opts *op, int *done)
{
    static const struct option lo[] = {
        {"db", required_argument, 0, OPT_DB},
        {"table", required_argument, 0, OPT_TABLE},
        {"column", required_argument, 0, OPT_COLUMN},
        {"limit", required_argument, 0, OPT_LIMIT},
        {"percent", required_argument, 0, OPT_PERCENT},
        {"method", required_argument, 0, OPT_METHOD},
        {"seed", required_argument, 0, OPT_SEED},
        {"where", required_argument, 0, OPT_WHERE},
        {"follow-fks", optional_argument, 0, OPT_FOLLOW},
        {"policy", required_argument, 0, OPT_POLICY},
        {"key-file", required_argument, 0, OPT_KEY},
        {"no-verify", no_argument, 0, OPT_NOVERIFY},
        {"statement-timeout", required_argument, 0, OPT_TIMEOUT},
        {"out", required_argument, 0, OPT_OUT},
        {"json", no_argument, 0, OPT_JSON},
        {"bytea", required_argument, 0, OPT_BYTEA},
        {"jobs", required_argument, 0, OPT_JOBS},
        {"force", no_argument, 0, OPT_FORCE},
        {"format", required_argument, 0, OPT_FORMAT},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_sample;
    int c;
    uint64_t u;
    double d;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            free(op->db);
            op->db = strdup(optarg);
            if (!op->db)
                return EXIT_ENV;
            if (pf_pg_conninfo_has_password(optarg) == 1) {
                cli_warn_db_password(1);
                /* Hide it from ps now that we have our copy. */
                memset(optarg, 'x', strlen(optarg));
            }
            break;
        case OPT_TABLE:
            if (op->ntables == MAX_TABLES)
                return cli_usage(cmd, "at most %d --table options", MAX_TABLES);
            op->tables[op->ntables++] = optarg;
            break;
        case OPT_COLUMN:
            op->s.column = optarg;
            break;
        case OPT_JOBS:
            if (cli_parse_u64(cmd, "--jobs", optarg, &u) < 0)
                return EXIT_USAGE;
            if (u < 1 || u > PF_ANON_MAX_JOBS)
                return cli_usage(cmd, "--jobs needs a number from 1 to %d", PF_ANON_MAX_JOBS);
            op->jobs = (int)u;
            break;
        case OPT_LIMIT:
            if (cli_parse_u64(cmd, "--limit", optarg, &u) < 0)
                return EXIT_USAGE;
            if (u == 0)
                return cli_usage(cmd, "--limit must be at least 1");
            op->s.limit = u;
            break;
        case OPT_PERCENT:
            if (cli_parse_double(cmd, "--percent", optarg, &d) < 0)
                return EXIT_USAGE;
            if (!(d > 0 && d <= 100))
                return cli_usage(cmd, "--percent must be in (0, 100], not '%s'", optarg);
            op->s.percent = d;
            op->percent_set = 1;
            break;
        case OPT_METHOD:
            if (!strcmp(optarg, "bernoulli"))
                op->s.method = PF_PG_BERNOULLI;
            else if (!strcmp(optarg, "system"))
                op->s.method = PF_PG_SYSTEM;
            else
                return cli_usage(cmd, "--method takes 'bernoulli' or 'system', not '%s'",
                                 optarg);
            op->method_set = 1;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            long long v = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || v < -2147483648LL || v > 2147483647LL)
                return cli_usage(cmd, "--seed takes an integer between -2^31 and "
                                 "2^31-1, not '%s'", optarg);
            op->s.seed = v;
            break;
        }
        case OPT_WHERE:
            op->s.where = optarg;
            break;
        case OPT_FOLLOW:
            op->follow = 1;
            if (optarg) {
                if (cli_parse_u64(cmd, "--follow-fks", optarg, &u) < 0)
                    return EXIT_USAGE;
                if (u < 1 || u > 5)
                    return cli_usage(cmd, "--follow-fks=DEPTH takes 1 to 5, not '%s'", optarg);
                op->follow = (int)u;
            }
            break;
        case OPT_POLICY:
            op->policy = optarg;
            break;
        case OPT_KEY:
            op->keyfile = optarg;
            break;
        case OPT_NOVERIFY:
            op->verify = 0;
            break;
        case OPT_TIMEOUT:
            if (cli_parse_double(cmd, "--statement-timeout", optarg, &d) < 0)
                return EXIT_USAGE;
            if (d < 0 || d > 86400.0 * 24)
                return cli_usage(cmd, "--statement-timeout: 0 to 24 days, not '%s'", optarg);
            op->timeout_ms = (long)(d * 1000.0 + 0.5);
            if (d > 0 && op->timeout_ms == 0)
                op->timeout_ms = 1;
            break;
        case OPT_OUT:
            op->out = optarg;
            break;
        case OPT_JSON:
            op->json = 1;
            break;
        case OPT_FORCE:
            op->force = 1;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "corpus"))
                op->format = 1;
            else if (!strcmp(optarg, "jsonl"))
                op->format = 2;
            else
                return cli_usage(cmd, "--format takes 'corpus' or 'jsonl', not '%s'", optarg);
            break;
        case OPT_BYTEA:
            if (!strcmp(optarg, "base64"))
                op->s.bytea_base64 = 1;
            else if (!strcmp(optarg, "hex"))
                op->s.bytea_base64 = 0;
            else
                return cli_usage(cmd, "--bytea takes 'hex' or 'base64', not '%s'", optarg);
            break;
        case '?':
            return cli_bad_option(cmd);
        default: {
            int r = cli_common_opt(cmd, c, optarg);
            if (r > 0) {
                *done = 1;
                return 0;
            }
            if (r < 0)
                return EXIT_USAGE;
        }
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!op->ntables)
        return cli_usage(cmd, "--table is required");
    if (!op->out || !*op->out)
        return cli_usage(cmd, "--out DIR or --out FILE.jsonl is required");
    if (op->method_set && !op->percent_set)
        return cli_usage(cmd, "--method needs --percent");
    if (op->percent_set && !op->method_set)
        op->s.method = PF_PG_BERNOULLI;
    if (op->follow && op->s.column)
        return cli_usage(cmd, "--follow-fks works on whole rows, not with --column");
    if (op->format != 1 && ends_with(op->out, ".jsonl") && (op->ntables > 1 || op->follow))
        return cli_usage(cmd, "several tables (--table given more than once, or "
                         "--follow-fks) give one output per table, not one JSONL file: "
                         "use --out DIR (a corpus folder per table, DIR/TABLE/) or --out "
                         "DIR --format jsonl (DIR/TABLE.jsonl)");
    if (op->s.column && op->s.bytea_base64)
        return cli_usage(cmd, "--bytea applies to whole rows; --column decodes bytea");
    return 0;
}

/* Sample every table through the anonymizer pool into the staged output.
 * A standby's recovery conflict cancels the query: the output is dropped
 * and the run starts again on a fresh snapshot, three times at most. On
 * success *anon is the engine (for the leak check); *opened says whether
 * the staged output is still open (the caller aborts it on failure). */
static int sample_with_retries(pf_pg *pg, const opts *op, pf_pg_table *tabs, out_ctx *o,
                               const pf_key *key, pf_policy *policy, table_count *counts,
                               int *ncounts, int *opened, pf_anon **anon, pf_err *err)
{
    for (int attempt = 1;; attempt++) {
        if (pf_anon_pool_new(&o->pool, key, policy, op->verify, op->jobs, emit_row, o, err) < 0)
            return -1;
        o->rows = 0;
        o->bytes_in = 0;
        o->t0 = cli_now();
        if (open_output(o, op, err) < 0)
            return -1;
        *opened = 1;
        int rc = sample_all(pg, op, tabs, o, counts, ncounts, err);
        if (rc == 0) {
            /* the rows still on the workers; a failure here is not the
             * database's, so not retried */
            if (pf_anon_pool_flush(o->pool, err) < 0)
                return -1;
            *anon = pf_anon_pool_engine(o->pool);
            return 0;
        }
        abort_output(o);
        *opened = 0;
        pf_anon_pool_free(o->pool);
        o->pool = NULL;
        if (!pf_pg_retryable(pg) || attempt >= 3 || g_sig)
            return -1;
        cli_warn("the query was cancelled by a conflict with recovery on the standby "
                 "(SQLSTATE %s); retrying on a fresh snapshot (%d of 3)",
                 pf_pg_sqlstate(pg), attempt + 1);
        pf_err_clear(err);
        if (pf_pg_restart(pg, err) < 0)
            return -1;
    }
}

/* What the run did: one JSON object on stdout with --json, else a line
 * per table on stderr. */
static void print_summary(const opts *op, const out_ctx *o, const pf_buf *man,
                          const pf_key *key, const char *digest, double secs)
{
    if (op->json) {
        pf_buf j = PF_BUF_INIT;
        pf_buf_adds(&j, "{\"ok\":true,\"out\":");
        pf_buf_add_json_str(&j, op->out, strlen(op->out));
        pf_buf_addf(&j, ",\"format\":\"%s\",\"per_table\":%s,\"rows\":%llu",
                    o->jsonl ? "jsonl" : "corpus", o->per_table ? "true" : "false",
                    (unsigned long long)o->rows);
        if (!o->jsonl || o->per_table) {
            uint64_t docs = o->corpus.written, dups = o->corpus.duplicates;
            for (int i = 0; i < o->ntabs; i++) {
                docs += o->tabs[i].docs;
                dups += o->tabs[i].corpus.duplicates;
            }
            pf_buf_addf(&j, ",\"documents\":%llu,\"duplicates\":%llu",
                        (unsigned long long)docs, (unsigned long long)dups);
        }
        pf_buf_addf(&j, ",\"seconds\":%.3f,\"rows_per_second\":%.0f,\"leaks\":0,"
                    "\"key_fingerprint\":\"%s\",\"policy_digest\":\"%s\",\"manifest\":",
                    secs, secs > 0 ? (double)o->rows / secs : 0.0, key->fingerprint, digest);
        pf_buf_add(&j, man->data, man->len ? man->len - 1 : 0);
        pf_buf_adds(&j, "}\n");
        fwrite(j.data, 1, j.len, stdout);
        pf_buf_free(&j);
    } else if (!pf_cli_g.quiet) {
        cli_info("sampled %llu rows into %s in %.1fs", (unsigned long long)o->rows, op->out,
                 secs);
        for (int i = 0; o->per_table && i < o->ntabs; i++)
            cli_info("  %s: %llu rows, %llu documents -> %s/%s", o->tabs[i].label,
                     (unsigned long long)o->tabs[i].rows, (unsigned long long)o->tabs[i].docs,
                     op->out, o->tabs[i].entry);
    }
}

static int run(int argc, char **argv)
{
    opts op;
    memset(&op, 0, sizeof op);
    op.verify = 1;
    op.jobs = pf_anon_default_jobs();
    op.timeout_ms = 300000;
    int done = 0;
    int rc = parse(argc, argv, &op, &done);
    if (rc || done) {
        free(op.db);
        return rc;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    pf_err err = PF_ERR_INIT;
    pf_key key;
    memset(&key, 0, sizeof key);
    pf_policy *policy = NULL;
    pf_anon *anon = NULL;
    pf_pg *pg = NULL;
    pf_pg_table tabs[MAX_TABLES];
    int ntabs = 0;
    out_ctx o;
    memset(&o, 0, sizeof o);
    pf_buf_init(&o.line);
    int one_jsonl = op.format != 1 && ends_with(op.out, ".jsonl");
    o.jsonl = one_jsonl || op.format == 2;
    o.per_table = !one_jsonl && (op.ntables > 1 || op.follow || op.format == 2);
    table_count counts[MAX_COUNTS];
    int ncounts = 0;
    pf_buf man = PF_BUF_INIT;
    int opened = 0, exitc = 0;
    char started[32];
    cli_iso_now(started, sizeof started);

    if (!one_jsonl && pf_corpus_check_target(op.out, op.force ? PF_CORPUS_FORCE : 0, &err) < 0)
        goto fail;
    const char *keyfile = op.keyfile ? op.keyfile : getenv("PRODFUZZ_KEY_FILE");
    if (keyfile && *keyfile) {
        if (pf_key_load(keyfile, &key, &err) < 0)
            goto fail;
    } else {
        if (pf_key_random(&key, &err) < 0)
            goto fail;
        cli_warn("no --key-file or PRODFUZZ_KEY_FILE: using a random key for this run "
                 "(the output is not repeatable and will not join with other runs)");
    }
    if ((op.policy ? pf_policy_load(op.policy, &policy, &err)
                   : pf_policy_default(&policy, &err)) < 0)
        goto fail;
    char digest[65];
    pf_policy_digest(policy, digest);

    if (pf_pg_connect(&pg, op.db, op.timeout_ms, &g_sig, &err) < 0)
        goto fail;
    for (int i = 0; i < op.ntables; i++) {
        if (pf_pg_table_load(pg, op.tables[i], &tabs[ntabs], &err) < 0) {
            pf_pg_table_free(&tabs[ntabs]);
            goto fail;
        }
        ntabs++;
        if (tabs[ntabs - 1].row_security)
            cli_warn("table %s has row level security for this role: only the rows "
                     "its policies let the role see are sampled", tabs[ntabs - 1].label);
        if (op.percent_set && (tabs[ntabs - 1].relkind == 'v' ||
                               tabs[ntabs - 1].relkind == 'f')) {
            /* said before any row is read, not as the server's error
             * halfway through a run of several tables */
            pf_err_set(&err, PF_E_USAGE, "--percent samples with TABLESAMPLE, which works on "
                       "tables and materialized views; %s is a %s: use --limit N "
                       "(random rows, reproducible per --seed)", tabs[ntabs - 1].label,
                       tabs[ntabs - 1].relkind == 'v' ? "view" : "foreign table");
            goto fail;
        }
        if (op.s.column && !pf_pg_table_col(&tabs[ntabs - 1], op.s.column)) {
            pf_err_set(&err, PF_E_INPUT, "column \"%.200s\" does not exist in table %s",
                       op.s.column, tabs[ntabs - 1].label);
            goto fail;
        }
    }

    double t0 = cli_now();
    if (sample_with_retries(pg, &op, tabs, &o, &key, policy, counts, &ncounts, &opened,
                            &anon, &err) < 0)
        goto fail;
    cli_progress_done();
    double secs = cli_now() - t0;

    if (op.verify && pf_anon_leaks(anon) > 0) {
        abort_output(&o);
        opened = 0;
        cli_error("leak check: %llu original value(s) survived anonymization; nothing "
                  "was written. Where (path, row):", (unsigned long long)pf_anon_leaks(anon));
        fputs(pf_anon_leak_report(anon), stderr);
        exitc = EXIT_FINDINGS;
        goto out;
    }
    if (g_sig) {
        pf_err_set(&err, PF_E_ENV, "interrupted");
        goto fail;
    }
    if (commit_tables(&o, &op, counts, ncounts, &key, digest, started, secs, pg, &err) < 0)
        goto fail;
    if (build_manifest(&man, &op, counts, ncounts, &o, NULL, &key, digest, started, secs, pg,
                       &err) < 0)
        goto fail;
    if (o.jsonl && !o.per_table) {
        if (pf_tmpfile_commit(&o.tmp, &err) < 0)
            goto fail;
    } else if (pf_corpus_commit(&o.corpus, man.data, &err) < 0) {
        goto fail;
    }
    opened = 0;
    print_summary(&op, &o, &man, &key, digest, secs);
    goto out;

fail:
    cli_progress_done();
    if (opened)
        abort_output(&o);
    opened = 0;
    if (g_sig) {
        cli_error("interrupted: %s; the previous output is untouched",
                  g_sig == SIGINT ? "SIGINT" : "SIGTERM");
        exitc = g_sig == SIGINT ? 130 : 143;
    } else {
        exitc = cli_fail(&err);
    }
out:
    for (int i = 0; i < o.ntabs; i++)
        free(o.tabs[i].path); /* committed: the files are in place */
    pf_buf_free(&man);
    pf_buf_free(&o.line);
    pf_anon_pool_free(o.pool);
    pf_pg_close(pg);
    for (int i = 0; i < ntabs; i++)
        pf_pg_table_free(&tabs[i]);
    pf_policy_free(policy);
    pf_key_wipe(&key);
    free(op.db);
    return exitc;
}
