/*
 * test_run: pf_run and the worker against real targets built here from
 * tests/fixtures/run/buggy.c (one known bug per outcome class) and the
 * black-box script tests/fixtures/run/app.py: an ASan worker linked with
 * libprodfuzz_runner.a, a libFuzzer binary linked with
 * libprodfuzz_libfuzzer.a, an uninstrumented shared library, a TSan
 * worker, and a command run per input with "@@" or stdin; and the same
 * targets run in pipelined batches (pf_runner_submit/collect).
 */
#include "pf_test.h"

#include <signal.h>

#include "pf_run.h"

static const char *root(void)
{
    const char *r = getenv("PF_ROOT");
    return r ? r : ".";
}

/* Build buggy.c with flags into dir/name; 0 when the compiler worked. */
static int build(const char *dir, const char *name, const char *flags,
                 const char *libs)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "clang -g -O1 %s -o %s/%s %s/tests/fixtures/run/buggy.c %s 2>%s/%s.log",
             flags, dir, name, root(), libs, dir, name);
    return system(cmd);
}

static pf_outcome run1(pf_runner *r, const char *in, pf_result *res)
{
    pf_err err = PF_ERR_INIT;
    int rc = pf_runner_run(r, (const uint8_t *)in, strlen(in), res, &err);
    if (rc < 0)
        fail_msg("run: %s", err.msg);
    return res->outcome;
}

static void expect(pf_runner *r, const char *in, pf_outcome want)
{
    pf_result res;
    pf_result_init(&res);
    pf_outcome got = run1(r, in, &res);
    if (got != want)
        fail_msg("input '%.20s': want %s, got %s (exit %d, signal %d, kind '%s', stderr %.300s)",
                 in, pf_outcome_name(want), pf_outcome_name(got), res.exit_code,
                 res.signal, res.crash.kind, pf_buf_str(&res.err));
    pf_result_free(&res);
}

static void worker_asan_target_gets_each_outcome_class_and_is_respawned(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char libs[1024];
    snprintf(libs, sizeof libs, "%s/build/lib/libprodfuzz_runner.a", root());
    assert_int_equal(build(dir, "w", "-fsanitize=address,undefined", libs), 0);
    char bin[600];
    snprintf(bin, sizeof bin, "%s/w", dir);
    char *argv[] = {bin, NULL};
    pf_target t = {.kind = PF_TARGET_WORKER, .argv = argv};
    pf_limits lim = {.mem_bytes = 256u << 20, .timeout_s = 1.0};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    assert_string_equal(pf_runner_limit_model(r), "asan");
    expect(r, "ok", PF_OUT_OK);
    expect(r, "reject", PF_OUT_REJECTED);

    pf_result res;
    pf_result_init(&res);
    assert_int_equal(run1(r, "crash", &res), PF_OUT_CRASH);
    assert_string_equal(res.crash.kind, "heap-buffer-overflow");
    assert_non_null(strstr(res.crash.signature, "LLVMFuzzerTestOneInput"));
    pf_result_free(&res);

    expect(r, "ok again after the respawn", PF_OUT_OK);
    expect(r, "segv", PF_OUT_CRASH);
    expect(r, "oom", PF_OUT_OOM);
    expect(r, "exit", PF_OUT_SILENT_EXIT);

    pf_result_init(&res);
    assert_int_equal(run1(r, "hang", &res), PF_OUT_TIMEOUT);
    assert_true(res.seconds >= 1.0 && res.seconds < 10.0);
    assert_non_null(strstr(res.crash.signature, "timeout"));
    pf_result_free(&res);

    /* state is kept between inputs in one worker */
    expect(r, "state", PF_OUT_OK);
    expect(r, "state", PF_OUT_REJECTED);
    pf_runner_close(r);

    /* ... and is not with a fresh process per input */
    t.fresh_process = 1;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "state", PF_OUT_OK);
    expect(r, "state", PF_OUT_OK);
    expect(r, "crash", PF_OUT_CRASH);
    expect(r, "state", PF_OUT_OK);
    pf_runner_close(r);

    /* growing past the limit is stopped by ASan's RSS watch (a thread
     * that looks every 100 ms: generous time on a loaded machine) */
    t.fresh_process = 0;
    lim.timeout_s = 30.0;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "grow", PF_OUT_OOM);
    pf_runner_close(r);
    pf_test_rmtmp(dir);
}

