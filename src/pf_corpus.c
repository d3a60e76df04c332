/*
 * pf_corpus: content-addressed corpus folders swapped in atomically, and
 * their manifest (pf_corpus.h).
 */
#include "pf_corpus.h"

#include <cjson/cJSON.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_json.h"
#include "pf_version.h"

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int copy_file(const char *from, const char *to, pf_err *err)
{
    /* a hard link is enough: corpus files are never modified in place */
    if (link(from, to) == 0)
        return 0;
    pf_buf b = PF_BUF_INIT;
    int rc = pf_fs_read_file(from, (size_t)1 << 40, &b, err);
    if (rc == 0)
        rc = pf_fs_write_atomic(to, b.data, b.len, 0644, err);
    pf_buf_free(&b);
    return rc;
}

/* A run replaces the whole folder: refuse one that holds anything but an
 * earlier corpus, so a slip such as "-o ~/" never costs a home folder, and
 * an earlier corpus that holds files its manifest does not list (libFuzzer
 * writes its new inputs into the first folder it is given), so a sample
 * never silently deletes a fuzzer's findings. */
int pf_corpus_check_target(const char *dir, int flags, pf_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : pf_err_errno(err, errno, "cannot open folder %s", dir);
    char *man = join(dir, PF_MANIFEST_REL);
    if (!man) {
        closedir(d);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    int is_corpus = access(man, F_OK) == 0;
    free(man);
    int empty = 1;
    struct dirent *e;
    while (!is_corpus && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(d);
    if (!is_corpus && empty)
        return 0;
    if (!is_corpus)
        return pf_err_set(err, PF_E_INPUT, "%s: the folder exists, is not empty and is not "
                          "a prodfuzz corpus (no %s): refusing to replace it; choose a "
                          "new or empty folder", dir, PF_MANIFEST_REL);
    if (flags & PF_CORPUS_FORCE)
        return 0;
    pf_corpus_listing l;
    if (pf_corpus_listing_read(dir, &l, err) < 0)
        return -1;
    uint64_t n = l.unlisted + l.other;
    int rc = 0;
    if (n)
        rc = pf_err_set(err, PF_E_INPUT, "%s holds %llu file%s its manifest does not "
                        "list (such as %s; libFuzzer writes new inputs into the first "
                        "folder it is given): replacing the folder would delete them. "
                        "Move them out or choose another output, or pass --force to "
                        "replace it anyway", dir, (unsigned long long)n, n == 1 ? "" : "s",
                        l.first_unlisted);
    pf_corpus_listing_free(&l);
    return rc;
}

int pf_corpus_open(pf_corpus *c, const char *dir, int flags, pf_err *err)
{
    int merge = flags & PF_CORPUS_MERGE;
    memset(c, 0, sizeof *c);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    c->dir = strndup(dir, n);
    if (!c->dir)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    struct stat st;
    if (stat(c->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        pf_err_set(err, PF_E_INPUT, "%s: exists and is not a folder", c->dir);
        free(c->dir);
        c->dir = NULL;
        return -1;
    }
    if (!merge && pf_corpus_check_target(c->dir, flags, err) < 0) {
        free(c->dir);
        c->dir = NULL;
        return -1;
    }
    size_t sn = n + 64;
    c->stage = malloc(sn);
    if (!c->stage) {
        free(c->dir);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    snprintf(c->stage, sn, "%s.prodfuzz-tmp-%ld", c->dir, (long)getpid());
    pf_fs_remove_tree(c->stage, NULL); /* left by a killed run with our pid */
    char *parent = strdup(c->dir);
    char *slash = parent ? strrchr(parent, '/') : NULL;
    if (slash && slash != parent) {
        *slash = '\0';
        if (pf_fs_mkdirs(parent, 0755, err) < 0) {
            free(parent);
            pf_corpus_abort(c);
            return -1;
        }
    }
    free(parent);
    if (mkdir(c->stage, 0755) != 0) {
        int e = errno;
        free(c->dir);
        free(c->stage);
        c->dir = c->stage = NULL;
        return pf_err_errno(err, e, "cannot create folder beside %s", dir);
    }
    if (merge && S_ISDIR(st.st_mode) && access(c->dir, F_OK) == 0) {
        DIR *d = opendir(c->dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char *from = join(c->dir, e->d_name), *to = join(c->stage, e->d_name);
            int rc = (from && to) ? copy_file(from, to, err)
                                  : pf_err_set(err, PF_E_NOMEM, "out of memory");
            free(from);
            free(to);
            if (rc < 0) {
                closedir(d);
                pf_corpus_abort(c);
                return -1;
            }
            if (strlen(e->d_name) == 40)
                pf_buf_add(&c->names, e->d_name, 40);
            c->written++;
        }
        if (d)
            closedir(d);
    }
    return 0;
}

/* Write data as stage/fname unless that file exists (a duplicate);
 * sha1 (40 hex), when not NULL, goes into the manifest's documents_sha1. */
static int add_file(pf_corpus *c, const char *fname, const char *sha1,
                    const void *data, size_t len, pf_err *err)
{
    char *path = join(c->stage, fname);
    if (!path)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (access(path, F_OK) == 0) {
        free(path);
        c->duplicates++;
        return 0;
    }
    /* No temporary name or fsync per file: the whole staging folder is
     * swapped in at commit, so a partial file is never visible. */
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = pf_err_errno(err, errno, "cannot create a corpus file");
    } else {
        const char *p = data;
        size_t left = len;
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = pf_err_errno(err, w < 0 ? errno : EIO,
                                  "cannot write a corpus file");
                break;
            }
            p += w;
            left -= (size_t)w;
        }
        if (close(fd) != 0 && rc == 0)
            rc = pf_err_errno(err, errno, "cannot write a corpus file");
    }
    free(path);
    if (rc < 0)
        return pf_err_prefix(err, "corpus %s", c->dir);
    if (sha1)
        pf_buf_add(&c->names, sha1, 40); /* oom is sticky: the manifest says it */
    c->written++;
    c->bytes += len;
    return 1;
}

int pf_corpus_add(pf_corpus *c, const void *data, size_t len, char *name_out,
                  pf_err *err)
{
    char name[41];
    if (pf_sha1_hex(data, len, name, err) < 0)
        return -1;
    if (name_out)
        memcpy(name_out, name, 41);
    return add_file(c, name, name, data, len, err);
}

int pf_corpus_add_named(pf_corpus *c, const char *fname, const void *data,
                        size_t len, pf_err *err)
{
    if (!fname[0] || fname[0] == '.' || strchr(fname, '/'))
        return pf_err_set(err, PF_E_INTERNAL, "corpus %s: bad file name", c->dir);
    c->named = 1;
    return add_file(c, fname, NULL, data, len, err);
}

int pf_corpus_commit(pf_corpus *c, const char *manifest_json, pf_err *err)
{
    char *meta = join(c->stage, ".prodfuzz");
    char *man = join(c->stage, PF_MANIFEST_REL);
    int rc = 0;
    if (!meta || !man)
        rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
    else if (mkdir(meta, 0755) != 0 && errno != EEXIST)
        rc = pf_err_errno(err, errno, "cannot create %s", meta);
    else if (manifest_json)
        rc = pf_fs_write_atomic(man, manifest_json, strlen(manifest_json),
                                0644, err);
    free(meta);
    free(man);
    if (rc < 0) {
        pf_corpus_abort(c);
        return -1;
    }
    if (access(c->dir, F_OK) == 0) {
        /* swap atomically; the old corpus ends up under the staging name */
        if (renameat2(AT_FDCWD, c->stage, AT_FDCWD, c->dir, RENAME_EXCHANGE) != 0) {
            int e = errno;
            pf_corpus_abort(c);
            return pf_err_errno(err, e, "cannot replace %s", c->dir);
        }
        pf_fs_remove_tree(c->stage, NULL);
    } else if (rename(c->stage, c->dir) != 0) {
        int e = errno;
        pf_corpus_abort(c);
        return pf_err_errno(err, e, "cannot create %s", c->dir);
    }
    free(c->stage);
    free(c->dir);
    c->stage = c->dir = NULL;
    pf_buf_free(&c->names);
    return 0;
}

void pf_corpus_abort(pf_corpus *c)
{
    if (c->stage)
        pf_fs_remove_tree(c->stage, NULL);
    free(c->stage);
    free(c->dir);
    c->stage = c->dir = NULL;
    pf_buf_free(&c->names);
}

int pf_corpus_read_manifest(const char *dir, pf_buf *out, pf_err *err)
{
    char *man = join(dir, PF_MANIFEST_REL);
    if (!man)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    pf_buf_reset(out);
    int rc = 0;
    if (access(man, F_OK) == 0)
        rc = pf_fs_read_file(man, (size_t)1 << 30, out, err); /* 41 bytes a document */
    free(man);
    return rc;
}

/* ---- the manifest ---------------------------------------------------------- */

/* The manifest text as a cJSON object. cJSON says NULL both for text that
 * is not JSON and for an allocation that failed: our own tokenizer tells
 * the two apart, so running out of memory is never reported as a corrupt
 * manifest. */
static cJSON *manifest_json(const char *dir, const pf_buf *t, pf_err *err)
{
    cJSON *j = cJSON_ParseWithLength(t->data, t->len);
    if (j && cJSON_IsObject(j))
        return j;
    cJSON_Delete(j);
    if (!j) {
        pf_json v = PF_JSON_INIT;
        pf_err e = PF_ERR_INIT;
        int valid = pf_json_parse(&v, t->data, t->len, &e) == 0;
        pf_json_free(&v);
        if (valid || e.code == PF_E_NOMEM) {
            pf_err_set(err, PF_E_NOMEM, "out of memory");
            return NULL;
        }
    }
    pf_err_set(err, PF_E_INPUT, "%s/%s: not a JSON object", dir, PF_MANIFEST_REL);
    return NULL;
}

/* dir's manifest, read and parsed: 1 with *j set (the caller deletes it),
 * 0 when dir has none, -1 on error. */
static int manifest_load(const char *dir, cJSON **j, pf_err *err)
{
    pf_buf t = PF_BUF_INIT;
    *j = NULL;
    int rc = pf_corpus_read_manifest(dir, &t, err);
    if (rc == 0 && t.len)
        rc = (*j = manifest_json(dir, &t, err)) ? 1 : -1;
    pf_buf_free(&t);
    return rc;
}

void pf_manifest_init(pf_manifest *m, const char *command)
{
    memset(m, 0, sizeof *m);
    snprintf(m->command, sizeof m->command, "%s", command ? command : "");
    m->manifest_version = PF_MANIFEST_VERSION;
    pf_buf_init(&m->body);
    pf_buf_init(&m->corpora);
}

void pf_manifest_free(pf_manifest *m)
{
    pf_buf_free(&m->body);
    pf_buf_free(&m->corpora);
}

void pf_manifest_add_corpus(pf_manifest *m, const char *table, const char *path,
                            int jsonl, uint64_t documents, const char *sha1)
{
    pf_buf *b = &m->corpora;
    pf_buf_adds(b, b->len ? ",{\"table\":" : "{\"table\":");
    pf_buf_add_json_str(b, table, strlen(table));
    pf_buf_adds(b, ",\"path\":");
    pf_buf_add_json_str(b, path, strlen(path));
    pf_buf_addf(b, ",\"format\":\"%s\",\"documents\":%llu", jsonl ? "jsonl" : "corpus",
                (unsigned long long)documents);
    if (sha1 && *sha1)
        pf_buf_addf(b, ",\"sha1\":\"%s\"", sha1);
    pf_buf_addc(b, '}');
}

void pf_manifest_set_anon(pf_manifest *m, const char *fingerprint,
                          const char *policy_digest, int transform_version,
                          int key_random, int verified)
{
    m->anonymized = 1;
    snprintf(m->key_fingerprint, sizeof m->key_fingerprint, "%s", fingerprint);
    snprintf(m->policy_digest, sizeof m->policy_digest, "%s", policy_digest);
    m->transform_version = transform_version;
    m->key_random = key_random;
    m->verified = verified;
}

static int cmp_name(const void *a, const void *b) { return memcmp(a, b, 40); }

int pf_manifest_text(const pf_manifest *m, const pf_corpus *c, pf_buf *out,
                     pf_err *err)
{
    if (c->names.oom || m->body.oom || m->corpora.oom)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    pf_buf_reset(out);
    pf_buf_addf(out, "{\"tool\":\"prodfuzz\",\"version\":\"%s\",\"manifest_version\":%d,"
                "\"command\":", PF_VERSION, PF_MANIFEST_VERSION);
    pf_buf_add_json_str(out, m->command, strlen(m->command));
    if (m->body.len) {
        pf_buf_addc(out, ',');
        pf_buf_add(out, m->body.data, m->body.len);
    }
    pf_buf_addf(out, ",\"files\":%llu,\"duplicates\":%llu,\"bytes\":%llu,"
                "\"anonymized\":%s", (unsigned long long)c->written,
                (unsigned long long)c->duplicates, (unsigned long long)c->bytes,
                m->anonymized ? "true" : "false");
    if (m->anonymized)
        pf_buf_addf(out, ",\"policy_digest\":\"%s\",\"key_fingerprint\":\"%s\","
                    "\"transform_version\":%d,\"key_random\":%s,\"verified\":%s",
                    m->policy_digest, m->key_fingerprint, m->transform_version,
                    m->key_random ? "true" : "false", m->verified ? "true" : "false");
    if (m->corpora.len) {
        pf_buf_adds(out, ",\"layout\":\"per-table\",\"corpora\":[");
        pf_buf_add(out, m->corpora.data, m->corpora.len);
        pf_buf_addc(out, ']');
    }
    /* sorted, so a corpus's manifest does not depend on thread timing; a
     * corpus of the caller's names lists its files itself */
    size_t n = c->named ? 0 : c->names.len / 40;
    char *names = NULL;
    if (n) {
        names = malloc(c->names.len);
        if (!names)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        memcpy(names, c->names.data, c->names.len);
        qsort(names, n, 40, cmp_name);
    }
    if (!c->named) {
        pf_buf_adds(out, ",\"documents_sha1\":[");
        for (size_t i = 0; i < n; i++) {
            pf_buf_adds(out, i ? ",\"" : "\"");
            pf_buf_add(out, names + 40 * i, 40);
            pf_buf_addc(out, '"');
        }
        pf_buf_addc(out, ']');
    }
    free(names);
    pf_buf_adds(out, "}\n");
    return pf_buf_ok(out, err);
}

int pf_corpus_commit_manifest(pf_corpus *c, const pf_manifest *m, pf_err *err)
{
    pf_buf t = PF_BUF_INIT;
    if (pf_manifest_text(m, c, &t, err) < 0) {
        pf_buf_free(&t);
        pf_corpus_abort(c);
        return -1;
    }
    int rc = pf_corpus_commit(c, t.data, err);
    pf_buf_free(&t);
    return rc;
}

int pf_manifest_read(const char *dir, pf_manifest *m, pf_err *err)
{
    pf_manifest_init(m, "");
    m->manifest_version = 0;
    cJSON *j;
    int rc = manifest_load(dir, &j, err);
    if (rc <= 0)
        return rc;
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(j, "command");
    const cJSON *mv = cJSON_GetObjectItemCaseSensitive(j, "manifest_version");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "anonymized");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "key_fingerprint");
    const cJSON *pd = cJSON_GetObjectItemCaseSensitive(j, "policy_digest");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "transform_version");
    const cJSON *kr = cJSON_GetObjectItemCaseSensitive(j, "key_random");
    const cJSON *vf = cJSON_GetObjectItemCaseSensitive(j, "verified");
    if (cJSON_IsString(cmd))
        snprintf(m->command, sizeof m->command, "%s", cmd->valuestring);
    if (cJSON_IsNumber(mv))
        m->manifest_version = mv->valueint;
    /* manifests before "anonymized" was written had only the fingerprint */
    m->anonymized = cJSON_IsTrue(a) || k != NULL;
    if (cJSON_IsString(k))
        snprintf(m->key_fingerprint, sizeof m->key_fingerprint, "%s", k->valuestring);
    if (cJSON_IsString(pd))
        snprintf(m->policy_digest, sizeof m->policy_digest, "%s", pd->valuestring);
    m->transform_version = cJSON_IsNumber(v) ? v->valueint : m->anonymized ? 1 : 0;
    m->key_random = cJSON_IsTrue(kr);
    m->verified = cJSON_IsTrue(vf);
    m->per_table = cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "corpora"));
    cJSON_Delete(j);
    return 1;
}

