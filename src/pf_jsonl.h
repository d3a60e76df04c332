/*
 * pf_jsonl: read JSON Lines one document at a time.
 *
 * Memory is bounded by the largest line (never the file), and a line
 * longer than max_doc is an error reported without buffering it. Handles a
 * UTF-8 BOM at the start, CRLF line ends, a missing final newline and empty
 * (or whitespace-only) lines, which are skipped. A NUL byte in a line is an
 * error for that line. Errors name the file, line number and byte offset
 * of the line's start, never the content.
 *
 * After a line error, pf_jsonl_next can be called again: the reader has
 * already moved past that line (so --skip-bad can count and go on).
 */
#ifndef PF_JSONL_H
#define PF_JSONL_H

#include <stdint.h>
#include <stdio.h>

#include "pf_buf.h"
#include "pf_err.h"

#define PF_DEFAULT_MAX_DOC ((size_t)256 << 20)

typedef struct pf_jsonl {
    FILE *fp;
    int own_fp;
    char name[256];    /* for messages */
    size_t max_doc;
    pf_buf line;
    char *rbuf;        /* read buffer */
    size_t rpos, rlen;
    int eof;
    uint64_t lineno;   /* 1-based number of the line last returned */
    uint64_t offset;   /* byte offset of the start of that line */
    uint64_t consumed; /* bytes consumed from the stream so far */
    int io_error;      /* a read error is fatal, not a bad line */
} pf_jsonl;

/* path "-" or NULL means stdin. max_doc 0 means PF_DEFAULT_MAX_DOC. */
int pf_jsonl_open(pf_jsonl *r, const char *path, size_t max_doc, pf_err *err);
int pf_jsonl_from_fp(pf_jsonl *r, FILE *fp, const char *name, size_t max_doc,
                     pf_err *err);
/* 1: a line in *doc and *len (valid until the next call), 0: end of input,
 * -1: error (err filled; r->io_error says whether going on makes sense). */
int pf_jsonl_next(pf_jsonl *r, const char **doc, size_t *len, pf_err *err);
void pf_jsonl_close(pf_jsonl *r);

#endif
