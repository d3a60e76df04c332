/*
 * pf_corpus: write a corpus folder the way fuzzing engines expect it.
 *
 * One file per document, named by the SHA-1 of its bytes (libFuzzer's
 * naming), so identical documents collapse into one file. The folder is
 * built under a staging name beside the target and swapped in at commit
 * (renameat2 RENAME_EXCHANGE when the target exists), so an interrupted
 * or failed run leaves the previous corpus exactly as it was.
 *
 * The manifest (provenance: tool, version, source, counts, policy digest,
 * key fingerprint, the SHA-1 names of the documents; never a key or a
 * value) is written to DIR/.prodfuzz/manifest.json: libFuzzer does not
 * descend into folders whose name starts with a dot, so it never becomes
 * an input. This module owns its format (pf_manifest below): commands fill
 * a pf_manifest and never print or parse the JSON themselves.
 */
#ifndef PF_CORPUS_H
#define PF_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"

#define PF_MANIFEST_REL ".prodfuzz/manifest.json"

typedef struct pf_corpus {
    char *dir;       /* final folder */
    char *stage;     /* staging folder */
    uint64_t written;   /* distinct files */
    uint64_t duplicates;
    uint64_t bytes;
    int named;       /* files added under the caller's names: no documents_sha1 */
    int keep_old;    /* start from the files of the existing corpus */
    pf_buf names;    /* the SHA-1 names of the files, 40 hex each, unsorted */
} pf_corpus;

/* pf_corpus_open flags */
#define PF_CORPUS_MERGE 1 /* carry the existing files over */
#define PF_CORPUS_FORCE 2 /* replace a corpus holding files it does not list */

/* Start a corpus at dir. With PF_CORPUS_MERGE, the existing files are
 * carried over (the manifest is replaced). Without it, an existing dir
 * must be empty or an earlier corpus (it has a manifest) holding only what
 * its manifest lists: the commit replaces the whole folder, so anything
 * else is refused (PF_E_INPUT), unless PF_CORPUS_FORCE allows replacing a
 * corpus that holds other files (a fuzzer's inputs, say). */
int pf_corpus_open(pf_corpus *c, const char *dir, int flags, pf_err *err);
/* The check pf_corpus_open makes, for commands that want to fail before
 * doing the work: dir may be absent, empty or an earlier corpus. */
int pf_corpus_check_target(const char *dir, int flags, pf_err *err);
/* Where to put one table's corpus folder or JSONL file inside a per-table
 * output: the table's label with '/' and a leading '.' made harmless. */
void pf_corpus_table_entry(const char *label, char *out, size_t n);

/* ---- what a folder holds, by its manifest ------------------------------- */

typedef struct pf_corpus_table {
    char *table;  /* the table's label ("orders", "sales.order") */
    char *path;   /* its entry in the folder: "orders" or "orders.jsonl" */
    int jsonl;    /* a JSONL file, not a corpus folder */
    char sha1[41]; /* jsonl: the file's SHA-1 ("" when not recorded) */
    uint64_t documents;
} pf_corpus_table;

typedef struct pf_corpus_listing {
    int manifest;           /* DIR has a manifest */
    int listed;             /* it lists its documents (documents_sha1) */
    int per_table;          /* it is a per-table output ("corpora") */
    uint64_t documents;     /* listed documents present */
    uint64_t unlisted;      /* documents in DIR (or its tables) it does not
                               list: files not starting with '.', and JSONL
                               files whose SHA-1 changed */
    uint64_t other;         /* other entries it does not list (dot files,
                               folders): replacing DIR would delete them */
    uint64_t missing;       /* listed documents no longer there */
    char first_unlisted[256]; /* one unlisted entry, relative to DIR */
    char *names;            /* sorted listed names, 40 hex each */
    size_t nnames;
    pf_corpus_table *tables;
    size_t ntables;
} pf_corpus_listing;

/* Compare DIR with its manifest. A folder without a manifest, or one whose
 * manifest lists nothing (written by nightly or mutate, or by hand), gives
 * manifest 0 or listed 0 and no counts. -1 on an unreadable folder or a
 * manifest that is not JSON (PF_E_INPUT). */
int pf_corpus_listing_read(const char *dir, pf_corpus_listing *l, pf_err *err);
/* Only what DIR's manifest says (names, tables), without looking at the
 * folder: no counts, nothing hashed. */
int pf_corpus_listing_manifest(const char *dir, pf_corpus_listing *l, pf_err *err);
/* Is name (a file name in the folder) one of the listed documents? */
int pf_corpus_listing_has(const pf_corpus_listing *l, const char *name);
void pf_corpus_listing_free(pf_corpus_listing *l);