int pf_manifest_check_join(const pf_manifest *a, const char *adir,
                           const pf_manifest *b, const char *bdir, pf_err *err)
{
    if (!strcmp(a->key_fingerprint, b->key_fingerprint) &&
        a->transform_version == b->transform_version)
        return 0;
    /* values made with another key or transform version do not join: one
     * profile of both would count one user as two and mix two spellings
     * of every value */
    return pf_err_set(err, PF_E_USAGE,
                      "%s and %s were anonymized with different keys or transform "
                      "versions (key %s v%d, key %s v%d): their values do not join; "
                      "profile them separately, or anonymize both again with one key",
                      adir, bdir, a->key_fingerprint[0] ? a->key_fingerprint : "?",
                      a->transform_version, b->key_fingerprint[0] ? b->key_fingerprint : "?",
                      b->transform_version);
}

/* ---- per-table outputs and listings ------------------------------------------ */

void pf_corpus_table_entry(const char *label, char *out, size_t n)
{
    /* a label is a table name (any characters SQL allows in a quoted
     * identifier): keep it readable, never a path or a dot file */
    size_t k = 0;
    for (const char *p = label; *p && k + 1 < n; p++, k++)
        out[k] = (*p == '/' || (k == 0 && *p == '.')) ? '_' : *p;
    if (k == 0 && n > 1)
        out[k++] = '_';
    if (n)
        out[k] = '\0';
}

