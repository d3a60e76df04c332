/*
 * pf_afl: the prodfuzz mutation engine as an AFL++ custom mutator
 * (build/lib/prodfuzz_afl.so, for AFL_CUSTOM_MUTATOR_LIBRARY).
 *
 * afl_custom_fuzz makes one mutant per call (a crossover with AFL++'s
 * add_buf now and then); afl_custom_describe names it "class@path", which
 * AFL++ puts in queue and crash file names (",op:oversize@customer.name");
 * the trim hooks drop one member or element at a time, so trimming keeps
 * a document JSON instead of cutting bytes off its end. AFL++'s own havoc
 * stage stays on unless the user sets AFL_CUSTOM_MUTATOR_ONLY.
 *
 * Configuration: the same PRODFUZZ_* variables as the libFuzzer mutator
 * (PRODFUZZ_SHAPE, PRODFUZZ_CLASSES, PRODFUZZ_BYTE_SHARE,
 * PRODFUZZ_MAX_DEPTH, PRODFUZZ_SIZE_SCHEDULE, PRODFUZZ_FIRST_PASS). A
 * bad one stops afl-fuzz at start-up with the reason and exit status 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_mutate.h"

typedef struct afl_state afl_state_t; /* opaque: never looked into */

typedef struct pf_afl {
    pf_mutator *m;
    pf_shape *shape;
    pf_buf out;
    char desc[256];
    /* trimming */
    pf_buf cur, cand;
    int steps, step;
    unsigned long calls;
} pf_afl;

void *afl_custom_init(afl_state_t *afl, unsigned int seed);
void afl_custom_deinit(void *data);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
                       uint8_t **out_buf, uint8_t *add_buf,
                       size_t add_buf_size, size_t max_size);
const char *afl_custom_describe(void *data, size_t max_description_len);
int32_t afl_custom_init_trim(void *data, uint8_t *buf, size_t buf_size);
size_t afl_custom_trim(void *data, uint8_t **out_buf);
int32_t afl_custom_post_trim(void *data, uint8_t success);

void *afl_custom_init(afl_state_t *afl, unsigned int seed)
{
    (void)afl;
    pf_afl *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.size_schedule = 1;
    cfg.first_pass = 1;
    pf_err err = PF_ERR_INIT;
    if (pf_mutate_cfg_env(&cfg, &a->shape, &err) < 0 ||
        !(a->m = pf_mutator_new(&cfg, &err))) {
        /* afl-fuzz 4.04c does not check for a NULL state (it crashes):
         * stop here, with the reason, as a front end */
        fprintf(stderr, "prodfuzz: error: %s\n", err.msg);
        exit(pf_err_exit_code(err.code));
    }
    pf_mutator_seed(a->m, seed);
    return a;
}

void afl_custom_deinit(void *data)
{
    pf_afl *a = data;
    if (!a)
        return;
    pf_mutator_free(a->m);
    pf_shape_free(a->shape);
    pf_buf_free(&a->out);
    pf_buf_free(&a->cur);
    pf_buf_free(&a->cand);
    free(a);
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
                       uint8_t **out_buf, uint8_t *add_buf,
                       size_t add_buf_size, size_t max_size)
{
    pf_afl *a = data;
    pf_err err = PF_ERR_INIT;
    /* the engine's random stream, seeded by AFL++ at init, goes on from
     * call to call; every eighth call is a crossover with add_buf */
    int done = 0;
    if (add_buf && add_buf_size && ++a->calls % 8 == 0)
        done = pf_crossover(a->m, buf, buf_size, add_buf, add_buf_size,
                            max_size, &a->out, &err) == 1;
    if (!done && pf_mutate(a->m, buf, buf_size, max_size, &a->out, &err) < 0) {
        *out_buf = buf; /* out of memory: hand back the input */
        return buf_size;
    }
    *out_buf = (uint8_t *)a->out.data;
    return a->out.len;
}

/* "class@path" with the path made safe for a file name. */
const char *afl_custom_describe(void *data, size_t max_description_len)
{
    pf_afl *a = data;
    const char *cls = pf_mclass_name(pf_mutator_last_class(a->m));
    const char *p = pf_mutator_last_path(a->m);
    size_t n = max_description_len < sizeof a->desc ? max_description_len
                                                    : sizeof a->desc - 1;
    size_t k = (size_t)snprintf(a->desc, n + 1, "%s", cls);
    if (k > n)
        k = n;
    if (p[0] == '$')
        p++;
    if (*p == '.')
        p++;
    if (*p && k + 1 < n) {
        a->desc[k++] = '@';
        for (; *p && k < n; p++) {
            char ch = *p;
            int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                     ch == '-';
            a->desc[k++] = ok ? ch : '_';
        }
    }
    a->desc[k] = '\0';
    return a->desc;
}

int32_t afl_custom_init_trim(void *data, uint8_t *buf, size_t buf_size)
{
    pf_afl *a = data;
    pf_buf_reset(&a->cur);
    pf_buf_add(&a->cur, buf, buf_size);
    a->step = 0;
    int n = pf_mutate_trim_count(a->m, buf, buf_size);
    a->steps = n > 1024 ? 1024 : n;
    return a->cur.oom ? 0 : a->steps;
}

size_t afl_custom_trim(void *data, uint8_t **out_buf)
{
    pf_afl *a = data;
    pf_err err = PF_ERR_INIT;
    if (pf_mutate_trim_candidate(a->m, a->cur.data, a->cur.len, a->step,
                                 &a->cand, &err) < 0) {
        *out_buf = (uint8_t *)a->cur.data;
        return a->cur.len;
    }
    *out_buf = (uint8_t *)a->cand.data;
    return a->cand.len;
}

int32_t afl_custom_post_trim(void *data, uint8_t success)
{
    pf_afl *a = data;
    if (success) {
        /* the candidate is the new input: the next candidate drops the
         * next member at the same position */
        pf_buf tmp = a->cur;
        a->cur = a->cand;
        a->cand = tmp;
        if (pf_mutate_trim_count(a->m, a->cur.data, a->cur.len) <= a->step)
            return a->steps;
        return a->step < a->steps ? a->step : a->steps;
    }
    return ++a->step < a->steps ? a->step : a->steps;
}
