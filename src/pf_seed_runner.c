/*
 * pf_seed_runner: the runner `seed-tests` writes beside its fixtures.
 *
 *   in-process targets (a worker binary, a library's entry point):
 *     seed_test.c   a plain C test, libc only (POSIX fork/wait), that the
 *                   user compiles with their entry point; each fixture
 *                   runs in a forked child, classified as pf_run
 *                   classifies a worker's outcome;
 *     seed_test.mk  a Makefile snippet that builds it and runs it with
 *                   the sanitizer options pf_run gave the worker;
 *   commands:
 *     run_tests.sh  a POSIX shell script that runs the command on each
 *                   fixture under the recorded limits and compares the
 *                   exit status class and the output.
 *
 * Both end with "N passed, N failed" and exit 1 on any change, naming the
 * fixture and what changed. They hold file names, outcome names and
 * kinds only: the inputs and outputs stay in fixtures/.
 *
 * The runners classify as pf_run does (pf_run.h's precedence) from what
 * a program leaves: exit status, signal, and the report header lines on
 * stderr. They compare the outcome class and the output; a crash's kind
 * and signature are in fixtures.json for people, not compared (frames
 * move with every edit of the target).
 */
#include "pf_seed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_buf.h"
#include "pf_fs.h"
#include "pf_version.h"

/* A C string literal of s */
static void c_str(pf_buf *b, const char *s)
{
    pf_buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            pf_buf_addf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            pf_buf_addf(b, "\\%03o", *p);
        else
            pf_buf_addc(b, (char)*p);
    }
    pf_buf_addc(b, '"');
}

/* A single-quoted POSIX shell word */
static void sh_str(pf_buf *b, const char *s)
{
    pf_buf_add_shell_word(b, s, 1);
}

static unsigned timeout_whole(const pf_seed_meta *m)
{
    return m->timeout_s > 0 ? (unsigned)ceil(m->timeout_s) : 0;
}

/* ---- C ------------------------------------------------------------------- */

static const char c_head[] =
    "#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)\n"
    "#define _POSIX_C_SOURCE 200809L\n"
    "#endif\n"
    "#include <errno.h>\n"
    "#include <signal.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/resource.h>\n"
    "#include <sys/types.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "#ifdef SEED_WITH_CJSON\n"
    "#include <cjson/cJSON.h>\n"
    "#endif\n"
    "\n";

