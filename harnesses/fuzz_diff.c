/*
 * fuzz_diff: the parsers of `prodfuzz diff` under libFuzzer. The first
 * byte picks one:
 *   even: the allow file (pf_allow_parse): any bytes give rules or a clean
 *         PF_E_INPUT error naming a line, and the rules match any kind
 *         and path without a crash;
 *   odd:  two targets' outputs (pf_diff_output), split where the second
 *         byte says: an output equals itself, and the verdict does not
 *         depend on which side is old.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_diff.h"

static void allow_file(const uint8_t *d, size_t n)
{
    pf_allow a;
    pf_err err = PF_ERR_INIT;
    pf_allow_init(&a);
    if (pf_allow_parse(&a, (const char *)d, n, "fuzz", &err) < 0) {
        if (err.code != PF_E_INPUT && err.code != PF_E_NOMEM)
            abort();
        if (err.code == PF_E_INPUT && strncmp(err.msg, "fuzz:", 5))
            abort(); /* an input error names the line */
        pf_allow_free(&a);
        return;
    }
    static const char *const paths[] = {"$", "$.a", "$.a.b", "$.lines[*].q", "$[\"x y\"]"};
    for (size_t k = 0; pf_diff_kinds[k]; k++)
        for (size_t p = 0; p < sizeof paths / sizeof *paths; p++)
            (void)pf_allow_match(&a, pf_diff_kinds[k], paths[p]);
    pf_allow_free(&a);
}

static int compare(const pf_buf *x, const pf_buf *y, int exact)
{
    pf_buf path = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    int rc = pf_diff_output(x, y, exact, &path, &err);
    if (rc == 1 && (path.len == 0 || path.data[0] != '$'))
        abort(); /* a difference always has a path */
    if (rc == 0 && path.len)
        abort();
    pf_buf_free(&path);
    return rc;
}

static void outputs(const uint8_t *d, size_t n)
{
    if (n < 1)
        return;
    size_t cut = (size_t)d[0] * (n - 1) / 255;
    pf_buf x = PF_BUF_INIT, y = PF_BUF_INIT;
    pf_buf_add(&x, d + 1, cut);
    pf_buf_add(&y, d + 1 + cut, n - 1 - cut);
    if (!x.oom && !y.oom) {
        for (int exact = 0; exact < 2; exact++) {
            if (compare(&x, &x, exact) == 1 || compare(&y, &y, exact) == 1)
                abort(); /* an output equals itself */
            int ab = compare(&x, &y, exact), ba = compare(&y, &x, exact);
            if (ab >= 0 && ba >= 0 && ab != ba)
                abort(); /* old vs new or new vs old: one verdict */
        }
    }
    pf_buf_free(&x);
    pf_buf_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        outputs(data + 1, size - 1);
    else
        allow_file(data + 1, size - 1);
    return 0;
}