/* Add one document. name_out (41 bytes) gets its SHA-1 name if not NULL.
 * Returns 1 if new, 0 if a duplicate, -1 on error. */
int pf_corpus_add(pf_corpus *c, const void *data, size_t len, char *name_out,
                  pf_err *err);
/* Add one document under a file name of the caller's (prodfuzz mutate's
 * CLASS-PATH-HASH) instead of its SHA-1; a plain name, not starting with
 * '.'. Such a corpus's manifest has no documents_sha1 (its files are not
 * SHA-1 named, and a listing check would take them all for foreign
 * files): the command lists its files in its own members. Returns 1 if
 * new, 0 if a file of that name was already added (a duplicate), -1 on
 * error. */
int pf_corpus_add_named(pf_corpus *c, const char *fname, const void *data,
                        size_t len, pf_err *err);
/* Write the manifest (a JSON object text) and swap the folder in. */
int pf_corpus_commit(pf_corpus *c, const char *manifest_json, pf_err *err);
/* Remove the staging folder; the previous corpus is untouched. */
void pf_corpus_abort(pf_corpus *c);

/* Read DIR/.prodfuzz/manifest.json into out (empty if absent: returns 0). */
int pf_corpus_read_manifest(const char *dir, pf_buf *out, pf_err *err);

/* ---- the manifest -------------------------------------------------------
 *
 * One JSON object on one line:
 *   {"tool":"prodfuzz","version":V,"manifest_version":1,"command":C,
 *    <the command's own members>,
 *    "files":N,"duplicates":N,"bytes":N,
 *    "anonymized":B,["policy_digest":H,"key_fingerprint":F,
 *    "transform_version":N,"key_random":B,"verified":B,]
 *    ["corpora":[per-table entries, see pf_manifest_add_corpus],]
 *    "documents_sha1":[sorted SHA-1 names of the files]}
 * Readers ignore members they do not know, so later versions add members
 * (per-table entries, say) without breaking earlier readers; a reader
 * that needs a newer manifest_version says so. */
#define PF_MANIFEST_VERSION 1

typedef struct pf_manifest {
    char command[16];          /* "sample", "anonymize", ... */
    int manifest_version;      /* read: 0 for manifests older than the field */
    int anonymized;            /* values went through pf_anon */
    char key_fingerprint[17];  /* "" unless anonymized */
    char policy_digest[65];    /* "" unless anonymized */
    int transform_version;     /* read: 1 when anonymized and absent */
    int key_random, verified;
    int per_table;             /* read: one corpus per table ("corpora") */
    /* the command's own members as JSON text, "\"name\":value,..." without
     * braces (pf_buf_add_json_str for strings); written after "command" */
    pf_buf body;
    pf_buf corpora; /* per-table entries (pf_manifest_add_corpus) */
} pf_manifest;

void pf_manifest_init(pf_manifest *m, const char *command);
void pf_manifest_free(pf_manifest *m);
/* Record an anonymized corpus's key fingerprint, policy digest and the
 * transform version (PF_ANON_TRANSFORM_VERSION). */
void pf_manifest_set_anon(pf_manifest *m, const char *fingerprint,
                          const char *policy_digest, int transform_version,
                          int key_random, int verified);
/* A per-table output: the table's corpus folder (or JSONL file, with its
 * SHA-1) at path inside the folder. Written as "corpora":[{"table":T,
 * "path":P,"format":"corpus"|"jsonl","documents":N[,"sha1":H]},...]; each
 * table folder has its own manifest listing its documents. */
void pf_manifest_add_corpus(pf_manifest *m, const char *table, const char *path,
                            int jsonl, uint64_t documents, const char *sha1);
/* The manifest of corpus c (its counts and file names) as JSON text with a
 * final newline, into out. */
int pf_manifest_text(const pf_manifest *m, const pf_corpus *c, pf_buf *out,
                     pf_err *err);
/* pf_manifest_text, then pf_corpus_commit. */
int pf_corpus_commit_manifest(pf_corpus *c, const pf_manifest *m, pf_err *err);
/* Read DIR's manifest into m (pf_manifest_free it). 1 when there is one,
 * 0 when there is none, -1 when it cannot be read or is not a JSON object
 * (PF_E_INPUT, naming the file, never its content). */
int pf_manifest_read(const char *dir, pf_manifest *m, pf_err *err);
/* Do two anonymized corpora join (one key fingerprint, one transform
 * version)? 0 when they do; else -1 and err (PF_E_USAGE) says why,
 * naming the folders, fingerprints and versions. */
int pf_manifest_check_join(const pf_manifest *a, const char *adir,
                           const pf_manifest *b, const char *bdir, pf_err *err);

#endif