static const char c_body[] =
    "int SEED_ENTRY(const uint8_t *data, size_t size);\n"
    "int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));\n"
    "\n"
    "/* The prodfuzz worker's part, for targets built with the harness kit:\n"
    " * the kit hands its serialized text to pf_worker_output and, when\n"
    " * pf_worker_active() says so, returns non-zero for a rejection. */\n"
    "static char *seed_out;\n"
    "static size_t seed_out_len;\n"
    "void pf_worker_output(const void *data, size_t len);\n"
    "void pf_worker_output(const void *data, size_t len)\n"
    "{\n"
    "    free(seed_out);\n"
    "    seed_out = malloc(len ? len : 1);\n"
    "    seed_out_len = seed_out ? len : 0;\n"
    "    if (seed_out && len)\n"
    "        memcpy(seed_out, data, len);\n"
    "}\n"
    "int pf_worker_active(void);\n"
    "int pf_worker_active(void) { return 1; }\n"
    "\n"
    "#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)\n"
    "#define SEED_SANITIZED 1\n"
    "#elif defined(__has_feature)\n"
    "#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \\\n"
    "    __has_feature(memory_sanitizer)\n"
    "#define SEED_SANITIZED 1\n"
    "#endif\n"
    "#endif\n"
    "\n"
    "static char *slurp(const char *path, size_t *len)\n"
    "{\n"
    "    FILE *f = fopen(path, \"rb\");\n"
    "    if (!f)\n"
    "        return NULL;\n"
    "    size_t cap = 4096, n = 0;\n"
    "    char *p = malloc(cap);\n"
    "    while (p) {\n"
    "        size_t r = fread(p + n, 1, cap - n, f);\n"
    "        n += r;\n"
    "        if (n < cap)\n"
    "            break;\n"
    "        char *q = realloc(p, cap *= 2);\n"
    "        if (!q) {\n"
    "            free(p);\n"
    "            p = NULL;\n"
    "        } else {\n"
    "            p = q;\n"
    "        }\n"
    "    }\n"
    "    fclose(f);\n"
    "    if (p)\n"
    "        *len = n;\n"
    "    return p;\n"
    "}\n"
    "\n"
    "static int has(const char *text, const char *what)\n"
    "{\n"
    "    return strstr(text, what) != NULL;\n"
    "}\n"
    "\n"
    "/* a sanitizer, libFuzzer or assertion report on stderr */\n"
    "static int report(const char *e)\n"
    "{\n"
    "    return has(e, \"ERROR: AddressSanitizer\") || has(e, \"ERROR: HWAddressSanitizer\") ||\n"
    "           has(e, \"ERROR: LeakSanitizer\") || has(e, \"Sanitizer: \") ||\n"
    "           has(e, \"ERROR: libFuzzer\") || has(e, \"runtime error: \") ||\n"
    "           (has(e, \"Assertion `\") && has(e, \"' failed\"));\n"
    "}\n"
    "\n"
    "/* an out-of-memory report, as prodfuzz tells one: the first report\n"
    " * line says so, or the allocator's own words are anywhere */\n"
    "static int oom_text(const char *e)\n"
    "{\n"
    "    static const char *const heads[] = {\n"
    "        \"ERROR: AddressSanitizer: \", \"ERROR: HWAddressSanitizer: \",\n"
    "        \"WARNING: MemorySanitizer: \", \"ERROR: MemorySanitizer: \",\n"
    "        \"ERROR: LeakSanitizer: \", \"WARNING: ThreadSanitizer: \",\n"
    "        \"ERROR: ThreadSanitizer: \", \"ERROR: libFuzzer: \", \"runtime error: \",\n"
    "        \"Assertion `\"};\n"
    "    static const char *const kinds[] = {\n"
    "        \"out of memory\", \"out-of-memory\", \"rss limit\", \"requested allocation size\",\n"
    "        \"calloc-overflow\", \"pvalloc-overflow\", \"rss-limit-exceeded\", \"malloc-limit\"};\n"
    "    const char *first = NULL;\n"
    "    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {\n"
    "        const char *p = strstr(e, heads[i]);\n"
    "        if (p && (!first || p < first))\n"
    "            first = p;\n"
    "    }\n"
    "    if (first) {\n"
    "        size_t n = strcspn(first, \"\\n\");\n"
    "        for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {\n"
    "            const char *k = strstr(first, kinds[i]);\n"
    "            if (k && k < first + n)\n"
    "                return 1;\n"
    "        }\n"
    "    }\n"
    "    return has(e, \"hard rss limit exhausted\") || has(e, \"rss-limit-exceeded\") ||\n"
    "           has(e, \"allocator is trying to allocate\") || has(e, \"malloc limit\");\n"
    "}\n"
    "\n"
    "/* a runtime's own words when an allocation fails and it exits */\n"
    "static int says_oom(const char *e)\n"
    "{\n"
    "    return has(e, \"MemoryError\") || has(e, \"std::bad_alloc\") ||\n"
    "           has(e, \"Cannot allocate memory\") || has(e, \"out of memory\") ||\n"
    "           has(e, \"Out of memory\") || has(e, \"OutOfMemoryError\") ||\n"
    "           has(e, \"memory allocation of\") || has(e, \"JavaScript heap out of memory\") ||\n"
    "           has(e, \"failed to allocate\");\n"
    "}\n"
    "\n"
    "static int only_space(const char *e)\n"
    "{\n"
    "    for (; *e; e++)\n"
    "        if (*e != ' ' && *e != '\\t' && *e != '\\n' && *e != '\\r')\n"
    "            return 0;\n"
    "    return 1;\n"
    "}\n"
    "\n"
    "static volatile sig_atomic_t seed_alarm;\n"
    "static void on_alarm(int sig)\n"
    "{\n"
    "    (void)sig;\n"
    "    seed_alarm = 1;\n"
    "}\n"
    "\n"
    "/* Run one input in a child; the outcome's name, and its output. */\n"
    "static const char *run_one(const char *data, size_t len, char **out,\n"
    "                           size_t *out_len, char **err_text)\n"
    "{\n"
    "    FILE *res = tmpfile(), *errf = tmpfile();\n"
    "    *out = NULL;\n"
    "    *out_len = 0;\n"
    "    *err_text = NULL;\n"
    "    if (!res || !errf) {\n"
    "        perror(\"seed_test: tmpfile\");\n"
    "        exit(3);\n"
    "    }\n"
    "    fflush(NULL);\n"
    "    pid_t pid = fork();\n"
    "    if (pid < 0) {\n"
    "        perror(\"seed_test: fork\");\n"
    "        exit(3);\n"
    "    }\n"
    "    if (pid == 0) {\n"
    "        dup2(fileno(errf), 2);\n"
    "#ifndef SEED_SANITIZED\n"
    "        if (SEED_MEM_BYTES) {\n"
    "            struct rlimit rl = {SEED_MEM_BYTES, SEED_MEM_BYTES};\n"
    "            setrlimit(RLIMIT_AS, &rl);\n"
    "        }\n"
    "#endif\n"
    "        /* exactly len bytes, as the worker gives them */\n"
    "        uint8_t *copy = malloc(len ? len : 1);\n"
    "        if (!copy)\n"
    "            _exit(70);\n"
    "        memcpy(copy, data, len);\n"
    "        int st = SEED_ENTRY(copy, len);\n"
    "        fprintf(res, \"%d %zu\\n\", st, seed_out_len);\n"
    "        if (seed_out_len)\n"
    "            fwrite(seed_out, 1, seed_out_len, res);\n"
    "        fflush(res);\n"
    "        _exit(0);\n"
    "    }\n"
    "    struct sigaction sa;\n"
    "    memset(&sa, 0, sizeof sa);\n"
    "    sa.sa_handler = on_alarm;\n"
    "    sigaction(SIGALRM, &sa, NULL);\n"
    "    seed_alarm = 0;\n"
    "    alarm(SEED_TIMEOUT_S);\n"
    "    int wst = 0, timed_out = 0;\n"
    "    while (waitpid(pid, &wst, 0) < 0) {\n"
    "        if (errno != EINTR)\n"
    "            break;\n"
    "        if (seed_alarm && !timed_out) {\n"
    "            timed_out = 1;\n"
    "            kill(pid, SIGKILL);\n"
    "        }\n"
    "    }\n"
    "    alarm(0);\n"
    "    size_t el = 0;\n"
    "    fflush(errf);\n"
    "    rewind(errf);\n"
    "    char *e = malloc(1 << 20);\n"
    "    if (e) {\n"
    "        el = fread(e, 1, (1 << 20) - 1, errf);\n"
    "        e[el] = '\\0';\n"
    "    }\n"
    "    fclose(errf);\n"
    "    *err_text = e;\n"
    "    const char *et = e ? e : \"\";\n"
    "    int st = 0, got = 0;\n"
    "    size_t ol = 0;\n"
    "    rewind(res);\n"
    "    if (!timed_out && WIFEXITED(wst) && WEXITSTATUS(wst) == 0 &&\n"
    "        fscanf(res, \"%d %zu\", &st, &ol) == 2 && fgetc(res) == '\\n') {\n"
    "        got = 1;\n"
    "        if (ol && (*out = malloc(ol)))\n"
    "            *out_len = fread(*out, 1, ol, res);\n"
    "    }\n"
    "    fclose(res);\n"
    "    if (report(et) && !timed_out)\n"
    "        return oom_text(et) ? \"oom\" : \"crash\";\n"
    "    if (got)\n"
    "        return st == 0 ? \"ok\" : \"rejected\";\n"
    "    if (timed_out || (WIFSIGNALED(wst) && WTERMSIG(wst) == SIGXCPU))\n"
    "        return \"timeout\";\n"
    "    if (WIFSIGNALED(wst))\n"
    "        return (WTERMSIG(wst) == SIGKILL || WTERMSIG(wst) == SIGTERM) && only_space(et)\n"
    "                   ? \"silent-exit\" : \"crash\";\n"
    "    /* the entry point ended the process */\n"
    "    if (SEED_MEM_BYTES && says_oom(et))\n"
    "        return \"oom\";\n"
    "    return only_space(et) ? \"silent-exit\" : \"crash\";\n"
    "}\n"
    "\n"
    "static int same_output(const char *a, size_t al, const char *b, size_t bl, int json)\n"
    "{\n"
    "    if (al == bl && (al == 0 || memcmp(a, b, al) == 0))\n"
    "        return 1;\n"
    "#ifdef SEED_WITH_CJSON\n"
    "    if (json) {\n"
    "        char *x = malloc(al + 1), *y = malloc(bl + 1);\n"
    "        int same = 0;\n"
    "        if (x && y) {\n"
    "            memcpy(x, a, al);\n"
    "            x[al] = '\\0';\n"
    "            memcpy(y, b, bl);\n"
    "            y[bl] = '\\0';\n"
    "            cJSON *u = cJSON_Parse(x), *v = cJSON_Parse(y);\n"
    "            same = u && v && cJSON_Compare(u, v, 1);\n"
    "            cJSON_Delete(u);\n"
    "            cJSON_Delete(v);\n"
    "        }\n"
    "        free(x);\n"
    "        free(y);\n"
    "        return same;\n"
    "    }\n"
    "#else\n"
    "    (void)json;\n"
    "#endif\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "/* the first report line of stderr, to say what happened */\n"
    "static void say_report(const char *e)\n"
    "{\n"
    "    const char *p = e ? strstr(e, \"ERROR: \") : NULL;\n"
    "    if (!p && e)\n"
    "        p = strstr(e, \"runtime error: \");\n"
    "    if (!p)\n"
    "        return;\n"
    "    int n = (int)strcspn(p, \"\\n\");\n"
    "    printf(\"#   %.*s\\n\", n > 200 ? 200 : n, p);\n"
    "}\n"
    "\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    const char *dir = argc > 1 ? argv[1] : SEED_DIR;\n"
    "    if (LLVMFuzzerInitialize)\n"
    "        LLVMFuzzerInitialize(&argc, &argv);\n"
    "    int passed = 0, failed = 0;\n"
    "    size_t n = sizeof seed_fixtures / sizeof *seed_fixtures;\n"
    "    for (size_t i = 0; i < n; i++) {\n"
    "        const struct seed_fixture *f = &seed_fixtures[i];\n"
    "        char path[4096];\n"
    "        size_t len = 0, el = 0;\n"
    "        snprintf(path, sizeof path, \"%s/fixtures/%s\", dir, f->file);\n"
    "        char *data = slurp(path, &len);\n"
    "        if (!data) {\n"
    "            printf(\"not ok - %s: cannot read %s\\n\", f->file, path);\n"
    "            failed++;\n"
    "            continue;\n"
    "        }\n"
    "        char *expect = NULL;\n"
    "        if (f->has_output) {\n"
    "            snprintf(path, sizeof path, \"%s/fixtures/%s.out\", dir, f->file);\n"
    "            if (!(expect = slurp(path, &el))) {\n"
    "                printf(\"not ok - %s: cannot read %s\\n\", f->file, path);\n"
    "                failed++;\n"
    "                free(data);\n"
    "                continue;\n"
    "            }\n"
    "        }\n"
    "        char *out, *err_text;\n"
    "        size_t ol;\n"
    "        const char *got = run_one(data, len, &out, &ol, &err_text);\n"
    "        if (strcmp(got, f->outcome)) {\n"
    "            printf(\"not ok - %s: outcome %s, recorded %s\\n\", f->file, got, f->outcome);\n"
    "            say_report(err_text);\n"
    "            failed++;\n"
    "        } else if (SEED_OUTPUTS && (!strcmp(got, \"ok\") || !strcmp(got, \"rejected\")) &&\n"
    "                   !same_output(expect ? expect : \"\", el, out ? out : \"\", ol,\n"
    "                                f->output_json)) {\n"
    "            printf(\"not ok - %s: output changed (%zu bytes, recorded %zu)\\n\",\n"
    "                   f->file, ol, el);\n"
    "            failed++;\n"
    "        } else {\n"
    "            printf(\"ok - %s\\n\", f->file);\n"
    "            passed++;\n"
    "        }\n"
    "        free(data);\n"
    "        free(expect);\n"
    "        free(out);\n"
    "        free(err_text);\n"
    "    }\n"
    "    printf(\"%d passed, %d failed\\n\", passed, failed);\n"
    "    return failed ? 1 : 0;\n"
    "}\n";

