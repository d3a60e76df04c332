/*
 * service_orders: the example service. An "orders API" handler that
 * validates a JSON order (POST /orders) and then processes it, as a
 * libFuzzer target. It exists to show what production-shaped mutation
 * finds that byte mutation does not, so it carries DELIBERATE bugs behind
 * its validation, each one the kind that production data eventually
 * triggers. They are all off unless switched on by name in the PF_BUG
 * environment variable (a comma list, or "all"), so one fuzzing run can
 * measure the time to find one bug (tools/experiment_mutator.sh):
 *
 *   oversize  customer.name is copied into a 1 KiB buffer ("names are
 *             at most 80 bytes" held for years of production data)
 *   null      customer.email must be present, but a null email is then
 *             dereferenced when the domain is taken
 *   deep      the audit trail walker records the path of every value in a
 *             fixed 32-entry stack (production orders nest 4 levels)
 *   legacy    old clients send "total":"12.50" as a string; the money
 *             parser assumes the string always has a decimal point
 *   number    line totals are qty * price in 32-bit cents; the overflow
 *             makes the total negative, which indexes the discount table
 *   unicode   initials() walks customer.name as UTF-8 and trusts the lead
 *             byte: a multi-byte character cut at the end reads past it
 *
 * With no bug switched on the handler is meant to be clean: tests fuzz it
 * under AFL++ with the prodfuzz mutator and expect no crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static unsigned g_bugs;
enum { B_OVERSIZE = 1, B_NULL = 2, B_DEEP = 4, B_LEGACY = 8, B_NUMBER = 16,
       B_UNICODE = 32 };

static void read_bugs(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    const char *v = getenv("PF_BUG");
    if (!v)
        return;
    static const struct { const char *name; unsigned bit; } names[] = {
        {"oversize", B_OVERSIZE}, {"null", B_NULL}, {"deep", B_DEEP},
        {"legacy", B_LEGACY}, {"number", B_NUMBER}, {"unicode", B_UNICODE}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strstr(v, names[i].name) || !strcmp(v, "all"))
            g_bugs |= names[i].bit;
}
#define BUG(b) (g_bugs & (b))

/* ---- validation: what the API checks before it touches anything -------- */

static int validate(const cJSON *o)
{
    if (!cJSON_IsObject(o))
        return 0;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (!cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) > 64)
        return 0;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "customer");
    if (!cJSON_IsObject(c))
        return 0;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return 0;
    /* required (exact spelling: cJSON_HasObjectItem ignores case) */
    if (!cJSON_GetObjectItemCaseSensitive(c, "email"))
        return 0;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(o, "items");
    if (!cJSON_IsArray(items) || cJSON_GetArraySize(items) < 1)
        return 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        const cJSON *qty = cJSON_GetObjectItemCaseSensitive(it, "qty");
        const cJSON *price = cJSON_GetObjectItemCaseSensitive(it, "price");
        if (!cJSON_IsNumber(qty) || qty->valuedouble < 1 ||
            qty->valuedouble != (double)qty->valueint)
            return 0;
        if (!cJSON_IsNumber(price) || price->valuedouble < 0 ||
            price->valuedouble > 1e7)
            return 0;
    }
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(o, "total");
    if (!cJSON_IsNumber(total) && !cJSON_IsString(total))
        return 0; /* legacy clients send the total as a string */
    return 1;
}

/* ---- processing --------------------------------------------------------- */

static int initials(const char *s, char *out, size_t n)
{
    size_t len = strlen(s), i = 0, k = 0;
    int word = 1;
    while (s[i] && k + 5 < n) {
        unsigned char ch = (unsigned char)s[i];
        size_t step = ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;
        if (!BUG(B_UNICODE) && i + step > len)
            break; /* a character cut at the end: stop */
        if (word && ch != ' ') {
            memcpy(out + k, s + i, step); /* BUG(unicode): past the end */
            k += step;
        }
        word = ch == ' ';
        i += step;
    }
    out[k] = '\0';
    return (int)k;
}

static int email_domain(const cJSON *email, char *out, size_t n)
{
    if (!BUG(B_NULL) && !cJSON_IsString(email)) {
        snprintf(out, n, "guest");
        return 0;
    }
    const char *at = strchr(email->valuestring, '@'); /* BUG(null) */
    snprintf(out, n, "%s", at ? at + 1 : "");
    return 1;
}

static long parse_money(const char *s)
{
    /* "12.50" -> 1250 */
    const char *dot = strchr(s, '.');
    if (!BUG(B_LEGACY) && !dot)
        return atol(s) * 100;
    long cents = atol(s) * 100;
    /* BUG(legacy): every legacy total had two decimals */
    cents += (dot[1] - '0') * 10 + (dot[2] ? dot[2] - '0' : 0);
    return cents;
}

static const char *const tiers[] = {"none", "silver", "gold", "platinum"};

static const char *discount_tier(const cJSON *items)
{
    int32_t sum = 0;
    int64_t wide = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        int32_t qty = (int32_t)cJSON_GetObjectItemCaseSensitive(it, "qty")->valueint;
        int32_t cents = (int32_t)(cJSON_GetObjectItemCaseSensitive(it, "price")->valuedouble * 100);
        if (BUG(B_NUMBER))
            sum = (int32_t)((uint32_t)sum + (uint32_t)qty * (uint32_t)cents); /* wraps */
        else
            wide += (int64_t)qty * cents;
    }
    int64_t total = BUG(B_NUMBER) ? sum : wide;
    int64_t t = total / 1000000; /* a tier per 10,000.00 */
    if (t > 3)
        t = 3;
    if (!BUG(B_NUMBER) && t < 0)
        t = 0;
    return tiers[t]; /* BUG(number): a negative total */
}

/* Audit trail: the path of every value, for the redaction log. */
typedef struct audit {
    const char *trail[32];
    size_t values;
} audit;

static void walk(const cJSON *n, audit *a, int depth)
{
    if (!BUG(B_DEEP) && depth >= 32)
        return;
    a->trail[depth] = n->string ? n->string : "[]"; /* BUG(deep) */
    a->values++;
    for (const cJSON *c = n->child; c; c = c->next)
        walk(c, a, depth + 1);
}

static int handle_order(const char *body, char *resp, size_t rn)
{
    cJSON *o = cJSON_Parse(body);
    if (!o || !validate(o)) {
        cJSON_Delete(o);
        snprintf(resp, rn, "400 bad order");
        return 400;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "customer");
    const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
    char display[1024];
    if (BUG(B_OVERSIZE))
        strcpy(display, name); /* BUG(oversize) */
    else
        snprintf(display, sizeof display, "%s", name);
    char ini[16], domain[128];
    initials(name, ini, sizeof ini);
    email_domain(cJSON_GetObjectItemCaseSensitive(c, "email"), domain,
                 sizeof domain);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(o, "total");
    long cents = cJSON_IsString(total) ? parse_money(total->valuestring)
                                       : (long)(total->valuedouble * 100);
    const char *tier = discount_tier(cJSON_GetObjectItemCaseSensitive(o, "items"));
    audit a = {{0}, 0};
    walk(o, &a, 0);
    snprintf(resp, rn, "201 %s (%s) %s %ld cents, tier %s, %zu values", ini,
             display, domain, cents, tier, a.values);
    cJSON_Delete(o);
    return 201;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_bugs();
    char *body = malloc(size + 1); /* cJSON wants NUL-terminated text */
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    char resp[512];
    handle_order(body, resp, sizeof resp);
    free(body);
    return 0;
}
