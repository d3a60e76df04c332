/*
 * pf_run: run a target on one input under production-like limits and
 * classify what happened (contract and precedence in pf_run.h).
 *
 * Three kinds of target share one child-process machinery here: a child
 * started in its own process group with stdout and stderr captured, its
 * limits applied between fork and exec, and a poll loop with a wall-clock
 * deadline that kills the whole group when it passes.
 *   - WORKER: the target binary serves inputs over two pipes (pf_worker.h)
 *     and stays alive between inputs; it is started again after it dies.
 *   - LIB: the same protocol served by a forked copy of this process that
 *     holds the dlopen'ed library (pf_worker_serve).
 *   - CMD: one process per input; "@@" in any argument becomes the input
 *     file's path, otherwise the input is written to stdin.
 * A reused worker can also be sent inputs ahead and answer them in order:
 * pf_run_pipe.c (pf_runner_submit/collect).
 *
 * Memory limit model, chosen once per runner (pf_runner_limit_model):
 *   "cgroup"  a child cgroup v2 with memory.max under the one this process
 *             is in, when the memory controller is delegated to it;
 *   "asan"    ASan's allocator limits (malloc_limit_mb,
 *             max_allocation_size_mb, hard_rss_limit_mb, small quarantine)
 *             for sanitized binaries, which cannot run under RLIMIT_AS
 *             (their shadow memory reserves terabytes of address space);
 *   "rss"     the sanitizer's hard_rss_limit_mb for TSan and MSan builds;
 *   "rlimit"  RLIMIT_AS for everything else;
 *   "none"    no limit asked, or none possible (a LIB target inside a
 *             sanitized prodfuzz).
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pf_fs.h"
#include "pf_run.h"
#include "pf_run_int.h"
#include "pf_worker.h"

extern char **environ;
extern void __asan_init(void) __attribute__((weak));

#define WORKER_FD 100       /* the worker reads fd 100, writes fd 101 */

/* outcome names: pf_outcome.c */

void pf_result_init(pf_result *r)
{
    memset(r, 0, sizeof *r);
    pf_buf_init(&r->out);
    pf_buf_init(&r->err);
    pf_crash_init(&r->crash);
}

void pf_result_free(pf_result *r)
{
    pf_buf_free(&r->out);
    pf_buf_free(&r->err);
    pf_crash_free(&r->crash);
}

void pf_run_result_reset(pf_result *r)
{
    r->outcome = PF_OUT_OK;
    r->state_dependent = 0;
    r->exit_code = 0;
    r->signal = 0;
    r->seconds = 0;
    r->peak_rss = 0;
    pf_buf_reset(&r->out);
    pf_buf_reset(&r->err);
    pf_crash_free(&r->crash);
    pf_crash_init(&r->crash);
}

/* ---- sizes and durations -------------------------------------------- */

int pf_parse_size(const char *s, uint64_t *out, pf_err *err)
{
    if (!s || !isdigit((unsigned char)*s))
        return pf_err_set(err, PF_E_USAGE, "bad size (want e.g. 512M, 2G, 1048576)");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    uint64_t mul = 1;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K': mul = 1ull << 10; break;
        case 'M': mul = 1ull << 20; break;
        case 'G': mul = 1ull << 30; break;
        case 'T': mul = 1ull << 40; break;
        default: mul = 0;
        }
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
    }
    if (errno || mul == 0 || *end || v < 0 || v * (double)mul > 1.8e19)
        return pf_err_set(err, PF_E_USAGE, "bad size (want e.g. 512M, 2G, 1048576)");
    *out = (uint64_t)(v * (double)mul);
    return 0;
}

int pf_parse_duration(const char *s, double *out, pf_err *err)
{
    if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
        return pf_err_set(err, PF_E_USAGE, "bad duration (want e.g. 2s, 500ms, 1m)");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double mul = 1;
    if (!strcmp(end, "") || !strcmp(end, "s"))
        mul = 1;
    else if (!strcmp(end, "ms"))
        mul = 0.001;
    else if (!strcmp(end, "us"))
        mul = 1e-6;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mul = 60;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else
        mul = -1;
    if (errno || mul < 0 || v < 0 || !isfinite(v))
        return pf_err_set(err, PF_E_USAGE, "bad duration (want e.g. 2s, 500ms, 1m)");
    *out = v * mul;
    return 0;
}

/* ---- the runner (struct pf_runner: pf_run_int.h) -------------------- */

double pf_run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char **strv_dup(char **v, pf_err *err)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **d = calloc(n + 1, sizeof *d);
    if (!d)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        if (!(d[i] = strdup(v[i])))
            goto nomem;
    return d;
nomem:
    if (d)
        for (size_t i = 0; i < n; i++)
            free(d[i]);
    free(d);
    pf_err_set(err, PF_E_NOMEM, "out of memory");
    return NULL;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* the path exec would run, for the sanitizer sniff */
static char *which(const char *cmd)
{
    if (strchr(cmd, '/'))
        return access(cmd, X_OK) == 0 ? strdup(cmd) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    pf_buf b = PF_BUF_INIT;
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        pf_buf_reset(&b);
        pf_buf_add(&b, p, n);
        pf_buf_addf(&b, "/%s", cmd);
        if (b.data && access(b.data, X_OK) == 0) {
            char *r = pf_buf_detach(&b, NULL);
            return r;
        }
        p += n;
        if (*p == ':')
            p++;
    }
    pf_buf_free(&b);
    return NULL;
}

/* Does the file contain needle? (a sanitizer runtime, the worker) */
static int file_has(const char *path, const char *needle)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t nl = strlen(needle);
    char buf[1 << 16];
    size_t keep = 0;
    int found = 0;
    for (;;) {
        ssize_t r = read(fd, buf + keep, sizeof buf - keep);
        if (r <= 0)
            break;
        size_t n = keep + (size_t)r;
        if (memmem(buf, n, needle, nl)) {
            found = 1;
            break;
        }
        keep = nl - 1 < n ? nl - 1 : n;
        memmove(buf, buf + n - keep, keep);
    }
    close(fd);
    return found;
}

static int write_str_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return w == (ssize_t)strlen(s) ? 0 : -1;
}

static uint64_t cgroup_oom_kills(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/memory.events", dir);
    FILE *f = fopen(p, "re");
    if (!f)
        return 0;
    char line[256];
    unsigned long long v = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "oom_kill %llu", &v) == 1)
            break;
    fclose(f);
    return v;
}

/* A child cgroup with memory.max under the one this process is in, when
 * the memory controller is delegated to it (a container, a systemd
 * delegated unit). Any failure just means "not available". */
