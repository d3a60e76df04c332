/*
 * fuzz_anon: the anonymization engine on arbitrary documents. The first
 * byte picks a policy (default, keep everything, a mix of every action);
 * the rest is the document. Invariants: invalid JSON is a PF_E_INPUT
 * error; valid JSON gives valid JSON, the same bytes twice (deterministic,
 * with or without the value cache), and the input unchanged under keep.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_anon.h"
#include "pf_json.h"

static pf_anon *eng[3];
static pf_policy *pol[3];

static const char *const policies[3] = {
    NULL,
    "{\"format\":\"prodfuzz-policy\",\"version\":1,\"default\":\"keep\",\"keys\":\"keep\"}",
    "{\"format\":\"prodfuzz-policy\",\"version\":1,\"keys\":\"scramble\",\"rules\":["
    "{\"path\":\"$.a\",\"action\":\"keep\"},{\"path\":\"$.b\",\"action\":\"hash\"},"
    "{\"path\":\"$.c\",\"action\":\"null\"},{\"path\":\"$.d\",\"action\":\"redact\"},"
    "{\"path\":\"$.**.e\",\"action\":\"email\",\"domain\":\"keep\"},"
    "{\"path\":\"$.f\",\"action\":\"shift-date\"},{\"path\":\"$.**\",\"action\":\"fpe\"}]}"};

static void setup(void)
{
    pf_key k;
    memset(&k, 0, sizeof k);
    memcpy(k.bytes, "fuzz-anon-key-0123456789", 24);
    k.len = 24;
    pf_err err = PF_ERR_INIT;
    for (int i = 0; i < 3; i++) {
        if (policies[i] &&
            pf_policy_parse(policies[i], strlen(policies[i]), "fuzz", &pol[i], &err) < 0)
            abort();
        if (pf_anon_new(&eng[i], &k, pol[i], 1, &err) < 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!eng[0])
        setup();
    if (size < 1)
        return 0;
    int which = data[0] % 3;
    const char *doc = (const char *)data + 1;
    size_t len = size - 1;
    pf_err err = PF_ERR_INIT;
    pf_buf o1 = PF_BUF_INIT, o2 = PF_BUF_INIT;
    int rc = pf_anon_doc(eng[which], NULL, "fuzz", doc, len, &o1, &err);
    pf_json j = PF_JSON_INIT;
    j.depth_limit = 500;
    int valid = pf_json_parse(&j, doc, len, &err) == 0;
    pf_json_free(&j);
    if (rc < 0) {
        if (err.code != PF_E_INPUT)
            abort();
    } else {
        if (pf_json_parse(&j, o1.data, o1.len, &err) < 0)
            abort(); /* output must be valid JSON */
        pf_json_free(&j);
        if (pf_anon_doc(eng[which], "t", "fuzz", doc, len, &o2, &err) < 0)
            abort();
        if (o1.len != o2.len || memcmp(o1.data, o2.data, o1.len))
            abort(); /* deterministic (second run hits the cache) */
        if (which == 1 && (o1.len != len || memcmp(o1.data, doc, len)))
            abort(); /* keep everything: byte-identical */
        pf_buf_reset(&o2);
        if (pf_anon_explain(eng[which], NULL, doc, len, &o2, &err) < 0)
            abort();
    }
    (void)valid;
    pf_buf_free(&o1);
    pf_buf_free(&o2);
    return 0;
}
