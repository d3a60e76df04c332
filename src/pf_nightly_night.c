/*
 * pf_nightly_night: one night over every target.
 *
 * Per target, in this order:
 *   1. checks: the binary runs and links the prodfuzz mutator, the shape
 *      profile loads, the classes are known; any failure makes the target
 *      an error (exit 3), never a quiet night of plain fuzzing;
 *   2. the engine for the target's share of the budget (pf_nightly_engine);
 *   3. the state corpus: the old one plus tonight's inputs, -merge=1 into a
 *      fresh folder, swapped in whole (a failed merge keeps the union, so
 *      the corpus never shrinks by accident);
 *   4. findings: every artifact is kept in OUT/artifacts/, replayed and
 *      given pf_crash's signature; per signature the smallest artifact is
 *      minimized with the signature held fixed, kept in the state as the
 *      reproducer and explained with pf_explain;
 *   5. the findings of earlier nights that were not seen tonight are
 *      replayed: still failing is open, not failing any more is fixed.
 * Then suppressions, the night's history row, the database (atomic) and
 * the reports (pf_report, one model, five files).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pf_corpus.h"
#include "pf_crash.h"
#include "pf_explain.h"
#include "pf_fs.h"
#include "pf_mutate.h"
#include "pf_corpus.h"
#include "pf_nightly.h"
#include "pf_report.h"
#include "pf_shape.h"

/* imported reproducers are named so: one that does not fail here is no
 * finding (an engine's artifact that does not replay still is one) */
#define IMPORTED "imported-"

typedef struct night {
    const pf_night_cfg *c;
    pf_nstate st;
    pf_ndb db;
    char *work;        /* STATE/run-<id> */
    char *out;         /* the out folder, absolute */
    pf_report *rep;
    pf_night_result *res;
} night;

