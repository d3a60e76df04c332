/*
 * fuzz_cjson_parse_length: cJSON_ParseWithLength on the raw bytes, exactly
 * as libFuzzer hands them over (no NUL after the last byte), against cJSON
 * built from Debian's source package with coverage instrumentation.
 *
 * The same file is built twice (see the Makefile's third-party block):
 *   build/fuzz/fuzz_cjson_parse_length   Debian's patched cJSON (the
 *                                        library the system ships)
 *   build/fuzz/cjson_issue800            upstream cJSON 1.7.15 as released,
 *                                        which reads past the end of
 *                                        truncated input such as {"a":"b",
 *                                        (upstream issue 800); kept out of
 *                                        make test's smoke run by its name
 *                                        and found by tests/cli/test_cjson_issue800.sh
 */
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (j) {
        /* touch what was built so a wrong tree is read, not just made */
        cJSON *c = j->child;
        while (c) {
            if (cJSON_IsString(c) && c->valuestring)
                (void)c->valuestring[0];
            c = c->next;
        }
        cJSON_Delete(j);
    }
    return 0;
}
