/*
 * Unit tests of pf_crash: real sanitizer and libFuzzer reports (captured
 * in tests/fixtures/crash/ from the programs next to them, and made live
 * here by compiling a small program with clang) parse into the right kind,
 * frames and ClusterFuzz-style signature; signatures dedupe one bug and
 * separate two.
 */
#include "pf_test.h"

#include <signal.h>
#include <sys/wait.h>

#include "pf_crash.h"

#define FIX "tests/fixtures/crash/"

static char *parse_file(const char *path, pf_crash *c, int *rc)
{
    size_t n;
    char *text = pf_test_read(path, &n);
    assert_non_null(text);
    pf_err e = PF_ERR_INIT;
    pf_crash_init(c);
    *rc = pf_crash_parse(text, n, c, &e);
    return text;
}

static void crash_fixtures_give_kind_and_signature(void **st)
{
    (void)st;
    static const struct {
        const char *file, *sig;
    } cases[] = {
        {"asan-heap-buffer-overflow.txt",
         "heap-buffer-overflow|parse_value bugs.c:5|parse bugs.c:6|main bugs.c:22"},
        {"asan-heap-use-after-free.txt", "heap-use-after-free|uaf bugs.c:7|main bugs.c:23"},
        {"asan-double-free.txt", "double-free|dfree bugs.c:8|main bugs.c:24"},
        {"asan-stack-buffer-overflow.txt", "stack-buffer-overflow|stk bugs.c:13|main bugs.c:29"},
        {"asan-global-buffer-overflow.txt", "global-buffer-overflow|glb bugs.c:15|main bugs.c:30"},
        {"libfuzzer-target-exited.txt", "fuzz-target-exited|LLVMFuzzerTestOneInput fx.c:3"},
        {"asan-segv.txt", "SEGV|segv bugs.c:9|main bugs.c:25"},
        {"asan-stack-overflow.txt", "stack-overflow|rec bugs.c:10|rec bugs.c:10|rec bugs.c:10"},
        {"asan-allocation-size-too-big.txt", "allocation-size-too-big|big bugs.c:16|main bugs.c:31"},
        {"asan-memcpy-param-overlap.txt", "memcpy-param-overlap|ovl bugs.c:17|main bugs.c:32"},
        {"lsan-leak.txt", "memory-leak|leak bugs.c:12|main bugs.c:28"},
        {"ubsan-integer-overflow.txt", "integer-overflow|ubs bugs.c:11|main bugs.c:27"},
        {"ubsan-index-out-of-bounds.txt", "index-out-of-bounds|stk bugs.c:13|main bugs.c:29"},
        {"ubsan-no-stack.txt", "integer-overflow|bugs.c:11"},
        {"libfuzzer-timeout.txt", "timeout|hang fz.c:7|LLVMFuzzerTestOneInput fz.c:13"},
        {"libfuzzer-oom-rss.txt", "oom|eat fz.c:8|LLVMFuzzerTestOneInput fz.c:13"},
        {"libfuzzer-oom-malloc.txt", "oom|huge fz.c:9|LLVMFuzzerTestOneInput fz.c:13"},
        {"libfuzzer-deadly-signal-abort.txt", "abort|LLVMFuzzerTestOneInput fz.c:13"},
        {"libfuzzer-segv-raise.txt", "SEGV|die fz.c:10|LLVMFuzzerTestOneInput fz.c:13"},
        {"libfuzzer-assert.txt", "assert|LLVMFuzzerTestOneInput fa.c:4"},
        {"glibc-assert.txt", "assert|main as.c:2"},
        {"tsan-data-race.txt", "data-race|bump race.c:3|w race.c:4"},
        /* reported from inside an interceptor or libc (interceptors.c) */
        {"asan-printf-common.txt",
         "heap-buffer-overflow|fmt_name interceptors.c:8|render interceptors.c:9|main interceptors.c:18"},
        {"asan-segv-printf-common.txt", "SEGV|fmt_qty interceptors.c:10|main interceptors.c:19"},
        {"asan-memcmp-interceptor.txt",
         "heap-buffer-overflow|same_sku interceptors.c:11|main interceptors.c:20"},
        {"asan-scanf-common.txt",
         "heap-buffer-overflow|read_code interceptors.c:12|main interceptors.c:21"},
        {"asan-strlen-interceptor.txt",
         "heap-buffer-overflow|name_len interceptors.c:13|main interceptors.c:22"},
        {"ubsan-segv-glibc-vfprintf.txt", "SEGV|fmt_qty interceptors.c:10|main interceptors.c:19"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), FIX "%s", cases[i].file);
        pf_crash c;
        int rc;
        char *text = parse_file(path, &c, &rc);
        if (rc != 1 || !c.signature || strcmp(c.signature, cases[i].sig) != 0)
            fail_msg("%s: rc %d, signature '%s', want '%s'", cases[i].file, rc,
                     c.signature ? c.signature : "(null)", cases[i].sig);
        pf_crash_free(&c);
        free(text);
    }
}

