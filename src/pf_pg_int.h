/*
 * pf_pg_int: what the pf_pg*.c files share; not part of the library API.
 */
#ifndef PF_PG_INT_H
#define PF_PG_INT_H

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>

#include "pf_pg.h"

struct pf_pg {
    PGconn *conn;
    char *password; /* from the conninfo, only to scrub messages */
    volatile sig_atomic_t *interrupt;
    char sqlstate[6];
    int retryable;
    int connected;
};

/* Fill err from res (or the connection) by SQLSTATE; returns -1. */
int pf_pg_fail(pf_pg *pg, PGresult *res, const char *what, pf_err *err);
/* Extended protocol, one statement, text results; NULL on error. */
PGresult *pf_pg_exec(pf_pg *pg, const char *sql, int nparams,
                     const char *const *params, const char *what, pf_err *err);
int pf_pg_wait(pf_pg *pg, const char *what, pf_err *err);
/* Wait for the socket (200 ms), or fail when interrupted. */
int pf_pg_poll(pf_pg *pg, const char *what, pf_err *err);
/* PQescapeIdentifier into malloc'd memory. */
char *pf_pg_ident(pf_pg *pg, const char *name, pf_err *err);

#endif