static int cmp_str40(const void *a, const void *b) { return memcmp(a, b, 40); }

static void note_unlisted(pf_corpus_listing *l, const char *prefix, const char *name)
{
    if (!l->first_unlisted[0])
        snprintf(l->first_unlisted, sizeof l->first_unlisted, "%s%s", prefix, name);
}

int pf_corpus_listing_has(const pf_corpus_listing *l, const char *name)
{
    if (!l->nnames || strlen(name) != 40)
        return 0;
    return bsearch(name, l->names, l->nnames, 40, cmp_str40) != NULL;
}

void pf_corpus_listing_free(pf_corpus_listing *l)
{
    free(l->names);
    for (size_t i = 0; i < l->ntables; i++) {
        free(l->tables[i].table);
        free(l->tables[i].path);
    }
    free(l->tables);
    memset(l, 0, sizeof *l);
}

/* The manifest's "documents_sha1" and "corpora" into l; deletes j. */
static int listing_parse(const char *dir, cJSON *j, pf_corpus_listing *l, pf_err *err)
{
    int rc = 0;
    const cJSON *docs = cJSON_GetObjectItemCaseSensitive(j, "documents_sha1");
    const cJSON *corp = cJSON_GetObjectItemCaseSensitive(j, "corpora");
    if (cJSON_IsArray(docs)) {
        l->listed = 1;
        int n = cJSON_GetArraySize(docs);
        l->names = n ? malloc((size_t)n * 40) : NULL;
        if (n && !l->names)
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
        const cJSON *x;
        cJSON_ArrayForEach(x, docs) {
            if (rc || !cJSON_IsString(x) || strlen(x->valuestring) != 40)
                continue;
            memcpy(l->names + 40 * l->nnames++, x->valuestring, 40);
        }
        if (l->nnames)
            qsort(l->names, l->nnames, 40, cmp_str40);
    }
    if (!rc && cJSON_IsArray(corp)) {
        l->per_table = 1;
        int n = cJSON_GetArraySize(corp);
        l->tables = n ? calloc((size_t)n, sizeof *l->tables) : NULL;
        if (n && !l->tables)
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
        const cJSON *x;
        cJSON_ArrayForEach(x, corp) {
            if (rc)
                break;
            const cJSON *tb = cJSON_GetObjectItemCaseSensitive(x, "table");
            const cJSON *pa = cJSON_GetObjectItemCaseSensitive(x, "path");
            const cJSON *fo = cJSON_GetObjectItemCaseSensitive(x, "format");
            const cJSON *dc = cJSON_GetObjectItemCaseSensitive(x, "documents");
            const cJSON *sh = cJSON_GetObjectItemCaseSensitive(x, "sha1");
            /* a path is one entry of this folder, never a way out of it */
            if (!cJSON_IsString(tb) || !cJSON_IsString(pa) || !pa->valuestring[0] ||
                pa->valuestring[0] == '.' || strchr(pa->valuestring, '/')) {
                rc = pf_err_set(err, PF_E_INPUT, "%s/%s: a \"corpora\" entry without a "
                                "table or with a path that is not a plain name", dir,
                                PF_MANIFEST_REL);
                break;
            }
            pf_corpus_table *c = &l->tables[l->ntables++];
            c->table = strdup(tb->valuestring);
            c->path = strdup(pa->valuestring);
            if (!c->table || !c->path)
                rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
            c->jsonl = cJSON_IsString(fo) && !strcmp(fo->valuestring, "jsonl");
            if (cJSON_IsNumber(dc) && dc->valuedouble >= 0 && dc->valuedouble < 1e15)
                c->documents = (uint64_t)dc->valuedouble;
            if (cJSON_IsString(sh) && strlen(sh->valuestring) == 40)
                memcpy(c->sha1, sh->valuestring, 41);
        }
    }
    cJSON_Delete(j);
    return rc;
}