static char *cgroup_make(uint64_t bytes)
{
    struct stat st;
    if (stat("/sys/fs/cgroup/cgroup.controllers", &st) != 0)
        return NULL;
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return NULL;
    char line[4096], rel[4096] = "";
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "0::", 3)) {
            snprintf(rel, sizeof rel, "%s", line + 3);
            rel[strcspn(rel, "\n")] = '\0';
        }
    fclose(f);
    if (!rel[0])
        return NULL;
    char base[4096], p[4200];
    snprintf(base, sizeof base, "/sys/fs/cgroup%s", strcmp(rel, "/") ? rel : "");
    snprintf(p, sizeof p, "%s/cgroup.subtree_control", base);
    if (!file_has(p, "memory"))
        return NULL;
    static unsigned seq;
    char *dir = NULL;
    if (asprintf(&dir, "%s/prodfuzz-%d-%u", base, (int)getpid(), seq++) < 0)
        return NULL;
    if (mkdir(dir, 0755) != 0)
        goto fail;
    char val[64];
    snprintf(val, sizeof val, "%llu", (unsigned long long)bytes);
    snprintf(p, sizeof p, "%s/memory.max", dir);
    if (write_str_file(p, val) != 0)
        goto fail_rm;
    snprintf(p, sizeof p, "%s/memory.swap.max", dir);
    (void)write_str_file(p, "0"); /* absent without swap accounting */
    return dir;
fail_rm:
    rmdir(dir);
fail:
    free(dir);
    return NULL;
}

/* "NAME=" prefix match */
static const char *env_get(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env && env[i]; i++)
        if (!strncmp(env[i], name, n) && env[i][n] == '=')
            return env[i] + n + 1;
    return NULL;
}

/* Build the child's environment: ours, the target's extra entries, then
 * the sanitizer options (appended: later flags win in sanitizer option
 * strings, so a caller's allocator_may_return_null=1 cannot turn an
 * allocation over the limit into a silent NULL). */
static char *opts(char **extra, const char *name, const char *ours)
{
    const char *prev = env_get(extra, name);
    if (!prev)
        prev = getenv(name);
    char *s = NULL;
    if (asprintf(&s, "%s=%s%s%s", name, prev ? prev : "", prev && *prev ? ":" : "",
                 ours) < 0)
        return NULL;
    return s;
}

static char **build_env(pf_runner *r, char **extra, pf_err *err)
{
    char asan[512];
    /* leaks at a persistent worker's exit belong to no input */
    int n0 = snprintf(asan, sizeof asan, "detect_leaks=0:handle_abort=1:"
                      "handle_segv=1:symbolize=1:abort_on_error=0:"
                      "allocator_may_return_null=0:disable_coredump=1");
    if (r->lim.mem_bytes && !strcmp(r->model, "asan")) {
        unsigned long long mb = (r->lim.mem_bytes + (1u << 20) - 1) >> 20;
        snprintf(asan + n0, sizeof asan - (size_t)n0,
                 ":malloc_limit_mb=%llu:max_allocation_size_mb=%llu"
                 ":hard_rss_limit_mb=%llu:quarantine_size_mb=16", mb, mb, mb);
    }
    /* TSan and MSan: the common hard RSS limit */
    char rss[64] = "";
    if (r->lim.mem_bytes && !strcmp(r->model, "rss"))
        snprintf(rss, sizeof rss, ":hard_rss_limit_mb=%llu",
                 (unsigned long long)((r->lim.mem_bytes + (1u << 20) - 1) >> 20));
    char tsan[128], msan[128];
    snprintf(tsan, sizeof tsan, "halt_on_error=1:report_signal_unsafe=0%s", rss);
    snprintf(msan, sizeof msan, "halt_on_error=1%s", rss);
    char *made[4] = {
        opts(extra, "ASAN_OPTIONS", asan),
        opts(extra, "UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
        opts(extra, "TSAN_OPTIONS", tsan),
        opts(extra, "MSAN_OPTIONS", msan)};
    size_t n = 0, ne = 0;
    while (environ && environ[n])
        n++;
    while (extra && extra[ne])
        ne++;
    char **env = calloc(n + ne + 5, sizeof *env);
    if (!env || !made[0] || !made[1] || !made[2] || !made[3])
        goto nomem;
    size_t k = 0;
    const char *skip[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "MSAN_OPTIONS",
                          PF_WORKER_ENV, PF_WORKER_FORK_ENV,
                          PF_WORKER_THREADS_ENV};
    char **srcs[2] = {environ, extra};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; srcs[s] && srcs[s][i]; i++) {
            const char *e = srcs[s][i];
            const char *eq = strchr(e, '=');
            if (!eq)
                continue;
            size_t l = (size_t)(eq - e);
            int skipit = 0;
            for (size_t j = 0; j < sizeof skip / sizeof *skip; j++)
                if (strlen(skip[j]) == l && !strncmp(e, skip[j], l))
                    skipit = 1;
            /* an extra entry replaces ours of the same name */
            for (size_t j = 0; s == 0 && extra && extra[j]; j++)
                if (!strncmp(extra[j], e, l + 1))
                    skipit = 1;
            if (!skipit && !(env[k++] = strdup(e)))
                goto nomem;
        }
    for (int i = 0; i < 4; i++) {
        env[k++] = made[i];
        made[i] = NULL;
    }
    return env;
nomem:
    strv_free(env);
    for (int i = 0; i < 4; i++)
        free(made[i]);
    pf_err_set(err, PF_E_NOMEM, "out of memory");
    return NULL;
}

const char *pf_runner_limit_model(const pf_runner *r)
{
    return r->model;
}

int pf_runner_open(const pf_target *t, const pf_limits *lim, pf_runner **out,
                   pf_err *err)
{
    *out = NULL;
    if (t->kind == PF_TARGET_LIB ? (!t->lib || !t->symbol)
                                 : (!t->argv || !t->argv[0]))
        return pf_err_set(err, PF_E_USAGE, "target: nothing to run");
    pf_runner *r = calloc(1, sizeof *r);
    if (!r)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    r->kind = t->kind;
    r->fresh = t->fresh_process;
    r->roundtrip = t->roundtrip;
    r->reply_output = t->reply_output;
    r->threads = t->threads > 1 ? t->threads : 1;
    r->lim = lim ? *lim : (pf_limits){0, 0, 0, 0};
    r->pid = -1;
    r->req_fd = r->rep_fd = r->out_fd = r->err_fd = r->in_fd = -1;
    r->lines = t->kind == PF_TARGET_CMD && t->lines;
    r->model = "none";

    if (t->kind == PF_TARGET_LIB) {
        r->dl = dlopen(t->lib, RTLD_NOW | RTLD_LOCAL);
        if (!r->dl) {
            (void)dlerror();
            pf_err_set(err, PF_E_INPUT, "cannot load the library %s", t->lib);
            goto fail;
        }
        r->fn = (pf_worker_fn)(uintptr_t)dlsym(r->dl, t->symbol);
        (void)dlerror(); /* frees glibc's message buffer */
        if (!r->fn) {
            pf_err_set(err, PF_E_INPUT, "%s has no symbol %s", t->lib, t->symbol);
            goto fail;
        }
        r->sanitized = &__asan_init != NULL;
    } else {
        if (!(r->argv = strv_dup(t->argv, err)))
            goto fail;
        char *bin = which(t->argv[0]);
        if (!bin) {
            pf_err_set(err, PF_E_ENV, "%s: not found or not executable", t->argv[0]);
            goto fail;
        }
        r->sanitized = file_has(bin, "__asan_init")   ? 1
                       : file_has(bin, "__tsan_init") ? 2
                       : file_has(bin, "__msan_init") ? 2
                                                      : 0;
        if (t->kind == PF_TARGET_WORKER && !file_has(bin, PF_WORKER_ENV)) {
            pf_err_set(err, PF_E_ENV, "%s is not linked with the prodfuzz worker "
                       "(link libprodfuzz_libfuzzer.a with pkg-config "
                       "prodfuzz-libfuzzer, or libprodfuzz_runner.a)", t->argv[0]);
            free(bin);
            goto fail;
        }
        free(bin);
    }
    if (r->lim.mem_bytes) {
        if ((r->cgroup = cgroup_make(r->lim.mem_bytes))) {
            r->model = "cgroup";
            r->oom_kills = cgroup_oom_kills(r->cgroup);
        } else if (r->sanitized) {
            r->model = t->kind == PF_TARGET_LIB ? "none"
                       : r->sanitized == 1      ? "asan"
                                                : "rss";
        } else {
            r->model = "rlimit";
        }
    }
    if (t->kind == PF_TARGET_CMD) {
        for (size_t i = 0; r->argv[i]; i++)
            if (strstr(r->argv[i], "@@"))
                r->has_at = 1;
        if (r->lines && r->has_at) {
            pf_err_set(err, PF_E_USAGE, "a line server reads its inputs on "
                       "standard input: no @@ in its command");
            goto fail;
        }
        if (r->has_at) {
            /* memory-backed when there is one: writing each input to a
             * disk file system costs more than starting the command */
            char shm[] = "/dev/shm/prodfuzz-run.XXXXXX";
            char tmp[] = "/tmp/prodfuzz-run.XXXXXX";
            char *tmpl = mkdtemp(shm) ? shm : mkdtemp(tmp);
            if (!tmpl) {
                pf_err_errno(err, errno, "cannot make a temporary folder");
                goto fail;
            }
            if (!(r->tmpdir = strdup(tmpl)) ||
                asprintf(&r->infile, "%s/input", tmpl) < 0) {
                r->infile = NULL;
                pf_err_set(err, PF_E_NOMEM, "out of memory");
                goto fail;
            }
        }
    }
    if (!(r->env = build_env(r, t->env, err)))
        goto fail;
    *out = r;
    return 0;
fail:
    pf_runner_close(r);
    return -1;
}

