/*
 * fuzz_policy: the anonymization policy parser under libFuzzer. Any bytes
 * must give a policy or a clean PF_E_INPUT error (never a crash or leak);
 * an accepted policy must have a digest and drive the engine over a fixed
 * document to valid JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_anon.h"
#include "pf_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_policy *p = NULL;
    pf_err err = PF_ERR_INIT;
    if (pf_policy_parse((const char *)data, size, "fuzz", &p, &err) < 0) {
        if (err.code != PF_E_INPUT && err.code != PF_E_NOMEM)
            abort();
        if (p)
            abort();
        return 0;
    }
    char d[65];
    pf_policy_digest(p, d);
    if (strlen(d) != 64)
        abort();
    pf_key k;
    memset(&k, 0, sizeof k);
    memcpy(k.bytes, "fuzz-policy-key-0123456789", 26);
    k.len = 26;
    pf_anon *a = NULL;
    if (pf_anon_new(&a, &k, p, 1, &err) == 0) {
        static const char doc[] =
            "{\"users\":{\"status\":\"active\",\"email\":\"ann@example.com\"},"
            "\"a\":[1,-2.5e3,\"2024-01-31T10:00:00Z\",{\"b\":null,\"c\":true}],"
            "\"by\":{\"x@y.org\":{\"n\":0}},\"id\":\"550e8400-e29b-41d4-a716-446655440000\"}";
        const char *tables[] = {NULL, "users", "public.users", "orders"};
        for (int t = 0; t < 4; t++) {
            pf_buf out = PF_BUF_INIT;
            if (pf_anon_doc(a, tables[t], "fuzz", doc, sizeof doc - 1, &out, &err) < 0)
                abort();
            pf_json j = PF_JSON_INIT;
            if (pf_json_parse(&j, out.data, out.len, &err) < 0)
                abort(); /* the engine must always write valid JSON */
            pf_json_free(&j);
            pf_buf_reset(&out);
            if (pf_anon_explain(a, tables[t], doc, sizeof doc - 1, &out, &err) < 0)
                abort();
            pf_buf_free(&out);
        }
        pf_anon_free(a);
    }
    pf_policy_free(p);
    return 0;
}
