/*
 * pf_run_pipe: pipelined runs of a reused worker (WORKER and LIB without
 * fresh_process), contract in pf_run.h.
 *
 * pf_runner_submit queues inputs; pf_runner_collect hands back their
 * results in the same order. For a reused worker the requests are written
 * ahead while the worker runs the earlier ones, so the worker never waits
 * on this process (and this process need not wake for every input): one
 * poll over the request and reply pipes and the worker's stdout and stderr
 * keeps writing, reading replies and reading output until the oldest
 * input is answered, so neither a large input nor a large reply nor a
 * flood on stderr can block either side.
 *
 * The worker serves requests in order, so replies are attributed exactly:
 * when it dies after k replies, the input after them killed it, and the
 * inputs not answered are written again to a new worker. An input's time
 * starts at the previous reply (or when its request began to be written,
 * if later): the worker cannot have started it earlier.
 *
 * stderr has no such order: what is read from it is given to the newest
 * reply read with it. So what a worker writes on stderr after a reply and
 * before this process reads it (the next input's first words) can be
 * given to the earlier input. When a failing input's stderr may be so
 * split (the reply before it came with stderr text, or other requests were
 * in flight when a report came with a reply), it is run again alone in a
 * fresh worker, and that run's result, with its own report, is kept when
 * it fails too. When it does not fail alone, state carried from the
 * earlier inputs is part of the cause: the batch's result is kept and
 * res->state_dependent says so.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pf_crash.h"
#include "pf_run.h"
#include "pf_run_int.h"

#define SLOT(r, seq) (&(r)->q[(seq) & ((r)->qcap - 1)])

static int pipelined(const pf_runner *r)
{
    return (r->kind == PF_TARGET_WORKER || r->kind == PF_TARGET_LIB) && !r->fresh;
}

static void buf_swap(pf_buf *a, pf_buf *b)
{
    pf_buf t = *a;
    *a = *b;
    *b = t;
}

/* A new worker (or the one a lone run left): everything not answered is
 * written to it from the start. */
void pf_run_pipe_restart(pf_runner *r)
{
    for (uint64_t s = r->q_done; s < r->q_end; s++)
        SLOT(r, s)->sent = 0;
    r->q_send = r->q_done;
    pf_buf_reset(&r->rbuf);
    r->rpos = 0;
    pf_buf_reset(&r->pend_out);
    pf_buf_reset(&r->pend_err);
    r->pend_out_eof = r->pend_err_eof = 0;
    r->t_free = pf_run_now();
    r->clean = 1;
    r->carried = 0;
    r->gone = 0;
}

/* Where the sanitizer report in b begins: the first line that holds a
 * report's header on its own (pf_crash_parse of that line alone finds
 * one; each line is read once), with the "=====" rule ASan prints above
 * it; b->len when no line does. */
static size_t report_start(const pf_buf *b, pf_err *err)
{
    size_t start = b->len;
    for (size_t o = 0; o < b->len;) {
        const char *nl = memchr(b->data + o, '\n', b->len - o);
        size_t end = nl ? (size_t)(nl - b->data) + 1 : b->len;
        pf_crash c;
        pf_crash_init(&c);
        int rp = pf_crash_parse(b->data + o, end - o, &c, err);
        pf_crash_free(&c);
        if (rp == 1) {
            start = o;
            break;
        }
        o = end;
    }
    if (start == b->len || start == 0)
        return start;
    /* the rule line ASan prints first goes with its report */
    size_t p = start - 1; /* the '\n' ending the line before */
    size_t q = p;
    while (q > 0 && b->data[q - 1] != '\n')
        q--;
    size_t eq = 0;
    while (q + eq < p && b->data[q + eq] == '=')
        eq++;
    return eq >= 8 && q + eq == p ? q : start;
}

/* Write what the pipe takes; 1 wrote, 0 nothing (full or nothing to
 * write), -1 when the worker is gone. */
static int pipe_send1(pf_runner *r)
{
    enum { NIOV = 512 };
    struct iovec iov[NIOV];
    int n = 0;
    for (uint64_t q = r->q_send; q < r->q_end && n < NIOV - 1; q++) {
        slot *s = SLOT(r, q);
        size_t off = s->sent;
        if (off < 4)
            iov[n++] = (struct iovec){s->hdr + off, 4 - off};
        size_t doff = off < 4 ? 0 : off - 4;
        if (doff < s->len)
            iov[n++] = (struct iovec){(void *)(s->data + doff), s->len - doff};
    }
    if (!n)
        return 0; /* nothing to write */
    ssize_t w;
    do
        w = pf_run_writev_nosig(r->req_fd, iov, n);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return errno == EAGAIN ? 0 : -1;
    double t = pf_run_now();
    size_t left = (size_t)w;
    while (r->q_send < r->q_end) {
        slot *s = SLOT(r, r->q_send);
        size_t need = 4 + s->len - s->sent;
        size_t take = left < need ? left : need;
        if (s->sent == 0 && take)
            s->t_sent = t;
        s->sent += take;
        left -= take;
        if (s->sent < 4 + s->len)
            break;
        r->q_send++;
    }
    return 1;
}