/* ---- child processes ------------------------------------------------ */

/* The child side runs in a vfork-like child for commands (spawn): it
 * shares prodfuzz's memory until exec, so it is not instrumented (no
 * sanitizer state of the suspended parent's thread is touched) and makes
 * system calls only. */
#define CHILD_SIDE __attribute__((no_sanitize("address", "undefined")))

CHILD_SIDE static void set_limit(int res, uint64_t v)
{
    struct rlimit rl = {(rlim_t)v, (rlim_t)v};
    (void)setrlimit(res, &rl);
}

/* In the child between fork and exec: only async-signal-safe calls. */
CHILD_SIDE static void child_setup(pf_runner *r, int in_fd, int out_fd,
                                   int err_fd, int req_fd, int rep_fd)
{
    setpgid(0, 0);
    /* no handler of ours (or a test framework's) in the target: a fault
     * must end the process with its signal. Reset before unblocking:
     * spawn blocks every signal around a vfork-like start, and a handler
     * of prodfuzz's must not run in a child that shares its memory */
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (r->cgroup) {
        char p[4200];
        size_t n = strlen(r->cgroup);
        if (n + 14 < sizeof p) {
            memcpy(p, r->cgroup, n);
            memcpy(p + n, "/cgroup.procs", 14);
            int fd = open(p, O_WRONLY);
            if (fd >= 0) {
                (void)!write(fd, "0", 1);
                close(fd);
            }
        }
    }
    if (req_fd >= 0) {
        dup2(req_fd, WORKER_FD);
        dup2(rep_fd, WORKER_FD + 1);
    }
    if (in_fd >= 0)
        dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    /* everything else closes on exec (O_CLOEXEC everywhere) */
    set_limit(RLIMIT_CORE, 0);
    if (r->lim.mem_bytes && !strcmp(r->model, "rlimit"))
        set_limit(RLIMIT_AS, r->lim.mem_bytes);
    if (r->lim.fsize_bytes)
        set_limit(RLIMIT_FSIZE, r->lim.fsize_bytes);
    if (r->lim.nofile)
        set_limit(RLIMIT_NOFILE, r->lim.nofile < WORKER_FD + 2 && req_fd >= 0
                                     ? WORKER_FD + 2 : r->lim.nofile);
    /* CPU time: one process per input gets the timeout plus a second */
    if (r->lim.timeout_s > 0 && r->kind == PF_TARGET_CMD && !r->lines)
        set_limit(RLIMIT_CPU, (uint64_t)ceil(r->lim.timeout_s) + 1);
}

static void exit_now(int status, void *arg)
{
    (void)arg;
    _exit(status);
}

typedef struct child {
    pid_t pid;
    int in_fd;  /* stdin pipe (CMD without @@), else -1 */
    int out_fd, err_fd;
    int req_fd, rep_fd; /* worker: requests, replies; else -1 */
} child;

/* A command's child: set up, then exec (vfork-like start, see spawn). */
typedef struct cmd_start {
    pf_runner *r;
    char **argv;
    int in_fd, out_fd, err_fd;
} cmd_start;

CHILD_SIDE static int cmd_child(void *arg)
{
    cmd_start *x = arg;
    child_setup(x->r, x->in_fd, x->out_fd, x->err_fd, -1, -1);
    execve(x->argv[0], x->argv, x->r->env);
    if (!strchr(x->argv[0], '/'))
        execvpe(x->argv[0], x->argv, x->r->env);
    _exit(127);
}

/* Start a command the way posix_spawn does (which cannot set resource
 * limits): a child that shares this process's memory and runs on its
 * own stack while this process waits until it has exec'ed. No copy of
 * prodfuzz's page tables per input, and the child runs at once on this
 * process's CPU. Every signal is blocked meanwhile (the child resets the
 * handlers before it unblocks them). */
