/*
 * pf_anon_pool: anonymization on several threads, output in input order.
 *
 * The caller (sample's row callback, anonymize's line loop) puts
 * documents; they are copied into batches of a few hundred documents;
 * worker threads, each with its own engine (its own value cache and
 * scratch), anonymize whole batches; the caller's thread takes finished
 * batches back in the order they were put and hands each document's
 * result to the emit callback. So the output is byte-identical to a run
 * on one thread: the transforms depend on key, action and value only, and
 * a cache hit returns exactly what a miss computes.
 *
 * The leak check is the one part with state across documents (the two
 * fingerprint sets). Workers do its costly part (tokens, SipHash) and log
 * the set operations (pf_anon_set_defer); the caller's thread replays each
 * document's log on the main engine, in input order, just before emitting
 * it: the same leaks, counts and report lines whatever the thread count.
 *
 * Memory stays bounded: a ring of 2 x jobs + 2 batches (256 documents or
 * 256 KiB of input each, whichever comes first); put waits for the oldest
 * batch when the ring is full or when the batches on their way hold more
 * than 32 MiB of input (huge documents), and a buffer that grew for a huge
 * document is freed once its batch is emitted. With jobs = 1 there are no threads: the
 * main engine does everything in put.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_anon_int.h"

#define BATCH_DOCS 256
#define BATCH_BYTES ((size_t)256 << 10)
#define WORKER_CACHE_HEAP ((size_t)2 << 20)
#define INFLIGHT_MAX ((size_t)32 << 20) /* input bytes on their way, beyond one batch */

enum { B_FREE = 0, B_QUEUED, B_WORKING, B_DONE };

typedef struct pitem {
    size_t table_off, row_off, in_off, in_len; /* in the batch's input arena */
    size_t out_off, out_len;
    size_t log_off, log_n;
    size_t emsg_off;
    int text, has_table, rc;
    pf_code code;
    uintptr_t tag;
} pitem;

typedef struct batch {
    int state;
    pf_buf in, out, emsg;
    pitem *items;
    size_t n, cap;
    uint64_t *log;
    size_t log_n, log_cap;
    int oom; /* the worker ran out of memory on this batch */
} batch;

typedef struct worker {
    struct pf_anon_pool *p;
    pf_anon *eng;
    pthread_t th;
    int started;
} worker;

struct pf_anon_pool {
    pf_anon *main;
    int jobs, verify, folded;
    pf_anon_emit_fn emit;
    void *ctx;
    worker *w;
    batch *ring;
    size_t nring;
    uint64_t fill, take, done_upto; /* sequence numbers: filling, next to take, next to emit */
    size_t inflight; /* input bytes of the batches submitted and not yet emitted */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    int stop, failed;
    pf_buf scratch; /* jobs = 1: one output */
};

/* A buffer that grew for a huge document is given back, not kept for
 * the batches after it. */
static void buf_reset_small(pf_buf *b)
{
    if (b->cap > 4 * BATCH_BYTES)
        pf_buf_free(b);
    else
        pf_buf_reset(b);
}

static void batch_reset(batch *b)
{
    buf_reset_small(&b->in);
    buf_reset_small(&b->out);
    pf_buf_reset(&b->emsg);
    b->n = 0;
    b->log_n = 0;
    b->oom = 0;
}

static void batch_free(batch *b)
{
    pf_buf_free(&b->in);
    pf_buf_free(&b->out);
    pf_buf_free(&b->emsg);
    free(b->items);
    free(b->log);
}

static int log_append(batch *b, const uint64_t *v, size_t n)
{
    if (b->log_n + n > b->log_cap) {
        size_t c = b->log_cap ? b->log_cap : 4096;
        while (c < b->log_n + n)
            c *= 2;
        uint64_t *nl = realloc(b->log, c * sizeof *nl);
        if (!nl)
            return -1;
        b->log = nl;
        b->log_cap = c;
    }
    if (n)
        memcpy(b->log + b->log_n, v, n * sizeof *v);
    b->log_n += n;
    return 0;
}

