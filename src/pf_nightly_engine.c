/*
 * pf_nightly_engine: run a fuzzing engine for a target's share of the
 * night, under supervision.
 *
 * libFuzzer stops at the first crash. Two ways past that:
 *   - restart mode (the default): each job is a plain libFuzzer process
 *     restarted after every crash, timeout, out-of-memory or leak, until
 *     the time is up;
 *   - fork mode: one libFuzzer `-fork=JOBS` process whose children are
 *     restarted by libFuzzer itself (-ignore_crashes, -ignore_timeouts,
 *     -ignore_ooms). Left to itself, fork mode first merges its seed
 *     folders down to the inputs that add coverage, which cut a
 *     471-document production corpus to two inputs; -keep_seed=1 keeps
 *     every seed in its corpus instead, and the run checks libFuzzer's
 *     "N seed inputs" line against the files of the seed folders: fewer
 *     (an older libFuzzer, or -keep_seed=0 among the target's flags)
 *     stops the engine with an error rather than fuzz without them.
 * Either way every start reads the same folders: the night's new inputs
 * (written by the engine, first folder), the production seeds and the
 * state corpus (both read only), so each restart, and each night, starts
 * from all the production seeds plus what was learned. Fork mode's
 * scratch folder goes in the work folder (TMPDIR), and stopping signals
 * go to the engine's whole process group, children included.
 *
 * The engine's stderr goes to WORK/logs/; the status lines ("#N NEW cov:
 * C ... exec/s: E") are sampled about once a second into the time series
 * of the report. Artifacts go to WORK/artifacts/ with libFuzzer's names
 * (crash-, timeout-, oom-, leak-, slow-unit-).
 *
 * AFL++ (engine "afl") runs afl-fuzz on an AFL++-instrumented build with
 * the prodfuzz mutator as AFL_CUSTOM_MUTATOR_LIBRARY: one main and
 * --jobs - 1 secondaries, with the settings CI machines need.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pf_fs.h"
#include "pf_nightly.h"

extern char **environ;

#define MUTATOR_OFF "the prodfuzz mutator is off"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int env_name_eq(const char *a, const char *b)
{
    size_t i = 0;
    for (; a[i] && a[i] != '=' && b[i] && b[i] != '='; i++)
        if (a[i] != b[i])
            return 0;
    return (a[i] == '=' || !a[i]) && (b[i] == '=' || !b[i]);
}

static int env_has(char **env, const char *name)
{
    for (char **p = env; p && *p; p++)
        if (env_name_eq(*p, name))
            return 1;
    return 0;
}

char **pf_engine_env(char **extra, const pf_nlimits *lim, pf_err *err)
{
    char **out = NULL;
    size_t n = 0;
    /* the inherited environment, without what we decide here */
    static const char *const ours[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS",
                                       "LSAN_OPTIONS", NULL};
    for (char **p = environ; p && *p; p++) {
        int skip = env_has(extra, *p);
        for (int k = 0; ours[k] && !skip; k++)
            skip = env_name_eq(*p, ours[k]);
        if (!skip && pf_argv_push(&out, &n, *p, err) < 0)
            goto fail;
    }
    for (char **p = extra; p && *p; p++)
        if (pf_argv_push(&out, &n, *p, err) < 0)
            goto fail;
    if (!env_has(extra, "ASAN_OPTIONS")) {
        pf_buf b = PF_BUF_INIT;
        pf_buf_adds(&b, "ASAN_OPTIONS=");
        pf_nlimits_asan_options(lim, &b);
        int rc = pf_buf_ok(&b, err) < 0 ? -1 : pf_argv_push(&out, &n, b.data, err);
        pf_buf_free(&b);
        if (rc < 0)
            goto fail;
    }
    if (!env_has(extra, "UBSAN_OPTIONS") &&
        pf_argv_push(&out, &n, "UBSAN_OPTIONS=print_stacktrace=1:"
                               "halt_on_error=1:symbolize=1", err) < 0)
        goto fail;
    if (!out && pf_argv_push(&out, &n, "PATH=/usr/bin:/bin", err) < 0)
        goto fail;
    return out;
fail:
    pf_argv_free(out);
    return NULL;
}

/* fork + exec with stdout and stderr to log (or to a pipe when log_fd
 * >= 0); the child dies with its supervisor. */