static void say(const night *n, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const night *n, int level, const char *fmt, ...)
{
    if (!n->c->say)
        return;
    pf_buf b = PF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    n->c->say(n->c->ctx, level, pf_buf_str(&b));
    pf_buf_free(&b);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    pf_buf b = PF_BUF_INIT;
    va_list ap;
    va_start(ap, f);
    pf_buf_vaddf(&b, f, ap);
    va_end(ap);
    return pf_buf_detach(&b, NULL);
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *abspath(const char *p)
{
    char *r = realpath(p, NULL);
    return r ? r : strdup(p);
}

static int replace(char **dst, const char *src)
{
    char *s = src ? strdup(src) : NULL;
    if (src && !s)
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

/* ---- 1. checks ------------------------------------------------------------- */

static int check_target(const night *n, const pf_ntarget *t, int afl,
                        pf_err *err)
{
    if (access(t->binary, X_OK) < 0)
        return pf_err_errno(err, errno, "target %s: cannot run %s", t->name,
                            t->binary);
    int has = pf_binary_has_symbol(t->binary, "LLVMFuzzerCustomMutator", err);
    if (has < 0)
        return pf_err_prefix(err, "target %s", t->name);
    if (!has)
        return pf_err_set(err, PF_E_ENV, "target %s: %s does not link the "
                          "prodfuzz mutator (no LLVMFuzzerCustomMutator; link "
                          "it with pkg-config --libs prodfuzz-libfuzzer); a "
                          "night without it is refused", t->name, t->binary);
    if (t->shape) {
        pf_shape *s = NULL;
        if (pf_shape_load(t->shape, &s, err) < 0) {
            err->code = PF_E_ENV;
            return pf_err_prefix(err, "target %s: the shape profile does not "
                                 "load, a night without it is refused", t->name);
        }
        pf_shape_free(s);
    }
    if (t->classes) {
        unsigned mask;
        if (pf_mclass_parse(t->classes, &mask, err) < 0) {
            err->code = PF_E_ENV;
            return pf_err_prefix(err, "target %s: classes", t->name);
        }
    }
    if (t->corpus && !pf_fs_is_dir(t->corpus))
        return pf_err_set(err, PF_E_ENV, "target %s: the seed corpus %s is not "
                          "a folder", t->name, t->corpus);
    if (t->corpus) {
        /* one corpus per table (sample of several tables): an entry point
         * parses one kind of document, and libFuzzer would read every
         * table's folder */
        pf_corpus_listing l;
        if (pf_corpus_listing_read(t->corpus, &l, err) < 0)
            return pf_err_prefix(err, "target %s", t->name);
        int per_table = l.per_table;
        char first[300];
        snprintf(first, sizeof first, "%s/%s", t->corpus,
                 l.ntables ? l.tables[0].path : "TABLE");
        pf_corpus_listing_free(&l);
        if (per_table)
            return pf_err_set(err, PF_E_ENV, "target %s: the seed corpus %s holds one "
                              "corpus per table: give the table this target parses "
                              "(such as %s)", t->name, t->corpus, first);
    }
    if (afl) {
        if (!t->afl_binary)
            return pf_err_set(err, PF_E_ENV, "target %s: --engine afl needs an "
                              "AFL++ build of the target (afl_binary in the "
                              "config, or --afl-target)", t->name);
        if (access(t->afl_binary, X_OK) < 0)
            return pf_err_errno(err, errno, "target %s: cannot run %s",
                                t->name, t->afl_binary);
        if (!n->c->afl_mutator || access(n->c->afl_mutator, R_OK) < 0)
            return pf_err_set(err, PF_E_ENV, "target %s: the prodfuzz AFL++ "
                              "mutator library %s is missing", t->name,
                              n->c->afl_mutator ? n->c->afl_mutator
                                                : "prodfuzz_afl.so");
    }
    return 0;
}

/* The environment of the engine and of replays: PRODFUZZ_* settings and
 * the target's own entries. */
static char **target_env(const pf_ntarget *t, pf_err *err)
{
    char **env = NULL;
    size_t n = 0;
    if (t->shape) {
        char *a = abspath(t->shape);
        int rc = a ? pf_argv_pushf(&env, &n, err, "PRODFUZZ_SHAPE=%s", a) : -1;
        free(a);
        if (rc < 0)
            goto fail;
    }
    if (t->classes && pf_argv_pushf(&env, &n, err, "PRODFUZZ_CLASSES=%s",
                                    t->classes) < 0)
        goto fail;
    for (char **p = t->env; p && *p; p++)
        if (pf_argv_push(&env, &n, *p, err) < 0)
            goto fail;
    if (!env && pf_argv_push(&env, &n, "PRODFUZZ_NIGHTLY=1", err) < 0)
        goto fail;
    return env;
fail:
    pf_argv_free(env);
    return NULL;
}

/* ---- 4. findings ----------------------------------------------------------- */

typedef struct artifact {
    char *path;
    uint64_t size;
    char *sig;
    pf_crash crash;
    int reproduced;
} artifact;

static const char *artifact_kind(const char *name)
{
    if (!strncmp(name, "timeout", 7) || strstr(name, "hangs"))
        return "timeout";
    if (!strncmp(name, "oom", 3))
        return "oom";
    if (!strncmp(name, "leak", 4))
        return "memory-leak";
    if (!strncmp(name, "slow-unit", 9))
        return "slow-unit";
    return "crash";
}

static pf_outcome outcome_of(const char *kind)
{
    if (!strcmp(kind, "timeout"))
        return PF_OUT_TIMEOUT;
    if (!strcmp(kind, "oom") || strstr(kind, "out-of-memory") ||
        strstr(kind, "allocation-size"))
        return PF_OUT_OOM;
    return PF_OUT_CRASH;
}

/* Replay and sign one input: 1 failed (signature in *sig), 0 passed. */
static int sign(const pf_ntarget *t, char **env, const char *path,
                const char *fallback_kind, char **sig, pf_crash *crash,
                pf_err *err)
{
    pf_buf text = PF_BUF_INIT;
    int failed = 0;
    if (pf_engine_replay(t->binary, env, &t->lim, path, &failed, &text, err) < 0) {
        pf_buf_free(&text);
        return -1;
    }
    if (!failed) {
        pf_buf_free(&text);
        return 0;
    }
    pf_crash_free(crash);
    pf_crash_init(crash);
    int got = pf_crash_parse(text.data, text.len, crash, err);
    pf_buf_free(&text);
    if (got < 0)
        return -1;
    free(*sig);
    if (got && crash->signature)
        *sig = strdup(crash->signature);
    else
        *sig = fmt("%s|no-report", fallback_kind ? fallback_kind : "crash");
    return *sig ? 1 : pf_err_set(err, PF_E_NOMEM, "out of memory");
}

static int collect(const char *dir, artifact **arts, size_t *n, pf_err *err)
{
    char **names = NULL;
    size_t k = 0;
    if (!pf_fs_is_dir(dir))
        return 0;
    if (pf_dir_files(dir, &names, &k, err) < 0)
        return -1;
    for (size_t i = 0; i < k; i++) {
        if (!strcmp(names[i], "README.txt"))
            continue;
        artifact *g = realloc(*arts, (*n + 1) * sizeof *g);
        if (!g) {
            pf_dir_files_free(names, k);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        *arts = g;
        artifact *a = &g[(*n)++];
        memset(a, 0, sizeof *a);
        pf_crash_init(&a->crash);
        a->path = fmt("%s/%s", dir, names[i]);
        if (!a->path) {
            pf_dir_files_free(names, k);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
    }
    pf_dir_files_free(names, k);
    return 0;
}

static void explain_into(pf_explainer *x, const pf_buf *data, pf_nfinding *f)
{
    pf_explanation e;
    pf_err err = PF_ERR_INIT;
    memset(&e, 0, sizeof e);
    if (!x || pf_explainer_explain(x, (const uint8_t *)data->data, data->len,
                                   &e, &err) < 0)
        return;
    for (size_t i = 0; i < f->nexplain; i++)
        free(f->explain[i]);
    free(f->explain);
    f->explain = NULL;
    f->nexplain = 0;
    if (e.n) {
        f->explain = calloc(e.n, sizeof *f->explain);
        for (size_t i = 0; f->explain && i < e.n; i++)
            if ((f->explain[f->nexplain] = strdup(e.items[i].text)))
                f->nexplain++;
        replace(&f->mclass, e.items[0].cls);
        replace(&f->path, e.items[0].path);
    }
    pf_explanation_free(&e);
}

static void frames_into(const pf_crash *c, pf_nfinding *f)
{
    pf_buf stack = PF_BUF_INIT, title = PF_BUF_INIT;
    int top = 0;
    for (int i = 0; i < c->nframes; i++) {
        const pf_frame *fr = &c->frames[i];
        pf_buf_addf(&stack, "#%d %s %s:%d%s\n", i, fr->func ? fr->func : "?",
                    fr->file ? fr->file : "?", fr->line, fr->own ? "" : " (not own)");
        if (fr->own && !top && fr->file) {
            top = 1;
            replace(&f->top_file, fr->file);
            f->top_line = fr->line;
        }
    }
    pf_crash_title(c, &title);
    if (pf_buf_ok(&stack, NULL) == 0 && stack.len)
        replace(&f->stack, stack.data);
    if (pf_buf_ok(&title, NULL) == 0 && title.len)
        replace(&f->title, title.data);
    if (c->kind[0])
        replace(&f->kind, c->kind);
    pf_buf_free(&stack);
    pf_buf_free(&title);
}

static int record_env(const night *n, const pf_ntarget *t, char **env,
                      pf_nfinding *f, pf_err *err)
{
    char id[65];
    char *bin = abspath(t->binary);
    if (!bin || pf_binary_build_id(t->binary, id, err) < 0) {
        free(bin);
        return bin ? -1 : pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    free(f->binary);
    f->binary = bin;
    if (replace(&f->build_id, id) < 0 || replace(&f->version, n->c->version) < 0)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < f->nenv; i++)
        free(f->env[i]);
    free(f->env);
    f->env = NULL;
    f->nenv = 0;
    /* the sanitizer options go with it, as the night set them */
    char **full = pf_engine_env(env, &t->lim, err);
    if (!full)
        return -1;
    size_t cnt = 0;
    for (char **p = full; *p; p++) {
        int keep = !strncmp(*p, "PRODFUZZ_", 9) || !strncmp(*p, "ASAN_OPTIONS=", 13) ||
                   !strncmp(*p, "UBSAN_OPTIONS=", 14);
        for (char **q = env; q && *q && !keep; q++)
            keep = !strcmp(*p, *q);
        if (keep && pf_argv_push(&f->env, &cnt, *p, err) < 0) {
            pf_argv_free(full);
            return -1;
        }
    }
    f->nenv = cnt;
    f->lim = t->lim;
    pf_argv_free(full);
    return 0;
}

static int keep_reproducer(const night *n, pf_nfinding *f, const pf_buf *data,
                           pf_err *err)
{
    char *rel = fmt("findings/%s/reproducer", f->id);
    char *dir = fmt("%s/findings/%s", n->st.dir, f->id);
    char *abs = fmt("%s/%s", n->st.dir, rel ? rel : "");
    int rc = -1;
    if (!rel || !dir || !abs) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    if (pf_fs_mkdirs(dir, 0755, err) < 0 ||
        pf_fs_write_atomic(abs, data->data, data->len, 0644, err) < 0)
        goto out;
    free(f->reproducer);
    f->reproducer = rel;
    rel = NULL;
    f->repro_bytes = data->len;
    rc = 0;
out:
    free(rel);
    free(dir);
    free(abs);
    return rc;
}

static int copy_artifacts(const night *n, const pf_ntarget *t, artifact *a,
                          size_t na, pf_err *err)
{
    char *dir = fmt("%s/artifacts/%s", n->out, t->name);
    if (!dir || pf_fs_mkdirs(dir, 0755, err) < 0) {
        free(dir);
        return dir ? -1 : pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < na; i++) {
        pf_buf data = PF_BUF_INIT;
        const char *base = strrchr(a[i].path, '/');
        char *to = fmt("%s/%s", dir, base ? base + 1 : a[i].path);
        int rc = to ? pf_fs_read_file(a[i].path, (size_t)1 << 30, &data, err) : -1;
        if (rc == 0)
            rc = pf_fs_write_atomic(to, data.data, data.len, 0644, err);
        a[i].size = data.len;
        pf_buf_free(&data);
        free(to);
        if (rc < 0) {
            free(dir);
            return -1;
        }
    }
    free(dir);
    return 0;
}

typedef struct still_ctx {
    const pf_ntarget *t;
    char **env;
    const char *path;   /* candidate file */
    const char *sig;    /* the signature to hold */
    pf_err *err;
} still_ctx;

/* The minimizer's predicate: the candidate fails with the same signature. */
static int still_fails(void *ctx, const char *d, size_t len)
{
    still_ctx *s = ctx;
    if (pf_fs_write_atomic(s->path, d, len, 0644, s->err) < 0)
        return -1;
    char *sig = NULL;
    pf_crash c;
    pf_crash_init(&c);
    int r = sign(s->t, s->env, s->path, "crash", &sig, &c, s->err);
    int same = r == 1 && sig && !strcmp(sig, s->sig);
    pf_crash_free(&c);
    free(sig);
    return r < 0 ? -1 : same;
}

/* Minimize with the signature held fixed: structurally for JSON, else with
 * libFuzzer -minimize_crash (byte mutations only), keeping its result only
 * when it still has the signature. 1 with a result in out, 0 none. */
/* The nearest production document of data (pf_explain's), read from the
 * seeds: 1 with it in out, 0 none. */
static int nearest_seed(pf_explainer *x, const pf_ntarget *t, const pf_buf *data,
                        pf_buf *out)
{
    pf_explanation e;
    pf_err err = PF_ERR_INIT;
    memset(&e, 0, sizeof e);
    if (!x || !t->corpus ||
        pf_explainer_explain(x, (const uint8_t *)data->data, data->len, &e, &err) < 0)
        return 0;
    int got = 0;
    if (e.nearest && e.nearest[0]) {
        const char *base = strrchr(e.nearest, '/');
        char *p = fmt("%s/%s", t->corpus, base ? base + 1 : e.nearest);
        got = p && pf_fs_read_file(p, 64u << 20, out, &err) == 0;
        free(p);
    }
    pf_explanation_free(&e);
    return got;
}

static int minimize(const night *n, const pf_ntarget *t, char **env,
                    const char *work, const char *sig, const pf_buf *data,
                    pf_explainer *x, pf_buf *out, pf_buf *closest, pf_err *err)
{
    char *cand = fmt("%s/candidate", work);
    char *orig = fmt("%s/original", work);
    int rc = -1;
    if (!cand || !orig) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto done;
    }
    still_ctx sc = {t, env, cand, sig, err};
    /* first every value the bug does not need goes back to the nearest
     * production document's (half the time): that input is the one to
     * explain, its differences from production are what the bug needs;
     * then members and elements are dropped for the smallest reproducer */
    double t0 = now_mono();
    pf_buf ref = PF_BUF_INIT;
    const pf_buf *start = data;
    if (nearest_seed(x, t, data, &ref) &&
        pf_json_toward(data->data, data->len, ref.data, ref.len, still_fails,
                       &sc, n->c->minimize_s / 2, closest, err) == 0 &&
        closest->len)
        start = closest;
    else
        pf_buf_reset(closest);
    pf_err_clear(err);
    pf_buf_free(&ref);
    double left = n->c->minimize_s - (now_mono() - t0);
    if (pf_json_minimize(start->data, start->len, still_fails, &sc,
                         left > 1 ? left : 1, out, err) < 0)
        goto done;
    if (out->len < data->len) {
        rc = 1;
        goto done;
    }
    /* not JSON, or nothing structural to drop: libFuzzer's byte cuts */
    char **benv = NULL;
    size_t nb = 0;
    for (char **p = env; p && *p; p++)
        if (pf_argv_push(&benv, &nb, *p, err) < 0)
            goto bdone;
    if (pf_argv_push(&benv, &nb, "PRODFUZZ_BYTE_SHARE=1", err) < 0 ||
        pf_fs_write_atomic(orig, data->data, data->len, 0644, err) < 0)
        goto bdone;
    int got = pf_engine_minimize(t->binary, benv, &t->lim, orig, cand,
                                 n->c->minimize_s, err);
    if (got < 0)
        goto bdone;
    rc = 0;
    if (got == 1) {
        pf_buf m = PF_BUF_INIT;
        if (pf_fs_read_file(cand, (size_t)1 << 30, &m, err) == 0 &&
            m.len < data->len) {
            char *s2 = NULL;
            pf_crash c;
            pf_crash_init(&c);
            if (sign(t, env, cand, "crash", &s2, &c, err) == 1 && !strcmp(s2, sig)) {
                pf_buf_reset(out);
                pf_buf_add(out, m.data, m.len);
                rc = 1;
            }
            pf_crash_free(&c);
            free(s2);
        }
        pf_buf_free(&m);
        pf_err_clear(err);
    }
bdone:
    pf_argv_free(benv);
done:
    if (cand)
        unlink(cand);
    if (orig)
        unlink(orig);
    free(cand);
    free(orig);
    return rc;
}

static int findings(night *n, const pf_ntarget *t, char **env,
                    const char *work, int afl, pf_explainer *x, pf_err *err)
{
    artifact *a = NULL;
    size_t na = 0;
    int rc = -1;
    char *d1 = fmt("%s/artifacts", work);
    if (!d1 || collect(d1, &a, &na, err) < 0)
        goto out;
    if (afl) {
        /* AFL++'s main and secondaries: crashes/ and hangs/ */
        for (int i = 0; i < (n->c->jobs > 0 ? n->c->jobs : 1); i++)
            for (int h = 0; h < 2; h++) {
                const char *sub = h ? "hangs" : "crashes";
                char *d = i ? fmt("%s/afl/sec%d/%s", work, i, sub)
                            : fmt("%s/afl/main/%s", work, sub);
                int r = d ? collect(d, &a, &na, err)
                          : pf_err_set(err, PF_E_NOMEM, "out of memory");
                free(d);
                if (r < 0)
                    goto out;
            }
    }
    if (copy_artifacts(n, t, a, na, err) < 0)
        goto out;
    /* sign every artifact */
    for (size_t i = 0; i < na; i++) {
        const char *base = strrchr(a[i].path, '/');
        base = base ? base + 1 : a[i].path;
        int imported = !strncmp(base, IMPORTED, strlen(IMPORTED));
        if (imported)
            base += strlen(IMPORTED);
        const char *kind = strstr(a[i].path, "/hangs/") ? "timeout"
                                                        : artifact_kind(base);
        if (!strcmp(kind, "slow-unit"))
            continue;
        int r = sign(t, env, a[i].path, kind, &a[i].sig, &a[i].crash, err);
        if (r < 0)
            goto out;
        if (r == 0 && imported) {
            say(n, 1, "%s: the imported %s does not fail here: not a finding",
                t->name, base);
            continue;
        }
        if (r == 0) {
            /* the engine saw it fail, a replay does not: still a finding,
             * named as such */
            a[i].sig = fmt("%s|not-reproducible", kind);
            if (!a[i].sig) {
                pf_err_set(err, PF_E_NOMEM, "out of memory");
                goto out;
            }
            snprintf(a[i].crash.kind, sizeof a[i].crash.kind, "%s", kind);
        }
        a[i].reproduced = r;
    }
    /* one finding per signature: the smallest artifact, minimized */
    for (size_t i = 0; i < na; i++) {
        if (!a[i].sig)
            continue;
        size_t best = i, count = 0;
        for (size_t k = i; k < na; k++)
            if (a[k].sig && !strcmp(a[k].sig, a[i].sig)) {
                count++;
                if (a[k].size < a[best].size)
                    best = k;
            }
        int created = 0;
        pf_nfinding *f = pf_ndb_get(&n->db, t->name, a[i].sig, &created, err);
        if (!f)
            goto out;
        pf_nstatus before = f->status;
        f->status = created || before == PF_NS_FIXED ? PF_NS_NEW : PF_NS_OPEN;
        if (created && replace(&f->first_seen, n->c->now) < 0)
            goto oom;
        if (replace(&f->last_seen, n->c->now) < 0 ||
            (!f->outcome && replace(&f->outcome, pf_outcome_name(outcome_of(
                a[best].crash.kind[0] ? a[best].crash.kind : "crash"))) < 0))
            goto oom;
        f->count += count;
        f->nights++;
        f->seen_tonight = 1;
        frames_into(&a[best].crash, f);
        if (!f->kind && replace(&f->kind, a[best].crash.kind) < 0)
            goto oom;
        /* minimize with the signature held fixed */
        pf_buf data = PF_BUF_INIT, closest = PF_BUF_INIT;
        if (pf_fs_read_file(a[best].path, (size_t)1 << 30, &data, err) < 0)
            goto out;
        f->orig_bytes = data.len;
        pf_outcome oc = outcome_of(a[best].crash.kind);
        if (n->c->minimize_s > 0 && a[best].reproduced && oc == PF_OUT_CRASH &&
            !(n->c->stop && *n->c->stop)) {
            pf_buf small = PF_BUF_INIT;
            int r = minimize(n, t, env, work, a[best].sig, &data, x, &small,
                             &closest, err);
            if (r < 0) {
                pf_buf_free(&small);
                pf_buf_free(&data);
                pf_buf_free(&closest);
                goto out;
            }
            if (r == 1 && small.len <= data.len &&
                (small.len != data.len || memcmp(small.data, data.data, data.len))) {
                pf_buf_free(&data);
                data = small;
                /* the frames of the smaller input (same signature) */
                char *p = fmt("%s/min-%zu", work, best);
                char *msig = NULL;
                pf_crash mc;
                pf_crash_init(&mc);
                if (p && pf_fs_write_atomic(p, data.data, data.len, 0644, err) == 0 &&
                    sign(t, env, p, "crash", &msig, &mc, err) == 1 &&
                    !strcmp(msig, a[best].sig))
                    frames_into(&mc, f);
                pf_err_clear(err);
                pf_crash_free(&mc);
                free(msig);
                free(p);
            } else {
                pf_buf_free(&small);
            }
        }
        /* a finding keeps its smallest reproducer across nights */
        if (!f->reproducer || !f->repro_bytes || data.len <= f->repro_bytes ||
            before == PF_NS_FIXED) {
            if (keep_reproducer(n, f, &data, err) < 0 ||
                record_env(n, t, env, f, err) < 0) {
                pf_buf_free(&data);
                pf_buf_free(&closest);
                goto out;
            }
            explain_into(x, closest.len ? &closest : &data, f);
        }
        pf_buf_free(&data);
        pf_buf_free(&closest);
        for (size_t k = i; k < na; k++)
            if (k != i && a[k].sig && !strcmp(a[k].sig, a[i].sig)) {
                free(a[k].sig);
                a[k].sig = NULL;
            }
        free(a[i].sig);
        a[i].sig = NULL;
    }
    rc = 0;
    goto out;
oom:
    pf_err_set(err, PF_E_NOMEM, "out of memory");
out:
    for (size_t i = 0; i < na; i++) {
        free(a[i].path);
        free(a[i].sig);
        pf_crash_free(&a[i].crash);
    }
    free(a);
    free(d1);
    return rc;
}

/* ---- 5. earlier findings: fixed or still open ------------------------------ */

static int recheck(night *n, const pf_ntarget *t, char **env, pf_err *err)
{
    for (size_t i = 0; i < n->db.n; i++) {
        pf_nfinding *f = &n->db.f[i];
        if (f->seen_tonight || strcmp(f->target, t->name) || !f->reproducer ||
            f->status == PF_NS_FIXED)
            continue;
        char *p = fmt("%s/%s", n->st.dir, f->reproducer);
        if (!p)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        if (access(p, R_OK) < 0) {
            say(n, 1, "%s: the reproducer of finding %s is missing", t->name, f->id);
            free(p);
            continue;
        }
        char *sig = NULL;
        pf_crash c;
        pf_crash_init(&c);
        int r = sign(t, env, p, f->kind ? f->kind : "crash", &sig, &c, err);
        pf_crash_free(&c);
        free(p);
        if (r < 0) {
            free(sig);
            return -1;
        }
        f->status = r ? PF_NS_OPEN : PF_NS_FIXED;
        if (r) {
            f->nights++;
            if (replace(&f->last_seen, n->c->now) < 0) {
                free(sig);
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            }
        }
        f->seen_tonight = 1;
        free(sig);
    }
    return 0;
}

/* ---- the report model ------------------------------------------------------ */

static int fill_target(pf_report_target *rt, const pf_engine_result *er,
                       pf_err *err)
{
    rt->inputs = er->execs;
    rt->seconds = er->seconds;
    rt->line_coverage = -1;
    if (!er->nsamples)
        return 0;
    rt->execs_per_s = calloc(er->nsamples, sizeof *rt->execs_per_s);
    rt->coverage = calloc(er->nsamples, sizeof *rt->coverage);
    if (!rt->execs_per_s || !rt->coverage)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < er->nsamples; i++) {
        rt->execs_per_s[i].t = er->samples[i].t;
        rt->execs_per_s[i].value = er->samples[i].execs_per_s;
        rt->coverage[i].t = er->samples[i].t;
        rt->coverage[i].value = (double)er->samples[i].cov;
    }
    rt->nexecs_per_s = rt->ncoverage = er->nsamples;
    return 0;
}

static pf_status report_status(pf_nstatus s)
{
    switch (s) {
    case PF_NS_NEW: return PF_STATUS_NEW;
    case PF_NS_OPEN: return PF_STATUS_OPEN;
    case PF_NS_FIXED: return PF_STATUS_FIXED;
    case PF_NS_SUPPRESSED: return PF_STATUS_SUPPRESSED;
    }
    return PF_STATUS_OPEN;
}

static int fill_findings(night *n, pf_err *err)
{
    for (size_t i = 0; i < n->db.n; i++) {
        pf_nfinding *f = &n->db.f[i];
        int ran = 0;
        for (size_t k = 0; k < n->c->conf->n; k++)
            ran |= !strcmp(n->c->conf->t[k].name, f->target);
        if (!ran)
            continue;
        pf_finding r;
        memset(&r, 0, sizeof r);
        char *repro = f->reproducer ? fmt("%s/%s", n->st.dir, f->reproducer) : NULL;
        char *cmd = fmt("prodfuzz repro --state %s %s", n->st.dir, f->id);
        r.id = f->id;
        r.target = f->target;
        r.outcome = (pf_outcome)pf_outcome_from_name(f->outcome ? f->outcome : "crash");
        if ((int)r.outcome < 0)
            r.outcome = PF_OUT_CRASH;
        r.signature = f->signature;
        r.kind = f->kind ? f->kind : (char *)"";
        r.title = f->title ? f->title : f->signature;
        r.mclass = f->mclass;
        r.path = f->path;
        r.explain = f->explain;
        r.nexplain = f->nexplain;
        r.reproducer = repro;
        r.repro_bytes = f->repro_bytes;
        r.repro_cmd = cmd;
        r.top_file = f->top_file;
        r.top_line = f->top_line;
        r.stack = f->stack;
        r.count = f->count;
        r.status = report_status(f->status);
        r.first_seen = f->first_seen;
        r.last_seen = f->last_seen;
        r.suppress_reason = f->suppress_reason;
        r.suppress_until = f->suppress_until;
        pf_finding *got = pf_report_add_failure(n->rep, &r, err);
        free(repro);
        free(cmd);
        if (!got)
            return -1;
        /* the report keeps the database's status and count as they are */
        got->status = r.status;
        got->count = r.count;
    }
    return 0;
}

static int add_history(night *n, pf_err *err)
{
    pf_nnight *g = realloc(n->db.nights, (n->db.nnights + 1) * sizeof *g);
    if (!g)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    n->db.nights = g;
    pf_nnight *row = &g[n->db.nnights++];
    memset(row, 0, sizeof *row);
    row->date = strdup(n->c->now);
    row->run_id = strdup(n->c->run_id);
    if (!row->date || !row->run_id)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n->db.n; i++) {
        pf_nfinding *f = &n->db.f[i];
        if (!f->seen_tonight)
            continue;
        switch (f->status) {
        case PF_NS_NEW: row->nnew++; break;
        case PF_NS_OPEN: row->nopen++; break;
        case PF_NS_FIXED: row->nfixed++; continue;
        case PF_NS_SUPPRESSED: row->nsuppressed++; break;
        }
        const char *cls = f->mclass ? f->mclass : "unexplained";
        size_t k = 0;
        for (; k < row->nclasses; k++)
            if (!strcmp(row->classes[k], cls))
                break;
        if (k == row->nclasses) {
            char **c = realloc(row->classes, (k + 1) * sizeof *c);
            uint64_t *cc = c ? realloc(row->class_counts, (k + 1) * sizeof *cc) : NULL;
            if (c)
                row->classes = c;
            if (!c || !cc || !(c[k] = strdup(cls)))
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            row->class_counts = cc;
            cc[k] = 0;
            row->nclasses++;
        }
        row->class_counts[k]++;
    }
    n->rep->history = calloc(n->db.nnights, sizeof *n->rep->history);
    if (!n->rep->history)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n->db.nnights; i++) {
        const pf_nnight *s = &n->db.nights[i];
        pf_night *d = &n->rep->history[i];
        d->date = strdup(s->date ? s->date : "");
        d->new_findings = s->nnew;
        d->open_findings = s->nopen;
        d->fixed_findings = s->nfixed;
        if (s->nclasses) {
            d->classes = calloc(s->nclasses, sizeof *d->classes);
            d->class_counts = calloc(s->nclasses, sizeof *d->class_counts);
            if (!d->classes || !d->class_counts)
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            for (size_t k = 0; k < s->nclasses; k++) {
                d->classes[k] = strdup(s->classes[k]);
                d->class_counts[k] = s->class_counts[k];
            }
            d->nclasses = s->nclasses;
        }
        n->rep->nhistory = i + 1;
    }
    return 0;
}

