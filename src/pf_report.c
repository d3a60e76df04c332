/*
 * pf_report: the report model (pf_report.h): targets, findings merged by
 * signature, history; and pf_report_write_all, which runs every writer.
 *
 * The writers live one per file (pf_report_json.c, _md.c, _sarif.c,
 * _junit.c, _html.c); the helpers they share are in pf_report_util.c.
 */
#include "pf_report.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_report_int.h"

void *pf_rep_grow(void *arr, size_t n, size_t elem)
{
    /* room for n + 1 elements; the block doubles, so adding one at a time is
     * linear (the capacity is read back from the allocator, so arrays a
     * caller allocated exactly are safe too) */
    if (arr && (n + 1) * elem <= malloc_usable_size(arr))
        return arr;
    size_t want = n < 4 ? 4 : n * 2;
    if (want > ((size_t)-1) / elem)
        return NULL;
    return realloc(arr, want * elem);
}

const char *pf_status_name(pf_status s)
{
    switch (s) {
    case PF_STATUS_NEW: return "new";
    case PF_STATUS_OPEN: return "open";
    case PF_STATUS_FIXED: return "fixed";
    case PF_STATUS_SUPPRESSED: return "suppressed";
    }
    return "unknown";
}

int pf_status_from_name(const char *s)
{
    for (int i = 0; i <= PF_STATUS_SUPPRESSED; i++)
        if (s && strcmp(s, pf_status_name((pf_status)i)) == 0)
            return i;
    return -1;
}

int pf_finding_id(const char *signature, char out[13], pf_err *err)
{
    char hex[41];
    const char *s = signature ? signature : "";
    if (pf_sha1_hex(s, strlen(s), hex, err) < 0)
        return -1;
    memcpy(out, hex, 12);
    out[12] = '\0';
    return 0;
}

