/*
 * test_fault_pg_catalog: reading a table's catalog (columns, comments,
 * primary key, foreign keys, statistics) from a real PostgreSQL, with the
 * Nth allocation of prodfuzz failing, for every N (pf_fault.h; libpq's own
 * allocations are not wrapped: it is the server's answer that prodfuzz
 * copies). At every N: a clean PF_E_NOMEM, never a crash, never a table
 * that loaded "successfully" with a name lost (an unchecked strdup once
 * put a NULL primary-key column name into the key's SQL), and no leak
 * (LeakSanitizer at exit).
 *
 * The server is a throwaway one from tests/lib/pg.sh, started by a bash
 * child that stops it when this process's end closes its stdin (so also
 * after a crash). Skips when PostgreSQL cannot be started here.
 */
#include "pf_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pf_fault.h"
#include "pf_pg.h"

/* The tables: a composite primary key, a composite foreign key, comments,
 * a domain over text, statistics. */
static const char SCHEMA_SQL[] =
    "CREATE DOMAIN email AS text;"
    "CREATE TABLE customer (region int, cust_no int, name text NOT NULL,"
    " PRIMARY KEY (region, cust_no));"
    "CREATE TABLE \"Order Lines\" (order_id bigint, line int, region int, cust_no int,"
    " contact email, note text, total numeric(12,2),"
    " PRIMARY KEY (order_id, line),"
    " FOREIGN KEY (region, cust_no) REFERENCES customer (region, cust_no));"
    "COMMENT ON TABLE \"Order Lines\" IS 'one row per order line';"
    "COMMENT ON COLUMN \"Order Lines\".note IS 'free text from the shop';"
    "INSERT INTO customer SELECT r, c, 'n' || c FROM generate_series(1, 3) r,"
    " generate_series(1, 20) c;"
    "INSERT INTO \"Order Lines\" SELECT i, 1, 1 + i % 3, 1 + i % 20, 'a@b', NULL, i"
    " FROM generate_series(1, 200) i;"
    "ANALYZE;";

static pid_t server_pid = -1;
static int server_stdin = -1;

/* Start the server: the child prints "PGHOST PGPORT" once it is up. */
static int start_server(void **state)
{
    (void)state;
    const char *root = getenv("PF_ROOT");
    char script[2048];
    snprintf(script, sizeof script,
             "cd '%s' && . tests/lib/pg.sh && pg_start >/dev/null 2>&1 &&"
             " \"$PG_BIN/psql\" -qX -v ON_ERROR_STOP=1 -c \"$PF_SCHEMA_SQL\" >/dev/null &&"
             " echo \"$PGHOST $PGPORT\" && read -r _",
             root ? root : ".");
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    setenv("PF_SCHEMA_SQL", SCHEMA_SQL, 1);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl("/bin/bash", "bash", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_pid = pid;
    server_stdin = in[1];
    char line[1024];
    FILE *f = fdopen(out[0], "r");
    int ok = f && fgets(line, sizeof line, f) != NULL;
    if (f)
        fclose(f);
    char host[1000];
    int port = 0;
    if (!ok || sscanf(line, "%999s %d", host, &port) != 2)
        return 0; /* no server: the tests skip */
    setenv("PGHOST", host, 1);
    char p[16];
    snprintf(p, sizeof p, "%d", port);
    setenv("PGPORT", p, 1);
    setenv("PGUSER", "postgres", 1);
    setenv("PGDATABASE", "postgres", 1);
    return 0;
}

static int stop_server(void **state)
{
    (void)state;
    if (server_stdin >= 0)
        close(server_stdin); /* its `read` ends; pg.sh's trap stops the server */
    if (server_pid > 0)
        waitpid(server_pid, NULL, 0);
    return 0;
}

static void need_server(void)
{
    if (!getenv("PGPORT") || !getenv("PGHOST") || access(getenv("PGHOST"), F_OK) != 0) {
        print_message("PostgreSQL could not be started here (tests/lib/pg.sh)\n");
        skip();
    }
}

/* ---- connecting ---- */

static int run_connect(void *ctx, pf_err *err)
{
    (void)ctx;
    pf_pg *pg = NULL;
    int rc = pf_pg_connect(&pg, NULL, 10000, NULL, err);
    pf_pg_close(pg);
    return rc;
}

static void connect_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    need_server();
    assert_true(pf_fault_each_allocation("pf_pg_connect", run_connect, NULL) > 0);
}

