/*
 * fuzz_crash: prodfuzz's sanitizer report reader (pf_crash) under
 * libFuzzer. A target's stderr is outside input: any bytes must parse
 * without an overread, and a parsed report must sign and title.
 */
#include <stdint.h>
#include <string.h>

#include "pf_crash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_crash c;
    pf_err err = PF_ERR_INIT;
    pf_crash_init(&c);
    if (pf_crash_parse((const char *)data, size, &c, &err) == 1) {
        pf_buf t = PF_BUF_INIT;
        pf_crash_title(&c, &t);
        if (!c.signature || strncmp(c.signature, c.kind, strlen(c.kind)) != 0)
            __builtin_trap(); /* the signature starts with the kind */
        pf_buf_free(&t);
    }
    pf_crash_free(&c);
    return 0;
}