void pf_report_init(pf_report *r, const char *tool, const char *run_id)
{
    memset(r, 0, sizeof(*r));
    r->tool = tool ? strdup(tool) : NULL;
    r->run_id = run_id ? strdup(run_id) : NULL;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void pf_report_target_free(pf_report_target *t)
{
    free(t->name);
    free(t->engine);
    free_strv(t->classes, t->nclasses);
    free(t->by_class);
    free(t->execs_per_s);
    free(t->coverage);
    free(t->error_msg);
    memset(t, 0, sizeof(*t));
}

void pf_finding_free(pf_finding *f)
{
    free(f->id);
    free(f->target);
    free(f->signature);
    free(f->kind);
    free(f->title);
    free(f->mclass);
    free(f->path);
    free_strv(f->explain, f->nexplain);
    free(f->reproducer);
    free(f->repro_cmd);
    free(f->top_file);
    free(f->stack);
    free(f->first_seen);
    free(f->last_seen);
    free(f->suppress_reason);
    free(f->suppress_until);
    memset(f, 0, sizeof(*f));
}

static void pf_night_free(pf_night *n)
{
    free(n->date);
    free_strv(n->classes, n->nclasses);
    free(n->class_counts);
    memset(n, 0, sizeof(*n));
}

void pf_report_free(pf_report *r)
{
    for (size_t i = 0; i < r->ntargets; i++)
        pf_report_target_free(&r->targets[i]);
    for (size_t i = 0; i < r->nfindings; i++)
        pf_finding_free(&r->findings[i]);
    for (size_t i = 0; i < r->nhistory; i++)
        pf_night_free(&r->history[i]);
    free(r->targets);
    free(r->findings);
    free(r->history);
    free(r->tool);
    free(r->run_id);
    free(r->started);
    free(r->finished);
    free(r->src_root);
    memset(r, 0, sizeof(*r));
}

pf_report_target *pf_report_add_target(pf_report *r, const char *name,
                                       const char *engine, pf_err *err)
{
    pf_report_target *t = pf_rep_grow(r->targets, r->ntargets, sizeof(*r->targets));
    if (!t) {
        pf_err_set(err, PF_E_NOMEM, "out of memory adding a report target");
        return NULL;
    }
    r->targets = t;
    t = &r->targets[r->ntargets];
    memset(t, 0, sizeof(*t));
    t->line_coverage = -1;
    t->name = strdup(name ? name : "");
    t->engine = strdup(engine ? engine : "");
    if (!t->name || !t->engine) {
        pf_report_target_free(t);
        pf_err_set(err, PF_E_NOMEM, "out of memory adding a report target");
        return NULL;
    }
    r->ntargets++;
    return t;
}

static int dup_opt(char **dst, const char *src)
{
    free(*dst);
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

/* The reproducer and what describes it (class, path, explanation, repro
 * command) travel together. */
static int copy_repro(pf_finding *d, const pf_finding *s)
{
    if (dup_opt(&d->reproducer, s->reproducer) < 0 ||
        dup_opt(&d->repro_cmd, s->repro_cmd) < 0 ||
        dup_opt(&d->mclass, s->mclass) < 0 || dup_opt(&d->path, s->path) < 0)
        return -1;
    d->repro_bytes = s->repro_bytes;
    free_strv(d->explain, d->nexplain);
    d->explain = NULL;
    d->nexplain = 0;
    if (s->nexplain) {
        d->explain = calloc(s->nexplain, sizeof(char *));
        if (!d->explain)
            return -1;
        d->nexplain = s->nexplain;
        for (size_t i = 0; i < s->nexplain; i++)
            if (dup_opt(&d->explain[i], s->explain[i]) < 0)
                return -1;
    }
    return 0;
}

static int copy_finding(pf_finding *d, const pf_finding *s, pf_err *err)
{
    memset(d, 0, sizeof(*d));
    char id[13];
    if (!s->id && pf_finding_id(s->signature, id, err) < 0)
        return -1;
    if (dup_opt(&d->id, s->id ? s->id : id) < 0 ||
        dup_opt(&d->target, s->target) < 0 ||
        dup_opt(&d->signature, s->signature ? s->signature : "") < 0 ||
        dup_opt(&d->kind, s->kind ? s->kind : "") < 0 ||
        dup_opt(&d->title, s->title) < 0 || copy_repro(d, s) < 0 ||
        dup_opt(&d->top_file, s->top_file) < 0 ||
        dup_opt(&d->stack, s->stack) < 0 ||
        dup_opt(&d->first_seen, s->first_seen) < 0 ||
        dup_opt(&d->last_seen, s->last_seen) < 0 ||
        dup_opt(&d->suppress_reason, s->suppress_reason) < 0 ||
        dup_opt(&d->suppress_until, s->suppress_until) < 0) {
        pf_finding_free(d);
        return pf_err_set(err, PF_E_NOMEM, "out of memory adding a finding");
    }
    d->outcome = s->outcome;
    d->top_line = s->top_line;
    d->count = s->count ? s->count : 1;
    d->status = s->status;
    return 0;
}

/* RFC 3339 UTC strings order as text. */
static int later(const char *a, const char *b)
{
    return a && (!b || strcmp(a, b) > 0);
}

pf_finding *pf_report_add_failure(pf_report *r, const pf_finding *f,
                                  pf_err *err)
{
    const char *sig = f->signature ? f->signature : "";
    for (size_t i = 0; i < r->nfindings; i++) {
        pf_finding *e = &r->findings[i];
        if (strcmp(e->signature, sig) != 0)
            continue;
        e->count += f->count ? f->count : 1;
        if (f->reproducer && (!e->reproducer || f->repro_bytes < e->repro_bytes))
            if (copy_repro(e, f) < 0) {
                pf_err_set(err, PF_E_NOMEM, "out of memory merging a finding");
                return NULL;
            }
        if (later(f->last_seen, e->last_seen) && dup_opt(&e->last_seen, f->last_seen) < 0) {
            pf_err_set(err, PF_E_NOMEM, "out of memory merging a finding");
            return NULL;
        }
        if (f->first_seen && (!e->first_seen || strcmp(f->first_seen, e->first_seen) < 0) &&
            dup_opt(&e->first_seen, f->first_seen) < 0) {
            pf_err_set(err, PF_E_NOMEM, "out of memory merging a finding");
            return NULL;
        }
        return e;
    }
    pf_finding *n = pf_rep_grow(r->findings, r->nfindings, sizeof(*n));
    if (!n) {
        pf_err_set(err, PF_E_NOMEM, "out of memory adding a finding");
        return NULL;
    }
    r->findings = n;
    if (copy_finding(&r->findings[r->nfindings], f, err) < 0)
        return NULL;
    return &r->findings[r->nfindings++];
}

size_t pf_report_count_failing(const pf_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].status == PF_STATUS_NEW ||
            r->findings[i].status == PF_STATUS_OPEN)
            n++;
    return n;
}