static void worker_roundtrip_compares_the_kits_output_as_json(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char libs[1024];
    snprintf(libs, sizeof libs, "%s/build/lib/libprodfuzz_runner.a", root());
    assert_int_equal(build(dir, "w", "-fsanitize=address", libs), 0);
    char bin[600];
    snprintf(bin, sizeof bin, "%s/w", dir);
    char *argv[] = {bin, NULL};
    pf_target t = {.kind = PF_TARGET_WORKER, .argv = argv, .roundtrip = 1};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, NULL, &r, &err), 0);
    expect(r, "{\"a\": [1, 2.50]}", PF_OUT_OK);
    expect(r, "{\"bad\": 1}", PF_OUT_ROUNDTRIP);
    expect(r, "not json at all", PF_OUT_OK);
    pf_runner_close(r);
    pf_test_rmtmp(dir);
}

static void libfuzzer_binary_with_prodfuzz_library_serves_as_worker(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char libs[1024];
    snprintf(libs, sizeof libs,
             "$(PKG_CONFIG_PATH=%s/build/lib/pkgconfig pkg-config --libs prodfuzz-libfuzzer)",
             root());
    assert_int_equal(build(dir, "lf", "-fsanitize=fuzzer,address", libs), 0);
    char bin[600];
    snprintf(bin, sizeof bin, "%s/lf", dir);
    char *argv[] = {bin, NULL};
    pf_target t = {.kind = PF_TARGET_WORKER, .argv = argv};
    pf_limits lim = {.timeout_s = 5.0};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "ok", PF_OUT_OK);
    expect(r, "reject", PF_OUT_REJECTED);
    expect(r, "crash", PF_OUT_CRASH);
    expect(r, "ok", PF_OUT_OK);
    pf_runner_close(r);
    pf_test_rmtmp(dir);
}

static void binary_without_the_worker_is_an_environment_error(void **state)
{
    (void)state;
    char *argv[] = {"/bin/true", NULL};
    pf_target t = {.kind = PF_TARGET_WORKER, .argv = argv};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, NULL, &r, &err), -1);
    assert_int_equal(err.code, PF_E_ENV);
    assert_non_null(strstr(err.msg, "not linked"));
    char *argv2[] = {"/no/such/binary", NULL};
    t.argv = argv2;
    assert_int_equal(pf_runner_open(&t, NULL, &r, &err), -1);
    assert_int_equal(err.code, PF_E_ENV);
}

static void lib_target_runs_in_a_forked_worker(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    assert_int_equal(build(dir, "buggy.so", "-shared -fPIC", ""), 0);
    char so[600];
    snprintf(so, sizeof so, "%s/buggy.so", dir);
    pf_target t = {.kind = PF_TARGET_LIB, .lib = so, .symbol = "LLVMFuzzerTestOneInput"};
    pf_limits lim = {.timeout_s = 1.0};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "ok", PF_OUT_OK);
    expect(r, "reject", PF_OUT_REJECTED);
    expect(r, "segv", PF_OUT_CRASH);
    expect(r, "state", PF_OUT_OK);
    expect(r, "state", PF_OUT_REJECTED);
    expect(r, "exit", PF_OUT_SILENT_EXIT);
    expect(r, "hang", PF_OUT_TIMEOUT);
    expect(r, "ok", PF_OUT_OK);
    pf_runner_close(r);

    t.symbol = "no_such_symbol";
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), -1);
    assert_int_equal(err.code, PF_E_INPUT);
    pf_test_rmtmp(dir);
}

