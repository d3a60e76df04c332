/*
 * fuzz_cjson_roundtrip: parse -> print -> parse -> compare, minified and
 * formatted, on cJSON built from Debian's source package with coverage
 * instrumentation. A document cJSON accepts must print to text cJSON
 * accepts again, and that text must parse to an equal tree.
 *
 * What is cJSON's documented behaviour and so not a finding (design.md,
 * "Numbers are text"): numbers are doubles, so 1.0 prints as 1 and
 * 505874924095815700 as 5.0587492409581568e+17 (equal as doubles, which
 * is what cJSON_Compare compares), and a number that overflows a double
 * (1e400) or is not finite prints as null. The first tree's non-finite
 * numbers are turned into nulls before comparing. Objects with the same
 * key twice are compared member by member in order: cJSON_Compare looks
 * keys up by name and would pair the second "a" with the first.
 *
 * cJSON_Compare compares every object both ways (a's members looked up in
 * b, then b's in a), recursively: the work doubles with each level of
 * object nesting (a 40-deep document ran for minutes) and grows with the
 * square of an object's width. Trees deeper than COMPARE_DEPTH or with more
 * than COMPARE_NODES values are compared in order by same_in_order
 * instead, which is linear and stricter; cJSON_Compare's cost is a
 * finding of its own, not one this smoke harness should time out on.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* cJSON prints a non-finite double as null: say so in the first tree */
static void nonfinite_to_null(cJSON *j)
{
    for (cJSON *c = j; c; c = c->next) {
        if (cJSON_IsNumber(c) && !isfinite(c->valuedouble))
            c->type = cJSON_NULL | (c->type & cJSON_StringIsConst);
        if (c->child)
            nonfinite_to_null(c->child);
    }
}

#define COMPARE_DEPTH 12
#define COMPARE_NODES 4096

/* deepest object/array nesting and value count, stopping past the caps */
static void measure(const cJSON *j, int depth, int *maxdepth, size_t *nodes)
{
    for (const cJSON *c = j; c && *nodes <= COMPARE_NODES; c = c->next) {
        (*nodes)++;
        if (depth > *maxdepth)
            *maxdepth = depth;
        if (c->child && depth <= COMPARE_DEPTH)
            measure(c->child, depth + 1, maxdepth, nodes);
    }
}

static int has_dup_keys(const cJSON *j)
{
    for (const cJSON *c = j; c; c = c->next) {
        if (cJSON_IsObject(c))
            for (const cJSON *a = c->child; a; a = a->next)
                for (const cJSON *b = a->next; b; b = b->next)
                    if (a->string && b->string && !strcmp(a->string, b->string))
                        return 1;
        if (c->child && has_dup_keys(c->child))
            return 1;
    }
    return 0;
}

/* structural equality in member order, keys compared exactly */
static int same_in_order(const cJSON *a, const cJSON *b)
{
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return 0;
    if ((a->string == NULL) != (b->string == NULL) ||
        (a->string && strcmp(a->string, b->string)))
        return 0;
    if (cJSON_IsNumber(a) || cJSON_IsString(a) || cJSON_IsRaw(a))
        return cJSON_Compare(a, b, 1);
    const cJSON *x = a->child, *y = b->child;
    for (; x && y; x = x->next, y = y->next)
        if (!same_in_order(x, y))
            return 0;
    return !x && !y;
}

static void finding(const char *what, int formatted)
{
    fprintf(stderr, "fuzz_cjson_roundtrip: %s (%s print)\n", what,
            formatted ? "formatted" : "minified");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    cJSON *a = cJSON_Parse(s);
    free(s);
    if (!a)
        return 0;
    nonfinite_to_null(a);
    int depth = 0;
    size_t nodes = 0;
    measure(a, 0, &depth, &nodes);
    int in_order = depth > COMPARE_DEPTH || nodes > COMPARE_NODES || has_dup_keys(a);
    for (int formatted = 0; formatted < 2; formatted++) {
        char *text = formatted ? cJSON_Print(a) : cJSON_PrintUnformatted(a);
        if (!text)
            continue; /* out of memory under the fuzzer's limit */
        cJSON *b = cJSON_Parse(text);
        if (!b)
            finding("printed text does not parse back", formatted);
        if (!(in_order ? same_in_order(a, b) : cJSON_Compare(a, b, 1)))
            finding("the reparsed tree differs from the parsed one", formatted);
        cJSON_Delete(b);
        cJSON_free(text);
    }
    cJSON_Delete(a);
    return 0;
}