/* ---- the catalog ---- */

/* A loaded table is the whole table: every name there, none lost. */
static void assert_order_lines(const pf_pg_table *t)
{
    static const char *const cols[] = {"order_id", "line", "region", "cust_no",
                                       "contact", "note", "total"};
    assert_string_equal(t->name, "Order Lines");
    assert_string_equal(t->schema, "public");
    assert_string_equal(t->label, "Order Lines");
    assert_string_equal(t->qname, "\"public\".\"Order Lines\"");
    assert_string_equal(t->comment, "one row per order line");
    assert_int_equal(t->ncols, 7);
    for (int i = 0; i < 7; i++) {
        assert_string_equal(t->cols[i].name, cols[i]);
        assert_non_null(t->cols[i].type);
        assert_non_null(t->cols[i].typname);
    }
    assert_string_equal(t->cols[4].typname, "text"); /* the domain's base type */
    assert_string_equal(t->cols[5].comment, "free text from the shop");
    assert_null(t->cols[0].comment);
    assert_string_equal(t->cols[6].type, "numeric(12,2)");
    assert_int_equal(t->npk, 2);
    assert_string_equal(t->pk[0], "order_id");
    assert_string_equal(t->pk[1], "line");
    assert_int_equal(t->nfks, 1);
    assert_int_equal(t->fks[0].n, 2);
    assert_string_equal(t->fks[0].cols[0], "region");
    assert_string_equal(t->fks[0].cols[1], "cust_no");
    assert_string_equal(t->fks[0].pcols[0], "region");
    assert_string_equal(t->fks[0].pcols[1], "cust_no");
}

typedef struct cat {
    pf_pg *pg;
    int with_stats;
} cat;

static int run_table_load(void *ctx, pf_err *err)
{
    cat *c = ctx;
    pf_pg_table t;
    int rc = pf_pg_table_load(c->pg, "\"Order Lines\"", &t, err);
    if (rc == 0 && c->with_stats)
        rc = pf_pg_table_stats(c->pg, &t, err);
    pf_fault_disarm();
    if (rc == 0) {
        assert_order_lines(&t);
        if (c->with_stats) /* 200 rows, 20 customers: ANALYZE saw them */
            assert_true(t.cols[3].n_distinct > 0);
    }
    pf_pg_table_free(&t); /* also after a failure half-way: no leak */
    return rc;
}

static void catalog_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    need_server();
    cat c = {0};
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_pg_connect(&c.pg, NULL, 10000, NULL, &e), 0);
    /* columns, comments, two key columns, a two-column foreign key */
    assert_true(pf_fault_each_allocation("pf_pg_table_load", run_table_load, &c) > 20);
    c.with_stats = 1;
    assert_true(pf_fault_each_allocation("pf_pg_table_load + pf_pg_table_stats", run_table_load, &c) > 20);
    pf_pg_close(c.pg);
}

/* Following a foreign key loads the parent by oid, as sample --follow-fks
 * does. */
static int run_parent_load(void *ctx, pf_err *err)
{
    cat *c = ctx;
    pf_pg_table child, parent;
    int rc = pf_pg_table_load(c->pg, "\"Order Lines\"", &child, err);
    if (rc == 0)
        rc = pf_pg_table_load_oid(c->pg, child.fks[0].parent, &parent, err);
    else
        memset(&parent, 0, sizeof parent);
    pf_fault_disarm();
    if (rc == 0) {
        assert_string_equal(parent.name, "customer");
        assert_int_equal(parent.npk, 2);
        assert_string_equal(parent.pk[0], "region");
        assert_string_equal(parent.pk[1], "cust_no");
        assert_int_equal(parent.ncols, 3);
        assert_string_equal(parent.cols[2].name, "name");
        assert_true(parent.cols[2].notnull);
    }
    pf_pg_table_free(&parent);
    pf_pg_table_free(&child);
    return rc;
}

static void following_a_key_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    need_server();
    cat c = {0};
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_pg_connect(&c.pg, NULL, 10000, NULL, &e), 0);
    assert_true(pf_fault_each_allocation("pf_pg_table_load_oid", run_parent_load, &c) > 20);
    pf_pg_close(c.pg);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connect_fails_cleanly_at_every_allocation),
        cmocka_unit_test(catalog_fails_cleanly_at_every_allocation),
        cmocka_unit_test(following_a_key_fails_cleanly_at_every_allocation),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