static void command_script_gets_each_outcome_class(void **state)
{
    (void)state;
    char app[600];
    snprintf(app, sizeof app, "%s/tests/fixtures/run/app.py", root());
    for (int at = 0; at < 2; at++) {
        char *argv_at[] = {"python3", app, "@@", NULL};
        char *argv_in[] = {"python3", app, NULL};
        pf_target t = {.kind = PF_TARGET_CMD, .argv = at ? argv_at : argv_in};
        pf_limits lim = {.mem_bytes = 512u << 20, .timeout_s = 2.0,
                         .fsize_bytes = 1 << 20, .nofile = 64};
        pf_runner *r;
        pf_err err = PF_ERR_INIT;
        assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
        assert_string_equal(pf_runner_limit_model(r), "rlimit");
        expect(r, "fine", PF_OUT_OK);
        expect(r, "reject", PF_OUT_REJECTED);
        expect(r, "crash", PF_OUT_CRASH);
        expect(r, "oom", PF_OUT_OOM);
        expect(r, "exit", PF_OUT_SILENT_EXIT);
        expect(r, "hang", PF_OUT_TIMEOUT);
        expect(r, "{\"a\":1}", PF_OUT_OK);
        pf_runner_close(r);

        t.roundtrip = 1;
        assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
        expect(r, "{\"a\": [1, 2.5, \"x\"]}", PF_OUT_OK);
        expect(r, "{\"bad\": 1}", PF_OUT_ROUNDTRIP);
        pf_runner_close(r);
    }
}

/* Roundtrip compares values once per member: 40 nested objects (2^40
 * comparisons the way cJSON_Compare goes) are equal to themselves at
 * once, and a change at the bottom is still seen. */
static void roundtrip_compare_of_deep_objects_is_linear(void **state)
{
    (void)state;
    char *argv[] = {"cat", NULL};
    pf_target t = {.kind = PF_TARGET_CMD, .argv = argv, .roundtrip = 1};
    pf_limits lim = {.timeout_s = 10.0};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    pf_buf doc = PF_BUF_INIT;
    for (int i = 0; i < 40; i++)
        pf_buf_adds(&doc, "{\"a\":1,\"k\":");
    pf_buf_adds(&doc, "[1,2,\"x\"]");
    for (int i = 0; i < 40; i++)
        pf_buf_adds(&doc, ",\"z\":null}");
    expect(r, pf_buf_str(&doc), PF_OUT_OK);
    pf_buf_free(&doc);
    pf_runner_close(r);
    /* the value must still be equal: a member missing on one side or a
     * changed number is a roundtrip failure */
    char *argv2[] = {"sh", "-c", "sed 's/\"z\":null//; s/,}/}/'", NULL};
    t.argv = argv2;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "{\"a\":{\"b\":1,\"z\":null}}", PF_OUT_ROUNDTRIP);
    expect(r, "{\"a\":{\"b\":1}}", PF_OUT_OK);
    pf_runner_close(r);
}

/* A line server (tests/fixtures/run/line_app.py) is started once, answers
 * one line per input, and is started again after each input it did not
 * answer: every outcome class, one start more after each of the five
 * failures that end it. */
