/*
 * pf_libfuzzer: the prodfuzz mutation engine as libFuzzer's custom mutator
 * and crossover. Link build/lib/libprodfuzz_libfuzzer.a into any libFuzzer
 * target (pkg-config prodfuzz-libfuzzer gives the flags that pull this
 * member out of the archive: libFuzzer only references these hooks
 * weakly). LLVMFuzzerInitialize stays the user's.
 *
 * Configuration comes from the environment, read on the first call:
 *   PRODFUZZ_SHAPE=shape.json       a shape profile (values relative to it)
 *   PRODFUZZ_CLASSES=null,deep,...  restrict the classes
 *   PRODFUZZ_BYTE_SHARE=0.2         share of libFuzzer's own byte mutations
 *   PRODFUZZ_MAX_DEPTH=100000       deepest nesting `deep` builds
 *   PRODFUZZ_SIZE_SCHEDULE=0        mutate grown parents at full size
 *                                   (default 1: mostly reduce them first)
 *   PRODFUZZ_FIRST_PASS=0           no first pass (default 1: each field's
 *                                   boundaries once before random draws)
 *   PRODFUZZ_DEBUG=1                name each class on stderr the first
 *                                   time it makes a mutant, and at exit
 *                                   print per class the mutants made, their
 *                                   mean size and values, and the share of
 *                                   the run spent executing them
 *   PRODFUZZ_ON_ERROR=stop          what a bad setting does: `stop` (the
 *                                   default) ends the process at start-up
 *                                   with the reason and exit status 2 (3
 *                                   for an unreadable profile), before
 *                                   libFuzzer runs; `continue` reports it
 *                                   and lets libFuzzer mutate alone
 * The settings are read when the program starts (a constructor in this
 * archive member), so a corrupt PRODFUZZ_SHAPE or an unknown class never
 * turns into a night of plain fuzzing that believes it is shaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_mutate.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
                                 const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size,
                                 unsigned int seed);

static pf_mutator *g_m;
static pf_shape *g_shape;
static pf_buf g_out = PF_BUF_INIT;
static int g_state; /* 0 not yet, 1 ready, -1 disabled */
static int g_debug;
static unsigned g_said; /* classes already named on stderr */
/* PRODFUZZ_DEBUG: per class, mutants made and their total size, and the
 * parents' total size, printed at exit */
static struct { unsigned long long n, in, out, ns, nodes; } g_stat[PF_M_NONE + 1];
/* the time from one mutant to the next call is (mostly) the mutant's
 * execution: it is charged to the class that made it */
static struct timespec g_last_t;
static int g_last_c = -1;

static void charge(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (g_last_c >= 0)
        g_stat[g_last_c].ns += (unsigned long long)((now.tv_sec - g_last_t.tv_sec) * 1000000000LL +
                                                    (now.tv_nsec - g_last_t.tv_nsec));
    g_last_c = -1;
}

static size_t lf_bytes(uint8_t *data, size_t size, size_t max, void *ctx)
{
    (void)ctx;
    return LLVMFuzzerMutate(data, size, max);
}

static void cleanup(void)
{
    if (g_debug) {
        fprintf(stderr, "prodfuzz: mutator: mutants by class (count, mean "
                        "parent size, mean mutant size, share of the time "
                        "until the next mutation):\n");
        fprintf(stderr, "prodfuzz: mutator: typical input %zu bytes, grown "
                        "above %zu\n", pf_mutator_typical_size(g_m),
                pf_mutator_grown_size(g_m));
        unsigned long long total = 0;
        for (int c = 0; c <= PF_M_NONE; c++)
            total += g_stat[c].ns;
        for (int c = 0; c <= PF_M_NONE; c++)
            if (g_stat[c].n)
                fprintf(stderr, "prodfuzz:   %-9s %9llu %6llu %9llu %9llu %5.1f%%\n",
                        pf_mclass_name((pf_mclass)c), g_stat[c].n, g_stat[c].nodes / g_stat[c].n,
                        g_stat[c].in / g_stat[c].n, g_stat[c].out / g_stat[c].n,
                        total ? 100.0 * (double)g_stat[c].ns / (double)total : 0.0);
    }
    pf_mutator_free(g_m);
    pf_shape_free(g_shape);
    pf_buf_free(&g_out);
    g_m = NULL;
    g_shape = NULL;
}

