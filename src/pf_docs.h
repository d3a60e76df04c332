/*
 * pf_docs: iterate over the documents of a list of inputs.
 *
 * An input is a corpus folder (each regular file not starting with '.' is
 * one document, read in name order so runs are reproducible), a JSONL file
 * (name ending in .jsonl or .ndjson, or "-" for stdin: one document per
 * line), or any other file (one document). Every document comes with its
 * origin ("file.jsonl:12", "corpus/3f2a...") for messages.
 */
#ifndef PF_DOCS_H
#define PF_DOCS_H

#include <stddef.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_jsonl.h"

typedef struct pf_docs {
    char **inputs;
    size_t ninputs, cur;
    size_t max_doc;
    int force_jsonl;   /* treat every plain file as JSONL */
    /* current input state */
    int mode;          /* 0 none, 1 jsonl, 2 folder, 3 single file */
    pf_jsonl jl;
    char **names;      /* folder entries */
    size_t nnames, ni;
    pf_buf doc;
    pf_buf origin;
} pf_docs;

int pf_docs_open(pf_docs *d, char **inputs, size_t n, size_t max_doc,
                 pf_err *err);
/* 1: a document, 0: no more, -1: error. A bad JSONL line (too long, NUL)
 * is an error whose pf_docs_next call may be repeated (d->jl.io_error 0). */
int pf_docs_next(pf_docs *d, const char **doc, size_t *len, pf_err *err);
const char *pf_docs_origin(const pf_docs *d);
void pf_docs_close(pf_docs *d);
/* Is this input read as JSONL? */
int pf_docs_is_jsonl(const char *path);

#endif