static void line_server_gets_each_outcome_class_and_is_restarted(void **state)
{
    (void)state;
    char app[600], starts[700];
    snprintf(app, sizeof app, "%s/tests/fixtures/run/line_app.py", root());
    char *dir = pf_test_tmpdir();
    snprintf(starts, sizeof starts, "LINE_APP_STARTS=%s/starts", dir);
    char *argv[] = {"python3", app, NULL};
    char *env[] = {starts, NULL};
    pf_target t = {.kind = PF_TARGET_CMD, .argv = argv, .lines = 1, .env = env};
    pf_limits lim = {.mem_bytes = 512u << 20, .timeout_s = 2.0,
                     .fsize_bytes = 1 << 20, .nofile = 64};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "fine", PF_OUT_OK);
    expect(r, "{\"a\":1}", PF_OUT_OK);
    expect(r, "reject", PF_OUT_REJECTED);
    expect(r, "fine again", PF_OUT_OK);       /* start 1 so far */
    expect(r, "crash", PF_OUT_CRASH);         /* start 2 runs the next one */
    expect(r, "oom", PF_OUT_OOM);             /* and 3 */
    expect(r, "exit", PF_OUT_SILENT_EXIT);    /* 4 */
    expect(r, "raise", PF_OUT_CRASH);         /* 5: a traceback, exit 1 */
    expect(r, "hang", PF_OUT_TIMEOUT);        /* 6 */
    expect(r, "", PF_OUT_OK);                 /* an empty line is an input */
    pf_result res;
    pf_result_init(&res);
    assert_int_equal(pf_runner_run(r, (const uint8_t *)"a\nb", 3, &res, &err), -1);
    assert_int_equal(err.code, PF_E_INPUT);
    pf_result_free(&res);
    pf_runner_close(r);
    char path[700];
    snprintf(path, sizeof path, "%s/starts", dir);
    size_t n;
    char *log = pf_test_read(path, &n);
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += log[i] == '\n';
    free(log);
    assert_int_equal(lines, 6);

    /* roundtrip: the answer after "ok " is the value */
    t.roundtrip = 1;
    t.env = NULL;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "{\"a\": [1, 2.5, \"x\"]}", PF_OUT_OK);
    expect(r, "{\"bad\": 1}", PF_OUT_ROUNDTRIP);
    pf_runner_close(r);

    /* a line server reads stdin: @@ is refused */
    char *at[] = {"python3", app, "@@", NULL};
    t.argv = at;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), -1);
    assert_int_equal(err.code, PF_E_USAGE);
    pf_test_rmtmp(dir);
}

static void threads_surface_a_data_race_under_tsan(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char libs[1024];
    snprintf(libs, sizeof libs, "%s/build/lib/libprodfuzz_runner.a", root());
    assert_int_equal(build(dir, "t", "-fsanitize=thread", libs), 0);
    char bin[600], cmd[1300];
    snprintf(bin, sizeof bin, "%s/t", dir);
    /* TSan refuses to start on some kernels (address-space layout) */
    snprintf(cmd, sizeof cmd, "printf ok | %s >/dev/null 2>&1", bin);
    if (system(cmd) != 0) {
        pf_test_rmtmp(dir);
        skip();
    }
    char *argv[] = {bin, NULL};
    pf_target t = {.kind = PF_TARGET_WORKER, .argv = argv, .threads = 1};
    pf_limits lim = {.timeout_s = 10.0};
    pf_runner *r;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    expect(r, "race", PF_OUT_OK);
    pf_runner_close(r);

    t.threads = 4;
    assert_int_equal(pf_runner_open(&t, &lim, &r, &err), 0);
    pf_result res;
    pf_result_init(&res);
    pf_outcome o = run1(r, "race", &res);
    for (int i = 0; i < 20 && o == PF_OUT_OK; i++)
        o = run1(r, "race", &res);
    assert_int_equal(o, PF_OUT_CRASH);
    assert_non_null(strstr(pf_buf_str(&res.err), "ThreadSanitizer: data race"));
    pf_result_free(&res);
    pf_runner_close(r);
    pf_test_rmtmp(dir);
}

