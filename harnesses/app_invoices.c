/*
 * app_invoices: the second measurement target of the mutation engine, one
 * the engine was not tuned on. An "invoices API" handler as a libFuzzer
 * target: it parses an invoice with cJSON, validates its shape, processes
 * it (totals, a tab-separated export line read back by the ledger import,
 * an audit walk, a fixed-width archive record) and re-serializes the tree,
 * as an app-like service does on every request.
 *
 * It carries production-shaped bugs, one per build, chosen at build time
 * with -DBUG=N (none without it, so BUG=0 is the clean build the exec/s
 * figures use):
 *
 *   1 ctrl    a string with a control character (raw, or a \u0001-\u001f
 *             escape, which cJSON decodes) is written back unescaped into
 *             the export line; the ledger import splits fields at control
 *             characters into a fixed array of five
 *   2 empty   "lines" is required to be an array, and production always
 *             had elements; the first line is read without a count check
 *   3 len16   billing.address goes into the archive record with a 16-bit
 *             length: a string of 64 KiB or more wraps it
 *   4 deep    the audit walk keeps the path in a fixed stack of 48 levels
 *             (production invoices nest 4)
 *   5 note4k  the note is copied into a 4 KiB stack buffer (production's
 *             longest note is under 200 bytes)
 *   6 city64  billing.city is copied with strcpy into a 64-byte heap
 *             buffer (production's longest city is 19 bytes)
 *
 * Seeds: corpus/app_invoices (24 invoices); profile:
 * corpus/app_invoices.shape.json (from those seeds). Built and run by
 * tools/experiment_mutator.sh --target app_invoices.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#ifndef BUG
#define BUG 0
#endif

/* ---- validation ---------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int is_str(const cJSON *o, const char *k, size_t min)
{
    const cJSON *v = get(o, k);
    return cJSON_IsString(v) && strlen(v->valuestring) >= min;
}

static int validate(const cJSON *inv)
{
    if (!cJSON_IsObject(inv) || !is_str(inv, "invoice_id", 1) ||
        !is_str(inv, "issued", 10) || !is_str(inv, "currency", 3))
        return 0;
    const cJSON *c = get(inv, "customer");
    if (!cJSON_IsObject(c) || !is_str(c, "name", 1) ||
        !cJSON_IsNumber(get(c, "id")))
        return 0;
    const cJSON *b = get(inv, "billing");
    if (!cJSON_IsObject(b) || !is_str(b, "city", 1) || !is_str(b, "country", 2) ||
        !is_str(b, "address", 1))
        return 0;
    const cJSON *lines = get(inv, "lines");
#if BUG == 2
    if (!cJSON_IsArray(lines)) /* the count check was forgotten */
        return 0;
#else
    if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) < 1)
        return 0;
#endif
    const cJSON *l;
    cJSON_ArrayForEach(l, lines) {
        if (!cJSON_IsObject(l) || !is_str(l, "track", 1) ||
            !cJSON_IsNumber(get(l, "unit_price")) ||
            !cJSON_IsNumber(get(l, "quantity")))
            return 0;
    }
    const cJSON *total = get(inv, "total");
    if (!cJSON_IsNumber(total) || total->valuedouble < 0)
        return 0;
    const cJSON *note = get(inv, "note");
    return !note || cJSON_IsNull(note) || cJSON_IsString(note);
}

/* ---- processing ---------------------------------------------------------- */

/* The export line for the ledger: fields joined by tabs, the values
 * written as they are (the ledger "never sees control characters"). */
static size_t export_line(const cJSON *inv, char *out, size_t cap)
{
    const cJSON *c = get(inv, "customer"), *b = get(inv, "billing");
    const char *f[5] = {get(inv, "invoice_id")->valuestring,
                        get(c, "name")->valuestring,
                        get(b, "city")->valuestring,
                        get(b, "country")->valuestring,
                        get(inv, "currency")->valuestring};
    size_t n = 0;
    for (int k = 0; k < 5; k++) {
        size_t len = strlen(f[k]);
        if (n + len + 2 > cap)
            return 0;
        memcpy(out + n, f[k], len);
        n += len;
#if BUG != 1
        /* the fixed version writes control characters as spaces */
        for (size_t x = n - len; x < n; x++)
            if ((unsigned char)out[x] < 0x20)
                out[x] = ' ';
#endif
        out[n++] = k < 4 ? '\t' : '\n';
    }
    out[n] = '\0';
    return n;
}