static void c_runner(const pf_seed *s, const pf_seed_meta *m, pf_buf *b)
{
    pf_buf_addf(b,
        "/*\n"
        " * seed_test.c: %zu regression fixtures recorded by prodfuzz %s seed-tests\n"
        " * (%s target ", s->n, PF_VERSION, m->engine);
    /* the name goes in a comment: no comment end in it */
    for (const char *p = m->target; *p; p++)
        pf_buf_addc(b, (p[0] == '*' && p[1] == '/') ? '_' : *p);
    pf_buf_addf(b, ", %s).\n", m->created);
    pf_buf_adds(b,
        " *\n"
        " * Plain C, libc and POSIX only. It runs every input in fixtures/ in a\n"
        " * forked child through the entry point you link it with, classifies the\n"
        " * outcome as prodfuzz does (ok, rejected, crash, timeout, oom,\n"
        " * silent-exit), compares it and the output with what was recorded, and\n"
        " * ends with \"N passed, N failed\" (exit 1 on any change).\n"
        " *\n"
        " * Build and run (seed_test.mk does both, with the sanitizer options\n"
        " * prodfuzz used):\n"
        " *   cc -g -fsanitize=address,undefined -o seed_test seed_test.c ENTRY.c [LIBS]\n"
        " *   ./seed_test [THIS_FOLDER]\n"
        " * ENTRY is int LLVMFuzzerTestOneInput(const uint8_t *, size_t); add\n"
        " * -DSEED_ENTRY=fn for another int fn(const uint8_t *, size_t) (non-zero:\n"
        " * a clean rejection). Link the entry point's own code, not libFuzzer's\n"
        " * main (-fsanitize=fuzzer) nor libprodfuzz_libfuzzer.a: this file has\n"
        " * its own main and plays the prodfuzz worker's part for the harness kit.\n"
        " * -DSEED_WITH_CJSON and -lcjson compare JSON outputs as values (else\n"
        " * byte for byte).\n"
        " * Written by `prodfuzz seed-tests`; `--update` writes it again.\n"
        " */\n");
    pf_buf_adds(b, c_head);
    pf_buf_adds(b, "#ifndef SEED_ENTRY\n#define SEED_ENTRY ");
    pf_buf_adds(b, !strcmp(m->engine, "lib") ? m->target : "LLVMFuzzerTestOneInput");
    pf_buf_adds(b, "\n#endif\n#ifndef SEED_DIR\n#define SEED_DIR \".\"\n#endif\n");
    pf_buf_addf(b, "#define SEED_TIMEOUT_S %uu /* wall time per input, 0: none */\n",
                timeout_whole(m));
    pf_buf_addf(b, "#define SEED_MEM_BYTES %lluull /* address space, builds "
                "without a sanitizer; 0: none */\n",
                !strcmp(m->mem_model ? m->mem_model : "", "rlimit")
                    ? (unsigned long long)m->mem_bytes : 0ull);
    pf_buf_addf(b, "#define SEED_OUTPUTS %d\n\n", m->outputs ? 1 : 0);
    pf_buf_adds(b, "struct seed_fixture {\n    const char *file, *outcome;\n"
                   "    int has_output, output_json;\n};\n"
                   "static const struct seed_fixture seed_fixtures[] = {\n");
    for (size_t i = 0; i < s->n; i++) {
        const pf_seed_fixture *f = &s->f[i];
        pf_buf_adds(b, "    {");
        c_str(b, f->name);
        pf_buf_addf(b, ", \"%s\", %d, %d},\n", pf_outcome_name(f->outcome),
                    f->out != NULL, f->out_json);
    }
    pf_buf_adds(b, "};\n\n");
    pf_buf_adds(b, c_body);
}

