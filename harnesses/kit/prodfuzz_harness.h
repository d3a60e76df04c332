/*
 * prodfuzz_harness.h: the harness kit. A fuzz target around your own parse
 * (and optionally serialize) function in a few lines, for libFuzzer and
 * AFL++, with production-like limits. `prodfuzz harness init NAME` writes
 * such a file for you and prints the build line.
 *
 * Define what you have, then include this header once, in one .c file:
 *
 *   #include "order.h"
 *   #define PF_KIT_TYPE      struct order     // what parse fills (optional)
 *   #define PF_KIT_PARSE_LEN parse_order      // int parse_order(const char *, size_t, struct order *)
 *   #define PF_KIT_SERIALIZE order_to_json    // char *order_to_json(const struct order *) (optional)
 *   #define PF_KIT_EQUAL     order_equal      // int order_equal(const struct order *, const struct order *) (optional)
 *   #define PF_KIT_RELEASE   order_release    // void order_release(struct order *) (optional)
 *   #define PF_KIT_SHAPE     "orders.shape.json"  // compiled-in profile (optional)
 *   #include <prodfuzz_harness.h>
 *
 * The parse function, exactly one of (each gets the fuzz input as is, and
 * returns 0 when it accepts it, non-zero when it rejects it cleanly):
 *   PF_KIT_PARSE_LEN   int f(const char *, size_t [, T *])    length-delimited:
 *                      the bytes are in a buffer of exactly that size, so
 *                      a read past the end is an ASan report
 *   PF_KIT_PARSE_BYTES int f(const uint8_t *, size_t [, T *]) the same, bytes
 *   PF_KIT_PARSE_STR   int f(const char * [, T *])            NUL-terminated
 *                      copy (an input with a NUL byte ends there)
 *   PF_KIT_PARSE_FILE  int f(FILE * [, T *])                  the bytes as a
 *                      read-only stream (fmemopen)
 * The [, T *] argument is there when PF_KIT_TYPE is defined: a zeroed T
 * the parse fills; PF_KIT_RELEASE(T *) frees what it allocated inside.
 * PF_KIT_ACCEPTS(r) says which return values mean accepted (default
 * (r) == 0).
 *
 * Round trip (PF_KIT_SERIALIZE, needs PF_KIT_TYPE): every accepted input's
 * value is serialized, the text is parsed again with the same function,
 * and the two values must be equal: by PF_KIT_EQUAL (non-zero when equal)
 * when given, else by their serialized text (a canonical form:
 * serialize(parse(serialize(v))) == serialize(v)). A mismatch is a
 * finding: "ERROR: prodfuzz-kit: roundtrip ..." on stderr, then abort().
 * The text is freed with PF_KIT_FREE_TEXT (default free).
 *
 * Limits, modelled on production (each overridable by a #define or by the
 * environment at run time):
 *   PF_KIT_HEAP_MB 512     the heap one input may grow by, as in a 512 MiB
 *                          container. A single allocation over it is
 *                          ASan's allocation-size-too-big report, before
 *                          anything is allocated (max_allocation_size_mb;
 *                          raise it at run time with ASAN_OPTIONS); an
 *                          input whose allocations together grow the live
 *                          heap past it is "ERROR: prodfuzz-kit:
 *                          out-of-memory" with the stack of the allocation
 *                          that crossed it (run time: PRODFUZZ_HEAP_MB;
 *                          0: off).
 *   PF_KIT_TIMEOUT_MS 5000 one input's wall time ("ERROR: prodfuzz-kit:
 *                          timeout" with the stack). Environment:
 *                          PRODFUZZ_TIMEOUT_MS. 0: off.
 *   ASan defaults (__asan_default_options; ASAN_OPTIONS still wins, and
 *   PF_KIT_NO_ASAN_DEFAULTS leaves the function to you): a 32 MiB
 *   quarantine and memory returned to the system twice a second, so a
 *   long run does not die of the allocator's own caches (false
 *   out-of-memory), one allocation over the heap cap fails at once,
 *   and a failed allocation is a report, not a NULL.
 *   The heap cap works through the sanitizer's allocation hooks: built
 *   without ASan, there is none.
 *
 * Engines: the file defines LLVMFuzzerTestOneInput. libFuzzer: link with
 * -fsanitize=fuzzer and `pkg-config --libs prodfuzz-libfuzzer` (the
 * prodfuzz mutator; PRODFUZZ_SHAPE, else PF_KIT_SHAPE, is its shape
 * profile). AFL++: build with afl-clang-fast and AFL++'s libAFLDriver.a,
 * and run afl-fuzz with AFL_CUSTOM_MUTATOR_LIBRARY=.../prodfuzz_afl.so and
 * PRODFUZZ_SHAPE (the mutator runs inside afl-fuzz, not in the target).
 * If your file already defines LLVMFuzzerInitialize, define
 * PF_KIT_NO_INITIALIZE and call pf_kit_init() from yours.
 *
 * After each input, pf_kit_last_status() is the parse's return value and
 * pf_kit_output()/pf_kit_output_len() the round trip's serialized text
 * (NULL when there was none). Under the prodfuzz worker (src/pf_worker.h,
 * linked with libprodfuzz_libfuzzer.a: `prodfuzz check` drives the same
 * binary) the round trip's text goes back with each reply through
 * pf_worker_output and a rejection returns 1; under libFuzzer
 * LLVMFuzzerTestOneInput returns 0.
 */