int pf_corpus_listing_manifest(const char *dir, pf_corpus_listing *l, pf_err *err)
{
    memset(l, 0, sizeof *l);
    cJSON *j;
    int rc = manifest_load(dir, &j, err);
    if (rc <= 0)
        return rc;
    l->manifest = 1;
    if ((rc = listing_parse(dir, j, l, err)) < 0)
        pf_corpus_listing_free(l);
    return rc;
}

int pf_corpus_listing_read(const char *dir, pf_corpus_listing *l, pf_err *err)
{
    int rc = pf_corpus_listing_manifest(dir, l, err);
    if (rc < 0 || !l->manifest || (!l->listed && !l->per_table))
        return rc;
    DIR *d = opendir(dir);
    if (!d) {
        rc = pf_err_errno(err, errno, "cannot open folder %s", dir);
        pf_corpus_listing_free(l);
        return rc;
    }
    uint64_t found = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, ".prodfuzz"))
            continue;
        char *full = join(dir, nm);
        struct stat st;
        if (!full) {
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
            break;
        }
        /* the entry's type from readdir when the file system gives it:
         * a stat per document would double the cost of a big corpus */
        int isreg, isdir;
        if (e->d_type == DT_REG || e->d_type == DT_DIR) {
            isreg = e->d_type == DT_REG;
            isdir = e->d_type == DT_DIR;
        } else {
            isreg = stat(full, &st) == 0 && S_ISREG(st.st_mode);
            isdir = !isreg && S_ISDIR(st.st_mode);
        }
        const pf_corpus_table *tb = NULL;
        for (size_t i = 0; i < l->ntables; i++)
            if (!strcmp(l->tables[i].path, nm))
                tb = &l->tables[i];
        if (tb && tb->jsonl && isreg) {
            char h[41];
            if (pf_sha1_file_hex(full, h, err) < 0) {
                rc = -1;
            } else if (tb->sha1[0] && strcmp(h, tb->sha1)) {
                l->unlisted++; /* changed since it was written */
                note_unlisted(l, "", nm);
            } else {
                l->documents += tb->documents;
                found++;
            }
        } else if (tb && !tb->jsonl && isdir) {
            pf_corpus_listing sub;
            if (pf_corpus_listing_read(full, &sub, err) < 0) {
                rc = -1;
            } else {
                l->documents += sub.documents;
                l->unlisted += sub.unlisted;
                l->other += sub.other;
                l->missing += sub.missing;
                if (!sub.manifest || (!sub.listed && !sub.per_table)) {
                    /* a table folder that lost its manifest: nothing in
                     * it is known to be what sampling wrote */
                    l->unlisted++;
                    note_unlisted(l, "", nm);
                } else if (sub.first_unlisted[0]) {
                    char pre[300];
                    snprintf(pre, sizeof pre, "%s/", nm);
                    note_unlisted(l, pre, sub.first_unlisted);
                }
                found++;
                pf_corpus_listing_free(&sub);
            }
        } else if (!tb && isreg && nm[0] != '.' && pf_corpus_listing_has(l, nm)) {
            l->documents++;
            found++;
        } else if (isreg && nm[0] != '.') {
            l->unlisted++;
            note_unlisted(l, "", nm);
        } else {
            l->other++;
            note_unlisted(l, "", nm);
        }
        free(full);
    }
    closedir(d);
    if (rc < 0) {
        pf_corpus_listing_free(l);
        return -1;
    }
    uint64_t want = l->nnames + l->ntables;
    l->missing += want > found ? want - found : 0;
    return 0;
}