#define VSTACK (256u << 10)
static pid_t vfork_cmd(pf_runner *r, cmd_start *x)
{
    if (!r->vstack) {
        void *m = mmap(NULL, VSTACK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (m == MAP_FAILED)
            return -1;
        r->vstack = m;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(cmd_child, (char *)r->vstack + VSTACK,
                      CLONE_VM | CLONE_VFORK | SIGCHLD, x);
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return pid;
}

static int spawn(pf_runner *r, char **argv, int want_stdin, int want_sock,
                 child *c, pf_err *err)
{
    int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
    int rq[2] = {-1, -1}, rp[2] = {-1, -1};
    int nul = -1;
    c->pid = -1;
    c->in_fd = c->out_fd = c->err_fd = c->req_fd = c->rep_fd = -1;
    /* a worker's requests and replies go through two pipes: a reply of
     * eight bytes costs less in a pipe than in a socket */
    if (pipe2(o, O_CLOEXEC) || pipe2(e, O_CLOEXEC) ||
        (want_stdin && pipe2(in, O_CLOEXEC)) ||
        (want_sock && (pipe2(rq, O_CLOEXEC) || pipe2(rp, O_CLOEXEC)))) {
        pf_err_errno(err, errno, "cannot make pipes for the target");
        goto fail;
    }
    if (!want_stdin && (nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        pf_err_errno(err, errno, "/dev/null");
        goto fail;
    }
    pid_t pid;
    if (r->kind == PF_TARGET_CMD && !want_sock) {
        cmd_start x = {r, argv, want_stdin ? in[0] : nul, o[1], e[1]};
        pid = vfork_cmd(r, &x);
    } else {
        pid = fork();
    }
    if (pid < 0) {
        pf_err_set(err, PF_E_ENV, "cannot start the target: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        child_setup(r, want_stdin ? in[0] : nul, o[1], e[1], rq[0], rp[1]);
        if (r->kind == PF_TARGET_LIB) {
            /* a library that calls exit() ends here, before a leak check
             * of prodfuzz's own memory (LSan's atexit ran registered
             * earlier, so it would run later) */
            on_exit(exit_now, NULL);
            int rc = pf_worker_serve(WORKER_FD, WORKER_FD + 1, r->fn, r->fresh,
                                     r->threads);
            _exit(rc == 0 ? 0 : 70);
        }
        execve(argv[0], argv, r->env);
        if (!strchr(argv[0], '/'))
            execvpe(argv[0], argv, r->env);
        _exit(127);
    }
    setpgid(pid, pid); /* both sides, whichever runs first */
    c->pid = pid;
    close(o[1]);
    close(e[1]);
    c->out_fd = o[0];
    c->err_fd = e[0];
    if (want_stdin) {
        close(in[0]);
        c->in_fd = in[1];
        fcntl(c->in_fd, F_SETFL, O_NONBLOCK);
    }
    if (nul >= 0)
        close(nul);
    if (want_sock) {
        close(rq[0]);
        close(rp[1]);
        c->req_fd = rq[1];
        c->rep_fd = rp[0];
        /* room for many requests ahead (the default is 64 KiB) */
        (void)fcntl(c->req_fd, F_SETPIPE_SZ, 1 << 20);
        fcntl(c->req_fd, F_SETFL, O_NONBLOCK);
        fcntl(c->rep_fd, F_SETFL, O_NONBLOCK);
    }
    fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0) close(in[i]);
        if (o[i] >= 0) close(o[i]);
        if (e[i] >= 0) close(e[i]);
        if (rq[i] >= 0) close(rq[i]);
        if (rp[i] >= 0) close(rp[i]);
    }
    if (nul >= 0)
        close(nul);
    return -1;
}

/* Read what is there; 1 at end of file, 0 otherwise. Keeps at most cap. */
int pf_run_drain(int fd, pf_buf *b, size_t cap)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            size_t room = b->len < cap ? cap - b->len : 0;
            pf_buf_add(b, buf, (size_t)n < room ? (size_t)n : room);
            continue;
        }
        if (n == 0)
            return 1;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN ? 0 : 1;
    }
}

static void kill_group(pid_t pid, int sig)
{
    if (pid > 0) {
        kill(-pid, sig);
        kill(pid, sig);
    }
}

/* Wait for pid to exit until the deadline (0: wait forever); -1 when the
 * deadline passed. A pidfd (Linux 5.3+) makes the wait a poll; older
 * kernels get a short sleep loop. */
static int reap(pid_t pid, double deadline, int *wst, struct rusage *ru)
{
    int pfd = -1;
    for (;;) {
        pid_t w = wait4(pid, wst, deadline > 0 ? WNOHANG : 0, ru);
        if (w == pid || (w < 0 && errno != EINTR)) {
            if (pfd >= 0)
                close(pfd);
            return 0;
        }
        if (deadline > 0 && pf_run_now() > deadline) {
            if (pfd >= 0)
                close(pfd);
            return -1;
        }
        if (w != 0)
            continue;
        if (pfd < 0)
            pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pfd >= 0) {
            struct pollfd p = {pfd, POLLIN, 0};
            int ms = (int)((deadline - pf_run_now()) * 1000) + 1;
            (void)poll(&p, 1, ms > 0 ? ms : 0);
        } else {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
}

/* ---- classification ------------------------------------------------- */

static int only_space(const pf_buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (!isspace((unsigned char)b->data[i]))
            return 0;
    return 1;
}

/* ASan out-of-memory reports whose kind pf_crash_is_oom does not list
 * ("out of memory: allocator is trying to allocate", the hard RSS limit) */
static int asan_oom_text(const pf_buf *b)
{
    static const char *const pats[] = {
        "hard rss limit exhausted", "rss-limit-exceeded",
        "allocator is trying to allocate", "malloc limit", NULL};
    for (int i = 0; b->len && pats[i]; i++)
        if (memmem(b->data, b->len, pats[i], strlen(pats[i])))
            return 1;
    return 0;
}

/* What runtimes print when an allocation fails under a limit and they
 * exit with an error instead of crashing. */
static int says_oom(const pf_buf *b)
{
    static const char *const pats[] = {
        "MemoryError", "std::bad_alloc", "Cannot allocate memory",
        "out of memory", "Out of memory", "OutOfMemoryError",
        "memory allocation of", "JavaScript heap out of memory",
        "failed to allocate", NULL};
    if (!b->len)
        return 0;
    for (int i = 0; pats[i]; i++)
        if (memmem(b->data, b->len, pats[i], strlen(pats[i])))
            return 1;
    return 0;
}

static void set_kind(pf_crash *c, const char *kind, const char *rest)
{
    snprintf(c->kind, sizeof c->kind, "%s", kind);
    free(c->signature);
    c->signature = NULL;
    if (asprintf(&c->signature, "%s%s", kind, rest ? rest : "") < 0)
        c->signature = NULL;
}

static const char *sig_kind(int sig, char *buf, size_t n)
{
    switch (sig) {
    case SIGSEGV: return "SEGV";
    case SIGBUS: return "BUS";
    case SIGFPE: return "FPE";
    case SIGILL: return "ILL";
    case SIGABRT: return "abort";
    default: snprintf(buf, n, "signal-%d", sig); return buf;
    }
}

/* A process ended (how: wst), or ran past its deadline (timed_out).
 * mid_input: a worker that died while serving an input (any exit then is
 * abnormal). Fills res->outcome and res->crash by pf_run.h's precedence. */
static int classify(pf_runner *r, pf_result *res, int wst, int timed_out,
                    int mid_input, pf_err *err)
{
    if (WIFSIGNALED(wst)) {
        res->signal = WTERMSIG(wst);
        res->exit_code = -1;
    } else if (WIFEXITED(wst)) {
        res->exit_code = WEXITSTATUS(wst);
    }
    int rep = res->err.len ? pf_crash_parse(res->err.data, res->err.len,
                                            &res->crash, err)
                           : 0;
    if (rep < 0)
        return -1;
    uint64_t kills = r->cgroup ? cgroup_oom_kills(r->cgroup) : 0;
    int cg_oom = r->cgroup && kills > r->oom_kills;
    r->oom_kills = kills;
    if (rep == 1 && !timed_out) {
        res->outcome = pf_crash_is_oom(&res->crash) || asan_oom_text(&res->err)
                           ? PF_OUT_OOM : PF_OUT_CRASH;
        return 0;
    }
    if (cg_oom || (!timed_out && asan_oom_text(&res->err))) {
        res->outcome = PF_OUT_OOM;
        set_kind(&res->crash, "oom", NULL);
        return 0;
    }
    if (timed_out || (res->signal == SIGXCPU)) {
        res->outcome = PF_OUT_TIMEOUT;
        /* a stack printed on our SIGABRT says where it was stuck */
        const char *rest = NULL;
        if (rep == 1 && res->crash.signature)
            rest = strchr(res->crash.signature, '|');
        char *keep = rest ? strdup(rest) : NULL;
        set_kind(&res->crash, "timeout", keep);
        free(keep);
        return 0;
    }
    if (res->signal) {
        char b[32];
        if ((res->signal == SIGKILL || res->signal == SIGTERM) &&
            only_space(&res->err)) {
            res->outcome = PF_OUT_SILENT_EXIT;
            set_kind(&res->crash, res->signal == SIGKILL ? "killed" : "terminated", NULL);
        } else {
            res->outcome = PF_OUT_CRASH;
            set_kind(&res->crash, sig_kind(res->signal, b, sizeof b), NULL);
        }
        return 0;
    }
    if (mid_input || res->exit_code != 0) {
        if (r->lim.mem_bytes && strcmp(r->model, "none") && says_oom(&res->err)) {
            res->outcome = PF_OUT_OOM;
            set_kind(&res->crash, "oom", NULL);
        } else if (only_space(&res->err)) {
            res->outcome = PF_OUT_SILENT_EXIT;
            set_kind(&res->crash, "silent-exit", NULL);
        } else if (mid_input) {
            /* a library that exits the process has no clean error */
            res->outcome = PF_OUT_CRASH;
            char k[32];
            snprintf(k, sizeof k, "exit-%d", res->exit_code);
            set_kind(&res->crash, k, NULL);
        } else {
            res->outcome = PF_OUT_REJECTED;
        }
        return 0;
    }
    res->outcome = PF_OUT_OK;
    return 0;
}

/* Two JSON values are equal: same type, numbers equal as doubles (to the
 * last bit of precision), strings byte for byte, arrays element by
 * element, objects with the same members in any order. cJSON_Compare
 * compares every object member twice (a's in b, then b's in a), which is
 * 2^depth comparisons for nested objects: a `deep` mutant of 30 nested
 * objects took minutes. Here each member is compared once, and b's keys
 * are only looked up. */
static int json_equal(const cJSON *a, const cJSON *b)
{
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return 0;
    switch (a->type & 0xFF) {
    case cJSON_Number: {
        double x = a->valuedouble, y = b->valuedouble;
        double m = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
        return fabs(x - y) <= m * DBL_EPSILON;
    }
    case cJSON_String:
    case cJSON_Raw:
        if (!a->valuestring || !b->valuestring)
            return a->valuestring == b->valuestring;
        return strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!json_equal(x, y))
                return 0;
        return !x && !y;
    }
    case cJSON_Object: {
        size_t na = 0, nb = 0;
        for (const cJSON *x = a->child; x; x = x->next) {
            const cJSON *y = x->string ? cJSON_GetObjectItemCaseSensitive(b, x->string) : NULL;
            if (!y || !json_equal(x, y))
                return 0;
            na++;
        }
        for (const cJSON *y = b->child; y; y = y->next) {
            if (!y->string || !cJSON_GetObjectItemCaseSensitive(a, y->string))
                return 0;
            nb++;
        }
        return na == nb;
    }
    default: /* null, true, false */
        return 1;
    }
}