static void c_makefile(const pf_seed_meta *m, pf_buf *b)
{
    unsigned long long mb = (m->mem_bytes + (1u << 20) - 1) >> 20;
    pf_buf_adds(b,
        "# seed_test.mk: build and run seed_test.c (written by prodfuzz seed-tests).\n"
        "#\n"
        "#   make -f DIR/seed_test.mk SEED_TEST_LINK='app.c -lcjson'\n"
        "# or include it from your Makefile and `make seed-test`. SEED_TEST_LINK\n"
        "# is your entry point's code and libraries; SEED_TEST_CFLAGS add flags\n"
        "# (-DSEED_ENTRY=fn for another entry point than LLVMFuzzerTestOneInput).\n"
        "# cJSON, when pkg-config finds it, compares JSON outputs as values.\n"
        "SEED_TEST_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))\n"
        "SEED_TEST_CC ?= cc\n"
        "SEED_TEST_SAN ?= -fsanitize=address,undefined\n"
        "SEED_TEST_CFLAGS ?=\n"
        "SEED_TEST_LINK ?=\n"
        "SEED_TEST_BIN ?= $(SEED_TEST_DIR)/seed_test\n"
        "SEED_TEST_CJSON := $(shell pkg-config --exists libcjson 2>/dev/null && echo -DSEED_WITH_CJSON)\n"
        "SEED_TEST_CJSON_LIBS := $(if $(SEED_TEST_CJSON),$(shell pkg-config --libs libcjson))\n");
    pf_buf_adds(b, "# the options prodfuzz ran the worker with\n"
                   "SEED_TEST_ENV ?= ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:"
                   "allocator_may_return_null=0");
    if (m->mem_bytes && m->mem_model && !strcmp(m->mem_model, "asan"))
        pf_buf_addf(b, ":malloc_limit_mb=%llu:max_allocation_size_mb=%llu"
                    ":hard_rss_limit_mb=%llu", mb, mb, mb);
    pf_buf_adds(b, " UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1\n\n"
        "# built on every run: the code under test is in SEED_TEST_LINK, which\n"
        "# make cannot see change\n"
        ".PHONY: seed-test\n"
        "seed-test:\n"
        "\t$(SEED_TEST_CC) -g -O1 $(SEED_TEST_SAN) $(SEED_TEST_CJSON) $(SEED_TEST_CFLAGS) "
        "-o $(SEED_TEST_BIN) $(SEED_TEST_DIR)/seed_test.c $(SEED_TEST_LINK) $(SEED_TEST_CJSON_LIBS)\n"
        "\t$(SEED_TEST_ENV) $(SEED_TEST_BIN) $(SEED_TEST_DIR)\n");
}

