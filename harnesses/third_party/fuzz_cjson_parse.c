/*
 * fuzz_cjson_parse: cJSON_Parse on a NUL-terminated copy of the input (the
 * way most callers use cJSON), and cJSON_ParseWithOpts with
 * require_null_terminated, so trailing text after a value is rejected on
 * one path and ignored on the other. cJSON comes from Debian's source
 * package, built with coverage instrumentation.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    cJSON *j = cJSON_Parse(s);
    cJSON_Delete(j);

    const char *end = NULL;
    j = cJSON_ParseWithOpts(s, &end, 1);
    if (j && (!end || end < s || end > s + size))
        abort(); /* the end pointer must stay inside the input */
    cJSON_Delete(j);
    free(s);
    return 0;
}