/* --import: reproducers found elsewhere join tonight's artifacts */
static int copy_in_dir(const char *from, const char *work, pf_err *err)
{
    char **names = NULL;
    size_t k = 0;
    char *dir = fmt("%s/artifacts", work);
    int rc = -1;
    if (!dir || pf_fs_mkdirs(dir, 0755, err) < 0 ||
        pf_dir_files(from, &names, &k, err) < 0)
        goto out;
    for (size_t i = 0; i < k; i++) {
        pf_buf data = PF_BUF_INIT;
        char *src = fmt("%s/%s", from, names[i]);
        char *dst = fmt("%s/%s%s", dir, IMPORTED, names[i]);
        int r = src && dst ? pf_fs_read_file(src, (size_t)1 << 30, &data, err)
                           : pf_err_set(err, PF_E_NOMEM, "out of memory");
        if (r == 0)
            r = pf_fs_write_atomic(dst, data.data, data.len, 0644, err);
        pf_buf_free(&data);
        free(src);
        free(dst);
        if (r < 0)
            goto out;
    }
    rc = 0;
out:
    pf_dir_files_free(names, k);
    free(dir);
    return rc;
}

/* ---- one target -------------------------------------------------------------- */

static void engine_progress(void *ctx, const pf_nsample *s, unsigned restarts,
                            unsigned artifacts)
{
    const struct { const night *n; const char *name; } *p = ctx;
    if (p->n->c->progress)
        p->n->c->progress(p->n->c->ctx, p->name, s, restarts, artifacts);
}

