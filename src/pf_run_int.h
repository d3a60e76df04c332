/*
 * pf_run_int.h: what pf_run.c (one input at a time, the child processes,
 * classification) and pf_run_pipe.c (pipelined runs of a reused worker)
 * share and no one else needs: the runner itself and the steps of
 * serving one input with a worker.
 */
#ifndef PF_RUN_INT_H
#define PF_RUN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_run.h"
#include "pf_worker.h"

#define PF_RUN_OUT_CAP (8u << 20) /* stdout kept per input */
#define PF_RUN_ERR_CAP (1u << 20) /* stderr kept per input */

struct pf_runner {
    pf_target_kind kind;
    char **argv;
    char **env;        /* the child's whole environment */
    int fresh, roundtrip, threads, reply_output;
    pf_limits lim;
    const char *model; /* memory limit model */
    int sanitized;
    char *cgroup;      /* child cgroup folder, or NULL */
    uint64_t oom_kills;
    char *tmpdir, *infile;
    int has_at;        /* CMD: "@@" somewhere in argv */
    void *dl;
    pf_worker_fn fn;
    /* the live worker (WORKER and LIB) or line server (CMD, lines) */
    pid_t pid;
    int req_fd, rep_fd; /* worker: requests to it, replies from it */
    int out_fd, err_fd;
    int lines, in_fd;  /* line server: its stdin */
    void *vstack;      /* CMD: the stack children start on (spawn) */
    pf_buf lout;       /* line server: stdout read so far */
    pf_buf line;       /* line server: the input and its newline */
    /* submitted inputs (pf_runner_submit), a ring indexed by sequence
     * number: [q_first, q_done) answered, not yet collected;
     * [q_done, q_send) written to the worker, not answered; [q_send,
     * q_end) not (wholly) written yet */
    struct slot *q;
    size_t qcap;       /* a power of two, or 0 */
    uint64_t q_first, q_done, q_send, q_end;
    pf_buf rbuf;       /* replies read, from rpos on not yet parsed */
    size_t rpos;
    pf_buf pend_out, pend_err; /* read since the last reply */
    double t_free;     /* the worker's last reply (or its start) */
    double svc;        /* seconds per answer lately (0: not known) */
    int clean;         /* no stderr came with the last reply */
    int carried;       /* a report read with the last reply was left to
                          the input after it */
    int pend_out_eof, pend_err_eof;
    int gone;          /* the worker closed its end after its last reply */
};

/* One submitted input and, once answered, its result. */
typedef struct slot {
    const uint8_t *data;
    size_t len;
    uint8_t hdr[4];
    size_t sent;       /* bytes of hdr + data written to the worker */
    double t_sent;     /* when its first byte was */
    pf_result res;
} slot;

/* Monotonic seconds. */
double pf_run_now(void);
/* A result back to "ok", nothing captured. */
void pf_run_result_reset(pf_result *r);
/* Read what fd has (non-blocking) into b, keeping at most cap; 1 at end
 * of file, 0 otherwise. */
int pf_run_drain(int fd, pf_buf *b, size_t cap);
/* writev to a pipe whose reader may be gone, without SIGPIPE. */
ssize_t pf_run_writev_nosig(int fd, const struct iovec *iov, int niov);
/* Little-endian u32 (the worker protocol). */
uint32_t pf_run_u32(const void *p);

/* The worker (WORKER, LIB): start it; serve one input with it (start it
 * first when there is none), as pf_runner_run does. */
int pf_run_worker_start(pf_runner *r, pf_err *err);
int pf_run_worker(pf_runner *r, const uint8_t *data, size_t len,
                  pf_result *res, pf_err *err);
/* The entry point answered with status st (the kit's output in res->out
 * when asked for): 0 ok or rejected (or roundtrip), 1 a report on stderr
 * made it a crash or an oom and the worker is to be stopped, -1 error. */
int pf_run_worker_replied(pf_runner *r, const uint8_t *data, size_t len,
                          uint32_t st, pf_result *res, pf_err *err);
/* The worker died serving an input that began at t0, or ran past its
 * deadline (timed_out): read its report to the end (err_eof: stderr had
 * ended), reap it, classify into res. The worker is gone afterwards. */
int pf_run_worker_end(pf_runner *r, pf_result *res, int timed_out,
                      int err_eof, double t0, pf_err *err);
/* Kill and reap the worker at once (it reported: nothing it does next
 * counts). */
void pf_run_worker_kill(pf_runner *r);
/* One input, whatever the target (pf_runner_run without the queue). */
int pf_run_one(pf_runner *r, const uint8_t *data, size_t len, pf_result *res,
               pf_err *err);

/* pf_run_pipe.c: nothing in flight any more, nothing read ahead (after
 * pf_runner_run, or a new worker); free the queue at close. */
void pf_run_pipe_restart(pf_runner *r);
void pf_run_pipe_free(pf_runner *r);

#endif