static void sizes_and_durations_parse_with_units(void **state)
{
    (void)state;
    uint64_t v;
    double d;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_parse_size("512M", &v, &err), 0);
    assert_true(v == 512ull << 20);
    assert_int_equal(pf_parse_size("2G", &v, &err), 0);
    assert_true(v == 2ull << 30);
    assert_int_equal(pf_parse_size("1048576", &v, &err), 0);
    assert_true(v == 1048576);
    assert_int_equal(pf_parse_size("64KiB", &v, &err), 0);
    assert_true(v == 65536);
    assert_int_equal(pf_parse_size("12X", &v, &err), -1);
    assert_int_equal(err.code, PF_E_USAGE);
    assert_int_equal(pf_parse_size("-1M", &v, &err), -1);
    assert_int_equal(pf_parse_duration("2s", &d, &err), 0);
    assert_true(d == 2.0);
    assert_int_equal(pf_parse_duration("500ms", &d, &err), 0);
    assert_true(d == 0.5);
    assert_int_equal(pf_parse_duration("1m", &d, &err), 0);
    assert_true(d == 60.0);
    assert_int_equal(pf_parse_duration("soon", &d, &err), -1);
    assert_int_equal(pf_outcome_from_name("silent-exit"), PF_OUT_SILENT_EXIT);
    assert_string_equal(pf_outcome_name(PF_OUT_ROUNDTRIP), "roundtrip");
    assert_int_equal(pf_outcome_from_name("nope"), -1);
    assert_false(pf_outcome_is_failure(PF_OUT_REJECTED));
    assert_true(pf_outcome_is_failure(PF_OUT_SILENT_EXIT));
}

/* ---- pipelined runs (pf_runner_submit/collect, run_batch) ------------- */

/* Build the ASan worker into dir/w; its path into bin. */
static void asan_worker(const char *dir, char *bin, size_t n)
{
    char libs[1024];
    snprintf(libs, sizeof libs, "%s/build/lib/libprodfuzz_runner.a", root());
    assert_int_equal(build(dir, "w", "-fsanitize=address,undefined", libs), 0);
    snprintf(bin, n, "%s/w", dir);
}

/* A reused ASan worker built into a fresh folder, opened under lim. */
typedef struct wfix {
    char *dir;
    char bin[600];
    char *argv[2];
    pf_target t;
    pf_runner *r;
} wfix;

static void wfix_open(wfix *f, const pf_limits *lim, int reply_output)
{
    f->dir = pf_test_tmpdir();
    asan_worker(f->dir, f->bin, sizeof f->bin);
    f->argv[0] = f->bin;
    f->argv[1] = NULL;
    f->t = (pf_target){.kind = PF_TARGET_WORKER, .argv = f->argv,
                       .reply_output = reply_output};
    pf_err err = PF_ERR_INIT;
    if (pf_runner_open(&f->t, lim, &f->r, &err) != 0)
        fail_msg("runner_open: %s", err.msg);
}

static void wfix_close(wfix *f)
{
    pf_runner_close(f->r);
    pf_test_rmtmp(f->dir);
}

/* Run n inputs as one batch (lengths by strlen unless lens). */
static void batch(pf_runner *r, char **in, const size_t *lens, size_t n,
                  pf_result *res)
{
    pf_run_input *v = calloc(n, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i].data = (const uint8_t *)in[i];
        v[i].len = lens ? lens[i] : strlen(in[i]);
        pf_result_init(&res[i]);
    }
    pf_err err = PF_ERR_INIT;
    if (pf_runner_run_batch(r, v, n, res, &err) < 0)
        fail_msg("run_batch: %s", err.msg);
    free(v);
}

static void batch_free(pf_result *res, char **in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pf_result_free(&res[i]);
        free(in[i]);
    }
}

static void want(const pf_result *res, size_t i, pf_outcome o)
{
    if (res[i].outcome != o)
        fail_msg("input %zu: want %s, got %s (kind '%s', stderr %.300s)", i + 1,
                 pf_outcome_name(o), pf_outcome_name(res[i].outcome),
                 res[i].crash.kind, pf_buf_str(&res[i].err));
}

/* 100 inputs in one batch, the 37th crashes: the crash is the 37th's,
 * with its own report, and the 38th to the 100th still run. Twice: with
 * a target quiet on stderr, and with one that logs every input (the
 * report cannot be told apart from the 36th's log by the stream alone,
 * so the 37th is run again alone for its own report). */