/* ---- POSIX shell ---------------------------------------------------------- */

static const char sh_body[] =
    "here=$(cd \"$(dirname \"$0\")\" && pwd) || exit 3\n"
    "CMD=${SEED_CMD:-$RECORDED_CMD}\n"
    "[ -n \"${SEED_CMD:-}\" ] && SHELL_CMD=1\n"
    "if [ -z \"${PRODFUZZ:-}\" ]; then\n"
    "    if [ -x \"$RECORDED_PRODFUZZ\" ]; then PRODFUZZ=$RECORDED_PRODFUZZ\n"
    "    else PRODFUZZ=$(command -v prodfuzz || :); fi\n"
    "fi\n"
    "TIMEOUT=\n"
    "[ \"$TIMEOUT_S\" -gt 0 ] && command -v timeout >/dev/null 2>&1 && TIMEOUT=\"timeout -k 1 $TIMEOUT_S\"\n"
    "work=$(mktemp -d \"${TMPDIR:-/tmp}/seed-tests.XXXXXX\") || exit 3\n"
    "trap 'rm -rf \"$work\"' EXIT\n"
    "trap 'exit 130' INT TERM\n"
    "\n"
    "# run INPUT: runs the command on a copy of INPUT; sets st; out and err in $work\n"
    "run() {\n"
    "    cp \"$1\" \"$work/input\"\n"
    "    case $CMD in\n"
    "    *@@*) c=$(printf '%s\\n' \"$CMD\" | sed \"s|@@|$work/input|g\"); from=/dev/null ;;\n"
    "    *) c=$CMD; from=$work/input ;;\n"
    "    esac\n"
    "    # this shell's stderr is /dev/null while it waits: its notes\n"
    "    # (\"Segmentation fault\") are not the command's report\n"
    "    t0=$(date +%s)\n"
    "    exec 4>&2 2>/dev/null\n"
    "    (\n"
    "        exec 2>\"$work/err\"\n"
    "        ulimit -c 0 2>/dev/null\n"
    "        [ \"$MEM_KB\" -gt 0 ] && ulimit -v \"$MEM_KB\" 2>/dev/null\n"
    "        [ \"$TIMEOUT_S\" -gt 0 ] && ulimit -t $((TIMEOUT_S + 1)) 2>/dev/null\n"
    "        if [ -n \"$SHELL_CMD\" ]; then exec $TIMEOUT /bin/sh -c \"$c\"\n"
    "        else eval \"exec $TIMEOUT $c\"; fi\n"
    "    ) <\"$from\" >\"$work/out\"\n"
    "    st=$?\n"
    "    exec 2>&4 4>&-\n"
    "    took=$(($(date +%s) - t0))\n"
    "}\n"
    "\n"
    "has() { grep -q -e \"$1\" \"$work/err\"; }\n"
    "blank() { ! grep -q '[^[:space:]]' \"$work/err\"; }\n"
    "\n"
    "# classify: the outcome of the last run, as prodfuzz classifies it\n"
    "classify() {\n"
    "    timed_out=\n"
    "    # timeout(1) says 124, or 137 when it had to kill; a kill before the\n"
    "    # deadline is someone else's\n"
    "    [ -n \"$TIMEOUT\" ] && [ \"$st\" -eq 124 ] && timed_out=1\n"
    "    [ -n \"$TIMEOUT\" ] && [ \"$st\" -eq 137 ] && [ \"$took\" -ge \"$TIMEOUT_S\" ] && timed_out=1\n"
    "    [ \"$st\" -eq $((128 + 24)) ] && timed_out=1\n"
    "    if [ -z \"$timed_out\" ] && { has 'ERROR: [A-Za-z]*Sanitizer' || has 'Sanitizer: ' ||\n"
    "        has 'ERROR: libFuzzer' || has 'runtime error: ' || has \"Assertion \\`.*' failed\"; }; then\n"
    "        first=$(grep -m 1 -e 'ERROR: [A-Za-z]*Sanitizer: ' -e 'WARNING: [A-Za-z]*Sanitizer: ' \\\n"
    "            -e 'ERROR: libFuzzer: ' -e 'runtime error: ' -e 'Assertion .*failed' \"$work/err\")\n"
    "        if printf '%s\\n' \"$first\" | grep -q -e 'out of memory' -e 'out-of-memory' -e 'rss limit' \\\n"
    "            -e 'requested allocation size' -e 'calloc-overflow' -e 'pvalloc-overflow' \\\n"
    "            -e 'rss-limit-exceeded' -e 'malloc-limit' ||\n"
    "            has 'hard rss limit exhausted' || has 'rss-limit-exceeded' ||\n"
    "            has 'allocator is trying to allocate' || has 'malloc limit'; then\n"
    "            outcome=oom\n"
    "        else\n"
    "            outcome=crash\n"
    "        fi\n"
    "    elif [ -n \"$timed_out\" ]; then outcome=timeout\n"
    "    elif [ \"$st\" -gt 128 ]; then\n"
    "        if { [ \"$st\" -eq 137 ] || [ \"$st\" -eq 143 ]; } && blank; then outcome=silent-exit\n"
    "        else outcome=crash; fi\n"
    "    elif [ \"$st\" -ne 0 ]; then\n"
    "        if [ \"$MEM_KB\" -gt 0 ] && { has MemoryError || has bad_alloc ||\n"
    "            has 'Cannot allocate memory' || has 'out of memory' || has 'Out of memory' ||\n"
    "            has OutOfMemoryError || has 'memory allocation of' ||\n"
    "            has 'heap out of memory' || has 'failed to allocate'; }; then outcome=oom\n"
    "        elif blank; then outcome=silent-exit\n"
    "        else outcome=rejected; fi\n"
    "    else outcome=ok\n"
    "    fi\n"
    "}\n"
    "\n"
    "# same_output EXPECTED JSON: the last run's output is the recorded one\n"
    "same_output() {\n"
    "    cmp -s \"$1\" \"$work/out\" && return 0\n"
    "    [ \"$2\" = 1 ] || return 1\n"
    "    if [ -n \"$PRODFUZZ\" ]; then\n"
    "        \"$PRODFUZZ\" seed-tests --same-output \"$1\" \"$work/out\" >/dev/null 2>&1\n"
    "        return\n"
    "    fi\n"
    "    echo \"# prodfuzz not found (set PRODFUZZ): JSON output compared byte for byte\"\n"
    "    return 1\n"
    "}\n"
    "\n"
    "passed=0 failed=0\n"
    "# fixture FILE OUTCOME HAS_OUTPUT OUTPUT_IS_JSON\n"
    "fixture() {\n"
    "    run \"$here/fixtures/$1\"\n"
    "    classify\n"
    "    if [ \"$outcome\" != \"$2\" ]; then\n"
    "        echo \"not ok - $1: outcome $outcome (exit $st), recorded $2\"\n"
    "        grep -m 1 -e 'ERROR: ' -e 'runtime error: ' \"$work/err\" | cut -c 1-200 | sed 's/^/#   /'\n"
    "        failed=$((failed + 1))\n"
    "        return\n"
    "    fi\n"
    "    if [ \"$OUTPUTS\" = 1 ] && { [ \"$2\" = ok ] || [ \"$2\" = rejected ]; }; then\n"
    "        if [ \"$3\" = 1 ]; then exp=\"$here/fixtures/$1.out\"; else exp=/dev/null; fi\n"
    "        if ! same_output \"$exp\" \"$4\"; then\n"
    "            echo \"not ok - $1: output changed ($(wc -c <\"$work/out\" | tr -d ' ') bytes, recorded $(wc -c <\"$exp\" | tr -d ' '))\"\n"
    "            failed=$((failed + 1))\n"
    "            return\n"
    "        fi\n"
    "    fi\n"
    "    echo \"ok - $1\"\n"
    "    passed=$((passed + 1))\n"
    "}\n"
    "\n";