static pid_t spawn(char **argv, char **env, const char *log, int log_fd,
                   const char *cwd, pf_err *err)
{
    int fd = log_fd;
    if (fd < 0) {
        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            return pf_err_errno(err, errno, "cannot create %s", log);
        /* the log says what ran, flags and all */
        pf_buf cmd = PF_BUF_INIT;
        pf_buf_adds(&cmd, "prodfuzz: engine command:");
        for (char **a = argv; *a; a++)
            pf_buf_addf(&cmd, " %s", *a);
        pf_buf_addc(&cmd, '\n');
        if (pf_buf_ok(&cmd, NULL) == 0 && write(fd, cmd.data, cmd.len) < 0) {
            /* the log is a courtesy; the run goes on */
        }
        pf_buf_free(&cmd);
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        if (log_fd < 0)
            close(fd);
        return pf_err_errno(err, e, "cannot start %s", argv[0]);
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (cwd && chdir(cwd) < 0)
            _exit(126);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execve(argv[0], argv, env);
        dprintf(2, "prodfuzz: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    /* its own process group (also set by the child: whichever runs
     * first), so a stop reaches fork mode's children too */
    setpgid(pid, pid);
    if (log_fd < 0)
        close(fd);
    return pid;
}

/* ---- status lines ---------------------------------------------------------- */

typedef struct job {
    pid_t pid;
    char *log;
    FILE *fp;            /* reading the current log */
    pf_buf line;
    int inited;
    uint64_t execs;      /* this process, from its latest status line */
    double eps;          /* this process's exec/s */
    uint64_t cov;
    uint64_t done_execs; /* earlier processes of this job */
    unsigned runs;
    unsigned early_deaths; /* in a row, before INITED */
    size_t seeds;
    int mutator_off;
    int dead;            /* finished for good */
} job;

static uint64_t field_u64(const char *l, const char *key)
{
    const char *p = strstr(l, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static void parse_line(job *j, const char *l)
{
    if (strstr(l, MUTATOR_OFF))
        j->mutator_off = 1;
    if (!strncmp(l, "INFO: seed corpus: files: ", 26))
        j->seeds = (size_t)strtoull(l + 26, NULL, 10);
    /* fork mode: "INFO: -fork=2: 471 seed inputs, starting to fuzz in ..." */
    const char *fk = strstr(l, " seed inputs, starting to fuzz");
    if (!strncmp(l, "INFO: -fork=", 12) && fk) {
        const char *c = strchr(l + 12, ':');
        if (c && c < fk) {
            j->seeds = (size_t)strtoull(c + 1, NULL, 10);
            j->inited = 1;
        }
        return;
    }
    if (!strncmp(l, "stat::number_of_executed_units: ", 32)) {
        j->execs = strtoull(l + 32, NULL, 10);
        return;
    }
    if (l[0] != '#' || l[1] < '0' || l[1] > '9')
        return;
    j->execs = strtoull(l + 1, NULL, 10);
    if (strstr(l, "INITED"))
        j->inited = 1;
    uint64_t c = field_u64(l, "cov: ");
    if (c)
        j->cov = c;
    /* "exec/s: E" (a fuzzing process), "exec/s E" (fork mode's parent) */
    if (strstr(l, "exec/s: "))
        j->eps = (double)field_u64(l, "exec/s: ");
    else if (strstr(l, "exec/s "))
        j->eps = (double)field_u64(l, "exec/s ");
}

static void read_log(job *j)
{
    if (!j->fp)
        return;
    int c;
    clearerr(j->fp);
    while ((c = fgetc(j->fp)) != EOF) {
        if (c == '\n') {
            parse_line(j, pf_buf_str(&j->line));
            pf_buf_reset(&j->line);
        } else if (j->line.len < 4096) {
            pf_buf_addc(&j->line, (char)c);
        }
    }
}

static void job_close_log(job *j)
{
    if (j->fp) {
        read_log(j);
        if (j->line.len)
            parse_line(j, pf_buf_str(&j->line));
        pf_buf_reset(&j->line);
        fclose(j->fp);
        j->fp = NULL;
    }
}

void pf_engine_result_free(pf_engine_result *r)
{
    free(r->samples);
    memset(r, 0, sizeof *r);
}

static int add_sample(pf_engine_result *res, const pf_nsample *s, pf_err *err)
{
    pf_nsample *p = realloc(res->samples, (res->nsamples + 1) * sizeof *p);
    if (!p)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    res->samples = p;
    p[res->nsamples++] = *s;
    return 0;
}

static char *join(const char *a, const char *b)
{
    pf_buf p = PF_BUF_INIT;
    pf_buf_addf(&p, "%s/%s", a, b);
    return pf_buf_detach(&p, NULL);
}

/* ---- libFuzzer ------------------------------------------------------------- */

static int lf_argv(const pf_engine_cfg *c, double seconds, char ***argv,
                   pf_err *err)
{
    size_t n = 0;
    char *art = join(c->work, "artifacts/");
    char *corp = join(c->work, "corpus");
    int rc = -1;
    if (!art || !corp) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    unsigned secs = (unsigned)(seconds + 0.5);
    if (pf_argv_push(argv, &n, c->target, err) < 0 ||
        pf_nlimits_libfuzzer_flags(&c->lim, argv, &n, err) < 0 ||
        pf_argv_pushf(argv, &n, err, "-max_total_time=%u", secs ? secs : 1) < 0 ||
        pf_argv_pushf(argv, &n, err, "-artifact_prefix=%s", art) < 0 ||
        pf_argv_push(argv, &n, "-print_final_stats=1", err) < 0 ||
        (c->dict && pf_argv_pushf(argv, &n, err, "-dict=%s", c->dict) < 0))
        goto out;
    if (c->fork_mode) {
        /* children restarted by libFuzzer; every seed kept (see above) */
        if (pf_argv_pushf(argv, &n, err, "-fork=%d", c->jobs > 0 ? c->jobs : 1) < 0 ||
            pf_argv_push(argv, &n, "-ignore_crashes=1", err) < 0 ||
            pf_argv_push(argv, &n, "-ignore_timeouts=1", err) < 0 ||
            pf_argv_push(argv, &n, "-ignore_ooms=1", err) < 0 ||
            pf_argv_push(argv, &n, "-keep_seed=1", err) < 0)
            goto out;
    } else if (pf_argv_push(argv, &n, "-reload=1", err) < 0) {
        goto out;
    }
    for (char **a = c->extra_args; a && *a; a++)
        if (pf_argv_push(argv, &n, *a, err) < 0)
            goto out;
    if (pf_argv_push(argv, &n, corp, err) < 0 ||
        (c->seeds && pf_argv_push(argv, &n, c->seeds, err) < 0) ||
        (c->learned && pf_fs_is_dir(c->learned) &&
         pf_argv_push(argv, &n, c->learned, err) < 0))
        goto out;
    rc = 0;
out:
    free(art);
    free(corp);
    return rc;
}

static int job_start(const pf_engine_cfg *c, job *j, int idx, char **env,
                     double remaining, pf_err *err)
{
    char **argv = NULL;
    if (lf_argv(c, remaining, &argv, err) < 0) {
        pf_argv_free(argv);
        return -1;
    }
    pf_buf name = PF_BUF_INIT;
    if (c->logs)
        pf_buf_addf(&name, "%s/job%d.%u.log", c->logs, idx, j->runs);
    else
        pf_buf_addf(&name, "%s/logs/job%d.%u.log", c->work, idx, j->runs);
    free(j->log);
    j->log = pf_buf_detach(&name, NULL);
    if (!j->log) {
        pf_argv_free(argv);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    j->pid = spawn(argv, env, j->log, -1, c->work, err);
    pf_argv_free(argv);
    if (j->pid < 0)
        return -1;
    j->fp = fopen(j->log, "r");
    j->inited = 0;
    j->execs = 0;
    j->eps = 0;
    j->runs++;
    return 0;
}

static void stop_all(job *jobs, int n)
{
    for (int i = 0; i < n; i++)
        if (jobs[i].pid > 0)
            kill(-jobs[i].pid, SIGINT);
    /* libFuzzer prints its final stats on SIGINT; give it a moment */
    double until = now_s() + 5.0;
    for (;;) {
        int alive = 0;
        for (int i = 0; i < n; i++) {
            if (jobs[i].pid <= 0)
                continue;
            int st;
            if (waitpid(jobs[i].pid, &st, WNOHANG) == jobs[i].pid) {
                jobs[i].pid = 0;
                job_close_log(&jobs[i]);
                jobs[i].done_execs += jobs[i].execs;
                jobs[i].execs = 0;
            } else {
                alive++;
            }
        }
        if (!alive)
            return;
        if (now_s() > until) {
            for (int i = 0; i < n; i++)
                if (jobs[i].pid > 0) {
                    kill(-jobs[i].pid, SIGKILL);
                    waitpid(jobs[i].pid, NULL, 0);
                    jobs[i].pid = 0;
                    job_close_log(&jobs[i]);
                    jobs[i].done_execs += jobs[i].execs;
                    jobs[i].execs = 0;
                }
            return;
        }
        sleep_s(0.05);
    }
}

static unsigned count_artifacts(const char *work)
{
    char *dir = join(work, "artifacts");
    char **names = NULL;
    size_t n = 0;
    pf_err e = PF_ERR_INIT;
    if (dir && pf_dir_files(dir, &names, &n, &e) == 0)
        pf_dir_files_free(names, n);
    free(dir);
    return (unsigned)n;
}

static int prepare_work(const pf_engine_cfg *c, pf_err *err)
{
    if (c->logs && pf_fs_mkdirs(c->logs, 0755, err) < 0)
        return -1;
    static const char *const sub[] = {"corpus", "artifacts", "logs"};
    for (size_t i = 0; i < 3; i++) {
        char *d = join(c->work, sub[i]);
        if (!d)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        int rc = pf_fs_mkdirs(d, 0755, err);
        free(d);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Files directly in dir (0 when it does not exist). */
static size_t count_files(const char *dir)
{
    char **names = NULL;
    size_t n = 0;
    pf_err e = PF_ERR_INIT;
    if (!dir || !pf_fs_is_dir(dir) || pf_dir_files(dir, &names, &n, &e) < 0)
        return 0;
    pf_dir_files_free(names, n);
    return n;
}

/* The engine's environment; fork mode keeps its scratch folder (children's
 * corpora and logs) in the work folder, removed with it. */
static char **lf_env(const pf_engine_cfg *c, pf_err *err)
{
    if (!c->fork_mode)
        return pf_engine_env(c->env, &c->lim, err);
    char **extra = NULL, **env = NULL;
    size_t n = 0;
    for (char **p = c->env; p && *p; p++)
        if (pf_argv_push(&extra, &n, *p, err) < 0)
            goto out;
    if (!env_has(extra, "TMPDIR") &&
        pf_argv_pushf(&extra, &n, err, "TMPDIR=%s", c->work) < 0)
        goto out;
    env = pf_engine_env(extra, &c->lim, err);
out:
    pf_argv_free(extra);
    return env;
}

static int run_libfuzzer(const pf_engine_cfg *c, pf_engine_result *res,
                         pf_err *err)
{
    /* fork mode: one libFuzzer process, --jobs children of its own */
    int nj = c->fork_mode ? 1 : c->jobs > 0 ? c->jobs : 1;
    job *jobs = calloc((size_t)nj, sizeof *jobs);
    char **env = lf_env(c, err);
    int rc = -1;
    if (!jobs || !env) {
        if (!jobs)
            pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    if (c->fork_mode)
        res->seed_expected = count_files(c->seeds) + count_files(c->learned);
    double t0 = now_s(), end = t0 + c->seconds, last_sample = t0;
    for (int i = 0; i < nj; i++)
        if (job_start(c, &jobs[i], i, env, c->seconds, err) < 0) {
            stop_all(jobs, i);
            goto out;
        }
    for (;;) {
        double t = now_s();
        int alive = 0;
        for (int i = 0; i < nj; i++) {
            job *j = &jobs[i];
            if (j->dead)
                continue;
            read_log(j);
            if (j->mutator_off) {
                stop_all(jobs, nj);
                pf_err_set(err, PF_E_ENV,
                           "%s: the prodfuzz mutator did not start (its "
                           "reason is in %s); a night without it is refused",
                           c->target, j->log);
                goto out;
            }
            if (c->fork_mode && j->inited && j->seeds < res->seed_expected) {
                stop_all(jobs, nj);
                pf_err_set(err, PF_E_ENV,
                           "%s: libFuzzer's fork mode kept %zu of the %zu "
                           "production seeds and learned inputs (its -keep_seed=1 "
                           "was not honoured; see %s); a night without every "
                           "production seed is refused: use the restart mode",
                           c->target, j->seeds, res->seed_expected, j->log);
                goto out;
            }
            int st;
            if (j->pid > 0 && waitpid(j->pid, &st, WNOHANG) == j->pid) {
                j->pid = 0;
                job_close_log(j);
                if (j->mutator_off)
                    continue; /* caught on the next turn */
                j->done_execs += j->execs;
                j->execs = 0;
                if (!j->inited) {
                    j->early_deaths++;
                    if (j->runs == 1 && count_artifacts(c->work) == 0) {
                        stop_all(jobs, nj);
                        pf_err_set(err, PF_E_ENV,
                                   "%s could not start fuzzing (exit status "
                                   "%d; its output is in %s)", c->target,
                                   WIFEXITED(st) ? WEXITSTATUS(st)
                                                 : 128 + WTERMSIG(st), j->log);
                        goto out;
                    }
                } else {
                    j->early_deaths = 0;
                }
                /* a corpus input that fails at start-up would make every
                 * restart fail the same way: the artifacts are kept, the
                 * job ends */
                if (j->early_deaths >= 3 || (c->stop && *c->stop) ||
                    end - now_s() < 1.0) {
                    j->dead = 1;
                    continue;
                }
                res->restarts++;
                if (job_start(c, j, i, env, end - now_s(), err) < 0) {
                    stop_all(jobs, nj);
                    goto out;
                }
            }
            if (j->pid > 0)
                alive++;
        }
        if (t - last_sample >= 1.0 || !alive) {
            pf_nsample s = {t - t0, 0, 0, 0};
            for (int i = 0; i < nj; i++) {
                s.execs += jobs[i].done_execs + jobs[i].execs;
                if (jobs[i].pid > 0)
                    s.execs_per_s += jobs[i].eps;
                if (jobs[i].cov > s.cov)
                    s.cov = jobs[i].cov;
            }
            if (add_sample(res, &s, err) < 0) {
                stop_all(jobs, nj);
                goto out;
            }
            last_sample = t;
            if (c->progress)
                c->progress(c->ctx, &s, res->restarts,
                            count_artifacts(c->work));
        }
        if (!alive)
            break;
        if (c->stop && *c->stop) {
            res->stopped = 1;
            stop_all(jobs, nj);
            continue;
        }
        if (t > end + 10.0) /* libFuzzer overran its -max_total_time */
            stop_all(jobs, nj);
        sleep_s(0.2);
    }
    res->seconds = now_s() - t0;
    for (int i = 0; i < nj; i++) {
        res->execs += jobs[i].done_execs;
        if (jobs[i].cov > res->max_cov)
            res->max_cov = jobs[i].cov;
        if (jobs[i].seeds > res->seed_files)
            res->seed_files = jobs[i].seeds;
    }
    rc = 0;
out:
    for (int i = 0; jobs && i < nj; i++) {
        if (jobs[i].fp)
            fclose(jobs[i].fp);
        pf_buf_free(&jobs[i].line);
        free(jobs[i].log);
    }
    free(jobs);
    pf_argv_free(env);
    return rc;
}

/* ---- AFL++ ----------------------------------------------------------------- */

static int copy_in(const char *from, const char *to_dir, pf_err *err)
{
    char **names = NULL;
    size_t n = 0;
    if (!from || !pf_fs_is_dir(from))
        return 0;
    if (pf_dir_files(from, &names, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        pf_buf src = PF_BUF_INIT, dst = PF_BUF_INIT, data = PF_BUF_INIT;
        pf_buf_addf(&src, "%s/%s", from, names[i]);
        pf_buf_addf(&dst, "%s/%s", to_dir, names[i]);
        if (pf_buf_ok(&src, err) < 0 || pf_buf_ok(&dst, err) < 0)
            rc = -1;
        else if (link(src.data, dst.data) < 0 && errno != EEXIST) {
            if (pf_fs_read_file(src.data, 64u << 20, &data, err) < 0 ||
                pf_fs_write_atomic(dst.data, data.data, data.len, 0644, err) < 0)
                rc = -1;
        }
        pf_buf_free(&src);
        pf_buf_free(&dst);
        pf_buf_free(&data);
    }
    pf_dir_files_free(names, n);
    return rc;
}

static int read_afl_stats(const char *path, pf_nsample *s)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    char line[256];
    while (fgets(line, sizeof line, fp)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        if (!strncmp(line, "execs_done", 10))
            s->execs += strtoull(colon + 1, NULL, 10);
        else if (!strncmp(line, "execs_per_sec", 13))
            s->execs_per_s += strtod(colon + 1, NULL);
        else if (!strncmp(line, "edges_found", 11)) {
            uint64_t e = strtoull(colon + 1, NULL, 10);
            if (e > s->cov)
                s->cov = e;
        }
    }
    fclose(fp);
    return 0;
}

static int run_afl(const pf_engine_cfg *c, pf_engine_result *res, pf_err *err)
{
    int nj = c->jobs > 0 ? c->jobs : 1;
    char *in = join(c->work, "afl-in"), *out = join(c->work, "afl");
    pid_t *pids = calloc((size_t)nj, sizeof *pids);
    char **env = NULL;
    size_t nenv = 0;
    int rc = -1;
    if (!in || !out || !pids) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto done;
    }
    if (!c->afl_mutator || access(c->afl_mutator, R_OK) < 0) {
        pf_err_set(err, PF_E_ENV, "the prodfuzz AFL++ mutator library (%s) "
                   "is missing; a night without it is refused",
                   c->afl_mutator ? c->afl_mutator : "prodfuzz_afl.so");
        goto done;
    }
    if (pf_fs_mkdirs(in, 0755, err) < 0 || copy_in(c->seeds, in, err) < 0 ||
        copy_in(c->learned, in, err) < 0)
        goto done;
    {
        /* afl-fuzz insists on abort_on_error=1 and symbolize=0 */
        char **extra = NULL;
        size_t nx = 0;
        pf_buf asan = PF_BUF_INIT;
        pf_buf_adds(&asan, "ASAN_OPTIONS=");
        pf_nlimits_asan_options(&c->lim, &asan);
        pf_buf_adds(&asan, ":abort_on_error=1:symbolize=0");
        int bad = pf_buf_ok(&asan, err) < 0;
        for (char **p = c->env; !bad && p && *p; p++)
            bad = pf_argv_push(&extra, &nx, *p, err) < 0;
        if (!bad)
            bad = pf_argv_push(&extra, &nx, asan.data, err) < 0;
        pf_buf_free(&asan);
        char **base = bad ? NULL : pf_engine_env(extra, &c->lim, err);
        pf_argv_free(extra);
        if (!base)
            goto done;
        for (char **p = base; *p; p++)
            if (pf_argv_push(&env, &nenv, *p, err) < 0) {
                pf_argv_free(base);
                goto done;
            }
        pf_argv_free(base);
    }
    if (pf_argv_pushf(&env, &nenv, err, "AFL_CUSTOM_MUTATOR_LIBRARY=%s",
                      c->afl_mutator) < 0 ||
        pf_argv_push(&env, &nenv, "AFL_SKIP_CPUFREQ=1", err) < 0 ||
        pf_argv_push(&env, &nenv, "AFL_NO_AFFINITY=1", err) < 0 ||
        pf_argv_push(&env, &nenv, "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1", err) < 0 ||
        pf_argv_push(&env, &nenv, "AFL_NO_UI=1", err) < 0 ||
        pf_argv_push(&env, &nenv, "AFL_SKIP_BIN_CHECK=1", err) < 0 ||
        pf_argv_push(&env, &nenv, "AFL_IGNORE_SEED_PROBLEMS=1", err) < 0 ||
        pf_argv_push(&env, &nenv, "AFL_NO_WARN_INSTABILITY=1", err) < 0)
        goto done;
    double t0 = now_s();
    for (int i = 0; i < nj; i++) {
        char **argv = NULL;
        size_t n = 0;
        unsigned secs = (unsigned)(c->seconds + 0.5);
        if (pf_argv_push(&argv, &n, "/usr/bin/afl-fuzz", err) < 0 ||
            pf_argv_pushf(&argv, &n, err, "-V%u", secs ? secs : 1) < 0 ||
            pf_argv_pushf(&argv, &n, err, "-t%u",
                          (unsigned)(c->lim.timeout_s * 1000)) < 0 ||
            pf_argv_push(&argv, &n, "-mnone", err) < 0 ||
            pf_argv_pushf(&argv, &n, err, "-G%llu",
                          (unsigned long long)c->lim.max_len) < 0 ||
            pf_argv_push(&argv, &n, nj == 1 ? "-Mmain" : i ? "-S" : "-Mmain", err) < 0 ||
            (nj > 1 && i && pf_argv_pushf(&argv, &n, err, "sec%d", i) < 0) ||
            (c->dict && pf_argv_pushf(&argv, &n, err, "-x%s", c->dict) < 0) ||
            pf_argv_push(&argv, &n, "-i", err) < 0 ||
            pf_argv_push(&argv, &n, in, err) < 0 ||
            pf_argv_push(&argv, &n, "-o", err) < 0 ||
            pf_argv_push(&argv, &n, out, err) < 0 ||
            pf_argv_push(&argv, &n, "--", err) < 0 ||
            pf_argv_push(&argv, &n, c->target, err) < 0) {
            pf_argv_free(argv);
            goto kill;
        }
        pf_buf log = PF_BUF_INIT;
        if (c->logs)
            pf_buf_addf(&log, "%s/afl%d.log", c->logs, i);
        else
            pf_buf_addf(&log, "%s/logs/afl%d.log", c->work, i);
        pids[i] = pf_buf_ok(&log, err) < 0 ? -1
                  : spawn(argv, env, log.data, -1, c->work, err);
        pf_buf_free(&log);
        pf_argv_free(argv);
        if (pids[i] < 0) {
            pids[i] = 0;
            goto kill;
        }
    }
    double last = t0;
    for (;;) {
        int alive = 0;
        for (int i = 0; i < nj; i++) {
            int st;
            if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
                pids[i] = 0;
                if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) &&
                    !(c->stop && *c->stop) && now_s() - t0 < c->seconds - 1) {
                    pf_err_set(err, PF_E_ENV, "afl-fuzz stopped early (exit "
                               "status %d; its output is in %s/afl%d.log)",
                               WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                               c->logs ? c->logs : c->work, i);
                    goto kill;
                }
            }
            alive += pids[i] > 0;
        }
        double t = now_s();
        if (t - last >= 1.0 || !alive) {
            pf_nsample s = {t - t0, 0, 0, 0};
            for (int i = 0; i < nj; i++) {
                pf_buf p = PF_BUF_INIT;
                if (i == 0)
                    pf_buf_addf(&p, "%s/main/fuzzer_stats", out);
                else
                    pf_buf_addf(&p, "%s/sec%d/fuzzer_stats", out, i);
                if (pf_buf_ok(&p, NULL) == 0)
                    read_afl_stats(p.data, &s);
                pf_buf_free(&p);
            }
            if (s.execs || !res->nsamples) {
                if (add_sample(res, &s, err) < 0)
                    goto kill;
                if (s.execs > res->execs)
                    res->execs = s.execs;
                if (s.cov > res->max_cov)
                    res->max_cov = s.cov;
            }
            last = t;
            if (c->progress)
                c->progress(c->ctx, &s, 0, 0);
        }
        if (!alive)
            break;
        if (c->stop && *c->stop) {
            res->stopped = 1;
            for (int i = 0; i < nj; i++)
                if (pids[i] > 0)
                    kill(pids[i], SIGINT);
        }
        sleep_s(0.2);
    }
    res->seconds = now_s() - t0;
    rc = 0;
    goto done;
kill:
    for (int i = 0; i < nj; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
        }
done:
    free(in);
    free(out);
    free(pids);
    pf_argv_free(env);
    return rc;
}

int pf_engine_run(const pf_engine_cfg *c, pf_engine_result *res, pf_err *err)
{
    memset(res, 0, sizeof *res);
    if (access(c->target, X_OK) < 0)
        return pf_err_errno(err, errno, "cannot run the target %s", c->target);
    if (prepare_work(c, err) < 0)
        return -1;
    if (c->engine && !strcmp(c->engine, "afl"))
        return run_afl(c, res, err);
    return run_libfuzzer(c, res, err);
}

/* ---- merge, replay, minimize ----------------------------------------------- */

/* Run argv to completion, output to out (when not NULL); returns the wait
 * status, or -1. Killed after limit seconds (0: no limit). */
static int run_wait(char **argv, char **env, pf_buf *out, double limit,
                    pf_err *err)
{
    int pfd[2] = {-1, -1};
    int devnull = -1;
    if (out) {
        if (pipe2(pfd, O_CLOEXEC) < 0)
            return pf_err_errno(err, errno, "pipe");
    } else if ((devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
        return pf_err_errno(err, errno, "/dev/null");
    }
    pid_t pid = spawn(argv, env, NULL, out ? pfd[1] : devnull, NULL, err);
    if (out)
        close(pfd[1]);
    else
        close(devnull);
    if (pid < 0) {
        if (out)
            close(pfd[0]);
        return -1;
    }
    double end = limit > 0 ? now_s() + limit : 0;
    if (out) {
        fcntl(pfd[0], F_SETFL, O_NONBLOCK);
        char buf[8192];
        for (;;) {
            ssize_t k = read(pfd[0], buf, sizeof buf);
            if (k > 0) {
                if (out->len < (8u << 20))
                    pf_buf_add(out, buf, (size_t)k);
                continue;
            }
            if (k == 0)
                break;
            if (errno != EAGAIN && errno != EINTR)
                break;
            if (end && now_s() > end)
                kill(pid, SIGKILL);
            sleep_s(0.01);
        }
        close(pfd[0]);
    }
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, end ? WNOHANG : 0);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return pf_err_errno(err, errno, "waitpid");
        if (end && now_s() > end)
            kill(pid, SIGKILL);
        sleep_s(0.01);
    }
    return st;
}

int pf_engine_merge(const pf_engine_cfg *c, const char *out,
                    const char *const *dirs, size_t ndirs, pf_err *err)
{
    if (pf_fs_mkdirs(out, 0755, err) < 0)
        return -1;
    char **argv = NULL, **env = NULL;
    size_t n = 0;
    int rc = -1;
    if (!(env = pf_engine_env(c->env, &c->lim, err)))
        goto out;
    if (pf_argv_push(&argv, &n, c->target, err) < 0 ||
        pf_argv_push(&argv, &n, "-merge=1", err) < 0 ||
        pf_argv_push(&argv, &n, "-exact_artifact_path=/dev/null", err) < 0 ||
        pf_nlimits_libfuzzer_flags(&c->lim, &argv, &n, err) < 0)
        goto out;
    if (pf_argv_push(&argv, &n, out, err) < 0)
        goto out;
    for (size_t i = 0; i < ndirs; i++)
        if (dirs[i] && pf_fs_is_dir(dirs[i]) &&
            pf_argv_push(&argv, &n, dirs[i], err) < 0)
            goto out;
    int st = run_wait(argv, env, NULL, 0, err);
    if (st < 0)
        goto out;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        pf_err_set(err, PF_E_ENV, "the corpus merge (%s -merge=1) failed "
                   "with status %d", c->target,
                   WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        goto out;
    }
    rc = 0;
out:
    pf_argv_free(argv);
    pf_argv_free(env);
    return rc;
}

int pf_engine_replay(const char *target, char **extra_env,
                     const pf_nlimits *lim, const char *input, int *failed,
                     pf_buf *err_text, pf_err *err)
{
    char **argv = NULL, **env = NULL;
    size_t n = 0;
    int rc = -1;
    if (!(env = pf_engine_env(extra_env, lim, err)))
        goto out;
    if (pf_argv_push(&argv, &n, target, err) < 0 ||
        pf_nlimits_libfuzzer_flags(lim, &argv, &n, err) < 0 ||
        pf_argv_push(&argv, &n, "-runs=1", err) < 0 ||
        /* libFuzzer saves a crashing input again, in the current folder
         * by default: nowhere */
        pf_argv_push(&argv, &n, "-exact_artifact_path=/dev/null", err) < 0 ||
        pf_argv_push(&argv, &n, input, err) < 0)
        goto out;
    int st = run_wait(argv, env, err_text, lim->timeout_s * 4 + 30, err);
    if (st < 0)
        goto out;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127 &&
        strstr(pf_buf_str(err_text), "prodfuzz: cannot run")) {
        pf_err_set(err, PF_E_ENV, "cannot run the target %s", target);
        goto out;
    }
    *failed = !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    rc = 0;
out:
    pf_argv_free(argv);
    pf_argv_free(env);
    return rc;
}

int pf_engine_minimize(const char *target, char **extra_env,
                       const pf_nlimits *lim, const char *input,
                       const char *out_path, double seconds, pf_err *err)
{
    char **argv = NULL, **env = NULL;
    size_t n = 0;
    int rc = -1;
    unlink(out_path);
    if (!(env = pf_engine_env(extra_env, lim, err)))
        goto out;
    if (pf_argv_push(&argv, &n, target, err) < 0 ||
        pf_argv_push(&argv, &n, "-minimize_crash=1", err) < 0 ||
        pf_nlimits_libfuzzer_flags(lim, &argv, &n, err) < 0 ||
        pf_argv_pushf(&argv, &n, err, "-max_total_time=%u",
                      (unsigned)(seconds < 1 ? 1 : seconds)) < 0 ||
        pf_argv_pushf(&argv, &n, err, "-exact_artifact_path=%s", out_path) < 0 ||
        pf_argv_push(&argv, &n, input, err) < 0)
        goto out;
    pf_buf sink = PF_BUF_INIT;
    int st = run_wait(argv, env, &sink, seconds * 3 + 30, err);
    pf_buf_free(&sink);
    if (st < 0)
        goto out;
    rc = access(out_path, R_OK) == 0 ? 1 : 0;
out:
    pf_argv_free(argv);
    pf_argv_free(env);
    return rc;
}

/* ---- coverage -------------------------------------------------------------- */

/* data[0].totals.lines.{covered,count} of llvm-cov export's JSON */
static int sscanf_lines(const char *js, uint64_t *covered, uint64_t *total)
{
    cJSON *root = cJSON_Parse(js);
    const cJSON *data = root ? cJSON_GetObjectItemCaseSensitive(root, "data") : NULL;
    const cJSON *d0 = cJSON_GetArrayItem(data, 0);
    const cJSON *tot = d0 ? cJSON_GetObjectItemCaseSensitive(d0, "totals") : NULL;
    const cJSON *lines = tot ? cJSON_GetObjectItemCaseSensitive(tot, "lines") : NULL;
    const cJSON *c = lines ? cJSON_GetObjectItemCaseSensitive(lines, "covered") : NULL;
    const cJSON *t = lines ? cJSON_GetObjectItemCaseSensitive(lines, "count") : NULL;
    int rc = cJSON_IsNumber(c) && cJSON_IsNumber(t) ? 0 : -1;
    if (rc == 0) {
        *covered = (uint64_t)c->valuedouble;
        *total = (uint64_t)t->valuedouble;
    }
    cJSON_Delete(root);
    return rc;
}

static int tool_path(const char *name, char *out, size_t n)
{
    static const char *const dirs[] = {"/usr/bin", "/usr/local/bin",
                                       "/usr/lib/llvm-14/bin", NULL};
    for (int i = 0; dirs[i]; i++) {
        snprintf(out, n, "%s/%s", dirs[i], name);
        if (access(out, X_OK) == 0)
            return 0;
    }
    return -1;
}

int pf_coverage_lines(const char *bin, char **extra, const char *const *dirs,
                      size_t ndirs, const char *tmp, uint64_t *covered,
                      uint64_t *total, pf_err *err)
{
    char profdata[256], cov[256];
    char **argv = NULL, **env = NULL, **names = NULL;
    size_t n = 0, nn = 0;
    int rc = -1;
    pf_buf out = PF_BUF_INIT, merged = PF_BUF_INIT, pat = PF_BUF_INIT;
    pf_nlimits lim;
    pf_nlimits_default(&lim);
    if (tool_path("llvm-profdata", profdata, sizeof profdata) < 0 ||
        tool_path("llvm-cov", cov, sizeof cov) < 0)
        return pf_err_set(err, PF_E_ENV, "llvm-profdata and llvm-cov are "
                          "needed for coverage (Debian package llvm)");
    pf_fs_remove_tree(tmp, NULL);
    if (pf_fs_mkdirs(tmp, 0755, err) < 0)
        return -1;
    pf_buf_addf(&pat, "LLVM_PROFILE_FILE=%s/%%p.profraw", tmp);
    pf_buf_addf(&merged, "%s/merged.profdata", tmp);
    if (pf_buf_ok(&pat, err) < 0 || pf_buf_ok(&merged, err) < 0)
        goto out;
    {
        char **x = NULL;
        size_t nx = 0;
        for (char **p = extra; p && *p; p++)
            if (pf_argv_push(&x, &nx, *p, err) < 0) {
                pf_argv_free(x);
                goto out;
            }
        if (pf_argv_push(&x, &nx, pat.data, err) < 0) {
            pf_argv_free(x);
            goto out;
        }
        env = pf_engine_env(x, &lim, err);
        pf_argv_free(x);
        if (!env)
            goto out;
    }
    /* every input once */
    if (pf_argv_push(&argv, &n, bin, err) < 0 ||
        pf_argv_push(&argv, &n, "-runs=0", err) < 0 ||
        pf_argv_push(&argv, &n, "-exact_artifact_path=/dev/null", err) < 0 ||
        pf_nlimits_libfuzzer_flags(&lim, &argv, &n, err) < 0)
        goto out;
    for (size_t i = 0; i < ndirs; i++)
        if (dirs[i] && pf_fs_is_dir(dirs[i]) && pf_argv_push(&argv, &n, dirs[i], err) < 0)
            goto out;
    if (run_wait(argv, env, &out, 600, err) < 0)
        goto out;
    pf_argv_free(argv);
    argv = NULL;
    n = 0;
    /* merge the raw profiles */
    if (pf_dir_files(tmp, &names, &nn, err) < 0)
        goto out;
    if (pf_argv_push(&argv, &n, profdata, err) < 0 ||
        pf_argv_push(&argv, &n, "merge", err) < 0 ||
        pf_argv_push(&argv, &n, "-sparse", err) < 0 ||
        pf_argv_push(&argv, &n, "-o", err) < 0 ||
        pf_argv_push(&argv, &n, merged.data, err) < 0)
        goto out;
    size_t raws = 0;
    for (size_t i = 0; i < nn; i++)
        if (strstr(names[i], ".profraw")) {
            if (pf_argv_pushf(&argv, &n, err, "%s/%s", tmp, names[i]) < 0)
                goto out;
            raws++;
        }
    if (!raws) {
        pf_err_set(err, PF_E_ENV, "%s wrote no coverage profile: is it built "
                   "with -fprofile-instr-generate -fcoverage-mapping?", bin);
        goto out;
    }
    pf_buf_reset(&out);
    int st = run_wait(argv, env, &out, 600, err);
    if (st < 0)
        goto out;
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        pf_err_set(err, PF_E_ENV, "llvm-profdata merge failed");
        goto out;
    }
    pf_argv_free(argv);
    argv = NULL;
    n = 0;
    if (pf_argv_push(&argv, &n, cov, err) < 0 ||
        pf_argv_push(&argv, &n, "export", err) < 0 ||
        pf_argv_push(&argv, &n, "-summary-only", err) < 0 ||
        pf_argv_pushf(&argv, &n, err, "-instr-profile=%s", merged.data) < 0 ||
        pf_argv_push(&argv, &n, bin, err) < 0)
        goto out;
    pf_buf_reset(&out);
    /* llvm-cov's JSON on stdout; its warnings go to the same pipe, so
     * the JSON starts at the first '{' */
    st = run_wait(argv, env, &out, 600, err);
    if (st < 0)
        goto out;
    const char *js = memchr(out.data ? out.data : "", '{', out.len);
    uint64_t c = 0, t = 0;
    if (!js || sscanf_lines(js, &c, &t) < 0) {
        pf_err_set(err, PF_E_ENV, "llvm-cov export gave no line totals");
        goto out;
    }
    *covered = c;
    *total = t;
    rc = 0;
out:
    pf_argv_free(argv);
    pf_argv_free(env);
    pf_dir_files_free(names, nn);
    pf_buf_free(&out);
    pf_buf_free(&merged);
    pf_buf_free(&pat);
    return rc;
}
