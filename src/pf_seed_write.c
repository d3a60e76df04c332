/*
 * pf_seed_write: lay a fixture set out in a folder (pf_seed.h):
 *
 *   DIR/fixtures.json        the manifest: the run, and per fixture its
 *                            origin, class, path, outcome, kind,
 *                            signature and output hash
 *   DIR/fixtures/NAME        each input, as-is
 *   DIR/fixtures/NAME.out    the output recorded for it, when it printed one
 *   DIR/...                  the runner (pf_seed_runner.c)
 *
 * The whole folder is written under a temporary sibling name and swapped
 * in at the end (renameat2 RENAME_EXCHANGE, else two renames), so an
 * interrupted run leaves the previous fixtures as they were.
 */
#include "pf_seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_buf.h"
#include "pf_fs.h"
#include "pf_hash.h"

static void jstr(pf_buf *b, const char *s)
{
    if (!s) {
        pf_buf_adds(b, "null");
        return;
    }
    pf_buf_add_json_str(b, s, strlen(s));
}

static int manifest(const pf_seed *s, const pf_seed_meta *m, pf_buf *b,
                    pf_err *err)
{
    pf_buf_adds(b, "{\n  \"prodfuzz_seed_tests\": 1,\n  \"created\": ");
    jstr(b, m->created);
    pf_buf_adds(b, ",\n  \"target\": {\"engine\": ");
    jstr(b, m->engine);
    pf_buf_adds(b, ", \"name\": ");
    jstr(b, m->target);
    if (m->lib) {
        pf_buf_adds(b, ", \"lib\": ");
        jstr(b, m->lib);
    }
    pf_buf_addf(b, "},\n  \"limits\": {\"timeout_s\": %g, \"mem_bytes\": %llu, "
                "\"mem_model\": ", m->timeout_s, (unsigned long long)m->mem_bytes);
    jstr(b, m->mem_model);
    pf_buf_addf(b, "},\n  \"seed\": %llu,\n  \"mutants_per_class\": %llu,\n"
                "  \"outputs_compared\": %s,\n  \"inputs\": %llu,\n"
                "  \"fixtures\": [",
                (unsigned long long)m->seed, (unsigned long long)m->mutants,
                m->outputs ? "true" : "false", (unsigned long long)s->inputs);
    for (size_t i = 0; i < s->n; i++) {
        const pf_seed_fixture *f = &s->f[i];
        char sha[41];
        if (pf_sha1_hex(f->data, f->len, sha, err) < 0)
            return -1;
        pf_buf_adds(b, i ? ",\n    {\"file\": " : "\n    {\"file\": ");
        jstr(b, f->name);
        pf_buf_adds(b, ", \"origin\": ");
        jstr(b, f->origin);
        pf_buf_adds(b, ", \"class\": ");
        jstr(b, f->cls);
        pf_buf_adds(b, ", \"path\": ");
        jstr(b, f->path);
        pf_buf_addf(b, ", \"bytes\": %zu, \"sha1\": \"%s\", \"json\": %s, "
                    "\"outcome\": \"%s\", \"kind\": ", f->len, sha,
                    f->json ? "true" : "false", pf_outcome_name(f->outcome));
        jstr(b, f->kind);
        pf_buf_adds(b, ", \"signature\": ");
        jstr(b, f->signature);
        pf_buf_addf(b, ", \"exit_code\": %d, \"signal\": %d, \"output\": ",
                    f->exit_code, f->signal);
        if (f->out) {
            char h[65];
            if (pf_sha256_hex(f->out, f->out_len, h, err) < 0)
                return -1;
            pf_buf_adds(b, "{\"file\": ");
            pf_buf_addf(b, "\"%s.out\"", f->name); /* names need no escaping */
            pf_buf_addf(b, ", \"bytes\": %zu, \"sha256\": \"%s\", \"json\": %s}",
                        f->out_len, h, f->out_json ? "true" : "false");
        } else {
            pf_buf_adds(b, "null");
        }
        pf_buf_addf(b, ", \"path_signature\": \"%s\", \"paths\": %zu, "
                    "\"inputs_with_this_signature\": %llu}",
                    f->paths, f->npaths, (unsigned long long)f->covers);
    }
    pf_buf_adds(b, "\n  ]\n}\n");
    return pf_buf_ok(b, err);
}