static void sh_runner(const pf_seed *s, const pf_seed_meta *m, pf_buf *b)
{
    pf_buf_addf(b,
        "#!/bin/sh\n"
        "# run_tests.sh: %zu regression fixtures recorded by prodfuzz %s seed-tests\n"
        "# (%s).\n"
        "#\n"
        "# Runs the command on every input in fixtures/ under the recorded limits,\n"
        "# classifies the outcome as prodfuzz does (ok, rejected, crash, timeout,\n"
        "# oom, silent-exit), compares it and the output (JSON as values, through\n"
        "# `prodfuzz seed-tests --same-output`; set PRODFUZZ if it is not on PATH)\n"
        "# with what was recorded, and ends with \"N passed, N failed\" (exit 1 on\n"
        "# any change). Run it from the folder the command was recorded in;\n"
        "# SEED_CMD='other command @@' runs another command on the same fixtures.\n"
        "# Written by `prodfuzz seed-tests`; `--update` writes it again.\n",
        s->n, PF_VERSION, m->created);
    pf_buf_adds(b, "RECORDED_CMD=");
    sh_str(b, m->target);
    pf_buf_addf(b, "\nSHELL_CMD=%s\n", m->cmd_shell ? "1" : "");
    pf_buf_adds(b, "RECORDED_PRODFUZZ=");
    sh_str(b, m->prodfuzz ? m->prodfuzz : "");
    pf_buf_addf(b, "\nTIMEOUT_S=%u\nMEM_KB=%llu\nOUTPUTS=%d\n", timeout_whole(m),
                m->mem_bytes && m->mem_model && !strcmp(m->mem_model, "rlimit")
                    ? (unsigned long long)(m->mem_bytes >> 10) : 0ull,
                m->outputs ? 1 : 0);
    pf_buf_adds(b, sh_body);
    for (size_t i = 0; i < s->n; i++) {
        const pf_seed_fixture *f = &s->f[i];
        pf_buf_adds(b, "fixture ");
        sh_str(b, f->name);
        pf_buf_addf(b, " %s %d %d\n", pf_outcome_name(f->outcome), f->out != NULL,
                    f->out_json);
    }
    pf_buf_adds(b, "echo \"$passed passed, $failed failed\"\n"
                   "[ \"$failed\" -eq 0 ]\n");
}