static int ready(void)
{
    if (g_state)
        return g_state > 0;
    const char *d = getenv("PRODFUZZ_DEBUG");
    g_debug = d && *d && strcmp(d, "0");
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.size_schedule = 1;
    cfg.first_pass = 1;
    pf_err err = PF_ERR_INIT;
    const char *onerr = getenv("PRODFUZZ_ON_ERROR");
    int cont = onerr && !strcmp(onerr, "continue");
    if (onerr && *onerr && !cont && strcmp(onerr, "stop")) {
        fprintf(stderr, "prodfuzz: error: PRODFUZZ_ON_ERROR: want stop or "
                        "continue\n");
        exit(2);
    }
    if (pf_mutate_cfg_env(&cfg, &g_shape, &err) < 0 ||
        !(g_m = pf_mutator_new(&cfg, &err))) {
        pf_shape_free(g_shape);
        g_shape = NULL;
        if (!cont) {
            fprintf(stderr, "prodfuzz: error: %s (PRODFUZZ_ON_ERROR=continue "
                            "fuzzes without the prodfuzz mutator)\n", err.msg);
            exit(pf_err_exit_code(err.code));
        }
        fprintf(stderr, "prodfuzz: error: %s; the prodfuzz mutator is off, "
                        "libFuzzer mutates alone\n", err.msg);
        g_state = -1;
        return 0;
    }
    pf_mutator_set_bytes(g_m, lf_bytes, NULL);
    atexit(cleanup);
    if (g_debug)
        fprintf(stderr, "prodfuzz: mutator on (byte share %.2f, %s)\n",
                cfg.byte_share, g_shape ? "with a shape profile"
                                        : "no shape profile");
    g_state = 1;
    return 1;
}

static void say(size_t in, size_t out)
{
    pf_mclass c = pf_mutator_last_class(g_m);
    if (g_debug && c <= PF_M_NONE) {
        clock_gettime(CLOCK_MONOTONIC, &g_last_t);
        g_last_c = (int)c;
        g_stat[c].n++;
        g_stat[c].in += in;
        g_stat[c].out += out;
        for (size_t k = 0; k < g_out.len; k++)
            g_stat[c].nodes += g_out.data[k] == ',' || g_out.data[k] == '[' || g_out.data[k] == '{';
    }
    if (!g_debug || c >= PF_M_NONE || (g_said & (1u << c)))
        return;
    g_said |= 1u << c;
    fprintf(stderr, "prodfuzz: mutator: first %s mutant (%s)\n",
            pf_mclass_name(c), pf_mutator_describe(g_m));
}

/* At start-up, before libFuzzer's main: a bad setting stops here. */
__attribute__((constructor)) static void pf_libfuzzer_init(void)
{
    ready();
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    if (!ready())
        return LLVMFuzzerMutate(data, size, max_size);
    pf_err err = PF_ERR_INIT;
    if (g_debug)
        charge();
    pf_mutator_seed(g_m, seed);
    if (pf_mutate(g_m, data, size, max_size, &g_out, &err) < 0 ||
        g_out.len > max_size)
        return LLVMFuzzerMutate(data, size, max_size);
    memcpy(data, g_out.data, g_out.len);
    say(size, g_out.len);
    return g_out.len;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
                                 const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size,
                                 unsigned int seed)
{
    /* libFuzzer calls the crossover as often as the mutator; its splices
     * are whole documents the target parses to the end, so only one call
     * in four makes one (about AFL++'s share of splicing) and the others
     * are handed back: libFuzzer then calls the mutator instead */
    if (!ready() || seed % 4 != 0)
        return 0;
    pf_err err = PF_ERR_INIT;
    if (g_debug)
        charge();
    pf_mutator_seed(g_m, seed);
    if (pf_crossover(g_m, data1, size1, data2, size2, max_out_size, &g_out,
                     &err) != 1 || g_out.len > max_out_size) {
        /* not JSON: half of one, half of the other */
        size_t a = size1 / 2, b = size2 - size2 / 2;
        if (a > max_out_size)
            a = max_out_size;
        if (a + b > max_out_size)
            b = max_out_size - a;
        memcpy(out, data1, a);
        memcpy(out + a, data2 + size2 - b, b);
        return a + b;
    }
    memcpy(out, g_out.data, g_out.len);
    say(size1, g_out.len);
    return g_out.len;
}
