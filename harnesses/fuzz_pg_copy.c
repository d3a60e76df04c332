/*
 * fuzz_pg_copy: the decoders of what PostgreSQL sends during `prodfuzz
 * sample` (COPY text-format rows, bytea hex output) on arbitrary bytes:
 * no overread, output never longer than input, NULL only for exactly \N.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_pg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    size_t n = size;
    int isnull = pf_pg_copy_unescape(s, &n);
    if (n > size)
        abort();
    if (isnull && !((size == 2 || (size == 3 && data[2] == '\n')) && data[0] == '\\' &&
                    data[1] == 'N'))
        abort();
    if (!isnull) {
        size_t m = n;
        if (pf_pg_bytea_decode(s, &m) == 0 && m * 2 + 2 != n)
            abort();
    }
    free(s);
    return 0;
}