static void crash_reads_access_frames_and_own_marks(void **st)
{
    (void)st;
    pf_crash c;
    int rc;
    char *text = parse_file(FIX "asan-heap-buffer-overflow.txt", &c, &rc);
    assert_int_equal(rc, 1);
    assert_string_equal(c.kind, "heap-buffer-overflow");
    assert_string_equal(c.access, "READ");
    assert_int_equal(c.access_size, 1);
    assert_true(c.nframes >= 6);
    assert_string_equal(c.frames[0].func, "parse_value");
    assert_string_equal(c.frames[0].file, "/tmp/rep/bugs.c");
    assert_int_equal(c.frames[0].line, 5);
    assert_true(c.frames[0].own);
    /* __libc_start_call_main and _start (module form) are not own */
    assert_false(c.frames[3].own);
    assert_false(c.frames[5].own);
    assert_non_null(c.frames[5].module);
    assert_string_equal(c.frames[5].module, "/tmp/rep/bugs");
    const pf_frame *top = pf_crash_top_frame(&c);
    assert_ptr_equal(top, &c.frames[0]);
    pf_buf t = PF_BUF_INIT;
    pf_crash_title(&c, &t);
    assert_string_equal(t.data, "heap-buffer-overflow READ 1 in parse_value (bugs.c:5)");
    pf_buf_free(&t);
    pf_crash_free(&c);
    free(text);

    /* libFuzzer's and the sanitizer's frames never count */
    text = parse_file(FIX "libfuzzer-oom-malloc.txt", &c, &rc);
    assert_int_equal(rc, 1);
    assert_true(pf_crash_is_oom(&c));
    for (int i = 0; i < c.nframes; i++)
        if (c.frames[i].func && (strncmp(c.frames[i].func, "fuzzer::", 8) == 0 ||
                                 strncmp(c.frames[i].func, "__asan", 6) == 0 ||
                                 strcmp(c.frames[i].func, "malloc") == 0))
            assert_false(c.frames[i].own);
    pf_crash_free(&c);
    free(text);

    text = parse_file(FIX "tsan-data-race.txt", &c, &rc);
    assert_string_equal(c.access, "WRITE");
    assert_int_equal(c.access_size, 4);
    assert_false(pf_crash_is_oom(&c));
    pf_crash_free(&c);
    free(text);
}

/* Replace every occurrence of a with b. */
static char *replace_all(const char *s, const char *a, const char *b)
{
    pf_buf out = PF_BUF_INIT;
    size_t la = strlen(a);
    for (const char *p = s; *p;) {
        if (strncmp(p, a, la) == 0) {
            pf_buf_adds(&out, b);
            p += la;
        } else {
            pf_buf_addc(&out, *p++);
        }
    }
    return pf_buf_detach(&out, NULL);
}