/* Anonymize every document of b with engine e (a worker's). */
static void run_batch(pf_anon *e, batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        pitem *it = &b->items[i];
        const char *table = it->has_table ? b->in.data + it->table_off : NULL;
        const char *row = b->in.data + it->row_off;
        const char *d = b->in.data + it->in_off;
        pf_err err = PF_ERR_INIT;
        it->out_off = b->out.len;
        it->rc = it->text ? pf_anon_text(e, table, row, d, it->in_len, &b->out, &err)
                          : pf_anon_doc(e, table, row, d, it->in_len, &b->out, &err);
        it->out_len = b->out.len - it->out_off;
        it->code = err.code;
        it->emsg_off = b->emsg.len;
        if (it->rc < 0)
            pf_buf_add(&b->emsg, err.msg, strlen(err.msg));
        pf_buf_addc(&b->emsg, '\0');
        size_t ln;
        int loom;
        const uint64_t *l = pf_anon_dlog(e, &ln, &loom);
        it->log_off = b->log_n;
        it->log_n = ln;
        if (loom || log_append(b, l, ln) < 0)
            b->oom = 1;
        pf_anon_dlog_reset(e);
    }
    if (b->out.oom || b->emsg.oom)
        b->oom = 1;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    struct pf_anon_pool *p = w->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->take == p->fill)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->take == p->fill) /* stop, and nothing queued */
            break;
        batch *b = &p->ring[p->take % p->nring];
        p->take++;
        b->state = B_WORKING;
        pthread_mutex_unlock(&p->mu);
        run_batch(w->eng, b);
        pthread_mutex_lock(&p->mu);
        b->state = B_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int pf_anon_pool_new(pf_anon_pool **out, const pf_key *key, const pf_policy *policy,
                     int verify, int jobs, pf_anon_emit_fn emit, void *ctx, pf_err *err)
{
    *out = NULL;
    if (jobs < 1)
        jobs = 1;
    if (jobs > PF_ANON_MAX_JOBS)
        jobs = PF_ANON_MAX_JOBS;
    pf_anon_pool *p = calloc(1, sizeof *p);
    if (!p)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    p->jobs = jobs;
    p->verify = verify;
    p->emit = emit;
    p->ctx = ctx;
    pf_buf_init(&p->scratch);
    if (pf_anon_new(&p->main, key, policy, verify, err) < 0) {
        free(p);
        return -1;
    }
    if (jobs == 1) {
        *out = p;
        return 0;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->nring = 2 * (size_t)jobs + 2;
    p->ring = calloc(p->nring, sizeof *p->ring);
    p->w = calloc((size_t)jobs, sizeof *p->w);
    if (!p->ring || !p->w) {
        pf_anon_pool_free(p);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->nring; i++) {
        pf_buf_init(&p->ring[i].in);
        pf_buf_init(&p->ring[i].out);
        pf_buf_init(&p->ring[i].emsg);
    }
    for (int i = 0; i < jobs; i++) {
        p->w[i].p = p;
        if (pf_anon_new(&p->w[i].eng, key, policy, verify, err) < 0) {
            pf_anon_pool_free(p);
            return -1;
        }
        pf_anon_set_defer(p->w[i].eng, 1);
        pf_anon_set_cache_heap(p->w[i].eng, WORKER_CACHE_HEAP);
    }
    /* signals go to the caller's thread (its handlers set flags that its
     * loops poll), never to a worker; but not the ones a fault raises in
     * the thread that caused it (blocked, a SIGSEGV is undefined behaviour
     * and hangs or kills without a report) */
    sigset_t all, old;
    sigfillset(&all);
    static const int synchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof synchronous / sizeof *synchronous; i++)
        sigdelset(&all, synchronous[i]);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (int i = 0; i < jobs; i++) {
        if (pthread_create(&p->w[i].th, NULL, worker_main, &p->w[i]) != 0) {
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            pf_anon_pool_free(p);
            return pf_err_set(err, PF_E_ENV, "cannot start anonymization threads");
        }
        p->w[i].started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    *out = p;
    return 0;
}

/* Hand one finished document to the caller: replay its leak log, emit. */
static int emit_item(pf_anon_pool *p, batch *b, const pitem *it, pf_err *err)
{
    /* a document that failed early (too deep) logged nothing: the batch
     * may have no log buffer at all, and NULL + 0 is undefined */
    if (p->verify)
        pf_anon_replay(p->main, b->log ? b->log + it->log_off : NULL, it->log_n,
                       b->in.data + it->row_off,
                       b->in.data + it->in_off, it->in_len);
    pf_anon_result r;
    memset(&r, 0, sizeof r);
    r.table = it->has_table ? b->in.data + it->table_off : NULL;
    r.row = b->in.data + it->row_off;
    r.in = b->in.data + it->in_off;
    r.in_len = it->in_len;
    /* a batch whose documents all failed (too deep, not JSON) has no
     * output buffer at all: no pointer arithmetic on NULL */
    r.out = b->out.data ? b->out.data + it->out_off : NULL;
    r.out_len = it->out_len;
    r.text = it->text;
    r.tag = it->tag;
    r.rc = it->rc;
    pf_err derr = PF_ERR_INIT;
    if (it->rc < 0) {
        derr.code = it->code;
        snprintf(derr.msg, sizeof derr.msg, "%s", b->emsg.data + it->emsg_off);
    }
    r.err = &derr;
    return p->emit(p->ctx, &r, err);
}

/* Emit finished batches in order; wait for the oldest when the ring has
 * no free slot for the next batch, or always when until_empty (flush). */
static int drain(pf_anon_pool *p, int until_empty, pf_err *err)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (p->done_upto == p->fill) {
            pthread_mutex_unlock(&p->mu);
            return 0;
        }
        batch *b = &p->ring[p->done_upto % p->nring];
        /* wait for the oldest batch when the ring is full, or when the
         * batches on their way hold too much (a few huge documents) */
        int must = until_empty || p->fill - p->done_upto >= p->nring ||
                   p->inflight > INFLIGHT_MAX;
        while (must && b->state != B_DONE)
            pthread_cond_wait(&p->done, &p->mu);
        int ready = b->state == B_DONE;
        pthread_mutex_unlock(&p->mu);
        if (!ready)
            return 0;
        if (b->oom) {
            p->failed = 1;
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < b->n; i++)
            if (emit_item(p, b, &b->items[i], err) < 0) {
                p->failed = 1;
                return -1;
            }
        size_t inb = b->in.len;
        batch_reset(b);
        pthread_mutex_lock(&p->mu);
        b->state = B_FREE;
        p->done_upto++;
        p->inflight -= inb;
        pthread_mutex_unlock(&p->mu);
    }
}

