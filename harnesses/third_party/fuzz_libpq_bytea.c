/*
 * fuzz_libpq_bytea: libpq's PQunescapeBytea (both the hex form \x0a0b and
 * the old escape form \\001 with backslashes and octal) on a NUL-terminated
 * copy of the input, plus a round trip that must hold: the bytes it gives,
 * written back in hex form, unescape to the same bytes. libpq comes from
 * Debian's postgresql-15 source package, built with coverage
 * instrumentation.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)s, &n);
    free(s);
    if (!raw)
        return 0;
    static const char hex[] = "0123456789abcdef";
    char *h = malloc(2 * n + 3);
    if (h) {
        h[0] = '\\';
        h[1] = 'x';
        for (size_t i = 0; i < n; i++) {
            h[2 + 2 * i] = hex[raw[i] >> 4];
            h[3 + 2 * i] = hex[raw[i] & 15];
        }
        h[2 + 2 * n] = '\0';
        size_t m = 0;
        unsigned char *back = PQunescapeBytea((const unsigned char *)h, &m);
        if (back && (m != n || memcmp(back, raw, n))) {
            fprintf(stderr, "fuzz_libpq_bytea: hex form of the unescaped "
                            "bytes does not unescape to them\n");
            abort();
        }
        PQfreemem(back);
        free(h);
    }
    PQfreemem(raw);
    return 0;
}