static int pipe_send(pf_runner *r)
{
    int rc;
    while ((rc = pipe_send1(r)) == 1 && r->q_send < r->q_end)
        ;
    return rc < 0 ? -1 : 0;
}

/* Run a failing input again alone in a fresh worker (the pipeline's is
 * gone): its own result when it fails alone too, else the batch's,
 * marked. */
static int pipe_alone(pf_runner *r, slot *s, pf_err *err)
{
    pf_result alone;
    pf_result_init(&alone);
    pf_run_worker_kill(r);
    if (pf_run_worker(r, s->data, s->len, &alone, err) < 0) {
        pf_result_free(&alone);
        return -1;
    }
    if (pf_outcome_is_failure(alone.outcome) && alone.outcome != PF_OUT_ROUNDTRIP) {
        pf_result t = s->res;
        s->res = alone;
        alone = t;
    } else {
        s->res.state_dependent = 1;
    }
    pf_result_free(&alone);
    return 0;
}

/* The worker died (or timed out) serving the oldest unanswered input. */
static int pipe_died(pf_runner *r, int timed_out, pf_err *err)
{
    slot *s = SLOT(r, r->q_done);
    int clean = r->clean;
    buf_swap(&s->res.err, &r->pend_err);
    buf_swap(&s->res.out, &r->pend_out);
    double t0 = s->sent && s->t_sent > r->t_free ? s->t_sent : r->t_free;
    if (pf_run_worker_end(r, &s->res, timed_out, r->pend_err_eof, t0, err) < 0)
        return -1;
    if (!timed_out && !clean && pipe_alone(r, s, err) < 0)
        return -1;
    r->q_done++;
    pf_run_pipe_restart(r);
    return 0;
}

/* Parse the replies in rbuf. n: how many; the last one takes what stdout
 * and stderr held. Returns 0, 1 when the worker must go (a report), -1. */
static int pipe_replies(pf_runner *r, pf_err *err)
{
    /* count whole replies first: the output read with them is the last's */
    size_t pos = r->rpos, n = 0;
    uint64_t can = r->q_send - r->q_done; /* answers can only follow requests */
    while (n < can && r->rbuf.len - pos >= 8) {
        size_t ol = pf_run_u32(r->rbuf.data + pos + 4);
        if (r->rbuf.len - pos - 8 < ol)
            break;
        pos += 8 + ol;
        n++;
    }
    if (!n) {
        if (r->q_done == r->q_send && r->rbuf.len - r->rpos >= 8)
            return pf_err_set(err, PF_E_ENV, "worker protocol broken: an answer "
                              "with no request");
        return 0;
    }
    /* output written before the last reply is in the pipes by now */
    struct pollfd p[2] = {{r->pend_out_eof ? -1 : r->out_fd, POLLIN, 0},
                          {r->pend_err_eof ? -1 : r->err_fd, POLLIN, 0}};
    if (poll(p, 2, 0) > 0) {
        if (p[0].revents)
            r->pend_out_eof = pf_run_drain(r->out_fd, &r->pend_out, PF_RUN_OUT_CAP);
        if (p[1].revents)
            r->pend_err_eof = pf_run_drain(r->err_fd, &r->pend_err, PF_RUN_ERR_CAP);
    }
    int was_clean = r->clean;
    double t = pf_run_now();
    double per = (t - r->t_free) / (double)n;
    r->svc = r->svc > 0 ? 0.75 * r->svc + 0.25 * per : per;
    for (size_t i = 0; i < n; i++) {
        slot *s = SLOT(r, r->q_done);
        pf_result *res = &s->res;
        const char *rp = r->rbuf.data + r->rpos;
        size_t ol = pf_run_u32(rp + 4);
        r->rpos += 8 + ol;
        int later = r->q_send > r->q_done + 1 ||
                    (r->q_send < r->q_end && SLOT(r, r->q_send)->sent);
        if (i == n - 1) {
            buf_swap(&res->out, &r->pend_out);
            buf_swap(&res->err, &r->pend_err);
            /* A report read with this reply while the worker had more to
             * run is most likely the next input's, printed as it died
             * (the sanitizers halt): it is left to the next input. Once:
             * if the next input is answered too, the report stays there. */
            int carried = r->carried;
            r->carried = 0;
            if (later && !carried && res->err.len) {
                pf_crash c;
                pf_crash_init(&c);
                int rp = pf_crash_parse(res->err.data, res->err.len, &c, err);
                pf_crash_free(&c);
                if (rp < 0)
                    return -1;
                size_t o = rp == 1 ? report_start(&res->err, err) : res->err.len;
                if (o < res->err.len) {
                    pf_buf_add(&r->pend_err, res->err.data + o, res->err.len - o);
                    pf_buf_truncate(&res->err, o);
                    r->carried = 1;
                }
            }
            r->clean = res->err.len == 0;
            was_clean = was_clean && !carried;
        }
        if (r->roundtrip || r->reply_output) {
            pf_buf_reset(&res->out);
            pf_buf_add(&res->out, rp + 8, ol);
        }
        double t0 = s->t_sent > r->t_free ? s->t_sent : r->t_free;
        res->seconds = t - t0;
        r->t_free = t;
        int rc = pf_run_worker_replied(r, s->data, s->len, pf_run_u32(rp), res, err);
        if (rc < 0)
            return -1;
        r->q_done++;
        if (rc == 1) {
            /* the report may be the next input's first words, or an
             * earlier one's in this read: see for itself */
            int alone = !was_clean || n > 1 || later;
            pf_run_worker_kill(r);
            if (alone && pipe_alone(r, s, err) < 0)
                return -1;
            pf_run_pipe_restart(r);
            return 1;
        }
    }
    if (r->rpos == r->rbuf.len) {
        pf_buf_reset(&r->rbuf);
        r->rpos = 0;
    } else if (r->rpos > (1u << 20)) {
        memmove(r->rbuf.data, r->rbuf.data + r->rpos, r->rbuf.len - r->rpos);
        pf_buf_truncate(&r->rbuf, r->rbuf.len - r->rpos);
        r->rpos = 0;
    }
    return 0;
}