static void submit(pf_anon_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->ring[p->fill % p->nring].state = B_QUEUED;
    p->inflight += p->ring[p->fill % p->nring].in.len;
    p->fill++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

/* After pf_anon_pool_engine the workers are gone: a batch put then would
 * wait for them forever. */
static int stopped(const pf_anon_pool *p, pf_err *err)
{
    if (p->failed)
        return pf_err_set(err, PF_E_INTERNAL, "the anonymization pool stopped earlier");
    if (p->folded)
        return pf_err_set(err, PF_E_INTERNAL, "the anonymization pool was finished "
                          "(pf_anon_pool_engine): no more documents");
    return 0;
}

int pf_anon_pool_put(pf_anon_pool *p, int text, const char *table, const char *row,
                     const char *doc, size_t len, uintptr_t tag, pf_err *err)
{
    if (stopped(p, err) < 0)
        return -1;
    if (p->jobs == 1) {
        pf_buf_reset(&p->scratch);
        pf_err derr = PF_ERR_INIT;
        pf_anon_result r;
        memset(&r, 0, sizeof r);
        r.rc = text ? pf_anon_text(p->main, table, row, doc, len, &p->scratch, &derr)
                    : pf_anon_doc(p->main, table, row, doc, len, &p->scratch, &derr);
        r.table = table;
        r.row = row;
        r.in = doc;
        r.in_len = len;
        r.out = p->scratch.data;
        r.out_len = p->scratch.len;
        r.text = text;
        r.tag = tag;
        r.err = &derr;
        if (p->emit(p->ctx, &r, err) < 0) {
            p->failed = 1;
            return -1;
        }
        return 0;
    }
    batch *b = &p->ring[p->fill % p->nring];
    if (b->n == b->cap) {
        size_t c = b->cap ? b->cap * 2 : 64;
        pitem *ni = realloc(b->items, c * sizeof *ni);
        if (!ni)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        b->items = ni;
        b->cap = c;
    }
    pitem *it = &b->items[b->n];
    memset(it, 0, sizeof *it);
    it->text = text;
    it->tag = tag;
    it->has_table = table != NULL;
    it->table_off = b->in.len;
    if (table)
        pf_buf_add(&b->in, table, strlen(table) + 1);
    it->row_off = b->in.len;
    pf_buf_add(&b->in, row ? row : "", row ? strlen(row) + 1 : 1);
    it->in_off = b->in.len;
    it->in_len = len;
    pf_buf_add(&b->in, doc, len);
    pf_buf_addc(&b->in, '\0');
    if (pf_buf_ok(&b->in, err) < 0)
        return -1;
    b->n++;
    if (b->n >= BATCH_DOCS || b->in.len >= BATCH_BYTES) {
        submit(p);
        /* the next batch's slot must be free: emit what is done, and wait
         * for the oldest batch when the ring is full */
        if (drain(p, 0, err) < 0)
            return -1;
    }
    return 0;
}

int pf_anon_pool_flush(pf_anon_pool *p, pf_err *err)
{
    if (stopped(p, err) < 0)
        return -1;
    if (p->jobs == 1)
        return 0;
    if (p->ring[p->fill % p->nring].n)
        submit(p);
    return drain(p, 1, err);
}

static void stop_workers(pf_anon_pool *p)
{
    if (p->jobs == 1 || !p->w)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->jobs; i++)
        if (p->w[i].started) {
            pthread_join(p->w[i].th, NULL);
            p->w[i].started = 0;
        }
}

pf_anon *pf_anon_pool_engine(pf_anon_pool *p)
{
    /* workers' counters are folded in once they have stopped */
    if (!p->folded) {
        stop_workers(p);
        for (int i = 0; p->jobs > 1 && i < p->jobs; i++)
            if (p->w[i].eng)
                pf_anon_add_stats(p->main, p->w[i].eng);
        p->folded = 1;
    }
    return p->main;
}

void pf_anon_pool_free(pf_anon_pool *p)
{
    if (!p)
        return;
    if (p->jobs > 1) {
        if (p->w)
            stop_workers(p);
        for (int i = 0; p->w && i < p->jobs; i++)
            pf_anon_free(p->w[i].eng);
        free(p->w);
        for (size_t i = 0; p->ring && i < p->nring; i++)
            batch_free(&p->ring[i]);
        free(p->ring);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
    }
    pf_buf_free(&p->scratch);
    pf_anon_free(p->main);
    free(p);
}

int pf_anon_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > PF_ANON_MAX_JOBS)
        n = PF_ANON_MAX_JOBS;
    return (int)n;
}