static int run_target(night *n, pf_ntarget *t, double seconds, const char *eng,
                      pf_err *err)
{
    int afl = !strcmp(eng, "afl");
    char *name = afl ? fmt("%s-afl", t->name) : strdup(t->name);
    int forked = !afl && n->c->fork_mode;
    pf_report_target *rt = name ? pf_report_add_target(n->rep, name,
                                                       afl ? "afl" : forked ? "libfuzzer-fork"
                                                                            : "libfuzzer", err)
                                : NULL;
    char *work = fmt("%s/%s%s", n->work, t->name, afl ? "-afl" : "");
    char *learned = fmt("%s/%s/corpus", n->st.dir, t->name);
    char *logs = fmt("%s/logs/%s", n->out, name ? name : "");
    char **env = NULL;
    pf_explainer *x = NULL;
    pf_engine_result er;
    memset(&er, 0, sizeof er);
    int rc = -1;
    if (!rt || !work || !learned || !logs) {
        if (!err->code)
            pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    pf_err terr = PF_ERR_INIT;
    /* absolute: the engines run in the work folder */
    char **paths[] = {&t->binary, &t->afl_binary, &t->corpus, &t->shape, &t->dict};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *r = *paths[i] ? realpath(*paths[i], NULL) : NULL;
        if (r) {
            free(*paths[i]);
            *paths[i] = r;
        }
    }
    if (check_target(n, t, afl, &terr) < 0 || !(env = target_env(t, &terr))) {
        rt->error = 1;
        rt->error_msg = strdup(terr.msg);
        n->res->ntarget_errors++;
        say(n, 1, "%s", terr.msg);
        rc = 0;
        goto out;
    }
    pf_engine_cfg ec;
    memset(&ec, 0, sizeof ec);
    ec.engine = afl ? "afl" : "libfuzzer";
    ec.target = afl ? t->afl_binary : t->binary;
    ec.seeds = t->corpus;
    ec.learned = learned;
    ec.work = work;
    ec.logs = logs;
    ec.dict = t->dict;
    ec.env = env;
    ec.extra_args = afl ? NULL : t->args;
    ec.afl_mutator = n->c->afl_mutator;
    ec.lim = t->lim;
    ec.seconds = seconds;
    ec.jobs = n->c->jobs;
    ec.fork_mode = forked;
    ec.stop = n->c->stop;
    struct { const night *n; const char *name; } pctx = {n, name};
    ec.progress = engine_progress;
    ec.ctx = &pctx;
    say(n, 0, "%s: %s%s for %.0f s, %d job%s, seeds %s", name, ec.engine,
        forked ? " (fork mode)" : "", seconds,
        ec.jobs > 0 ? ec.jobs : 1, ec.jobs > 1 ? "s" : "",
        t->corpus ? t->corpus : "(none)");
    if (t->import && copy_in_dir(t->import, work, &terr) < 0) {
        rt->error = 1;
        rt->error_msg = strdup(terr.msg);
        n->res->ntarget_errors++;
        say(n, 1, "%s", terr.msg);
        rc = 0;
        goto out;
    }
    if (seconds <= 0) {
        /* no fuzzing tonight: only the imported reproducers and the
         * earlier findings */
    } else if (pf_engine_run(&ec, &er, &terr) < 0) {
        rt->error = 1;
        rt->error_msg = strdup(terr.msg);
        n->res->ntarget_errors++;
        say(n, 1, "%s", terr.msg);
        /* whatever it left is still kept below */
    }
    if (er.stopped)
        n->res->stopped = 1;
    if (fill_target(rt, &er, err) < 0)
        goto out;
    /* 3. the state corpus */
    if (seconds > 0) {
        char *merged = fmt("%s/merged", work);
        char *wcorp = fmt("%s/corpus", work);
        /* AFL++: the queues of the main and every secondary */
        int nq = afl ? (n->c->jobs > 0 ? n->c->jobs : 1) : 0;
        char *aflq[9] = {NULL};
        const char *dirs[10] = {learned, wcorp};
        size_t nd = 2;
        for (int i = 0; i < nq && i < 8; i++) {
            aflq[i] = i ? fmt("%s/afl/sec%d/queue", work, i)
                        : fmt("%s/afl/main/queue", work);
            dirs[nd++] = aflq[i];
        }
        ec.target = t->binary; /* merge with the libFuzzer build */
        pf_err merr = PF_ERR_INIT;
        int ok = merged && wcorp && pf_engine_merge(&ec, merged, dirs, nd, &merr) == 0;
        char **mn = NULL;
        size_t nm = 0;
        if (ok && pf_dir_files(merged, &mn, &nm, &merr) == 0) {
            pf_dir_files_free(mn, nm);
            ok = nm > 0;
        } else {
            ok = 0;
        }
        if (!ok)
            say(n, 1, "%s: the corpus merge did not finish (%s); the state "
                "corpus keeps every input instead", name,
                merr.msg[0] ? merr.msg : "no inputs");
        char *man = fmt("{\"tool\":\"prodfuzz nightly\",\"version\":\"%s\","
                        "\"target\":\"%s\",\"run_id\":\"%s\",\"updated\":\"%s\"}",
                        n->c->version, t->name, n->c->run_id, n->c->now);
        const char *srcs_ok[1] = {merged};
        int64_t kept = man ? pf_corpus_replace(learned, ok ? srcs_ok : dirs,
                                               ok ? 1 : nd, n->c->cap_files,
                                               n->c->cap_bytes, man, &merr)
                           : -1;
        if (kept < 0)
            say(n, 1, "%s: the state corpus was not updated (%s); the "
                "previous one is kept", name, merr.msg);
        else
            say(n, 0, "%s: %llu executions, %u restarts, state corpus %lld "
                "inputs", name, (unsigned long long)er.execs, er.restarts,
                (long long)kept);
        if (forked && er.seed_files)
            say(n, 0, "%s: fork mode kept all %zu seed inputs (production "
                "seeds and state corpus: %zu)", name, er.seed_files,
                er.seed_expected);
        free(man);
        free(merged);
        free(wcorp);
        for (int i = 0; i < 9; i++)
            free(aflq[i]);
    }
    /* line coverage: the seeds alone, then with what the nights learned */
    if (t->coverage && !(n->c->stop && *n->c->stop)) {
        char *tmp = fmt("%s/coverage", work);
        const char *dirs[2] = {t->corpus, learned};
        uint64_t cs = 0, ts = 0, ca = 0, ta = 0;
        pf_err cerr = PF_ERR_INIT;
        char *cov = realpath(t->coverage, NULL);
        if (tmp && cov &&
            pf_coverage_lines(cov, env, dirs, 1, tmp, &cs, &ts, &cerr) == 0 &&
            pf_coverage_lines(cov, env, dirs, 2, tmp, &ca, &ta, &cerr) == 0 && ta) {
            rt->line_coverage = 100.0 * (double)ca / (double)ta;
            say(n, 0, "%s: line coverage %.1f%% (%llu of %llu lines); %llu "
                "lines reached only by the mutants the nights kept (the "
                "production seeds alone: %llu)", name, rt->line_coverage,
                (unsigned long long)ca, (unsigned long long)ta,
                (unsigned long long)(ca > cs ? ca - cs : 0),
                (unsigned long long)cs);
        } else {
            say(n, 1, "%s: no line coverage (%s)", name,
                cov ? cerr.msg : "the coverage build is missing");
        }
        free(cov);
        free(tmp);
    }
    /* 4. and 5. */
    if (pf_explainer_open(t->shape, t->corpus, &x, &terr) < 0) {
        say(n, 1, "%s: no explanations (%s)", name, terr.msg);
        x = NULL;
    }
    if (findings(n, t, env, work, afl, x, err) < 0 || recheck(n, t, env, err) < 0)
        goto out;
    rc = 0;
out:
    if (x)
        pf_explainer_close(x);
    pf_engine_result_free(&er);
    pf_argv_free(env);
    free(name);
    free(work);
    free(learned);
    free(logs);
    return rc;
}