/* The ledger import: fields end at a control character; an export line
 * has five. */
static int ledger_import(const char *line)
{
    const char *field[5];
    int nf = 0;
    for (const char *p = line; *p;) {
#if BUG != 1
        if (nf == 5)
            break;
#endif
        field[nf++] = p; /* BUG 1: a sixth field when a value had one */
        while ((unsigned char)*p >= 0x20)
            p++;
        if (*p)
            p++;
    }
    int sum = 0;
    for (int k = 0; k < nf; k++)
        sum += field[k][0];
    return sum;
}

static double line_total(const cJSON *lines, double *first_price)
{
    int n = cJSON_GetArraySize(lines);
    double *price = malloc((size_t)(n > 0 ? n : 0) * sizeof *price + 1);
    double sum = 0;
    int k = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, lines) {
        price[k] = get(l, "unit_price")->valuedouble *
                   get(l, "quantity")->valuedouble;
        sum += price[k++];
    }
#if BUG == 2
    *first_price = price[0]; /* "an invoice has at least one line" */
#else
    *first_price = n > 0 ? price[0] : 0;
#endif
    free(price);
    return sum;
}

/* The audit walk: the path of every value, in a fixed stack. */
#define AUDIT_DEPTH 48
static unsigned audit(const cJSON *v, const char **stack, int depth)
{
#if BUG != 4
    if (depth >= AUDIT_DEPTH)
        return 0;
#endif
    stack[depth] = v->string ? v->string : "[]";
    unsigned h = (unsigned)depth;
    for (const cJSON *k = v->child; k; k = k->next)
        h = h * 31 + audit(k, stack, depth + 1);
    return h + (unsigned char)stack[depth][0];
}

/* The archive record: fields with a 16-bit length prefix. */
static size_t archive(const cJSON *inv, unsigned char **rec)
{
    const char *addr = get(get(inv, "billing"), "address")->valuestring;
    size_t real = strlen(addr);
#if BUG == 3
    uint16_t len = (uint16_t)real; /* "addresses are short" */
#else
    if (real > 65535)
        real = 65535;
    uint16_t len = (uint16_t)real;
#endif
    unsigned char *r = malloc(2 + (size_t)len + 1);
    if (!r)
        return 0;
    r[0] = (unsigned char)(len >> 8);
    r[1] = (unsigned char)len;
#if BUG == 3
    memcpy(r + 2, addr, real);
#else
    memcpy(r + 2, addr, len);
#endif
    *rec = r;
    return 2 + (size_t)len;
}

static size_t note_words(const cJSON *inv)
{
    const cJSON *note = get(inv, "note");
    if (!cJSON_IsString(note))
        return 0;
    char buf[4096];
#if BUG == 5
    strcpy(buf, note->valuestring); /* "notes are a sentence or two" */
#else
    snprintf(buf, sizeof buf, "%s", note->valuestring);
#endif
    size_t words = 0;
    for (char *p = strtok(buf, " "); p; p = strtok(NULL, " "))
        words++;
    return words;
}

static size_t city_key(const cJSON *inv)
{
    const char *city = get(get(inv, "billing"), "city")->valuestring;
    char *key = malloc(64);
    if (!key)
        return 0;
#if BUG == 6
    strcpy(key, city); /* "no city name is longer than 63 bytes" */
#else
    snprintf(key, 64, "%s", city);
#endif
    for (char *p = key; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    size_t n = strlen(key);
    free(key);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *inv = cJSON_ParseWithLength((const char *)data, size);
    if (!inv)
        return 0;
    if (!validate(inv)) {
        cJSON_Delete(inv);
        return 0;
    }
    char line[1024];
    volatile int sink = 0;
    if (export_line(inv, line, sizeof line))
        sink += ledger_import(line);
    double first;
    double sum = line_total(get(inv, "lines"), &first);
    sink += sum > get(inv, "total")->valuedouble + 0.01;
    sink += first > 0;
    const char *stack[AUDIT_DEPTH];
    sink += (int)audit(inv, stack, 0);
    unsigned char *rec = NULL;
    sink += (int)archive(inv, &rec);
    free(rec);
    sink += (int)note_words(inv);
    sink += (int)city_key(inv);
    /* the response: the invoice re-serialized, with the computed total */
    cJSON_AddNumberToObject(inv, "computed_total", sum);
    char *out = cJSON_PrintUnformatted(inv);
    if (out)
        sink += out[0];
    free(out);
    cJSON_Delete(inv);
    (void)sink;
    return 0;
}