/* --roundtrip: the output must parse back to the input's value. Inputs
 * that are not JSON have no value to compare. */
static void check_roundtrip(const uint8_t *data, size_t len, pf_result *res)
{
    if (res->outcome != PF_OUT_OK)
        return;
    cJSON *a = cJSON_ParseWithLength((const char *)data, len);
    if (!a)
        return;
    cJSON *b = res->out.len ? cJSON_ParseWithLength(res->out.data, res->out.len)
                            : NULL;
    if (!b || !json_equal(a, b)) {
        res->outcome = PF_OUT_ROUNDTRIP;
        set_kind(&res->crash, "roundtrip", b ? NULL : "|unparsable-output");
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}

/* ---- black-box commands --------------------------------------------- */

static char *subst_at(const char *arg, const char *path)
{
    pf_buf b = PF_BUF_INIT;
    for (const char *p = arg; *p;) {
        const char *at = strstr(p, "@@");
        if (!at) {
            pf_buf_adds(&b, p);
            break;
        }
        pf_buf_add(&b, p, (size_t)(at - p));
        pf_buf_adds(&b, path);
        p = at + 2;
    }
    if (b.oom) {
        pf_buf_free(&b);
        return NULL;
    }
    if (!b.data)
        return strdup("");
    return pf_buf_detach(&b, NULL);
}

/* Write to a pipe whose reader may be gone, without SIGPIPE. */
ssize_t pf_run_writev_nosig(int fd, const struct iovec *iov, int niov)
{
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, &old);
    ssize_t w = writev(fd, iov, niov);
    int e = errno;
    if (w < 0 && e == EPIPE) {
        struct timespec zero = {0, 0};
        sigtimedwait(&s, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return w;
}

static ssize_t write_nosig(int fd, const void *p, size_t n)
{
    struct iovec iov = {(void *)p, n};
    return pf_run_writev_nosig(fd, &iov, 1);
}

static int write_input(const char *path, const uint8_t *data, size_t len,
                       pf_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return pf_err_errno(err, errno, "cannot write the input file");
    size_t put = 0;
    while (put < len) {
        ssize_t w = write(fd, data + put, len - put);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return pf_err_errno(err, w < 0 ? e : ENOSPC, "cannot write the input file");
        }
        put += (size_t)w;
    }
    if (close(fd) < 0)
        return pf_err_errno(err, errno, "cannot write the input file");
    return 0;
}

static int run_cmd(pf_runner *r, const uint8_t *data, size_t len,
                   pf_result *res, pf_err *err)
{
    char **argv = r->argv;
    char **own = NULL;
    if (r->has_at) {
        /* a scratch file only this runner reads: no fsync, no rename */
        if (write_input(r->infile, data, len, err) < 0)
            return -1;
        size_t n = 0;
        while (r->argv[n])
            n++;
        own = calloc(n + 1, sizeof *own);
        if (!own)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            if (!(own[i] = subst_at(r->argv[i], r->infile))) {
                strv_free(own);
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            }
        argv = own;
    }
    child c;
    double t0 = pf_run_now();
    int rc = spawn(r, argv, !r->has_at, 0, &c, err);
    strv_free(own);
    if (rc < 0)
        return -1;
    double deadline = r->lim.timeout_s > 0 ? t0 + r->lim.timeout_s : 0;
    size_t put = 0;
    int out_eof = 0, err_eof = 0, timed_out = 0;
    if (c.in_fd >= 0 && len == 0) {
        close(c.in_fd);
        c.in_fd = -1;
    }
    /* one poll over the pipes and the process (pidfd): its exit and the
     * end of its output usually arrive in one wake-up */
    int pfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
    int exited = 0;
    double grace = 0; /* exited, output still held open by a descendant */
    while (!(out_eof && err_eof && (exited || pfd < 0))) {
        struct pollfd p[4];
        int np = 0, io = -1, ie = -1, ii = -1, ip = -1;
        if (!out_eof) { io = np; p[np++] = (struct pollfd){c.out_fd, POLLIN, 0}; }
        if (!err_eof) { ie = np; p[np++] = (struct pollfd){c.err_fd, POLLIN, 0}; }
        if (c.in_fd >= 0) { ii = np; p[np++] = (struct pollfd){c.in_fd, POLLOUT, 0}; }
        if (pfd >= 0 && !exited) { ip = np; p[np++] = (struct pollfd){pfd, POLLIN, 0}; }
        double until = deadline;
        if (grace > 0 && (until <= 0 || grace < until))
            until = grace;
        int ms = -1;
        if (until > 0) {
            double left = until - pf_run_now();
            if (left <= 0) {
                timed_out = until == deadline;
                break;
            }
            ms = (int)(left * 1000) + 1;
        }
        int n = poll(p, (nfds_t)np, ms);
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (io >= 0 && p[io].revents)
            out_eof = pf_run_drain(c.out_fd, &res->out, PF_RUN_OUT_CAP);
        if (ie >= 0 && p[ie].revents)
            err_eof = pf_run_drain(c.err_fd, &res->err, PF_RUN_ERR_CAP);
        if (ip >= 0 && p[ip].revents) {
            exited = 1;
            grace = pf_run_now() + 0.2;
        }
        if (ii >= 0 && p[ii].revents) {
            ssize_t w = (p[ii].revents & POLLOUT) ? write_nosig(c.in_fd, data + put, len - put) : -1;
            if (w > 0)
                put += (size_t)w;
            if ((w < 0 && errno != EAGAIN) || put == len) {
                close(c.in_fd);
                c.in_fd = -1;
            }
        }
    }
    if (pfd >= 0)
        close(pfd);
    if (c.in_fd >= 0)
        close(c.in_fd);
    int wst = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (timed_out || reap(c.pid, deadline, &wst, &ru) < 0) {
        timed_out = 1;
        kill_group(c.pid, SIGKILL);
        reap(c.pid, 0, &wst, &ru);
    } else {
        kill_group(c.pid, SIGKILL); /* stragglers of the group */
    }
    pf_run_drain(c.out_fd, &res->out, PF_RUN_OUT_CAP);
    pf_run_drain(c.err_fd, &res->err, PF_RUN_ERR_CAP);
    close(c.out_fd);
    close(c.err_fd);
    res->seconds = pf_run_now() - t0;
    res->peak_rss = (uint64_t)ru.ru_maxrss * 1024;
    if (classify(r, res, wst, timed_out, 0, err) < 0)
        return -1;
    if (r->roundtrip)
        check_roundtrip(data, len, res);
    return 0;
}

/* ---- workers (WORKER, LIB) ------------------------------------------ */

static void close_worker_pipes(pf_runner *r)
{
    if (r->req_fd >= 0)
        close(r->req_fd);
    if (r->rep_fd >= 0)
        close(r->rep_fd);
    r->req_fd = r->rep_fd = -1;
}

static void worker_stop(pf_runner *r, int *wst, struct rusage *ru)
{
    if (r->pid <= 0)
        return;
    close_worker_pipes(r);
    if (r->in_fd >= 0) /* a line server ends at the end of its input */
        close(r->in_fd);
    r->in_fd = -1;
    int st = 0;
    struct rusage u;
    /* end of file ends a healthy worker; give it a moment, then kill */
    if (reap(r->pid, pf_run_now() + 1.0, &st, &u) < 0) {
        kill_group(r->pid, SIGKILL);
        reap(r->pid, 0, &st, &u);
    }
    kill_group(r->pid, SIGKILL);
    if (wst)
        *wst = st;
    if (ru)
        *ru = u;
    if (r->out_fd >= 0)
        close(r->out_fd);
    if (r->err_fd >= 0)
        close(r->err_fd);
    r->out_fd = r->err_fd = -1;
    r->pid = -1;
}

int pf_run_worker_start(pf_runner *r, pf_err *err)
{
    char fdv[32];
    snprintf(fdv, sizeof fdv, "%s=%d", PF_WORKER_ENV, WORKER_FD);
    char forkv[64], thrv[64];
    snprintf(forkv, sizeof forkv, "%s=%d", PF_WORKER_FORK_ENV, r->fresh ? 1 : 0);
    snprintf(thrv, sizeof thrv, "%s=%d", PF_WORKER_THREADS_ENV, r->threads);
    /* the three worker variables go in front of the environment */
    size_t n = 0;
    while (r->env[n])
        n++;
    char **env = calloc(n + 4, sizeof *env);
    if (!env)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    env[0] = fdv;
    env[1] = forkv;
    env[2] = thrv;
    memcpy(env + 3, r->env, n * sizeof *env);
    char **keep = r->env;
    r->env = env;
    child c;
    int rc = spawn(r, r->argv, 0, 1, &c, err);
    r->env = keep;
    free(env);
    if (rc < 0)
        return -1;
    r->pid = c.pid;
    r->req_fd = c.req_fd;
    r->rep_fd = c.rep_fd;
    r->out_fd = c.out_fd;
    r->err_fd = c.err_fd;
    return 0;
}

/* Write a request wholly (the pipe is non-blocking: wait while it is
 * full); -1 when the worker is gone. */
static int send_req(int fd, const uint8_t h[4], const uint8_t *data, size_t len)
{
    size_t put = 0, total = 4 + len;
    while (put < total) {
        struct iovec iov[2];
        int n = 0;
        if (put < 4)
            iov[n++] = (struct iovec){(void *)(h + put), 4 - put};
        size_t d = put < 4 ? 0 : put - 4;
        if (d < len)
            iov[n++] = (struct iovec){(void *)(data + d), len - d};
        ssize_t w = pf_run_writev_nosig(fd, iov, n);
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            (void)poll(&p, 1, -1);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        put += (size_t)w;
    }
    return 0;
}

/* Non-blocking read of the reply into rep; 1 once whole, 0 not yet,
 * -1 when the worker closed it (died). */
static int read_reply(int fd, pf_buf *rep)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0)
            pf_buf_add(rep, buf, (size_t)n);
        else if (n < 0 && errno == EINTR)
            continue;
        if (rep->len >= 8) {
            const uint8_t *u = (const uint8_t *)rep->data;
            size_t ol = (size_t)u[4] | (size_t)u[5] << 8 | (size_t)u[6] << 16 |
                        (size_t)u[7] << 24;
            if (rep->len >= 8 + ol)
                return 1;
        }
        if (n == 0 || (n < 0 && errno != EAGAIN))
            return -1;
        if (n < 0)
            return 0;
    }
}

