/*
 * pf_worker: the in-process side of pf_run's PF_TARGET_WORKER (protocol in
 * pf_worker.h).
 *
 * A constructor notices PRODFUZZ_WORKER_FD before the target's main (the
 * libFuzzer driver or libprodfuzz_runner.a's) and serves inputs to
 * LLVMFuzzerTestOneInput until pf_run closes the pipe, then exits: the
 * fuzzing engine never starts. Both entry points are weak references, so
 * prodfuzz itself (which links this file for PF_TARGET_LIB) is untouched.
 *
 * Every input gets a heap buffer of exactly its size, as libFuzzer gives
 * one, so a read one past the end is a heap-buffer-overflow under ASan.
 * libc only: this file is linked into targets that have no cJSON.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pf_worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) __attribute__((weak));
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int g_active;
static uint8_t *g_out;
static size_t g_out_len, g_out_cap;
static pthread_mutex_t g_out_mu = PTHREAD_MUTEX_INITIALIZER;

int pf_worker_active(void)
{
    return g_active;
}

void pf_worker_output(const void *data, size_t len)
{
    if (!g_active)
        return;
    pthread_mutex_lock(&g_out_mu);
    if (len > g_out_cap) {
        uint8_t *p = realloc(g_out, len);
        if (!p) { /* the reply then carries no output: a round trip mismatch */
            g_out_len = 0;
            pthread_mutex_unlock(&g_out_mu);
            return;
        }
        g_out = p;
        g_out_cap = len;
    }
    if (len)
        memcpy(g_out, data, len);
    g_out_len = len;
    pthread_mutex_unlock(&g_out_mu);
}

/* Requests are read through a buffer: one read() usually brings the
 * header and the input together. */
static uint8_t g_rbuf[1 << 16];
static size_t g_rpos, g_rlen;

/* 1 whole, 0 end of file before the first byte, -1 short or error */
static int read_full(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        if (g_rpos < g_rlen) {
            size_t k = g_rlen - g_rpos < n - got ? g_rlen - g_rpos : n - got;
            memcpy((char *)p + got, g_rbuf + g_rpos, k);
            g_rpos += k;
            got += k;
            continue;
        }
        ssize_t r;
        if (n - got >= sizeof g_rbuf) /* big inputs go straight in */
            r = read(fd, (char *)p + got, n - got);
        else
            r = read(fd, g_rbuf, sizeof g_rbuf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return (r == 0 && got == 0) ? 0 : -1;
        if (n - got >= sizeof g_rbuf) {
            got += (size_t)r;
        } else {
            g_rpos = 0;
            g_rlen = (size_t)r;
        }
    }
    return 1;
}

static int write_full(int fd, const void *p, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t w = write(fd, (const char *)p + put, n - put);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        put += (size_t)w;
    }
    return 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The header and the output in one write when the pipe takes them: one
 * system call per input (prodfuzz reads replies ahead, many at a time). */
static int reply(int wfd, int status)
{
    uint8_t h[8];
    put_u32(h, (uint32_t)status);
    put_u32(h + 4, (uint32_t)g_out_len);
    struct iovec iov[2] = {{h, sizeof h}, {g_out, g_out_len}};
    ssize_t w;
    do
        w = writev(wfd, iov, g_out_len ? 2 : 1);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return -1;
    size_t put = (size_t)w;
    if (put < sizeof h && write_full(wfd, h + put, sizeof h - put) < 0)
        return -1;
    size_t done = put > sizeof h ? put - sizeof h : 0;
    return done < g_out_len ? write_full(wfd, g_out + done, g_out_len - done) : 0;
}

typedef struct job {
    pf_worker_fn fn;
    const uint8_t *data;
    size_t len;
    int status;
} job;

static void *job_run(void *arg)
{
    job *j = arg;
    j->status = j->fn(j->data, j->len);
    return NULL;
}

/* threads > 1: all threads call fn on the same bytes at once; the status
 * is the first thread's (the others race it). */
static int run_one(pf_worker_fn fn, const uint8_t *data, size_t len,
                   int threads)
{
    if (threads <= 1)
        return fn(data, len);
    enum { MAXT = 64 };
    if (threads > MAXT)
        threads = MAXT;
    pthread_t tid[MAXT];
    job jobs[MAXT];
    int started = 0;
    for (int i = 1; i < threads; i++) {
        jobs[i] = (job){fn, data, len, 0};
        if (pthread_create(&tid[i], NULL, job_run, &jobs[i]) != 0)
            break;
        started = i;
    }
    int st = fn(data, len);
    for (int i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    return st;
}

/* The child of a fork-per-input worker died: die the same way, so pf_run
 * sees this worker's exit as the input's outcome. */
static void die_like(int wst)
{
    if (WIFSIGNALED(wst)) {
        int sig = WTERMSIG(wst);
        signal(sig, SIG_DFL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        raise(sig);
    }
    _exit(WIFEXITED(wst) ? WEXITSTATUS(wst) : 70);
}

int pf_worker_serve(int rfd, int wfd, pf_worker_fn fn, int fork_each,
                    int threads)
{
    g_active = 1;
    for (;;) {
        uint8_t h[4];
        int r = read_full(rfd, h, 4);
        if (r <= 0)
            return r;
        size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 |
                     (size_t)h[3] << 24;
        /* exactly len bytes (malloc(0) is a valid zero-size block) */
        uint8_t *data = malloc(len ? len : 1);
        if (!data)
            return -1;
        if (len && read_full(rfd, data, len) != 1) {
            free(data);
            return -1;
        }
        g_out_len = 0;
        if (fork_each) {
            pid_t pid = fork();
            if (pid < 0) {
                free(data);
                return -1;
            }
            if (pid == 0) {
                int st = run_one(fn, data, len, threads);
                _exit(reply(wfd, st) < 0 ? 71 : 0);
            }
            free(data);
            int wst;
            while (waitpid(pid, &wst, 0) < 0)
                if (errno != EINTR)
                    return -1;
            if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
                die_like(wst);
            continue;
        }
        int st = run_one(fn, data, len, threads);
        free(data);
        if (reply(wfd, st) < 0)
            return -1;
    }
}

static int env_int(const char *name, int dflt)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return dflt;
    char *end;
    long v = strtol(s, &end, 10);
    return (*end || v < 0 || v > 1000000) ? dflt : (int)v;
}

/* Runs before main (glibc passes argc/argv to constructors). */
__attribute__((constructor)) static void pf_worker_boot(int argc, char **argv,
                                                        char **envp)
{
    (void)envp;
    if (!LLVMFuzzerTestOneInput)
        return;
    int fd = env_int(PF_WORKER_ENV, -1);
    if (fd < 0)
        return;
    int fork_each = env_int(PF_WORKER_FORK_ENV, 0);
    int threads = env_int(PF_WORKER_THREADS_ENV, 1);
    /* what the target starts itself must not think it is a worker */
    unsetenv(PF_WORKER_ENV);
    unsetenv(PF_WORKER_FORK_ENV);
    unsetenv(PF_WORKER_THREADS_ENV);
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    int r = pf_worker_serve(fd, fd + 1, LLVMFuzzerTestOneInput, fork_each,
                            threads);
    _exit(r == 0 ? 0 : 70);
}