/* Read what the reply pipe holds; 1 at its end (the worker is gone), 0,
 * -1 out of memory. */
static int pipe_read(pf_runner *r, pf_err *err)
{
    for (int i = 0; i < 64; i++) {
        if (pf_buf_reserve(&r->rbuf, 1 << 16) < 0)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        ssize_t n = read(r->rep_fd, r->rbuf.data + r->rbuf.len,
                         r->rbuf.cap - r->rbuf.len - 1);
        if (n > 0) {
            size_t asked = r->rbuf.cap - r->rbuf.len - 1;
            r->rbuf.len += (size_t)n;
            r->rbuf.data[r->rbuf.len] = '\0';
            if ((size_t)n < asked)
                return 0; /* all there was; its end shows in the next poll */
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN ? 0 : 1;
    }
    return 0;
}

/* One round of I/O with the worker: write, wait, read. Returns 0, or -1
 * when the target cannot be run. */
static int pipe_pump(pf_runner *r, pf_err *err)
{
    if (r->pid <= 0) {
        if (pf_run_worker_start(r, err) < 0)
            return -1;
        pf_run_pipe_restart(r);
    }
    int dead = r->gone;
    if (!dead && r->q_send < r->q_end && pipe_send(r) < 0)
        dead = 1;
    if (!dead) {
        slot *cur = SLOT(r, r->q_done);
        double deadline = 0;
        if (r->lim.timeout_s > 0 && cur->sent)
            deadline = (cur->t_sent > r->t_free ? cur->t_sent : r->t_free) +
                       r->lim.timeout_s;
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - pf_run_now();
            if (left <= 0) {
                /* an answer that came in time, not yet read, counts */
                uint64_t before = r->q_done;
                int rd = pipe_read(r, err);
                if (rd < 0 || pipe_replies(r, err) < 0)
                    return -1;
                if (r->q_done != before || r->pid <= 0)
                    return 0;
                return pipe_died(r, 1, err);
            }
            ms = (int)(left * 1000) + 1;
        }
        /* Many answers still to come: let them gather rather than wake
         * for each (half of them, by the recent pace; at most 1 ms).
         * The worker has the other half to go on with meanwhile. */
        uint64_t inflight = r->q_send - r->q_done;
        if (inflight >= 8 && r->svc > 0) {
            double nap = r->svc * (double)(inflight / 2);
            if (nap > 0.001)
                nap = 0.001;
            if (deadline > 0 && pf_run_now() + nap > deadline)
                nap = 0;
            if (nap >= 20e-6) {
                struct timespec ts = {0, (long)(nap * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        struct pollfd p[4] = {
            {r->rep_fd, POLLIN, 0},
            {r->pend_out_eof ? -1 : r->out_fd, POLLIN, 0},
            {r->pend_err_eof ? -1 : r->err_fd, POLLIN, 0},
            {r->q_send < r->q_end ? r->req_fd : -1, POLLOUT, 0}};
        int n = poll(p, 4, ms);
        if (n < 0 && errno != EINTR)
            return pf_err_errno(err, errno, "poll");
        if (n <= 0)
            return 0;
        if (p[1].revents)
            r->pend_out_eof = pf_run_drain(r->out_fd, &r->pend_out, PF_RUN_OUT_CAP);
        if (p[2].revents)
            r->pend_err_eof = pf_run_drain(r->err_fd, &r->pend_err, PF_RUN_ERR_CAP);
        if (p[3].revents && pipe_send(r) < 0)
            dead = 1;
        else if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            return 0;
        int rd = pipe_read(r, err);
        if (rd < 0)
            return -1;
        dead = rd || dead;
    } else {
        dead = 1;
        if (pipe_read(r, err) < 0) /* the answers it gave before it went */
            return -1;
    }
    int rc = pipe_replies(r, err);
    if (rc < 0)
        return -1;
    if (rc == 1 || !dead)
        return 0;
    if (r->q_done == r->q_end) {
        r->gone = 1; /* the next input finds it gone, as pf_runner_run would */
        return 0;
    }
    return pipe_died(r, 0, err);
}

/* After an error: the inputs not collected are dropped, with the worker
 * that held some of them. */
static void pipe_drop(pf_runner *r)
{
    if (r->q_done < r->q_end || r->q_send < r->q_end)
        pf_run_worker_kill(r);
    r->q_first = r->q_done = r->q_send = r->q_end;
    pf_run_pipe_restart(r);
}

int pf_runner_submit(pf_runner *r, const uint8_t *data, size_t len, pf_err *err)
{
    if (pipelined(r) && len > 0xffffffffu)
        return pf_err_set(err, PF_E_INPUT, "input over 4 GiB");
    if (r->q_end - r->q_first == r->qcap) {
        size_t cap = r->qcap ? r->qcap * 2 : 64;
        slot *q = calloc(cap, sizeof *q);
        if (!q)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        for (size_t i = 0; i < cap; i++)
            pf_result_init(&q[i].res);
        for (uint64_t s = r->q_first; s < r->q_end; s++) {
            pf_result_free(&q[s & (cap - 1)].res);
            q[s & (cap - 1)] = *SLOT(r, s);
            pf_result_init(&SLOT(r, s)->res);
        }
        for (size_t i = 0; i < r->qcap; i++)
            pf_result_free(&r->q[i].res);
        free(r->q);
        r->q = q;
        r->qcap = cap;
    }
    slot *s = SLOT(r, r->q_end);
    s->data = data;
    s->len = len;
    s->hdr[0] = (uint8_t)len;
    s->hdr[1] = (uint8_t)(len >> 8);
    s->hdr[2] = (uint8_t)(len >> 16);
    s->hdr[3] = (uint8_t)(len >> 24);
    s->sent = 0;
    s->t_sent = 0;
    /* buffers go round between slots, the caller and the pipes: a large
     * one (a chatty target's stderr) is not kept in every slot */
    if (s->res.out.cap > (64u << 10))
        pf_buf_free(&s->res.out);
    if (s->res.err.cap > (64u << 10))
        pf_buf_free(&s->res.err);
    pf_run_result_reset(&s->res);
    r->q_end++;
    return 0;
}

size_t pf_runner_pending(const pf_runner *r)
{
    return (size_t)(r->q_end - r->q_first);
}

int pf_runner_collect(pf_runner *r, pf_result *res, pf_err *err)
{
    if (r->q_first == r->q_end)
        return 0;
    slot *s = SLOT(r, r->q_first);
    if (!pipelined(r)) {
        r->q_first++;
        r->q_done = r->q_send = r->q_first;
        pf_run_result_reset(res);
        return pf_run_one(r, s->data, s->len, res, err) < 0 ? -1 : 1;
    }
    while (r->q_done == r->q_first)
        if (pipe_pump(r, err) < 0) {
            pipe_drop(r);
            return -1;
        }
    pf_result t = *res;
    *res = s->res;
    s->res = t;
    r->q_first++;
    return 1;
}

int pf_runner_run_batch(pf_runner *r, const pf_run_input *in, size_t n,
                        pf_result *res, pf_err *err)
{
    if (r->q_first != r->q_end)
        return pf_err_set(err, PF_E_INTERNAL, "run_batch: inputs submitted and not collected");
    for (size_t i = 0; i < n; i++)
        if (pf_runner_submit(r, in[i].data, in[i].len, err) < 0)
            goto fail;
    for (size_t i = 0; i < n; i++)
        if (pf_runner_collect(r, &res[i], err) < 0)
            goto fail;
    return 0;
fail:
    pipe_drop(r);
    return -1;
}

void pf_run_pipe_free(pf_runner *r)
{
    for (size_t i = 0; i < r->qcap; i++)
        pf_result_free(&r->q[i].res);
    free(r->q);
    pf_buf_free(&r->rbuf);
    pf_buf_free(&r->pend_out);
    pf_buf_free(&r->pend_err);
}
