/*
 * pf_seed: regression fixtures from a production snapshot (the library
 * side of `prodfuzz seed-tests`).
 *
 * Every input a target ran on (pf_inputs, pf_run) is offered to a fixture
 * set with its outcome. The set keeps one input per key, like a corpus
 * minimization keeps one input per coverage signature, and the smallest
 * input of each key:
 *
 *   key = outcome + (crash, oom, timeout: the crash signature)
 *                 + a document: its path signature
 *                   a mutant: its class and the path it changed (the
 *                   oversize city is not the production document whose
 *                   paths and types it shares)
 *
 * The path signature is the sorted set of "path:kind" pairs of every value
 * in the document (pf_json_walk; array elements share "[*]", so one more
 * line item does not make a new fixture); text that is not JSON signs as
 * "not-json". Inputs added with keep (reproducers of nightly findings)
 * are never merged away.
 *
 * pf_seed_write lays the set out in a folder (pf_seed_write.c): fixtures/
 * with each input (and its recorded output), fixtures.json (the manifest)
 * and a runner (pf_seed_runner.c): a libc-only C test for in-process
 * targets, a POSIX shell script for commands. The folder is written under
 * a temporary name and swapped in whole, so an interrupted run leaves the
 * previous fixtures intact.
 *
 * Nothing here runs a target or prints.
 */
#ifndef PF_SEED_H
#define PF_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "pf_err.h"
#include "pf_run.h"

typedef struct pf_seed_fixture {
    char *name;        /* file name under fixtures/ (pf_seed_name) */
    char *data;        /* the input bytes (NUL-terminated copy) */
    size_t len;
    char *origin;      /* "docs.jsonl:3", "null:$.a <- docs.jsonl:3" */
    char *path;        /* the path a mutant changed, or NULL */
    const char *cls;   /* "production", a mutation class, or "reproducer" */
    int json;          /* the input is one JSON document */
    pf_outcome outcome;
    char *kind;        /* crash/oom/timeout/silent-exit kind, or NULL */
    char *signature;   /* the crash signature, or NULL */
    int exit_code;     /* as pf_result */
    int signal;
    char *out;         /* recorded output (ok and rejected only), or NULL */
    size_t out_len;
    int out_json;      /* the output is one JSON value */
    char key[41];      /* SHA-1 of the key above */
    char paths[41];    /* SHA-1 of the path signature */
    size_t npaths;     /* pairs in the path signature */
    uint64_t covers;   /* inputs that had this key */
} pf_seed_fixture;

typedef struct pf_seed {
    pf_seed_fixture *f;
    size_t n, cap;
    uint64_t inputs;   /* inputs offered */
} pf_seed;

void pf_seed_init(pf_seed *s);
void pf_seed_free(pf_seed *s);

/* The path signature of a document: its sorted, unique "path:kind" lines
 * (into out, reset), or "not-json". Returns the number of pairs (0 for
 * text that is not JSON), -1 on allocation failure. */
long pf_seed_path_signature(const char *data, size_t len, pf_buf *out,
                            pf_err *err);

/* Offer one input and its result. cls: "production", a class name or
 * "reproducer"; keep: a fixture of its own whatever its key. with_output:
 * record res->out for ok and rejected outcomes. Returns 1 when it became
 * (or replaced) a fixture, 0 when a smaller input already holds its key,
 * -1 on error. */
int pf_seed_offer(pf_seed *s, const char *data, size_t len, const char *origin,
                  const char *path, const char *cls, int keep,
                  const pf_result *res, int with_output, pf_err *err);

/* Give every fixture its file name: OUTCOME[-KIND]-CLASS[-PATH]-HASH.EXT,
 * e.g. "rejected-null-$.customer.email-3f2a.json", unique in the set. */
int pf_seed_name(pf_seed *s, pf_err *err);

/* Are two outputs the same: equal JSON values (cJSON_Compare) when both
 * are JSON, else equal bytes. */
int pf_seed_same_output(const char *a, size_t alen, const char *b,
                        size_t blen);
/* Is the output one JSON value (whitespace around it allowed)? */
int pf_seed_output_is_json(const char *p, size_t n);

/* What the folder records about the run. */
typedef struct pf_seed_meta {
    const char *engine;     /* "worker", "cmd" or "lib" */
    const char *target;     /* binary, command or symbol */
    const char *lib;        /* lib: the .so */
    int cmd_shell;          /* cmd: it runs through /bin/sh -c */
    double timeout_s;       /* per input, 0: none */
    uint64_t mem_bytes;     /* 0: none */
    const char *mem_model;  /* pf_runner_limit_model */
    uint64_t seed, mutants;
    int outputs;            /* outputs recorded and compared */
    const char *created;    /* ISO time */
    const char *prodfuzz;   /* absolute path of the prodfuzz that wrote it,
                               for the shell runner's JSON comparison */
} pf_seed_meta;

/* Write the set into dir: a new folder (missing, or empty), or with
 * update an earlier seed-tests folder (one with fixtures.json), replaced
 * whole. Anything else is refused with PF_E_INPUT. */
/* What is at dir: 0 nothing (or an empty folder), 1 an earlier seed-tests
 * folder (allowed with update only), -1 refused (err says why). */
int pf_seed_check_dir(const char *dir, int update, pf_err *err);
int pf_seed_write(const pf_seed *s, const pf_seed_meta *m, const char *dir,
                  int update, pf_err *err);

/* The runner files, into an open folder (pf_seed_runner.c). */
int pf_seed_write_runner(const pf_seed *s, const pf_seed_meta *m,
                         const char *dir, pf_err *err);

#endif