int pf_night_run(const pf_night_cfg *c, pf_report *rep, pf_night_result *res,
                 pf_err *err)
{
    night n;
    memset(&n, 0, sizeof n);
    memset(res, 0, sizeof *res);
    n.c = c;
    n.rep = rep;
    n.res = res;
    pf_ndb_init(&n.db);
    pf_nsupps supps;
    memset(&supps, 0, sizeof supps);
    int rc = -1;
    char *dbpath = NULL;
    if (pf_nstate_open(c->state_dir, &n.st, err) < 0)
        return -1;
    if (!(dbpath = pf_nstate_path(&n.st, "findings.json")) ||
        !(n.work = fmt("%s/run-%s", n.st.dir, c->run_id))) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    if (pf_ndb_load(dbpath, &n.db, err) < 0)
        goto out;
    if (c->suppressions && pf_nsupps_load(c->suppressions, &supps, 1, err) < 0)
        goto out;
    if (pf_fs_mkdirs(c->out_dir, 0755, err) < 0 || pf_fs_mkdirs(n.work, 0755, err) < 0)
        goto out;
    if (!(n.out = realpath(c->out_dir, NULL))) {
        pf_err_errno(err, errno, "cannot resolve %s", c->out_dir);
        goto out;
    }
    double total = 0;
    for (size_t i = 0; i < c->conf->n; i++)
        total += c->conf->t[i].share;
    for (size_t i = 0; i < c->conf->n; i++) {
        if (c->stop && *c->stop)
            break;
        pf_ntarget *t = &c->conf->t[i];
        double secs = c->budget_s * t->share / (total > 0 ? total : 1);
        const char *eng = c->engine ? c->engine : "libfuzzer";
        if (!strcmp(eng, "both")) {
            if (run_target(&n, t, secs / 2, "libfuzzer", err) < 0 ||
                run_target(&n, t, secs / 2, "afl", err) < 0)
                goto out;
        } else if (run_target(&n, t, secs, eng, err) < 0) {
            goto out;
        }
    }
    pf_nsupps_apply(&supps, &n.db, c->today);
    for (size_t i = 0; i < n.db.n; i++) {
        const pf_nfinding *f = &n.db.f[i];
        if (!f->seen_tonight)
            continue;
        if (f->status == PF_NS_NEW)
            res->nnew++;
        else if (f->suppress_expired && f->status == PF_NS_OPEN)
            res->nexpired++;
    }
    if (add_history(&n, err) < 0 || fill_findings(&n, err) < 0)
        goto out;
    if (pf_ndb_save(&n.db, dbpath, err) < 0)
        goto out;
    {
        char fin[32];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(fin, sizeof fin, "%Y-%m-%dT%H:%M:%SZ", &tm);
        free(rep->finished);
        rep->finished = strdup(fin);
    }
    if (pf_report_write_all(rep, c->out_dir, err) < 0)
        goto out;
    rc = 0;
out:
    if (n.work)
        pf_fs_remove_tree(n.work, NULL);
    free(n.work);
    free(n.out);
    free(dbpath);
    pf_nsupps_free(&supps);
    pf_ndb_free(&n.db);
    pf_nstate_close(&n.st);
    return rc;
}