static void crash_signature_survives_aslr_build_path_and_columns(void **st)
{
    (void)st;
    size_t n;
    char *orig = pf_test_read(FIX "asan-heap-buffer-overflow.txt", &n);
    assert_non_null(orig);
    char *a = replace_all(orig, "/tmp/rep/", "/home/ci/build-7/src/app/");
    char *b = replace_all(a, "0x55", "0x7a");
    char *c2 = replace_all(b, ":5:113", ":5:9");
    pf_crash x, y;
    pf_crash_init(&x);
    pf_crash_init(&y);
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_crash_parse(orig, n, &x, &e), 1);
    assert_int_equal(pf_crash_parse(c2, strlen(c2), &y, &e), 1);
    assert_string_equal(x.signature, y.signature);
    assert_string_equal(y.frames[0].file, "/home/ci/build-7/src/app/bugs.c");
    pf_crash_free(&x);
    pf_crash_free(&y);
    free(orig);
    free(a);
    free(b);
    free(c2);
}

static void crash_text_without_report_is_none_and_junk_never_crashes(void **st)
{
    (void)st;
    pf_crash c;
    pf_crash_init(&c);
    pf_err e = PF_ERR_INIT;
    const char *plain = "INFO: Seed: 1\nDone 1000 runs in 1 second(s)\n"
                        "error: expected ',' at line 3\n";
    assert_int_equal(pf_crash_parse(plain, strlen(plain), &c, &e), 0);
    assert_null(c.signature);
    assert_int_equal(pf_crash_parse(NULL, 0, &c, &e), 0);
    const char *sh = "bash: line 1:  1104 Segmentation fault      ./t\n";
    assert_int_equal(pf_crash_parse(sh, strlen(sh), &c, &e), 1);
    assert_string_equal(c.kind, "SEGV");
    assert_string_equal(c.signature, "SEGV");
    /* pf_run's name for a signal death matches the shell note's */
    char k[16];
    assert_string_equal(pf_crash_signal_kind(SIGSEGV, k, sizeof(k)), c.kind);
    assert_string_equal(pf_crash_signal_kind(SIGABRT, k, sizeof(k)), "abort");
    assert_string_equal(pf_crash_signal_kind(SIGUSR1, k, sizeof(k)), "signal-10");
    /* a program printing the words mid-sentence is not a death note */
    const char *talk = "the test of Segmentation fault handling passed\n";
    assert_int_equal(pf_crash_parse(talk, strlen(talk), &c, &e), 0);

    /* every prefix of every fixture, and a corrupted copy, parse cleanly
     * (ASan/UBSan would flag an overread) */
    const char *files[] = {"asan-heap-buffer-overflow.txt", "tsan-data-race.txt",
                           "glibc-assert.txt", "ubsan-no-stack.txt",
                           "libfuzzer-oom-rss.txt"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[256];
        snprintf(path, sizeof(path), FIX "%s", files[f]);
        size_t n;
        char *text = pf_test_read(path, &n);
        assert_non_null(text);
        for (size_t k = 0; k <= n; k += 7) {
            char *cut = malloc(k ? k : 1);
            assert_non_null(cut);
            memcpy(cut, text, k);
            assert_true(pf_crash_parse(cut, k, &c, &e) >= 0);
            free(cut);
        }
        for (size_t k = 0; k < n; k += 13)
            text[k] = (char)(text[k] ^ 0x5a);
        assert_true(pf_crash_parse(text, n, &c, &e) >= 0);
        free(text);
    }
    pf_crash_free(&c);
}

/* Compile tests/fixtures/crash/dedup.c-style program with clang + ASan and
 * run it on an input; return its stderr. */
static const char *DEDUP_SRC =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "__attribute__((noinline)) static int parse_item(const char *s) {\n"
    "    char *b = malloc(4);\n"
    "    int r = 0;\n"
    "    if (s[0] == 'A') r = b[4 + (int)strlen(s) % 3];\n"
    "    if (s[0] == 'B') { free(b); r = b[1]; return r; }\n"
    "    free(b);\n"
    "    return r;\n"
    "}\n"
    "__attribute__((noinline)) static int parse_doc(const char *s) {\n"
    "    return parse_item(s) + 1;\n"
    "}\n"
    "int main(int argc, char **argv) { return argc > 1 ? parse_doc(argv[1]) : 0; }\n";