static void batch_crash_is_the_crashing_inputs_and_the_rest_still_run(void **state)
{
    (void)state;
    pf_limits lim = {.mem_bytes = 256u << 20, .timeout_s = 5.0};
    wfix f;
    wfix_open(&f, &lim, 0);
    pf_runner *r = f.r;
    enum { N = 100 };
    for (int logs = 0; logs < 2; logs++) {
        char *in[N];
        pf_result res[N];
        for (int i = 0; i < N; i++) {
            in[i] = NULL;
            if (i == 36)
                assert_true(asprintf(&in[i], "crash %d", i + 1) > 0);
            else
                assert_true(asprintf(&in[i], "%s %d", logs ? "log" : "ok", i + 1) > 0);
        }
        batch(r, in, NULL, N, res);
        for (int i = 0; i < N; i++)
            want(res, (size_t)i, i == 36 ? PF_OUT_CRASH : PF_OUT_OK);
        assert_string_equal(res[36].crash.kind, "heap-buffer-overflow");
        assert_non_null(strstr(res[36].crash.signature, "LLVMFuzzerTestOneInput"));
        assert_int_equal(res[36].state_dependent, 0);
        /* its report, not its neighbours' lines */
        assert_null(strstr(pf_buf_str(&res[36].err), "log: "));
        assert_null(strstr(pf_buf_str(&res[35].err), "AddressSanitizer"));
        /* the other inputs' lines are all given to passing inputs (not
         * always their own: stderr is one stream), none is lost */
        pf_buf all = PF_BUF_INIT;
        for (int i = 0; i < N; i++)
            if (i != 36)
                pf_buf_add(&all, res[i].err.data, res[i].err.len);
        for (int i = 0; logs && i < N; i++) {
            char line[32];
            snprintf(line, sizeof line, "log: log %d\n", i + 1);
            if (i != 36 && !strstr(pf_buf_str(&all), line))
                fail_msg("'%s' is nowhere", line);
        }
        pf_buf_free(&all);
        batch_free(res, in, N);
    }
    wfix_close(&f);
}

/* A hang in the middle of a batch is that input's timeout only: its
 * time runs from the previous reply, and the inputs after it run. */
static void batch_hang_is_a_timeout_for_that_input_only(void **state)
{
    (void)state;
    pf_limits lim = {.timeout_s = 1.0};
    wfix f;
    wfix_open(&f, &lim, 0);
    pf_runner *r = f.r;
    enum { N = 12 };
    char *in[N];
    pf_result res[N];
    for (int i = 0; i < N; i++)
        in[i] = strdup(i == 5 ? "hang" : i == 8 ? "state" : "ok");
    batch(r, in, NULL, N, res);
    for (int i = 0; i < N; i++)
        want(res, (size_t)i, i == 5 ? PF_OUT_TIMEOUT : PF_OUT_OK);
    assert_true(res[5].seconds >= 1.0 && res[5].seconds < 10.0);
    assert_non_null(strstr(res[5].crash.signature, "timeout"));
    for (int i = 0; i < N; i++)
        if (i != 5)
            assert_true(res[i].seconds < 1.0);
    batch_free(res, in, N);
    wfix_close(&f);
}

/* Several MiB each way inside a batch: a big input, the kit's big reply
 * (the target echoes a JSON input), and a big stderr, with small inputs
 * around them; nothing blocks, every result is the right one. */