/* The entry point's answer came back (status st; the kit's output already
 * in res->out when asked for): a report on stderr still makes a crash or
 * an oom (a sanitizer that went on), then 1: the worker may be in any
 * state and is to be stopped. Else ok or rejected (or roundtrip), 0. */
int pf_run_worker_replied(pf_runner *r, const uint8_t *data, size_t len,
                          uint32_t st, pf_result *res, pf_err *err)
{
    int rp = res->err.len ? pf_crash_parse(res->err.data, res->err.len,
                                           &res->crash, err)
                          : 0;
    if (rp < 0)
        return -1;
    if (rp == 1) {
        res->outcome = pf_crash_is_oom(&res->crash) || asan_oom_text(&res->err)
                           ? PF_OUT_OOM : PF_OUT_CRASH;
        return 1;
    }
    res->exit_code = (int)st;
    res->outcome = st == 0 ? PF_OUT_OK : PF_OUT_REJECTED;
    if (r->roundtrip)
        check_roundtrip(data, len, res);
    return 0;
}

/* SIGABRT to pid's children (Linux lists them in /proc); how many. */
static int abort_children(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(p, "re");
    if (!f)
        return 0;
    int n = 0, c;
    while (fscanf(f, "%d", &c) == 1)
        if (c > 0 && kill(c, SIGABRT) == 0)
            n++;
    fclose(f);
    return n;
}