static char *run_sanitized(const char *bin, const char *arg, const char *dir)
{
    char cmd[1024], out[512];
    snprintf(out, sizeof(out), "%s/stderr.txt", dir);
    snprintf(cmd, sizeof(cmd),
             "ASAN_OPTIONS=detect_leaks=0 '%s' '%s' 2>'%s' >/dev/null", bin,
             arg, out);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
    size_t n;
    return pf_test_read(out, &n);
}

static void crash_ten_inputs_one_bug_one_signature_two_bugs_two(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char src[512], bin[512], cmd[2048];
    snprintf(src, sizeof(src), "%s/dedup.c", dir);
    snprintf(bin, sizeof(bin), "%s/dedup", dir);
    pf_test_write(src, DEDUP_SRC, strlen(DEDUP_SRC));
    snprintf(cmd, sizeof(cmd),
             "clang -g -O0 -fsanitize=address -fno-omit-frame-pointer -o '%s' '%s'",
             bin, src);
    if (system(cmd) != 0) {
        pf_test_rmtmp(dir);
        fail_msg("clang could not build the sanitized test program");
    }
    char *first = NULL;
    const char *inputs[] = {"A", "Ab", "Abc", "Axyz", "A{}", "A[1,2]", "A\"x\"",
                            "Anull", "A0", "Atrue"};
    for (size_t i = 0; i < 10; i++) {
        char *text = run_sanitized(bin, inputs[i], dir);
        assert_non_null(text);
        pf_crash c;
        pf_crash_init(&c);
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_crash_parse(text, strlen(text), &c, &e), 1);
        assert_string_equal(c.kind, "heap-buffer-overflow");
        if (!first)
            first = strdup(c.signature);
        else
            assert_string_equal(c.signature, first);
        pf_crash_free(&c);
        free(text);
    }
    assert_non_null(strstr(first, "|parse_item dedup.c:7|parse_doc dedup.c:13|main dedup.c:15"));
    /* the second bug of the same function: another kind and line */
    char *text = run_sanitized(bin, "B", dir);
    pf_crash c;
    pf_crash_init(&c);
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_crash_parse(text, strlen(text), &c, &e), 1);
    assert_string_equal(c.kind, "heap-use-after-free");
    assert_string_not_equal(c.signature, first);
    assert_non_null(strstr(c.signature, "parse_item dedup.c:8"));
    pf_crash_free(&c);
    free(text);
    free(first);
    pf_test_rmtmp(dir);
}

/* A bug the sanitizer reports from inside an interceptor (printf_common,
 * __interceptor_snprintf, MemcmpInterceptorCommon, scanf_common,
 * __sanitizer::internal_strlen) or from glibc's own code (__strlen_evex,
 * __vfprintf_internal) is the caller's: those frames are never own, and
 * the top frame and the title name the target's function. */