#ifndef PRODFUZZ_HARNESS_H
#define PRODFUZZ_HARNESS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if !defined(PF_KIT_PARSE_LEN) + !defined(PF_KIT_PARSE_BYTES) + \
    !defined(PF_KIT_PARSE_STR) + !defined(PF_KIT_PARSE_FILE) != 3
#error "prodfuzz_harness.h: define exactly one of PF_KIT_PARSE_LEN, PF_KIT_PARSE_BYTES, PF_KIT_PARSE_STR, PF_KIT_PARSE_FILE before including it"
#endif
#if defined(PF_KIT_SERIALIZE) && !defined(PF_KIT_TYPE)
#error "prodfuzz_harness.h: PF_KIT_SERIALIZE needs PF_KIT_TYPE (the value parse fills)"
#endif

#ifndef PF_KIT_HEAP_MB
#define PF_KIT_HEAP_MB 512
#endif
#ifndef PF_KIT_TIMEOUT_MS
#define PF_KIT_TIMEOUT_MS 5000
#endif
#ifndef PF_KIT_ACCEPTS
#define PF_KIT_ACCEPTS(r) ((r) == 0)
#endif
#ifndef PF_KIT_FREE_TEXT
#define PF_KIT_FREE_TEXT free
#endif
#define PF_KIT_STR_(x) #x
#define PF_KIT_STR(x) PF_KIT_STR_(x)

/* sanitizer runtime hooks (weak: the kit also builds without ASan) */
extern int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *)) __attribute__((weak));
extern size_t __sanitizer_get_allocated_size(const volatile void *p) __attribute__((weak));
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));
/* the prodfuzz worker (src/pf_worker.h; weak: the kit also links without
 * libprodfuzz_libfuzzer.a) */
extern void pf_worker_output(const void *data, size_t len) __attribute__((weak));
extern int pf_worker_active(void) __attribute__((weak));

static size_t pf_kit_heap_cap;     /* bytes, 0 off */
static long pf_kit_timeout_ms;     /* 0 off */
static volatile int pf_kit_in_input;
static size_t pf_kit_live;         /* live heap growth within the input */
static int pf_kit_status;          /* the parse's last return value */
static char *pf_kit_out;           /* last round-trip text */
static size_t pf_kit_out_len;
static timer_t pf_kit_timer;
static int pf_kit_timer_ok;

const char *pf_kit_output(void);
size_t pf_kit_output_len(void);
int pf_kit_last_status(void);
int pf_kit_last_status(void) { return pf_kit_status; }
const char *pf_kit_output(void) { return pf_kit_out; }
size_t pf_kit_output_len(void) { return pf_kit_out_len; }

static void pf_kit_say(const char *a, const char *b)
{
    /* write(2): safe in a signal handler and inside malloc hooks */
    if (write(2, a, strlen(a)) < 0 || (b && write(2, b, strlen(b)) < 0))
        return;
}

