/*
 * pf_fs: file helpers that keep the "nothing half-written" contract.
 *
 * pf_fs_write_atomic writes to a temporary name in the same folder, fsyncs
 * and renames, so a reader sees the old file or the new one, never a part.
 * Writes that fail (EFBIG under RLIMIT_FSIZE, ENOSPC) remove the temporary
 * file and report the errno. Callers should ignore SIGXFSZ (the command
 * layer does) so a size limit is an error, not a kill.
 */
#ifndef PF_FS_H
#define PF_FS_H

#include <stddef.h>
#include <stdio.h>

#include "pf_buf.h"
#include "pf_err.h"

int pf_fs_write_atomic(const char *path, const void *data, size_t len,
                       int mode, pf_err *err);
/* Read a regular file into out, refusing files larger than max. */
int pf_fs_read_file(const char *path, size_t max, pf_buf *out, pf_err *err);
/* mkdir -p */
int pf_fs_mkdirs(const char *path, int mode, pf_err *err);
/* rm -rf of a folder prodfuzz made (does not follow symlinks). */
int pf_fs_remove_tree(const char *path, pf_err *err);
int pf_fs_is_dir(const char *path);
/* fwrite + error check with errno context. */
int pf_fs_fwrite(FILE *fp, const void *p, size_t n, const char *what,
                 pf_err *err);

/* A temporary output file: open with pf_tmpfile_open(final path), write
 * to t->fp, then pf_tmpfile_commit (fflush, fsync, rename) or
 * pf_tmpfile_abort (unlink). */
typedef struct pf_tmpfile {
    FILE *fp;
    char *tmp;
    char *final;
} pf_tmpfile;
int pf_tmpfile_open(pf_tmpfile *t, const char *final, int mode, pf_err *err);
int pf_tmpfile_commit(pf_tmpfile *t, pf_err *err);
void pf_tmpfile_abort(pf_tmpfile *t);

#endif
