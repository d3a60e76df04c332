/*
 * fuzz_libpq_conninfo: libpq's connection-string parser, PQconninfoParse,
 * on both forms: the input as given (key=value pairs, or a URI when it
 * starts with postgresql:// or postgres://) and the input behind a
 * "postgresql://" prefix, so every input also reaches the URI parser
 * (host lists, [v6] brackets, percent-decoding, ?key=value parameters).
 * libpq comes from Debian's postgresql-15 source package, built with
 * coverage instrumentation; nothing here connects anywhere.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

static void parse(const char *s)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(s, &errmsg);
    if (opts) {
        size_t n = 0;
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (o->val)
                n += strlen(o->val);
        (void)n;
        PQconninfoFree(opts);
    }
    PQfreemem(errmsg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char uri[] = "postgresql://";
    char *s = malloc(sizeof uri + size);
    if (!s)
        return 0;
    memcpy(s, uri, sizeof uri - 1);
    memcpy(s + sizeof uri - 1, data, size);
    s[sizeof uri - 1 + size] = '\0';
    parse(s + sizeof uri - 1); /* as given */
    if (size < 11 || (memcmp(data, "postgresql:", 11) && memcmp(data, "postgres:", 9)))
        parse(s); /* as a URI */
    free(s);
    return 0;
}
