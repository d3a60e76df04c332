/*
 * pf_format: the small format predicates that anonymization (which keeps
 * formats valid) and shape (which counts them) must agree on.
 */
#ifndef PF_FORMAT_H
#define PF_FORMAT_H

#include <stddef.h>

static inline int pf_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static inline int pf_is_hexdigit(unsigned char c)
{
    return pf_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits, either case. */
static inline int pf_is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!pf_is_hexdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

#endif