void pf_finding_from_crash(pf_finding *f, const pf_crash *c, pf_buf *title,
                           pf_buf *stack)
{
    pf_buf_reset(title);
    pf_crash_title(c, title);
    pf_buf_reset(stack);
    for (int i = 0; i < c->nframes; i++) {
        const pf_frame *fr = &c->frames[i];
        pf_buf_addf(stack, "#%d %s", i, fr->func ? fr->func : "?");
        if (fr->file) {
            pf_buf_addf(stack, " %s", fr->file);
            if (fr->line > 0)
                pf_buf_addf(stack, ":%d", fr->line);
        } else if (fr->module) {
            pf_buf_addf(stack, " (%s)", fr->module);
        }
        pf_buf_adds(stack, fr->own ? "\n" : " [not own]\n");
    }
    f->stack = stack->len ? stack->data : NULL;
    f->kind = (char *)c->kind;
    f->signature = c->signature;
    f->title = title->data;
    const pf_frame *top = pf_crash_top_frame(c);
    f->top_file = top ? top->file : NULL;
    f->top_line = top ? top->line : 0;
}

int pf_report_target_count(pf_report_target *t, const char *mclass,
                           pf_outcome o, pf_err *err)
{
    if ((unsigned)o >= PF_OUT__COUNT)
        return pf_err_set(err, PF_E_INTERNAL, "outcome %d out of range", (int)o);
    t->outcomes[o]++;
    if (!mclass)
        return 0;
    size_t i = 0;
    while (i < t->nclasses && strcmp(t->classes[i], mclass) != 0)
        i++;
    if (i == t->nclasses) {
        char **c = realloc(t->classes, (i + 1) * sizeof(*c));
        if (!c)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        t->classes = c;
        uint64_t(*b)[PF_OUT__COUNT] = realloc(t->by_class, (i + 1) * sizeof(*b));
        if (!b)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        t->by_class = b;
        memset(b[i], 0, sizeof(b[i]));
        if (!(c[i] = strdup(mclass)))
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        t->nclasses++;
    }
    t->by_class[i][o]++;
    return 0;
}

int pf_report_add_point(pf_point **pts, size_t *n, double t, double value,
                        pf_err *err)
{
    pf_point *p = pf_rep_grow(*pts, *n, sizeof(*p));
    if (!p)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    *pts = p;
    p[*n].t = t;
    p[*n].value = value;
    (*n)++;
    return 0;
}

pf_night *pf_report_add_night(pf_report *r, const char *date, pf_err *err)
{
    pf_night *h = pf_rep_grow(r->history, r->nhistory, sizeof(*h));
    if (!h) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    r->history = h;
    h = &r->history[r->nhistory];
    memset(h, 0, sizeof(*h));
    if (!(h->date = strdup(date ? date : ""))) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    r->nhistory++;
    return h;
}

int pf_night_set_class(pf_night *n, const char *mclass, uint64_t count,
                       pf_err *err)
{
    for (size_t i = 0; i < n->nclasses; i++)
        if (strcmp(n->classes[i], mclass) == 0) {
            n->class_counts[i] = count;
            return 0;
        }
    char **c = realloc(n->classes, (n->nclasses + 1) * sizeof(*c));
    if (!c)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    n->classes = c;
    uint64_t *k = realloc(n->class_counts, (n->nclasses + 1) * sizeof(*k));
    if (!k)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    n->class_counts = k;
    if (!(c[n->nclasses] = strdup(mclass)))
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    k[n->nclasses++] = count;
    return 0;
}

int pf_report_write_all(const pf_report *r, const char *dir, pf_err *err)
{
    static const struct {
        const char *name;
        int (*write)(const pf_report *, const char *, pf_err *);
    } w[] = {
        {"report.json", pf_report_write_json},
        {"report.md", pf_report_write_md},
        {"report.sarif", pf_report_write_sarif},
        {"junit.xml", pf_report_write_junit},
        {"report.html", pf_report_write_html},
    };
    if (pf_fs_mkdirs(dir, 0755, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        pf_buf p = PF_BUF_INIT;
        pf_buf_addf(&p, "%s/%s", dir, w[i].name);
        if (pf_buf_ok(&p, err) < 0 || w[i].write(r, p.data, err) < 0) {
            pf_buf_free(&p);
            return -1;
        }
        pf_buf_free(&p);
    }
    return 0;
}
