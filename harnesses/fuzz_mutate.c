/*
 * fuzz_mutate: the mutation engine fuzzing itself. The first 4 bytes of
 * the input pick the seed, the class (or the whole engine, crossover and
 * shrink, or the engine with the size schedule of fuzzing loops) and the
 * size limit; the rest is the document. Checked on every
 * run: no crash or leak, the output never exceeds max_size, and the same
 * seed gives the same output twice. The document is also read as a
 * PRODFUZZ_CLASSES list (pf_mclass_parse), the engine's other input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_mutate.h"

static pf_mutator *a, *b;
static pf_mutator *la, *lb; /* with the size schedule of fuzzing loops */

static int run(pf_mutator *m, unsigned op, const char *doc, size_t len,
               size_t max, pf_buf *out)
{
    pf_err err = PF_ERR_INIT;
    if (op < PF_M_NCLASSES)
        return pf_mutate_class(m, (pf_mclass)op, doc, len, max, out, &err);
    if (op == PF_M_NCLASSES)
        return pf_crossover(m, doc, len / 2, doc + len / 2, len - len / 2,
                            max, out, &err);
    if (op == PF_M_NCLASSES + 1)
        return pf_mutate_shrink(m, doc, len, max / 2, out, &err);
    return pf_mutate(m, doc, len, max, out, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    if (!a) {
        pf_mutate_cfg cfg;
        pf_mutate_cfg_default(&cfg);
        cfg.max_depth = 20000;
        a = pf_mutator_new(&cfg, NULL);
        b = pf_mutator_new(&cfg, NULL);
        cfg.size_schedule = 1;
        la = pf_mutator_new(&cfg, NULL);
        lb = pf_mutator_new(&cfg, NULL);
        if (!a || !b || !la || !lb)
            abort();
    }
    unsigned op = data[0] % (PF_M_NCLASSES + 4);
    uint64_t seed = data[1];
    size_t max = (size_t)data[2] * 256 + data[3];
    const char *doc = (const char *)data + 4;
    size_t len = size - 4;
    pf_buf x = PF_BUF_INIT, y = PF_BUF_INIT;
    pf_buf_add(&x, doc, len);
    unsigned mask = 0;
    pf_err perr = PF_ERR_INIT;
    if (pf_mclass_parse(pf_buf_str(&x), &mask, &perr) == 0 &&
        (mask == 0 || (mask & ~PF_M_ALL)))
        abort(); /* a parsed list is never empty nor outside the classes */
    pf_buf_reset(&x);
    /* the last op: the whole engine as libFuzzer and AFL++ run it (both
     * mutators see the same inputs, so they learn the same sizes) */
    pf_mutator *ma = op == PF_M_NCLASSES + 3 ? la : a;
    pf_mutator *mb = op == PF_M_NCLASSES + 3 ? lb : b;
    pf_mutator_seed(ma, seed);
    pf_mutator_seed(mb, seed);
    int ra = run(ma, op, doc, len, max, &x);
    int rb = run(mb, op, doc, len, max, &y);
    if (ra != rb || x.len != y.len || (x.len && memcmp(x.data, y.data, x.len)))
        abort(); /* not deterministic */
    if (x.len > max && !(op == PF_M_NCLASSES + 1 && x.len <= max / 2))
        abort(); /* over the limit */
    if (op == PF_M_NCLASSES + 1 && x.len > max / 2)
        abort();
    if (strcmp(pf_mutator_describe(ma), pf_mutator_describe(mb)))
        abort();
    pf_buf_free(&x);
    pf_buf_free(&y);
    return 0;
}