static void crash_interceptor_and_libc_frames_are_not_the_targets(void **st)
{
    (void)st;
    static const struct {
        const char *file;
        int skipped;        /* frames above the first own one */
        const char *first;  /* the first skipped frame's function */
        const char *title;
    } cases[] = {
        {"asan-printf-common.txt", 2, "printf_common",
         "heap-buffer-overflow READ 5 in fmt_name (interceptors.c:8)"},
        {"asan-segv-printf-common.txt", 4, "__sanitizer::internal_strlen",
         "SEGV READ in fmt_qty (interceptors.c:10)"},
        {"asan-memcmp-interceptor.txt", 2, "MemcmpInterceptorCommon",
         "heap-buffer-overflow READ 9 in same_sku (interceptors.c:11)"},
        {"asan-scanf-common.txt", 2, "scanf_common",
         "heap-buffer-overflow WRITE 11 in read_code (interceptors.c:12)"},
        {"asan-strlen-interceptor.txt", 1, "strlen",
         "heap-buffer-overflow READ 6 in name_len (interceptors.c:13)"},
        {"ubsan-segv-glibc-vfprintf.txt", 4, "__strlen_evex",
         "SEGV READ in fmt_qty (interceptors.c:10)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), FIX "%s", cases[i].file);
        pf_crash c;
        int rc;
        char *text = parse_file(path, &c, &rc);
        assert_int_equal(rc, 1);
        assert_true(c.nframes > cases[i].skipped);
        assert_non_null(c.frames[0].func);
        if (strncmp(c.frames[0].func, cases[i].first, strlen(cases[i].first)) != 0)
            fail_msg("%s: frame 0 is '%s'", cases[i].file, c.frames[0].func);
        for (int k = 0; k < cases[i].skipped; k++)
            if (c.frames[k].own)
                fail_msg("%s: frame %d (%s) counted as the target's own", cases[i].file,
                         k, c.frames[k].func ? c.frames[k].func : "?");
        assert_ptr_equal(pf_crash_top_frame(&c), &c.frames[cases[i].skipped]);
        pf_buf t = PF_BUF_INIT;
        pf_crash_title(&c, &t);
        if (strcmp(pf_buf_str(&t), cases[i].title) != 0)
            fail_msg("%s: title '%s', want '%s'", cases[i].file, pf_buf_str(&t),
                     cases[i].title);
        pf_buf_free(&t);
        pf_crash_free(&c);
        free(text);
    }
    /* one bug (a bad %s pointer), two sanitizers: ASan's interceptor and
     * UBSan's glibc stack give one signature */
    pf_crash a, u;
    int rc;
    char *ta = parse_file(FIX "asan-segv-printf-common.txt", &a, &rc);
    char *tu = parse_file(FIX "ubsan-segv-glibc-vfprintf.txt", &u, &rc);
    assert_string_equal(a.signature, u.signature);
    pf_crash_free(&a);
    pf_crash_free(&u);
    free(ta);
    free(tu);
}

/* The ignore list is about libc and the runtimes, not about names that
 * look like theirs: the target's own files in folders called string/ or
 * io/, or an absolute path through them, stay own; only glibc's
 * "string/../sysdeps/..." form is libc. */
static void crash_own_code_in_libc_like_folders_stays_own(void **st)
{
    (void)st;
    static const char report[] =
        "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000018 "
        "at pc 0x1 bp 0x2 sp 0x3\n"
        "READ of size 1 at 0x602000000018 thread T0\n"
        "    #0 0x55 in __strlen_evex string/../sysdeps/x86_64/multiarch/strlen-evex.S:79\n"
        "    #1 0x56 in scan_token string/scan.c:12:3\n"
        "    #2 0x57 in read_doc io/reader.c:40:9\n"
        "    #3 0x58 in load /home/me/app/string/load.c:7:2\n"
        "    #4 0x59 in __libc_start_main csu/../csu/libc-start.c:360:3\n";
    pf_crash c;
    pf_crash_init(&c);
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_crash_parse(report, strlen(report), &c, &e), 1);
    assert_int_equal(c.nframes, 5);
    assert_false(c.frames[0].own);
    assert_true(c.frames[1].own);
    assert_true(c.frames[2].own);
    assert_true(c.frames[3].own);
    assert_false(c.frames[4].own);
    assert_string_equal(c.signature,
                        "heap-buffer-overflow|scan_token scan.c:12|read_doc reader.c:40|load load.c:7");
    pf_crash_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crash_fixtures_give_kind_and_signature),
        cmocka_unit_test(crash_reads_access_frames_and_own_marks),
        cmocka_unit_test(crash_signature_survives_aslr_build_path_and_columns),
        cmocka_unit_test(crash_text_without_report_is_none_and_junk_never_crashes),
        cmocka_unit_test(crash_ten_inputs_one_bug_one_signature_two_bugs_two),
        cmocka_unit_test(crash_interceptor_and_libc_frames_are_not_the_targets),
        cmocka_unit_test(crash_own_code_in_libc_like_folders_stays_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