static void batch_big_input_reply_and_stderr_do_not_block(void **state)
{
    (void)state;
    pf_limits lim = {.timeout_s = 30.0};
    wfix f;
    wfix_open(&f, &lim, 1);
    pf_runner *r = f.r;
    enum { N = 7, BIG = 6 << 20 };
    char *in[N];
    size_t lens[N];
    pf_result res[N];
    char *big = malloc(BIG + 16);
    assert_non_null(big);
    memcpy(big, "{\"a\":\"", 6);
    memset(big + 6, 'x', BIG - 8);
    memcpy(big + BIG - 2, "\"}", 2);
    char *loud = malloc(3 << 20);
    assert_non_null(loud);
    memcpy(loud, "log ", 4);
    memset(loud + 4, 'y', (3 << 20) - 4);
    const char *small[] = {"ok", "{\"b\":1}", "reject", "ok", "{\"c\":2}"};
    in[0] = strdup(small[0]);
    in[1] = big;
    in[2] = strdup(small[1]);
    in[3] = loud;
    in[4] = strdup(small[2]);
    in[5] = strdup(small[3]);
    in[6] = strdup(small[4]);
    for (int i = 0; i < N; i++)
        lens[i] = i == 1 ? BIG : i == 3 ? (size_t)(3 << 20) : strlen(in[i]);
    batch(r, in, lens, N, res);
    want(res, 0, PF_OUT_OK);
    want(res, 1, PF_OUT_OK);
    assert_int_equal(res[1].out.len, BIG);
    assert_memory_equal(res[1].out.data, big, BIG);
    want(res, 2, PF_OUT_OK);
    assert_string_equal(pf_buf_str(&res[2].out), "{\"b\":1}");
    want(res, 3, PF_OUT_OK);
    want(res, 4, PF_OUT_REJECTED);
    want(res, 5, PF_OUT_OK);
    want(res, 6, PF_OUT_OK);
    assert_string_equal(pf_buf_str(&res[6].out), "{\"c\":2}");
    batch_free(res, in, N);
    wfix_close(&f);
}

/* Out of memory in a batch is that input's, under ASan's limits. */
static void batch_oom_is_that_inputs(void **state)
{
    (void)state;
    pf_limits lim = {.mem_bytes = 256u << 20, .timeout_s = 30.0};
    wfix f;
    wfix_open(&f, &lim, 0);
    pf_runner *r = f.r;
    assert_string_equal(pf_runner_limit_model(r), "asan");
    enum { N = 9 };
    char *in[N];
    pf_result res[N];
    for (int i = 0; i < N; i++)
        in[i] = strdup(i == 3 ? "oom" : i == 6 ? "grow" : "ok");
    batch(r, in, NULL, N, res);
    for (int i = 0; i < N; i++)
        want(res, (size_t)i, i == 3 || i == 6 ? PF_OUT_OOM : PF_OUT_OK);
    batch_free(res, in, N);
    wfix_close(&f);
}

/* An input that crashes only after another input left state behind:
 * its stderr cannot be told apart from the one before (which logs), run
 * again alone it does not crash, so the batch's crash is kept and marked
 * state_dependent. */
static void batch_crash_that_needs_earlier_inputs_is_marked(void **state)
{
    (void)state;
    pf_limits lim = {.timeout_s = 5.0};
    wfix f;
    wfix_open(&f, &lim, 0);
    pf_runner *r = f.r;
    expect(r, "latent", PF_OUT_OK); /* alone, in a fresh worker */
    pf_runner_close(r);
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_runner_open(&f.t, &lim, &f.r, &err), 0);
    r = f.r;
    enum { N = 5 };
    char *in[N] = {strdup("ok"), strdup("log first"), strdup("latent"), strdup("ok"),
                   strdup("reject")};
    pf_result res[N];
    batch(r, in, NULL, N, res);
    want(res, 0, PF_OUT_OK);
    want(res, 1, PF_OUT_OK);
    want(res, 2, PF_OUT_CRASH);
    assert_string_equal(res[2].crash.kind, "SEGV");
    assert_int_equal(res[2].state_dependent, 1);
    want(res, 3, PF_OUT_OK);
    want(res, 4, PF_OUT_REJECTED);
    assert_int_equal(res[4].state_dependent, 0);
    batch_free(res, in, N);
    wfix_close(&f);
}

/* submit/collect keep order across kinds: a LIB worker pipelines, a
 * command runs one at a time, with the same outcomes as pf_runner_run;
 * nothing queued collects 0, and pf_runner_run refuses to jump the
 * queue. */