int pf_seed_check_dir(const char *dir, int update, pf_err *err)
{
    struct stat st;
    if (lstat(dir, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        return pf_err_errno(err, errno, "%s", dir);
    }
    if (!S_ISDIR(st.st_mode))
        return pf_err_set(err, PF_E_INPUT, "%s exists and is not a folder: "
                          "give --out a new folder", dir);
    DIR *d = opendir(dir);
    if (!d)
        return pf_err_errno(err, errno, "%s", dir);
    int any = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            any = 1;
    closedir(d);
    if (!any)
        return 0;
    pf_buf mf = PF_BUF_INIT;
    pf_buf_addf(&mf, "%s/fixtures.json", dir);
    if (pf_buf_ok(&mf, err) < 0)
        return -1;
    int ours = access(mf.data, F_OK) == 0;
    pf_buf_free(&mf);
    if (!ours)
        return pf_err_set(err, PF_E_INPUT, "%s exists and holds files that are "
                          "not seed tests (no fixtures.json): refusing to "
                          "replace it; give --out a new or empty folder", dir);
    if (!update)
        return pf_err_set(err, PF_E_INPUT, "%s already holds seed tests: "
                          "--update re-records them, or give --out a new folder",
                          dir);
    return 1;
}

static int write_file(const char *dir, const char *sub, const char *name,
                      const char *suffix, const void *p, size_t n, int mode,
                      pf_err *err)
{
    pf_buf path = PF_BUF_INIT;
    pf_buf_addf(&path, "%s/%s%s%s%s", dir, sub, *sub ? "/" : "", name, suffix);
    if (pf_buf_ok(&path, err) < 0)
        return -1;
    int rc = pf_fs_write_atomic(path.data, p, n, mode, err);
    pf_buf_free(&path);
    return rc;
}

/* swap the finished folder tmp in at dir (which is ours or absent) */
static int swap_in(const char *tmp, const char *dir, int had, pf_err *err)
{
    if (!had) {
        if (rename(tmp, dir) < 0) /* an empty folder at dir is replaced */
            return pf_err_errno(err, errno, "cannot move the new fixtures to %s", dir);
        return 0;
    }
#ifdef RENAME_EXCHANGE
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0)
        return pf_fs_remove_tree(tmp, err); /* tmp now holds the old set */
    if (errno != EINVAL && errno != ENOSYS)
        return pf_err_errno(err, errno, "cannot swap the new fixtures into %s", dir);
#endif
    pf_buf old = PF_BUF_INIT;
    pf_buf_addf(&old, "%s.old", tmp);
    if (pf_buf_ok(&old, err) < 0)
        return -1;
    int rc = 0;
    if (rename(dir, old.data) < 0)
        rc = pf_err_errno(err, errno, "cannot move the old fixtures aside");
    else if (rename(tmp, dir) < 0) {
        rc = pf_err_errno(err, errno, "cannot move the new fixtures to %s", dir);
        (void)rename(old.data, dir);
    } else
        rc = pf_fs_remove_tree(old.data, err);
    pf_buf_free(&old);
    return rc;
}

int pf_seed_write(const pf_seed *s, const pf_seed_meta *m, const char *dir,
                  int update, pf_err *err)
{
    int had = pf_seed_check_dir(dir, update, err);
    if (had < 0)
        return -1;
    pf_buf tmpl = PF_BUF_INIT, b = PF_BUF_INIT;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    pf_buf_add(&tmpl, dir, dl);
    pf_buf_adds(&tmpl, ".seed-tmp.XXXXXX");
    if (pf_buf_ok(&tmpl, err) < 0)
        return -1;
    if (!mkdtemp(tmpl.data)) {
        int e = errno;
        pf_buf_free(&tmpl);
        return pf_err_errno(err, e, "cannot make a folder beside %s", dir);
    }
    chmod(tmpl.data, 0755);
    const char *tmp = tmpl.data;
    int rc = -1;
    pf_buf fx = PF_BUF_INIT;
    pf_buf_addf(&fx, "%s/fixtures", tmp);
    if (pf_buf_ok(&fx, err) < 0 || pf_fs_mkdirs(fx.data, 0755, err) < 0)
        goto out;
    for (size_t i = 0; i < s->n; i++) {
        const pf_seed_fixture *f = &s->f[i];
        if (write_file(tmp, "fixtures", f->name, "", f->data, f->len, 0644, err) < 0 ||
            (f->out && write_file(tmp, "fixtures", f->name, ".out", f->out,
                                  f->out_len, 0644, err) < 0))
            goto out;
    }
    if (manifest(s, m, &b, err) < 0 ||
        write_file(tmp, "", "fixtures.json", "", b.data, b.len, 0644, err) < 0 ||
        pf_seed_write_runner(s, m, tmp, err) < 0)
        goto out;
    rc = swap_in(tmp, dir, had, err);
    if (rc == 0) {
        pf_buf_free(&fx);
        pf_buf_free(&b);
        pf_buf_free(&tmpl);
        return 0;
    }
out:
    {
        pf_err ignore = PF_ERR_INIT;
        pf_fs_remove_tree(tmp, &ignore);
    }
    pf_buf_free(&fx);
    pf_buf_free(&b);
    pf_buf_free(&tmpl);
    return -1;
}
