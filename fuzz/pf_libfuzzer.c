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
 *   PRODFUZZ_DEBUG=1                name each class on stderr the first
 *                                   time it makes a mutant
 * A bad setting is reported once on stderr and the mutator steps aside
 * (every call goes to LLVMFuzzerMutate) rather than killing the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static size_t lf_bytes(uint8_t *data, size_t size, size_t max, void *ctx)
{
    (void)ctx;
    return LLVMFuzzerMutate(data, size, max);
}

static void cleanup(void)
{
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
    pf_err err = PF_ERR_INIT;
    if (pf_mutate_cfg_env(&cfg, &g_shape, &err) < 0 ||
        !(g_m = pf_mutator_new(&cfg, &err))) {
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

static void say(void)
{
    pf_mclass c = pf_mutator_last_class(g_m);
    if (!g_debug || c >= PF_M_NONE || (g_said & (1u << c)))
        return;
    g_said |= 1u << c;
    fprintf(stderr, "prodfuzz: mutator: first %s mutant (%s)\n",
            pf_mclass_name(c), pf_mutator_describe(g_m));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    if (!ready())
        return LLVMFuzzerMutate(data, size, max_size);
    pf_err err = PF_ERR_INIT;
    pf_mutator_seed(g_m, seed);
    if (pf_mutate(g_m, data, size, max_size, &g_out, &err) < 0 ||
        g_out.len > max_size)
        return LLVMFuzzerMutate(data, size, max_size);
    memcpy(data, g_out.data, g_out.len);
    say();
    return g_out.len;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
                                 const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size,
                                 unsigned int seed)
{
    if (!ready())
        return 0;
    pf_err err = PF_ERR_INIT;
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
    say();
    return g_out.len;
}