/* The worker died serving an input, or ran past its deadline (timed_out):
 * read its report to the end (err_eof: stderr already ended), reap it and
 * classify the input it was serving, which began at t0. The worker is
 * gone afterwards. */
int pf_run_worker_end(pf_runner *r, pf_result *res, int timed_out, int err_eof,
                      double t0, pf_err *err)
{
    if (timed_out && r->sanitized && r->kind == PF_TARGET_WORKER) {
        /* ASan prints the stack on SIGABRT (handle_abort=1): where it
         * hung. With a fresh process per input that is the worker's
         * forked child (the worker dies the same way after it) */
        if (!r->fresh || abort_children(r->pid) == 0)
            kill(r->pid, SIGABRT);
        double d2 = pf_run_now() + 2.0;
        while (!err_eof && pf_run_now() < d2) {
            struct pollfd p = {r->err_fd, POLLIN, 0};
            if (poll(&p, 1, 100) > 0)
                err_eof = pf_run_drain(r->err_fd, &res->err, PF_RUN_ERR_CAP);
        }
    }
    if (timed_out)
        kill_group(r->pid, SIGKILL);
    /* died (or killed): read the report to its end, then reap */
    double d3 = pf_run_now() + 5.0;
    while (!err_eof && pf_run_now() < d3) {
        struct pollfd p = {r->err_fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0)
            err_eof = pf_run_drain(r->err_fd, &res->err, PF_RUN_ERR_CAP);
    }
    pf_run_drain(r->out_fd, &res->out, PF_RUN_OUT_CAP);
    int wst = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    close_worker_pipes(r);
    if (reap(r->pid, pf_run_now() + 5.0, &wst, &ru) < 0) {
        kill_group(r->pid, SIGKILL);
        reap(r->pid, 0, &wst, &ru);
    }
    kill_group(r->pid, SIGKILL);
    r->pid = -1;
    close(r->out_fd);
    close(r->err_fd);
    r->out_fd = r->err_fd = -1;
    res->peak_rss = (uint64_t)ru.ru_maxrss * 1024;
    res->seconds = pf_run_now() - t0;
    return classify(r, res, wst, timed_out, 1, err);
}

/* A worker that reported: whatever it does next is not to be trusted. */
void pf_run_worker_kill(pf_runner *r)
{
    if (r->pid <= 0)
        return;
    kill_group(r->pid, SIGKILL);
    close_worker_pipes(r);
    reap(r->pid, 0, NULL, NULL);
    close(r->out_fd);
    close(r->err_fd);
    r->out_fd = r->err_fd = -1;
    r->pid = -1;
}

uint32_t pf_run_u32(const void *p)
{
    const uint8_t *u = p;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
           (uint32_t)u[3] << 24;
}

int pf_run_worker(pf_runner *r, const uint8_t *data, size_t len,
                      pf_result *res, pf_err *err)
{
    if (len > 0xffffffffu)
        return pf_err_set(err, PF_E_INPUT, "input over 4 GiB");
    if (r->pid <= 0 && pf_run_worker_start(r, err) < 0)
        return -1;
    double t0 = pf_run_now();
    double deadline = r->lim.timeout_s > 0 ? t0 + r->lim.timeout_s : 0;
    uint8_t h[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                    (uint8_t)(len >> 24)};
    pf_buf rep = PF_BUF_INIT;
    int state = 0, timed_out = 0;
    /* a worker that died at start (or between inputs) shows as a closed
     * pipe here, and its death is this input's outcome */
    if (send_req(r->req_fd, h, data, len) < 0)
        state = -1;
    int err_eof = 0;
    while (state == 0) {
        struct pollfd p[3] = {{r->rep_fd, POLLIN, 0},
                              {r->out_fd, POLLIN, 0},
                              {err_eof ? -1 : r->err_fd, POLLIN, 0}};
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - pf_run_now();
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            ms = (int)(left * 1000) + 1;
        }
        int n = poll(p, 3, ms);
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (p[1].revents)
            pf_run_drain(r->out_fd, &res->out, PF_RUN_OUT_CAP);
        if (p[2].revents)
            err_eof = pf_run_drain(r->err_fd, &res->err, PF_RUN_ERR_CAP);
        if (p[0].revents)
            state = read_reply(r->rep_fd, &rep);
    }
    res->seconds = pf_run_now() - t0;
    if (state == 1) {
        /* a report written before the reply (a sanitizer that goes on,
         * halt_on_error=0) was readable in the same poll, and drained */
        if (r->roundtrip || r->reply_output) { /* the kit's serialized
                                                  output, not stdout */
            pf_buf_reset(&res->out);
            pf_buf_add(&res->out, rep.data + 8, rep.len - 8);
        }
        uint32_t st = pf_run_u32(rep.data);
        pf_buf_free(&rep);
        int rc = pf_run_worker_replied(r, data, len, st, res, err);
        if (rc == 1) /* a worker that reported may be in any state: start afresh */
            worker_stop(r, NULL, NULL);
        return rc < 0 ? -1 : 0;
    }
    pf_buf_free(&rep);
    return pf_run_worker_end(r, res, timed_out, err_eof, t0, err);
}

/* ---- line servers (CMD with lines) ----------------------------------- */

/* The protocol (docs/check.md): one input per line on the server's stdin,
 * one answer line on its stdout. An answer that begins with "ok" (alone,
 * or followed by a blank or ':') accepts the input; any other answer is a
 * clean rejection. No answer (the server exits, dies or closes its
 * output) or no answer in time is the server's failure, classified like a
 * worker that died mid-input; the server is started again for the next
 * input. With roundtrip, the text after "ok " must parse back to the
 * input's value. */

static int answer_ok(const char *a, size_t n)
{
    return n >= 2 && a[0] == 'o' && a[1] == 'k' &&
           (n == 2 || a[2] == ' ' || a[2] == '\t' || a[2] == ':' || a[2] == '\r');
}

/* The server is gone (reaped elsewhere, or to be dropped): close its pipes. */
static void lines_forget(pf_runner *r)
{
    if (r->in_fd >= 0)
        close(r->in_fd);
    if (r->out_fd >= 0)
        close(r->out_fd);
    if (r->err_fd >= 0)
        close(r->err_fd);
    r->in_fd = r->out_fd = r->err_fd = -1;
    r->pid = -1;
    pf_buf_reset(&r->lout);
}

