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
 * key fingerprint; never a key or a value) is written to
 * DIR/.prodfuzz/manifest.json: libFuzzer does not descend into folders
 * whose name starts with a dot, so it never becomes an input.
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
    int keep_old;    /* start from the files of the existing corpus */
} pf_corpus;

/* Start a corpus at dir. With merge set, the existing files are carried
 * over (the manifest is replaced). Without it, an existing dir must be
 * empty or an earlier corpus (it has a manifest): the commit replaces the
 * whole folder, so anything else is refused (PF_E_INPUT). */
int pf_corpus_open(pf_corpus *c, const char *dir, int merge, pf_err *err);
/* The check pf_corpus_open makes, for commands that want to fail before
 * doing the work: dir may be absent, empty or an earlier corpus. */
int pf_corpus_check_target(const char *dir, pf_err *err);

/* Add one document. name_out (41 bytes) gets its SHA-1 name if not NULL.
 * Returns 1 if new, 0 if a duplicate, -1 on error. */
int pf_corpus_add(pf_corpus *c, const void *data, size_t len, char *name_out,
                  pf_err *err);
/* Write the manifest (a JSON object text) and swap the folder in. */
int pf_corpus_commit(pf_corpus *c, const char *manifest_json, pf_err *err);
/* Remove the staging folder; the previous corpus is untouched. */
void pf_corpus_abort(pf_corpus *c);

/* Read DIR/.prodfuzz/manifest.json into out (empty if absent: returns 0). */
int pf_corpus_read_manifest(const char *dir, pf_buf *out, pf_err *err);

#endif