static void submit_and_collect_keep_order_for_every_kind(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    assert_int_equal(build(dir, "buggy.so", "-shared -fPIC", ""), 0);
    char so[600];
    snprintf(so, sizeof so, "%s/buggy.so", dir);
    char app[600];
    snprintf(app, sizeof app, "%s/tests/fixtures/run/app.py", root());
    char *argv_cmd[] = {"python3", app, "@@", NULL};
    pf_target lib = {.kind = PF_TARGET_LIB, .lib = so, .symbol = "LLVMFuzzerTestOneInput"};
    pf_target cmd = {.kind = PF_TARGET_CMD, .argv = argv_cmd};
    pf_limits lim = {.timeout_s = 2.0};
    const char *in[] = {"ok", "segv", "reject", "exit", "state", "state", "hang", "ok"};
    const pf_outcome lib_want[] = {PF_OUT_OK, PF_OUT_CRASH, PF_OUT_REJECTED,
                                   PF_OUT_SILENT_EXIT, PF_OUT_OK, PF_OUT_REJECTED,
                                   PF_OUT_TIMEOUT, PF_OUT_OK};
    const char *cin[] = {"fine", "crash", "reject", "exit"};
    const pf_outcome cmd_want[] = {PF_OUT_OK, PF_OUT_CRASH, PF_OUT_REJECTED,
                                   PF_OUT_SILENT_EXIT};
    for (int k = 0; k < 2; k++) {
        pf_runner *r;
        pf_err err = PF_ERR_INIT;
        assert_int_equal(pf_runner_open(k ? &cmd : &lib, &lim, &r, &err), 0);
        size_t n = k ? 4 : 8;
        for (size_t i = 0; i < n; i++) {
            const char *s = k ? cin[i] : in[i];
            assert_int_equal(pf_runner_submit(r, (const uint8_t *)s, strlen(s), &err), 0);
        }
        assert_int_equal(pf_runner_pending(r), n);
        pf_result res;
        pf_result_init(&res);
        assert_int_equal(pf_runner_run(r, (const uint8_t *)"ok", 2, &res, &err), -1);
        assert_int_equal(err.code, PF_E_INTERNAL);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(pf_runner_collect(r, &res, &err), 1);
            want(&res, 0, k ? cmd_want[i] : lib_want[i]);
        }
        assert_int_equal(pf_runner_collect(r, &res, &err), 0);
        assert_int_equal(pf_runner_pending(r), 0);
        pf_result_free(&res);
        pf_runner_close(r);
    }
    pf_test_rmtmp(dir);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_and_durations_parse_with_units),
        cmocka_unit_test(binary_without_the_worker_is_an_environment_error),
        cmocka_unit_test(worker_asan_target_gets_each_outcome_class_and_is_respawned),
        cmocka_unit_test(worker_roundtrip_compares_the_kits_output_as_json),
        cmocka_unit_test(roundtrip_compare_of_deep_objects_is_linear),
        cmocka_unit_test(line_server_gets_each_outcome_class_and_is_restarted),
        cmocka_unit_test(libfuzzer_binary_with_prodfuzz_library_serves_as_worker),
        cmocka_unit_test(lib_target_runs_in_a_forked_worker),
        cmocka_unit_test(command_script_gets_each_outcome_class),
        cmocka_unit_test(threads_surface_a_data_race_under_tsan),
        cmocka_unit_test(batch_crash_is_the_crashing_inputs_and_the_rest_still_run),
        cmocka_unit_test(batch_hang_is_a_timeout_for_that_input_only),
        cmocka_unit_test(batch_big_input_reply_and_stderr_do_not_block),
        cmocka_unit_test(batch_oom_is_that_inputs),
        cmocka_unit_test(batch_crash_that_needs_earlier_inputs_is_marked),
        cmocka_unit_test(submit_and_collect_keep_order_for_every_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