static int lines_start(pf_runner *r, pf_err *err)
{
    child c;
    if (spawn(r, r->argv, 1, 0, &c, err) < 0)
        return -1;
    r->pid = c.pid;
    r->in_fd = c.in_fd;
    r->out_fd = c.out_fd;
    r->err_fd = c.err_fd;
    pf_buf_reset(&r->lout);
    return 0;
}

static int run_lines(pf_runner *r, const uint8_t *data, size_t len,
                     pf_result *res, pf_err *err)
{
    if (len && memchr(data, '\n', len))
        return pf_err_set(err, PF_E_INPUT, "a line server takes one line per "
                          "input, and this input holds a newline byte");
    int wst = 0;
    if (r->pid > 0 && waitpid(r->pid, &wst, WNOHANG) == r->pid) {
        kill_group(r->pid, SIGKILL); /* it ended between inputs */
        lines_forget(r);
    }
    if (r->pid <= 0 && lines_start(r, err) < 0)
        return -1;
    /* what the server wrote after its last answer is not this input's;
     * a server that closed its output since is started again first */
    pf_buf junk = PF_BUF_INIT;
    int out_eof = pf_run_drain(r->out_fd, &junk, 0);
    int err_eof = pf_run_drain(r->err_fd, &junk, 0);
    if (out_eof) {
        kill_group(r->pid, SIGKILL);
        reap(r->pid, 0, &wst, NULL);
        lines_forget(r);
        if (lines_start(r, err) < 0) {
            pf_buf_free(&junk);
            return -1;
        }
        out_eof = err_eof = 0;
    }
    pf_buf_free(&junk);
    pf_buf_reset(&r->lout);
    pf_buf_reset(&r->line);
    pf_buf_add(&r->line, data, len);
    pf_buf_addc(&r->line, '\n');
    if (pf_buf_ok(&r->line, err) < 0)
        return -1;
    double t0 = pf_run_now();
    double deadline = r->lim.timeout_s > 0 ? t0 + r->lim.timeout_s : 0;
    size_t put = 0;
    int timed_out = 0;
    const char *nl = NULL;
    while (!(nl = r->lout.len ? memchr(r->lout.data, '\n', r->lout.len) : NULL) &&
           !out_eof) {
        struct pollfd p[3];
        int np = 0, io, ie = -1, ii = -1;
        io = np;
        p[np++] = (struct pollfd){r->out_fd, POLLIN, 0};
        if (!err_eof) { ie = np; p[np++] = (struct pollfd){r->err_fd, POLLIN, 0}; }
        if (r->in_fd >= 0 && put < r->line.len) {
            ii = np;
            p[np++] = (struct pollfd){r->in_fd, POLLOUT, 0};
        }
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - pf_run_now();
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            ms = (int)(left * 1000) + 1;
        }
        int n = poll(p, (nfds_t)np, ms);
        if (n < 0 && errno != EINTR)
            return pf_err_errno(err, errno, "poll");
        if (n <= 0)
            continue;
        if (p[io].revents)
            out_eof = pf_run_drain(r->out_fd, &r->lout, PF_RUN_OUT_CAP);
        if (ie >= 0 && p[ie].revents)
            err_eof = pf_run_drain(r->err_fd, &res->err, PF_RUN_ERR_CAP);
        if (ii >= 0 && p[ii].revents) {
            ssize_t w = (p[ii].revents & POLLOUT)
                            ? write_nosig(r->in_fd, r->line.data + put, r->line.len - put)
                            : -1;
            if (w > 0)
                put += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                put = r->line.len; /* it stopped reading: its exit tells */
        }
    }
    res->seconds = pf_run_now() - t0;
    if (nl) {
        size_t alen = (size_t)(nl - r->lout.data);
        pf_run_drain(r->err_fd, &res->err, PF_RUN_ERR_CAP);
        int ok = answer_ok(r->lout.data, alen);
        /* the answer is the output; after "ok " it is the value (roundtrip) */
        size_t skip = ok ? 2 : 0;
        while (ok && skip < alen && (r->lout.data[skip] == ' ' || r->lout.data[skip] == ':'))
            skip++;
        pf_buf_add(&res->out, r->lout.data + skip, alen - skip);
        pf_buf_reset(&r->lout);
        /* a report the runtime printed without dying is still a crash */
        int rep = res->err.len ? pf_crash_parse(res->err.data, res->err.len,
                                                &res->crash, err) : 0;
        if (rep < 0)
            return -1;
        if (rep == 1) {
            res->outcome = pf_crash_is_oom(&res->crash) ? PF_OUT_OOM : PF_OUT_CRASH;
            return 0;
        }
        res->outcome = ok ? PF_OUT_OK : PF_OUT_REJECTED;
        if (r->roundtrip)
            check_roundtrip(data, len, res);
        return 0;
    }
    /* no answer: the server is done for; how it ended decides */
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (r->in_fd >= 0) {
        close(r->in_fd);
        r->in_fd = -1;
    }
    if (timed_out || reap(r->pid, deadline > 0 ? deadline : pf_run_now() + 1.0,
                          &wst, &ru) < 0) {
        timed_out = timed_out || deadline > 0;
        kill_group(r->pid, SIGKILL);
        reap(r->pid, 0, &wst, &ru);
    } else {
        kill_group(r->pid, SIGKILL); /* stragglers of the group */
    }
    pf_run_drain(r->err_fd, &res->err, PF_RUN_ERR_CAP);
    lines_forget(r);
    res->seconds = pf_run_now() - t0;
    res->peak_rss = (uint64_t)ru.ru_maxrss * 1024;
    return classify(r, res, wst, timed_out, 1, err);
}

int pf_run_one(pf_runner *r, const uint8_t *data, size_t len, pf_result *res,
               pf_err *err)
{
    pf_run_result_reset(res);
    if (r->lines)
        return run_lines(r, data, len, res, err);
    if (r->kind == PF_TARGET_CMD)
        return run_cmd(r, data, len, res, err);
    return pf_run_worker(r, data, len, res, err);
}

int pf_runner_run(pf_runner *r, const uint8_t *data, size_t len,
                  pf_result *res, pf_err *err)
{
    if (r->q_first != r->q_end) {
        pf_run_result_reset(res);
        return pf_err_set(err, PF_E_INTERNAL, "run: inputs submitted and not collected");
    }
    int rc = pf_run_one(r, data, len, res, err);
    pf_run_pipe_restart(r); /* nothing in flight, nothing read ahead */
    return rc;
}

void pf_runner_close(pf_runner *r)
{
    if (!r)
        return;
    worker_stop(r, NULL, NULL);
    if (r->cgroup) {
        rmdir(r->cgroup);
        free(r->cgroup);
    }
    if (r->infile)
        unlink(r->infile);
    if (r->tmpdir)
        rmdir(r->tmpdir);
    free(r->infile);
    free(r->tmpdir);
    pf_buf_free(&r->lout);
    pf_buf_free(&r->line);
    if (r->vstack)
        munmap(r->vstack, VSTACK);
    pf_run_pipe_free(r);
    strv_free(r->argv);
    strv_free(r->env);
    if (r->dl)
        dlclose(r->dl);
    free(r);
}