static void pf_kit_die(const char *what)
{
    pf_kit_say("==prodfuzz-kit== ERROR: prodfuzz-kit: ", what);
    pf_kit_say("\n", NULL);
    if (__sanitizer_print_stack_trace)
        __sanitizer_print_stack_trace();
    pf_kit_say("SUMMARY: prodfuzz-kit: ", what);
    pf_kit_say("\n", NULL);
    abort();
}

static void pf_kit_malloc_hook(const volatile void *p, size_t size)
{
    (void)p;
    if (!pf_kit_in_input || !pf_kit_heap_cap)
        return;
    pf_kit_live += size;
    if (pf_kit_live > pf_kit_heap_cap) {
        pf_kit_in_input = 0;
        pf_kit_die(size > pf_kit_heap_cap
                       ? "out-of-memory: one allocation is larger than the heap cap (PRODFUZZ_HEAP_MB)"
                       : "out-of-memory: this input grew the live heap past the heap cap (PRODFUZZ_HEAP_MB)");
    }
}

static void pf_kit_free_hook(const volatile void *p)
{
    if (!pf_kit_in_input || !p || !__sanitizer_get_allocated_size)
        return;
    size_t n = __sanitizer_get_allocated_size(p);
    pf_kit_live = n > pf_kit_live ? 0 : pf_kit_live - n;
}

static void pf_kit_alarm(int sig)
{
    (void)sig;
    if (pf_kit_in_input)
        pf_kit_die("timeout: one input ran longer than the time limit (PRODFUZZ_TIMEOUT_MS)");
}

static long pf_kit_env(const char *name, long dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 0) {
        fprintf(stderr, "prodfuzz-kit: error: %s must be a number >= 0; using %ld\n", name, dflt);
        return dflt;
    }
    return n;
}

static void pf_kit_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
#ifdef PF_KIT_SHAPE
    /* the compiled-in profile, unless the environment names one */
    setenv("PRODFUZZ_SHAPE", PF_KIT_SHAPE, 0);
#endif
    pf_kit_heap_cap = (size_t)pf_kit_env("PRODFUZZ_HEAP_MB", PF_KIT_HEAP_MB) << 20;
    pf_kit_timeout_ms = pf_kit_env("PRODFUZZ_TIMEOUT_MS", PF_KIT_TIMEOUT_MS);
    if (pf_kit_heap_cap && __sanitizer_install_malloc_and_free_hooks)
        __sanitizer_install_malloc_and_free_hooks(pf_kit_malloc_hook, pf_kit_free_hook);
    if (pf_kit_timeout_ms) {
        /* a real-time signal: libFuzzer's -timeout owns SIGALRM */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = pf_kit_alarm;
        sigaction(SIGRTMIN + 3, &sa, NULL);
        struct sigevent ev;
        memset(&ev, 0, sizeof ev);
        ev.sigev_notify = SIGEV_SIGNAL;
        ev.sigev_signo = SIGRTMIN + 3;
        pf_kit_timer_ok = timer_create(CLOCK_MONOTONIC, &ev, &pf_kit_timer) == 0;
    }
}

static void pf_kit_arm(long ms)
{
    if (!pf_kit_timer_ok)
        return;
    struct itimerspec t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_nsec = (ms % 1000) * 1000000L;
    timer_settime(pf_kit_timer, 0, &t, NULL);
}

#ifndef PF_KIT_NO_ASAN_DEFAULTS
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=32:thread_local_quarantine_size_kb=256:"
           "allocator_release_to_os_interval_ms=500:"
           "max_allocation_size_mb=" PF_KIT_STR(PF_KIT_HEAP_MB) ":"
           "allocator_may_return_null=0:detect_stack_use_after_return=0";
}
#endif

#ifndef PF_KIT_NO_INITIALIZE
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pf_kit_init();
    return 0;
}
#endif

/* pf_kit_parse(data, size, value): the user's parse function through the
 * adapter its signature needs; returns its result */
#ifdef PF_KIT_TYPE
#define PF_KIT_OUT_ , out
#define PF_KIT_OUT_PARAM_ , PF_KIT_TYPE *out
#else
#define PF_KIT_OUT_
#define PF_KIT_OUT_PARAM_ , void *out
#endif

