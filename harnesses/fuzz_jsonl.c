/*
 * fuzz_jsonl: prodfuzz's own JSONL reader and JSON validator under
 * libFuzzer. Every line is read with a small --max-doc-size so the
 * too-long path is reached, then tokenized, validated and walked with
 * paths, as anonymize and shape do.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pf_json.h"
#include "pf_jsonl.h"

static int visit(void *ctx, const pf_json *j, int tok, int key,
                 const pf_path *path, pf_err *err)
{
    (void)key;
    (void)err;
    size_t *n = ctx;
    *n += pf_path_len(path) + (size_t)pf_json_kind(j, tok);
    if (pf_json_kind(j, tok) == PF_J_STRING) {
        pf_buf s = PF_BUF_INIT;
        pf_json_unescape(j, tok, &s);
        *n += s.len;
        pf_buf_free(&s);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    pf_jsonl r;
    pf_err err = PF_ERR_INIT;
    if (pf_jsonl_from_fp(&r, fp, "fuzz", 4096, &err) == 0) {
        pf_json j = PF_JSON_INIT;
        j.depth_limit = 500;
        const char *doc;
        size_t len, sum = 0;
        int rc;
        while ((rc = pf_jsonl_next(&r, &doc, &len, &err)) != 0) {
            if (rc < 0) {
                if (r.io_error)
                    break;
                continue;
            }
            if (pf_json_parse(&j, doc, len, &err) == 0)
                pf_json_walk(&j, visit, &sum, &err);
        }
        pf_json_free(&j);
        pf_jsonl_close(&r);
    }
    fclose(fp);
    return 0;
}