int pf_seed_write_runner(const pf_seed *s, const pf_seed_meta *m,
                         const char *dir, pf_err *err)
{
    pf_buf b = PF_BUF_INIT, path = PF_BUF_INIT;
    int rc = -1;
    if (!strcmp(m->engine, "cmd")) {
        sh_runner(s, m, &b);
        pf_buf_addf(&path, "%s/run_tests.sh", dir);
        if (pf_buf_ok(&b, err) < 0 || pf_buf_ok(&path, err) < 0 ||
            pf_fs_write_atomic(path.data, b.data, b.len, 0755, err) < 0)
            goto out;
    } else {
        c_runner(s, m, &b);
        pf_buf_addf(&path, "%s/seed_test.c", dir);
        if (pf_buf_ok(&b, err) < 0 || pf_buf_ok(&path, err) < 0 ||
            pf_fs_write_atomic(path.data, b.data, b.len, 0644, err) < 0)
            goto out;
        pf_buf_reset(&b);
        pf_buf_reset(&path);
        c_makefile(m, &b);
        pf_buf_addf(&path, "%s/seed_test.mk", dir);
        if (pf_buf_ok(&b, err) < 0 || pf_buf_ok(&path, err) < 0 ||
            pf_fs_write_atomic(path.data, b.data, b.len, 0644, err) < 0)
            goto out;
    }
    rc = 0;
out:
    pf_buf_free(&b);
    pf_buf_free(&path);
    return rc;
}