static int pf_kit_parse(const uint8_t *data, size_t size PF_KIT_OUT_PARAM_)
{
#ifndef PF_KIT_TYPE
    (void)out;
#endif
#if defined(PF_KIT_PARSE_LEN) || defined(PF_KIT_PARSE_BYTES)
    /* a buffer of exactly size bytes: an over-read is caught */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return -1;
    memcpy(copy, data, size);
#ifdef PF_KIT_PARSE_LEN
    int r = PF_KIT_PARSE_LEN((const char *)copy, size PF_KIT_OUT_);
#else
    int r = PF_KIT_PARSE_BYTES((const uint8_t *)copy, size PF_KIT_OUT_);
#endif
    free(copy);
    return r;
#elif defined(PF_KIT_PARSE_STR)
    char *s = malloc(size + 1);
    if (!s)
        return -1;
    memcpy(s, data, size);
    s[size] = '\0';
    int r = PF_KIT_PARSE_STR((const char *)s PF_KIT_OUT_);
    free(s);
    return r;
#else
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return -1;
    memcpy(copy, data, size);
    FILE *fp = fmemopen(copy, size ? size : 1, "rb");
    if (!fp) {
        free(copy);
        return -1;
    }
    if (!size)
        fgetc(fp); /* fmemopen needs a non-empty buffer: read it away */
    int r = PF_KIT_PARSE_FILE(fp PF_KIT_OUT_);
    fclose(fp);
    free(copy);
    return r;
#endif
}

#ifdef PF_KIT_SERIALIZE
static void pf_kit_release(PF_KIT_TYPE *v)
{
#ifdef PF_KIT_RELEASE
    PF_KIT_RELEASE(v);
#else
    (void)v;
#endif
}

/* serialize(v) must parse back to an equal value */
static void pf_kit_roundtrip(PF_KIT_TYPE *v)
{
    char *text = PF_KIT_SERIALIZE(v);
    if (!text)
        return; /* the serializer refused (or ran out of memory) */
    size_t len = strlen(text);
    pf_kit_out = malloc(len + 1);
    if (pf_kit_out) {
        memcpy(pf_kit_out, text, len + 1);
        pf_kit_out_len = len;
    }
    if (pf_worker_output)
        pf_worker_output(text, len); /* the worker's reply carries it */
    PF_KIT_TYPE back;
    memset(&back, 0, sizeof back);
    int r = pf_kit_parse((const uint8_t *)text, len, &back);
    if (!PF_KIT_ACCEPTS(r))
        pf_kit_die("roundtrip: the serialized value does not parse back");
#ifdef PF_KIT_EQUAL
    if (!PF_KIT_EQUAL(v, &back))
        pf_kit_die("roundtrip: the value parsed back from its serialized text differs");
#else
    char *again = PF_KIT_SERIALIZE(&back);
    if (again && strcmp(again, text))
        pf_kit_die("roundtrip: serializing the value parsed back gives different text");
    PF_KIT_FREE_TEXT(again);
#endif
    pf_kit_release(&back);
    PF_KIT_FREE_TEXT(text);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_kit_init();
    free(pf_kit_out);
    pf_kit_out = NULL;
    pf_kit_out_len = 0;
#ifdef PF_KIT_TYPE
    PF_KIT_TYPE value;
    memset(&value, 0, sizeof value);
    PF_KIT_TYPE *vp = &value;
#else
    void *vp = NULL;
#endif
    pf_kit_live = 0;
    pf_kit_in_input = 1;
    if (pf_kit_timeout_ms)
        pf_kit_arm(pf_kit_timeout_ms);
    int r = pf_kit_parse(data, size, vp);
#ifdef PF_KIT_SERIALIZE
    if (PF_KIT_ACCEPTS(r))
        pf_kit_roundtrip(vp);
    pf_kit_release(vp);
#elif defined(PF_KIT_RELEASE)
    PF_KIT_RELEASE(vp);
#endif
    if (pf_kit_timeout_ms)
        pf_kit_arm(0);
    pf_kit_in_input = 0;
    pf_kit_status = r;
    /* under `prodfuzz check` the worker replies with this value: non-zero
     * is a clean rejection. Under libFuzzer 0 either way: it drops inputs
     * that return -1 from its corpus, and a parser's rejections reach code
     * worth keeping */
    if (pf_worker_active && pf_worker_active())
        return PF_KIT_ACCEPTS(r) ? 0 : 1;
    return 0;
}

#endif
