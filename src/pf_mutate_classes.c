/*
 * pf_mutate_classes: the mutation classes, one small function each, in
 * one table named as design.md's failure classes (libFuzzer's
 * FuzzerMutate.cpp habit), so a mutant can say which one made it.
 *
 * Each class picks a value with pf_mpick, builds its replacement as text
 * in m->scratch and splices it over the value's span, leaving every other
 * byte of the document as it was. Values are chosen relative to the shape
 * profile when there is one (just past the longest string, the deepest
 * nesting, the extreme numbers; null where production never had null; the
 * rare variants production showed), and around common limits otherwise.
 */
#include "pf_mutate_impl.h"

#include "pf_format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static pf_jkind kind(pf_mctx *c, int i) { return pf_json_kind(c->j, i); }

static void span(pf_mctx *c, int i, size_t *s, size_t *e)
{
    pf_json_span(c->j, i, s, e);
}

/* Replace value i with the text in m->scratch. */
static int put(pf_mctx *c, int i)
{
    size_t s, e;
    span(c, i, &s, &e);
    pf_buf *r = &c->m->scratch;
    if (r->oom)
        return 0;
    return pf_msplice(c, s, e, pf_buf_str(r), r->len);
}

static int any_value(pf_mctx *c, int i) { (void)c; (void)i; return 1; }

static int is_member(pf_mctx *c, int i)
{
    int p = c->j->tok[i].parent;
    return p >= 0 && c->j->tok[p].type == PF_JT_STRING;
}

static int is_string(pf_mctx *c, int i) { return kind(c, i) == PF_J_STRING; }

static int is_number(pf_mctx *c, int i)
{
    pf_jkind k = kind(c, i);
    return k == PF_J_INT || k == PF_J_FLOAT;
}

/* ---- null ----------------------------------------------------------------- */

static int not_null(pf_mctx *c, int i) { return kind(c, i) != PF_J_NULL; }

static int never_null(pf_mctx *c, int i)
{
    const pf_shape_path *sp = pf_mtok_shape(c, i);
    return sp && sp->types[PF_J_NULL] == 0;
}

static int m_null(pf_mctx *c)
{
    int i = pf_mpick(c, not_null, c->m->cfg.shape ? never_null : NULL);
    if (i < 0)
        return 0;
    pf_buf_reset(&c->m->scratch);
    pf_buf_adds(&c->m->scratch, "null");
    return put(c, i);
}

/* ---- missing -------------------------------------------------------------- */

static int m_missing(pf_mctx *c)
{
    int i = pf_mpick(c, is_member, NULL);
    if (i < 0)
        return 0;
    size_t s, e;
    pf_mdrop_span(c->j, i, &s, &e);
    return pf_msplice(c, s, e, "", 0);
}

/* ---- type ----------------------------------------------------------------- */

/* A plain decimal: a JSON number without an exponent. */
static int looks_numeric(const char *s, size_t n)
{
    return pf_json_is_number(s, n) && !memchr(s, 'e', n) && !memchr(s, 'E', n);
}

static int never_kind(const pf_shape_path *sp, pf_jkind k)
{
    return !sp || sp->types[k] == 0;
}

static int m_type(pf_mctx *c)
{
    int i = pf_mpick(c, any_value, NULL);
    if (i < 0)
        return 0;
    const pf_shape_path *sp = pf_mtok_shape(c, i);
    pf_buf *r = &c->m->scratch;
    pf_buf_reset(r);
    size_t s, e;
    span(c, i, &s, &e);
    const char *v = c->in + s;
    size_t n = e - s;
    switch (kind(c, i)) {
    case PF_J_STRING: {
        const pf_jtok *t = &c->j->tok[i];
        const char *in = c->in + t->start;
        size_t len = (size_t)(t->end - t->start);
        if (looks_numeric(in, len) && pf_mchance(c->m, 2, 3)) {
            pf_buf_add(r, in, len); /* "12.50" -> 12.50 */
            break;
        }
        static const char *const alt[] = {"0", "1", "true", "false", "{}",
                                          "[]", "-1", "0.5"};
        size_t k = pf_mbelow(c->m, NELEM(alt) + 1);
        if (k == NELEM(alt)) { /* one-element list of the old value */
            pf_buf_addc(r, '[');
            pf_buf_add(r, v, n);
            pf_buf_addc(r, ']');
        } else {
            pf_buf_adds(r, alt[k]);
        }
        break;
    }
    case PF_J_INT:
    case PF_J_FLOAT:
        switch (pf_mbelow(c->m, never_kind(sp, PF_J_STRING) ? 6 : 4)) {
        case 0: pf_buf_adds(r, "true"); break;
        case 1: pf_buf_adds(r, "{}"); break;
        case 2: pf_buf_addc(r, '['); pf_buf_add(r, v, n); pf_buf_addc(r, ']'); break;
        default: /* the number as a string: the classic legacy type */
            pf_buf_addc(r, '"'); pf_buf_add(r, v, n); pf_buf_addc(r, '"');
        }
        break;
    case PF_J_BOOL: {
        static const char *const alt[] = {"\"true\"", "1", "0", "\"false\"",
                                          "\"yes\"", "{}"};
        pf_buf_adds(r, alt[pf_mbelow(c->m, NELEM(alt))]);
        break;
    }
    case PF_J_NULL: {
        static const char *const alt[] = {"\"\"", "0", "{}", "[]", "false",
                                          "\"null\""};
        pf_buf_adds(r, alt[pf_mbelow(c->m, NELEM(alt))]);
        break;
    }
    case PF_J_OBJECT: {
        switch (pf_mbelow(c->m, 4)) {
        case 0: pf_buf_adds(r, "[]"); break;
        case 1: pf_buf_adds(r, "\"\""); break;
        case 2: pf_buf_adds(r, "0"); break;
        default: pf_buf_addc(r, '['); pf_buf_add(r, v, n); pf_buf_addc(r, ']');
        }
        break;
    }
    case PF_J_ARRAY: {
        const pf_jtok *t = &c->j->tok[i];
        if (t->size > 0 && pf_mchance(c->m, 1, 2)) { /* list -> its first */
            size_t fs, fe;
            span(c, i + 1, &fs, &fe);
            pf_buf_add(r, c->in + fs, fe - fs);
        } else {
            static const char *const alt[] = {"{}", "\"\"", "0"};
            pf_buf_adds(r, alt[pf_mbelow(c->m, NELEM(alt))]);
        }
        break;
    }
    }
    return put(c, i);
}

/* ---- oversize ------------------------------------------------------------- */

static int str_or_array(pf_mctx *c, int i)
{
    pf_jkind k = kind(c, i);
    return k == PF_J_STRING || k == PF_J_ARRAY;
}

/* Integer widths, in pairs: a length or count held in 8, 16 or 32 bits
 * is fine at the first and breaks at the second (255/256, 65,535/65,536,
 * 2^31 - 1/2^31). */
static const uint64_t widths[] = {255, 256, 65535, 65536, 2147483647u,
                                  2147483648u};

/* A width boundary for a length or count: a pair above production's
 * largest (pmax, when the profile has one; any pair without), among those
 * that fit in room: the first such pair three times in four, a wider one
 * otherwise (each 64 KiB mutant costs tens of ordinary executions); of
 * the pair, the value past the width (256, 65,536, 2^31: where a length
 * field wraps) three times in four, the largest that fits otherwise. 0
 * when none fits. */
static uint64_t width_target(pf_mutator *m, uint64_t pmax, uint64_t room)
{
    size_t first = 0, last = 0;
    while (first < NELEM(widths) && widths[first + 1] <= pmax)
        first += 2;
    for (size_t k = first; k < NELEM(widths); k += 2)
        if (widths[k + 1] <= room)
            last = k + 2;
    if (last <= first)
        return 0;
    size_t pair = first;
    if (last - first > 2 && pf_mchance(m, 1, 4))
        pair = first + 2 + 2 * pf_mbelow(m, (last - first) / 2 - 1);
    return widths[pair + (pf_mchance(m, 3, 4) ? 1 : 0)];
}

/* The first width a length or count past n wraps at (65,536 past 4,097). */
static uint64_t width_target_past(uint64_t n)
{
    for (size_t k = 1; k < NELEM(widths); k += 2)
        if (widths[k] > n)
            return widths[k];
    return widths[NELEM(widths) - 1];
}

static int grow_string(pf_mctx *c, int i, const pf_shape_path *sp)
{
    const pf_jtok *t = &c->j->tok[i];
    size_t cur = (size_t)(t->end - t->start);
    size_t s, e;
    span(c, i, &s, &e);
    size_t budget = pf_mbudget(c, s, e);
    if (budget < 3)
        return 0;
    /* relative to production's longest, never to the value itself, so
     * repeated oversize does not compound into max_size every time */
    uint64_t pmax = sp && sp->has_string ? sp->str_max_len : 0;
    uint64_t base = pmax ? pmax : 64;
    uint64_t want[] = {base + 1, base * 2, base * 16, 4097};
    uint64_t target = 0;
    unsigned how = (unsigned)pf_mbelow(c->m, 32);
    if (c->variant >= 0) {
        /* the first pass: one string past every buffer of up to 4 KiB (a
         * 64-byte name, a 256-byte line, a 1 KiB field, a 4 KiB page),
         * or twice production's longest when that is longer */
        target = pmax < 2049 ? 4097 : 2 * pmax;
        if (c->variant > 0) {
            /* then past a 16-bit length (or the next width past
             * production's longest), as much as the size limit allows */
            target = width_target_past(pmax > 4097 ? pmax : 4097);
            if (target > budget - 2)
                target = budget - 2;
        }
        how = 32;
    } else if (how < 8) {
        /* a length field of 8, 16 or 32 bits: 255/256, 65,535/65,536,
         * 2^31, just past production's longest or any */
        target = width_target(c->m, pmax, budget - 2);
    } else if (how == 8) {
        /* the whole document at a width boundary (a length prefix or a
         * buffer for the request), this string making up the difference */
        uint64_t rest = c->len - (e - s) + 2;
        uint64_t w = width_target(c->m, c->len, c->max);
        if (w > rest)
            target = w - rest;
    } else if (how < 32 && pf_mchance(c->m, 1, 512)) {
        /* rare: each costs a thousand ordinary executions */
        target = 1u << 20;
    }
    if (target <= cur) /* none, or not past this value */
        target = want[pf_mbelow(c->m, NELEM(want))];
    /* a big size the growth credit cannot pay for now: just past
     * production's longest instead, not the big one cut down */
    if (c->variant < 0 && pf_mcredit_short(c, s, e, target + 2))
        target = want[pf_mbelow(c->m, 2)];
    if (target > budget - 2)
        target = budget - 2;
    if (target <= cur)
        return 0;
    /* repeat the value itself when it is plain ASCII, so a validator that
     * checks the characters still passes; else a letter */
    const char *src = c->in + t->start;
    int plain = cur > 0 &&
                !(pf_cc_mask(src, cur) & ((1u << PF_CC_NONASCII) | (1u << PF_CC_CONTROL))) &&
                !memchr(src, '"', cur) && !memchr(src, '\\', cur);
    pf_buf *r = &c->m->scratch;
    pf_buf_reset(r);
    if (pf_buf_reserve(r, target + 2) < 0)
        return 0;
    pf_buf_addc(r, '"');
    if (plain) {
        /* the value once, then what is there doubled: a few copies
         * instead of one per repetition (65,536 bytes of a 10-byte name) */
        pf_buf_add(r, src, target < cur ? target : cur);
        while (r->len - 1 < target && !r->oom) {
            size_t have = r->len - 1, n = target - have < have ? target - have : have;
            pf_buf_add(r, r->data + 1, n);
        }
    } else {
        pf_buf_addrep(r, 'A', target);
    }
    pf_buf_addc(r, '"');
    c->m->amount = target;
    return put(c, i);
}

static int grow_array(pf_mctx *c, int i, const pf_shape_path *sp)
{
    const pf_jtok *t = &c->j->tok[i];
    uint64_t pmax = sp && sp->has_array ? sp->arr_max_len : 0;
    uint64_t base = pmax ? pmax : 16;
    size_t s, e;
    span(c, i, &s, &e);
    size_t budget = pf_mbudget(c, s, e);
    /* the elements, repeated in turn: repeated subtrees */
    int kids[64], nk = 0, small = -1;
    size_t small_len = SIZE_MAX;
    for (int k = i + 1; k < c->j->next[i] && nk < 64; k = c->j->next[k]) {
        size_t ks, ke;
        span(c, k, &ks, &ke);
        if (ke - ks < small_len)
            small = nk, small_len = ke - ks;
        kids[nk++] = k;
    }
    /* mostly just past production's longest; the generic sizes, whose
     * repeated subtrees make every later execution slower, now and then */
    uint64_t near[] = {base + 1, base * 2}, far[] = {100, 256, 1000};
    /* every element is an allocation in the target's parser: a thousand
     * of them cost as much as a few hundred ordinary executions */
    uint64_t target = pf_mchance(c->m, 1, 16) ? far[pf_mbelow(c->m, NELEM(far))]
                                              : near[pf_mbelow(c->m, NELEM(near))];
    int exact = 0;
    if (c->variant >= 0) {
        /* the first pass: just past production's count, then past an
         * 8-bit count (the smallest element repeated) */
        target = c->variant == 0 ? base + 1 : width_target_past(pmax);
        exact = c->variant > 0;
    } else if (pf_mchance(c->m, 1, 6)) {
        /* a count field of 8, 16 or 32 bits: the 65,536-element arrays
         * one time in 32 of these (each costs a thousand executions);
         * the smallest element repeated, so the count is reached */
        uint64_t room = budget / (small_len < SIZE_MAX ? small_len + 1 : 2);
        if (pf_mchance(c->m, 31, 32) && room > 256)
            room = 256;
        uint64_t w = width_target(c->m, pmax, room);
        if (w) {
            target = w;
            exact = 1;
        }
    } else if (pf_mchance(c->m, 1, 256)) {
        target = pf_mchance(c->m, 1, 4) ? 65536 : 4096;
    }
    if (target <= (uint64_t)t->size)
        target = (uint64_t)t->size + 1;
    /* what the growth credit cannot pay for now: just past production */
    uint64_t per = exact && small_len < SIZE_MAX ? small_len + 1
                   : (e - s) / ((uint64_t)t->size + 1) + 1;
    if (c->variant < 0 && pf_mcredit_short(c, s, e, target * per)) {
        target = near[pf_mbelow(c->m, NELEM(near))];
        exact = 0;
        if (target <= (uint64_t)t->size)
            target = (uint64_t)t->size + 1;
    }
    /* repeated big subtrees would compound into max_size on every run:
     * 16 KiB of elements unless this is one of the rare huge ones */
    if (target < 4096 && !exact && budget > 16384)
        budget = 16384;
    pf_buf *r = &c->m->scratch;
    pf_buf_reset(r);
    if (pf_buf_reserve(r, exact && small_len < SIZE_MAX
                              ? (size_t)target * (small_len + 1) + 2 : 64) < 0)
        return 0;
    pf_buf_addc(r, '[');
    uint64_t n = 0;
    for (; n < target; n++) {
        const char *el = "0";
        size_t len = 1;
        if (nk) {
            size_t ks, ke;
            span(c, kids[exact ? small : (int)(n % (uint64_t)nk)], &ks, &ke);
            el = c->in + ks;
            len = ke - ks;
        }
        if (r->len + len + 2 > budget || r->oom)
            break;
        if (n)
            pf_buf_addc(r, ',');
        pf_buf_add(r, el, len);
    }
    pf_buf_addc(r, ']');
    if (n <= (uint64_t)t->size)
        return 0;
    c->m->amount = n;
    return put(c, i);
}

static int has_length_facts(pf_mctx *c, int i)
{
    const pf_shape_path *sp = pf_mtok_shape(c, i);
    return sp && (sp->has_string || sp->has_array);
}

static int m_oversize(pf_mctx *c)
{
    int i = pf_mpick(c, str_or_array, c->m->cfg.shape ? has_length_facts : NULL);
    if (i < 0)
        return 0;
    const pf_shape_path *sp = pf_mtok_shape(c, i);
    return kind(c, i) == PF_J_STRING ? grow_string(c, i, sp)
                                     : grow_array(c, i, sp);
}

/* ---- number --------------------------------------------------------------- */

static const char *const edge_numbers[] = {
    "0", "-0", "-1", "1", "0.0", "-0.0",
    "2147483647", "2147483648", "-2147483648", "-2147483649",
    "4294967295", "4294967296", "32767", "32768", "65535", "65536",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551615", "18446744073709551616",
    "9007199254740991", "9007199254740992", "9007199254740993",
    "-9007199254740993", "1e308", "1.7976931348623157e308", "-1e308",
    "1e309", "1e-400", "5e-324", "4.9e-325", "1e999999999", "-1e-999999999",
    "1E+2147483648", "0.1e-2147483649", "123456789012345678901234567890",
    "0.30000000000000004", "1.0000000000000002"};

/* Decimal text plus one (or minus one when down), for integer texts of
 * any length: "999" -> "1000", "-5" -> "-6" going down. */
static void int_step(pf_buf *r, const char *s, size_t n, int down)
{
    int neg = n && s[0] == '-';
    const char *d = s + neg;
    size_t dn = n - (size_t)neg;
    /* |x| grows when (up and positive) or (down and negative) */
    int grow = down ? neg : !neg;
    if (!grow && dn == 1 && d[0] == '0') { /* 0 - 1 */
        pf_buf_adds(r, down ? "-1" : "1");
        return;
    }
    char tmp[400];
    if (dn >= sizeof tmp - 2) {
        pf_buf_add(r, s, n);
        pf_buf_addc(r, '0');
        return;
    }
    memcpy(tmp + 1, d, dn);
    tmp[0] = '0';
    size_t k = dn;
    if (grow) {
        while (k > 0 && tmp[k] == '9')
            tmp[k--] = '0';
        tmp[k]++;
    } else {
        while (k > 0 && tmp[k] == '0')
            tmp[k--] = '9';
        tmp[k]--;
    }
    size_t st = 0;
    while (st < dn && tmp[st] == '0')
        st++;
    if (neg && !(dn + 1 - st == 1 && tmp[st] == '0'))
        pf_buf_addc(r, '-');
    pf_buf_add(r, tmp + st, dn + 1 - st);
}

/* An integer as the profile wrote it: an optional minus, then digits. */
static int is_int_text(const char *s)
{
    if (!s)
        return 0;
    s += *s == '-';
    return pf_fmt_digits(s, strlen(s));
}

/* Just past what the profile has seen at this path. */
static int profile_number(pf_mctx *c, const pf_shape_path *sp, pf_buf *r)
{
    if (!sp || !sp->has_number)
        return 0;
    switch (pf_mbelow(c->m, 6)) {
    case 0:
        if (is_int_text(sp->num_max_text)) {
            int_step(r, sp->num_max_text, strlen(sp->num_max_text), 0);
            return 1;
        }
        pf_buf_addf(r, "%.17g", nextafter(sp->num_max, INFINITY));
        return 1;
    case 1:
        if (is_int_text(sp->num_min_text)) {
            int_step(r, sp->num_min_text, strlen(sp->num_min_text), 1);
            return 1;
        }
        pf_buf_addf(r, "%.17g", nextafter(sp->num_min, -INFINITY));
        return 1;
    case 2: /* ten times the max */
        if (sp->num_max_text && is_int_text(sp->num_max_text)) {
            pf_buf_adds(r, sp->num_max_text);
            pf_buf_addc(r, '0');
            return 1;
        }
        pf_buf_addf(r, "%.17g", sp->num_max * 10);
        return 1;
    case 3: /* one digit more than ever seen */
        pf_buf_addrep(r, '9', (size_t)(sp->max_digits > 0 ? sp->max_digits : 1) + 1);
        return 1;
    case 4: /* one decimal more than ever seen */
        pf_buf_adds(r, "0.");
        pf_buf_addrep(r, '0', (size_t)(sp->max_decimals > 0 ? sp->max_decimals : 0));
        pf_buf_addc(r, '1');
        return 1;
    default:
        pf_buf_addf(r, "%.17g", -sp->num_max);
        return 1;
    }
}

static int m_number(pf_mctx *c)
{
    int i = pf_mpick(c, is_number, NULL);
    if (i < 0)
        return 0;
    const pf_shape_path *sp = pf_mtok_shape(c, i);
    pf_buf *r = &c->m->scratch;
    pf_buf_reset(r);
    size_t s, e;
    span(c, i, &s, &e);
    if (c->variant == 1) { /* the first pass: past a 32-bit integer */
        pf_buf_adds(r, "2147483648");
        return put(c, i);
    }
    if (c->variant < 0 && pf_mchance(c->m, 1, 2) && profile_number(c, sp, r))
        return put(c, i);
    /* the first pass: a million times the value (a unit mixed up: seconds
     * for microseconds, units for millionths) */
    switch (c->variant == 0 ? 6 : pf_mbelow(c->m, 6)) {
    case 6:
        pf_buf_add(r, c->in + s, e - s);
        if (kind(c, i) == PF_J_INT && !(e - s == 1 && c->in[s] == '0'))
            pf_buf_adds(r, "000000");
        else
            pf_buf_adds(r, "e6");
        break;
    case 5: /* orders of magnitude: quantities and amounts that overflow
             * when multiplied, still valid and still positive */
        pf_buf_add(r, c->in + s, e - s);
        if (kind(c, i) == PF_J_INT && !(e - s == 1 && c->in[s] == '0'))
            pf_buf_addrep(r, '0', 3 * (1 + pf_mbelow(c->m, 6)));
        else
            pf_buf_addf(r, "e%u", 3 * (1 + (unsigned)pf_mbelow(c->m, 6)));
        break;
    case 0: /* many digits */
        pf_buf_addc(r, '1');
        pf_buf_addrep(r, '0', 20 + pf_mbelow(c->m, 400));
        break;
    case 1: /* decimals on an integer, or an exponent on the value */
        pf_buf_add(r, c->in + s, e - s);
        if (kind(c, i) == PF_J_INT)
            pf_buf_adds(r, pf_mchance(c->m, 1, 2) ? ".5" : ".000000000000001");
        else
            pf_buf_adds(r, "e308");
        break;
    case 2: /* the value plus or minus one at any size */
        if (kind(c, i) == PF_J_INT) {
            int_step(r, c->in + s, e - s, (int)pf_mbelow(c->m, 2));
            break;
        }
        /* fall through */
    default:
        pf_buf_adds(r, edge_numbers[pf_mbelow(c->m, NELEM(edge_numbers))]);
    }
    return put(c, i);
}

/* ---- deep ----------------------------------------------------------------- */

static int m_deep(pf_mctx *c)
{
    int i = pf_mpick(c, any_value, NULL);
    if (i < 0)
        return 0;
    pf_mutator *m = c->m;
    int here = pf_mtok_depth(c->j, i); /* containers above the value */
    static const int limits[] = {64, 65, 100, 101, 128, 129, 256, 257, 512,
                                 513, 1000, 1001};
    long target;
    int prof = m->cfg.shape ? pf_shape_max_depth(m->cfg.shape) : 0;
    if (c->variant >= 0)
        /* the first pass: past the nesting stacks of 64 entries and
         * fewer, then of 256, still inside common parser limits */
        target = c->variant == 0 ? 65 : 257;
    else if (prof > 0 && pf_mchance(m, 1, 2))
        target = prof + 1 + (long)pf_mbelow(m, 3); /* just past production */
    else if (pf_mchance(m, 1, 256))
        target = m->cfg.max_depth;
    else if (pf_mchance(m, 1, 48))
        target = pf_mchance(m, 1, 2) ? 10000 : 10001;
    else
        target = limits[pf_mbelow(m, NELEM(limits))];
    if (target > m->cfg.max_depth)
        target = m->cfg.max_depth;
    long levels = target - here;
    if (levels < 1)
        levels = 1;
    size_t s, e;
    span(c, i, &s, &e);
    size_t budget = pf_mbudget(c, s, e);
    int objects = pf_mchance(m, 1, 3);
    size_t per = objects ? 6 : 2; /* {"a": } or [ ] */
    if (budget < (e - s) + per)
        return 0;
    /* more levels than the growth credit pays for now: a common limit */
    if (c->variant < 0 && pf_mcredit_short(c, s, e, (uint64_t)levels * per + (e - s))) {
        levels = limits[pf_mbelow(m, 4)] - here;
        if (levels < 1)
            levels = 1;
    }
    if ((size_t)levels > (budget - (e - s)) / per)
        levels = (long)((budget - (e - s)) / per);
    pf_buf *r = &m->scratch;
    pf_buf_reset(r);
    if (pf_buf_reserve(r, (size_t)levels * per + (e - s)) < 0)
        return 0;
    for (long k = 0; k < levels; k++)
        pf_buf_adds(r, objects ? "{\"a\":" : "[");
    pf_buf_add(r, c->in + s, e - s);
    pf_buf_addrep(r, objects ? '}' : ']', (size_t)levels);
    m->amount = (uint64_t)(here + levels);
    return put(c, i);
}

/* ---- legacy --------------------------------------------------------------- */

static int numeric_type(const char *t)
{
    return t && (!strcmp(t, "int") || !strcmp(t, "float") ||
                 !strcmp(t, "number"));
}

/* A rare variant that is an old shape: another type (not int against
 * float: both are numbers), another key, a format production has nearly
 * stopped sending, or a rare value of a small non-numeric enum (a status
 * only old clients send). Never a rare value of a numeric or
 * high-cardinality field: there every value is rare, and sending another
 * ordinary price is not a legacy document. */
#define PF_LEGACY_ENUM_MAX 8
static int legacy_shape(const pf_shape_path *sp, const pf_shape_rare *rv)
{
    const char *k = rv->kind ? rv->kind : "";
    if (!strcmp(k, "key") || !strcmp(k, "format"))
        return rv->what != NULL;
    if (!strcmp(k, "type")) {
        if (!rv->what)
            return 0;
        if (!numeric_type(rv->what))
            return 1;
        /* a number where another non-numeric type dominates */
        uint64_t num = sp->types[PF_J_INT] + sp->types[PF_J_FLOAT], other = 0;
        for (int t = 0; t < 7; t++)
            if (t != PF_J_INT && t != PF_J_FLOAT && sp->types[t] > other)
                other = sp->types[t];
        return other > num;
    }
    if (!strcmp(k, "value")) {
        const char *w = rv->what;
        if (!w || sp->nenum > PF_LEGACY_ENUM_MAX ||
            sp->types[PF_J_INT] + sp->types[PF_J_FLOAT] > 0)
            return 0;
        return w[0] == '"' || !strcmp(w, "true") || !strcmp(w, "false");
    }
    return 0;
}

static size_t legacy_count(const pf_shape_path *sp)
{
    size_t n = 0;
    for (size_t k = 0; sp && k < sp->nrare; k++)
        n += legacy_shape(sp, &sp->rare[k]);
    return n;
}

static int has_rare(pf_mctx *c, int i)
{
    return legacy_count(pf_mtok_shape(c, i)) > 0;
}

static void camel_snake(pf_buf *r, const char *k, size_t n)
{
    int has_us = memchr(k, '_', n) != NULL;
    for (size_t x = 0; x < n; x++) {
        char ch = k[x];
        if (has_us && ch == '_' && x + 1 < n &&
            pf_cc_of((unsigned char)k[x + 1]) == PF_CC_LOWER) {
            pf_buf_addc(r, (char)(k[++x] - 32));
        } else if (!has_us && pf_cc_of((unsigned char)ch) == PF_CC_UPPER) {
            pf_buf_addc(r, '_');
            pf_buf_addc(r, (char)(ch + 32));
        } else {
            pf_buf_addc(r, ch);
        }
    }
}

/* Without a profile: the two legacy shapes every long-lived API has, a
 * number sent as a string ("total": "12.50") and a renamed key. */
static int legacy_generic(pf_mctx *c)
{
    pf_buf *r = &c->m->scratch;
    pf_buf_reset(r);
    if (pf_mchance(c->m, 2, 3)) {
        int i = pf_mpick(c, is_number, NULL);
        if (i >= 0) {
            size_t s, e;
            span(c, i, &s, &e);
            pf_buf_addc(r, '"');
            pf_buf_add(r, c->in + s, e - s);
            pf_buf_addc(r, '"');
            return put(c, i);
        }
    }
    int i = pf_mpick(c, is_member, NULL);
    if (i < 0)
        return 0;
    int key = c->j->tok[i].parent;
    const pf_jtok *kt = &c->j->tok[key];
    size_t before = r->len;
    pf_buf_addc(r, '"');
    camel_snake(r, c->in + kt->start, (size_t)(kt->end - kt->start));
    pf_buf_addc(r, '"');
    if (r->len - before - 2 == (size_t)(kt->end - kt->start) &&
        !memcmp(r->data + before + 1, c->in + kt->start, r->len - before - 2)) {
        /* nothing to rename: the v1 spelling with a suffix */
        pf_buf_truncate(r, r->len - 1);
        pf_buf_adds(r, "_v1\"");
    }
    return pf_msplice(c, (size_t)kt->start - 1, (size_t)kt->end + 1,
                      pf_buf_str(r), r->len);
}

static void as_type(pf_mctx *c, int i, const char *type, pf_buf *r)
{
    size_t s, e;
    span(c, i, &s, &e);
    const pf_jtok *t = &c->j->tok[i];
    if (!strcmp(type, "string")) {
        if (t->type == PF_JT_STRING)
            pf_buf_add(r, c->in + s, e - s);
        else
            pf_buf_add_json_str(r, c->in + s, e - s);
    } else if (!strcmp(type, "int") || !strcmp(type, "float") ||
               !strcmp(type, "number")) {
        if (t->type == PF_JT_STRING &&
            looks_numeric(c->in + t->start, (size_t)(t->end - t->start)))
            pf_buf_add(r, c->in + t->start, (size_t)(t->end - t->start));
        else
            pf_buf_adds(r, !strcmp(type, "float") ? "0.0" : "0");
    } else if (!strcmp(type, "null")) {
        pf_buf_adds(r, "null");
    } else if (!strcmp(type, "bool")) {
        pf_buf_adds(r, "false");
    } else if (!strcmp(type, "object")) {
        pf_buf_adds(r, "{}");
    } else {
        pf_buf_adds(r, "[]");
    }
}

static int valid_json(pf_mctx *c, const char *s)
{
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    int ok = s && pf_json_parse(&j, s, strlen(s), &e) == 0;
    pf_json_free(&j);
    (void)c;
    return ok;
}

static int m_legacy(pf_mctx *c)
{
    if (!c->m->cfg.shape)
        return legacy_generic(c);
    int i = pf_mpick(c, has_rare, NULL);
    if (i < 0 || !has_rare(c, i))
        return legacy_generic(c);
    const pf_shape_path *sp = pf_mtok_shape(c, i);
    const pf_shape_rare *rv = NULL;
    for (size_t k = 0, pick = pf_mbelow(c->m, legacy_count(sp));
         k < sp->nrare && !rv; k++)
        if (legacy_shape(sp, &sp->rare[k]) && pick-- == 0)
            rv = &sp->rare[k];
    pf_buf *r = &c->m->scratch;
    pf_buf_reset(r);
    const char *kindname = rv->kind ? rv->kind : "";
    if (!strcmp(kindname, "key") && rv->what) {
        /* a key only old documents carry, under this object: an existing
         * member takes the old name, or the old member comes back */
        const pf_jtok *ot = &c->j->tok[i];
        if (ot->type != PF_JT_OBJECT)
            return legacy_generic(c);
        if (ot->size > 0 && pf_mchance(c->m, 1, 2)) {
            int key = i + 1;
            for (int k = (int)pf_mbelow(c->m, (uint64_t)ot->size); k > 0; k--)
                key = c->j->next[key + 1];
            const pf_jtok *kt = &c->j->tok[key];
            pf_buf_add_json_bytes(r, rv->what, strlen(rv->what));
            return pf_msplice(c, (size_t)kt->start - 1, (size_t)kt->end + 1,
                              pf_buf_str(r), r->len);
        }
        pf_buf_add_json_bytes(r, rv->what, strlen(rv->what));
        pf_buf_adds(r, ":null");
        if (ot->size > 0)
            pf_buf_addc(r, ',');
        size_t s, e;
        span(c, i, &s, &e);
        return pf_msplice(c, s + 1, s + 1, pf_buf_str(r), r->len);
    }
    if (!strcmp(kindname, "type") && rv->what && pf_mchance(c->m, 1, 2))
        as_type(c, i, rv->what, r); /* this document's value, old type */
    else if (rv->example && valid_json(c, rv->example))
        pf_buf_adds(r, rv->example);
    else if (!strcmp(kindname, "type") && rv->what)
        as_type(c, i, rv->what, r);
    else if (!strcmp(kindname, "format"))
        return legacy_generic(c); /* no example: the name is no value */
    else if (rv->what && valid_json(c, rv->what))
        pf_buf_adds(r, rv->what);
    else if (rv->what)
        pf_buf_add_json_bytes(r, rv->what, strlen(rv->what));
    else
        return legacy_generic(c);
    return put(c, i);
}

/* ---- unicode -------------------------------------------------------------- */

/* Text that is not valid UTF-8 (or not valid JSON escapes) but that
 * production still carries: lone lead and continuation bytes, UTF-8-encoded
 * surrogates as CESU-8 and Java's "modified UTF-8" write them (lone, and a
 * whole pair), overlong forms (of '/', of NUL), code points past U+10FFFF,
 * lone surrogate escapes and pairs in the wrong order or cut short, \u0000. */
static const char *const invalid_text[] = {
    "\xff", "\xfe", "\xc3", "\x80", "\xed\xa0\x80", "\xed\xb0\x80",
    "\xed\xa0\xbd\xed\xb8\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xc0\x80",
    "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\\ud800", "\\udc00",
    "\\ud800\\u0041", "\\udbff", "\\ude00\\ud83d", "\\ud83d\\ud83d",
    "\\ud83d\\t", "\\u0000"};
/* Valid but rare: what a parser's everyday tests never send, so its
 * less-travelled code runs. Escaped surrogate pairs (an emoji, the lowest
 * and highest astral code points, either hex case), escapes that decode to
 * two and three bytes at their boundaries, four-byte characters raw,
 * non-characters (U+FFFE, U+FFFF, U+FDD0, U+1FFFE), combining marks (one
 * and a stack), right-to-left marks, overrides, isolates and RTL text,
 * zero-width joiners and spaces (an emoji family, a flag), a BOM inside
 * the text. */
static const char *const rare_text[] = {
    "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\ud800\\udc00", "\\udbff\\udfff",
    "\\ud83d\\udc68\\u200d\\ud83d\\udc69", "\\u0080", "\\u00e9", "\\u07ff",
    "\\u0800", "\\u20AC", "\\ufeff", "\\uffff", "\\ufffe", "\\ufdd0",
    "\\u0301", "\\u200d", "\\u202e", "\\u200f", "\xf0\x9f\x98\x80",
    "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbe", "\xef\xbf\xbf",
    "\xef\xb7\x90", "\xf0\x9f\xbf\xbe", "e\xcc\x81", "a\xcc\x81\xcc\xa7\xcd\x9c",
    "\xe2\x80\x8f", "\xe2\x80\xae", "\xe2\x81\xa7", "\xd8\xa7\xd9\x84",
    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "\xe2\x80\x8d", "\xe2\x80\x8b",
    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
    "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
    "\xef\xbb\xbf"};
/* a multi-byte character cut short, put at the very end of the string */
static const char *const cut_chars[] = {"\xe2\x82", "\xf0\x9f\x98", "\xc3",
                                        "\xe2", "\xf0", "\xed\xa0"};

/* Control characters from CSV imports, copy-paste and legacy exports:
 * tab, newline, CR, form feed, NUL, backspace, vertical tab, escape, the
 * unit and record separators, DEL. */
static const char ctl_raw[] = {'\t', '\n', '\r', '\f', '\0', '\b', '\v',
                               0x1b, 0x1f, 0x1e, 0x01, 0x7f};

/* A character boundary at or before byte `want` of string token t's
 * content: never inside an escape or a UTF-8 character. */
static size_t char_boundary(const char *s, const pf_jtok *t, size_t want)
{
    size_t k = (size_t)t->start;
    while (k < (size_t)t->end && k - (size_t)t->start < want) {
        unsigned char ch = (unsigned char)s[k];
        size_t step = ch == '\\' ? (s[k + 1] == 'u' ? 6 : 2)
                      : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
        if (k + step > (size_t)t->end)
            break;
        k += step;
    }
    return k;
}

/* Control characters in string i: raw (lenient parsers such as cJSON take
 * them) or as \u0000-\u001f escapes, at the start, in the middle or at
 * the end, one alone or a run (the same one, or mixed). */
static int control_chars(pf_mctx *c, int i)
{
    pf_mutator *m = c->m;
    const pf_jtok *t = &c->j->tok[i];
    size_t len = (size_t)(t->end - t->start), pos;
    switch (pf_mbelow(m, 3)) {
    case 0: pos = (size_t)t->start; break;
    case 1: pos = (size_t)t->end; break;
    default: pos = char_boundary(c->in, t, 1 + pf_mbelow(m, len ? len : 1));
    }
    int raw = pf_mchance(m, 1, 2), mixed = pf_mchance(m, 1, 3);
    size_t run = pf_mchance(m, 1, 2) ? 1 : 2 + pf_mbelow(m, 15);
    pf_buf *r = &m->scratch;
    pf_buf_reset(r);
    unsigned char ch = 0;
    for (size_t k = 0; k < run; k++) {
        if (k == 0 || mixed)
            ch = pf_mchance(m, 3, 4)
                     ? (unsigned char)ctl_raw[pf_mbelow(m, NELEM(ctl_raw))]
                     : (unsigned char)pf_mbelow(m, 0x20);
        if (raw)
            pf_buf_addc(r, (char)ch);
        else
            pf_buf_addf(r, pf_mchance(m, 1, 4) ? "\\u%04X" : "\\u%04x", (unsigned)ch);
    }
    if (r->oom)
        return 0;
    m->amount = run;
    return pf_msplice(c, pos, pos, r->data, r->len);
}

/* A third each: control characters; text that is not valid UTF-8 (half
 * of it a multi-byte character cut at the very end of the string, which
 * a walker that trusts the lead byte reads past); valid but rare text
 * (surrogate pairs, non-characters, joiners, marks), at a character
 * boundary, or the whole value made of it. */
static int m_unicode(pf_mctx *c)
{
    int i = pf_mpick(c, is_string, NULL);
    pf_mutator *m = c->m;
    if (i < 0) { /* no string: a BOM in front of the document */
        pf_mtok_path(m, c->j, 0);
        return pf_msplice(c, 0, 0, "\xef\xbb\xbf", 3);
    }
    /* first-pass variants: 0 control characters, 1 a cut character, 2
     * invalid text, 3 rare text */
    static const unsigned variant_what[] = {0, 2, 3, 4};
    unsigned what = c->variant >= 0 && c->variant < (int)NELEM(variant_what)
                        ? variant_what[c->variant]
                        : (unsigned)pf_mbelow(m, 6);
    if (what < 2)
        return control_chars(c, i);
    const pf_jtok *t = &c->j->tok[i];
    const char *s = c->in;
    size_t pos = (size_t)t->end, end;
    const char *ins;
    if (what == 2) {
        ins = cut_chars[pf_mbelow(m, NELEM(cut_chars))];
    } else {
        ins = what == 3 ? invalid_text[pf_mbelow(m, NELEM(invalid_text))]
                        : rare_text[pf_mbelow(m, NELEM(rare_text))];
        if (what == 5 && pf_mchance(m, 1, 4))
            return pf_msplice(c, (size_t)t->start, pos, ins, strlen(ins));
        pos = char_boundary(s, t, pf_mbelow(m, (uint64_t)(t->end - t->start) + 1));
    }
    end = pos;
    if (pos < (size_t)t->end && pf_mchance(m, 1, 3)) {
        /* take the place of one plain character */
        unsigned char ch = (unsigned char)s[pos];
        if (ch != '\\' && ch < 0x80)
            end = pos + 1;
    }
    return pf_msplice(c, pos, end, ins, strlen(ins));
}

/* ---- dupkey --------------------------------------------------------------- */

static int m_dupkey(pf_mctx *c)
{
    int i = pf_mpick(c, is_member, NULL);
    if (i < 0)
        return 0;
    pf_mutator *m = c->m;
    int key = c->j->tok[i].parent;
    const pf_jtok *kt = &c->j->tok[key];
    size_t s, e;
    span(c, i, &s, &e);
    pf_buf *r = &m->scratch;
    pf_buf_reset(r);
    pf_buf_addc(r, ',');
    const char *k = c->in + kt->start;
    size_t kn = (size_t)(kt->end - kt->start);
    if (kn && pf_cc_of((unsigned char)k[0]) == PF_CC_LOWER && pf_mchance(m, 1, 3)) {
        /* the same key, spelled with an escape: equal after decoding */
        pf_buf_addf(r, "\"\\u%04x", (unsigned)(unsigned char)k[0]);
        pf_buf_add(r, k + 1, kn - 1);
        pf_buf_addc(r, '"');
    } else {
        pf_buf_addc(r, '"');
        pf_buf_add(r, k, kn);
        pf_buf_addc(r, '"');
    }
    pf_buf_addc(r, ':');
    switch (pf_mbelow(m, 4)) {
    case 0: pf_buf_add(r, c->in + s, e - s); break; /* same value twice */
    case 1: pf_buf_adds(r, "null"); break;
    case 2: pf_buf_adds(r, kind(c, i) == PF_J_STRING ? "0" : "\"\""); break;
    default: pf_buf_adds(r, "{}");
    }
    /* after the member (the later one wins in most parsers) */
    return pf_msplice(c, e, e, pf_buf_str(r), r->len);
}

/* ---- truncate ------------------------------------------------------------- */

static int m_truncate(pf_mctx *c)
{
    int i = pf_mpick(c, any_value, NULL);
    if (i < 0 || c->len < 2)
        return 0;
    size_t s, e;
    span(c, i, &s, &e);
    size_t cut;
    if (pf_mchance(c->m, 1, 3))
        cut = e; /* right after the value: the closing brackets are gone */
    else
        cut = s + pf_mbelow(c->m, e - s);
    if (cut == 0)
        cut = 1;
    if (cut >= c->len)
        cut = c->len - 1;
    if (cut > c->max)
        return 0;
    pf_buf_reset(c->out);
    pf_buf_add(c->out, c->in, cut);
    c->m->amount = cut;
    return 1;
}

/* ---- format --------------------------------------------------------------- */

/* The same date, id or address in another spelling, as another client or
 * an older export writes it. What the value is comes from pf_format (the
 * one definition shape and anonymization use too), so a value the profile
 * counts as a datetime is respelled as one. v[0..n) is the string's
 * content; 1 with the new JSON string in r, 0 when the value has no
 * format or none of its spellings applies. */
static int respell_format(pf_mutator *m, const char *v, size_t n, pf_buf *r)
{
    if (memchr(v, '\\', n))
        return 0; /* escapes: leave them to the escape spellings */
    pf_fmt f = pf_fmt_detect(v, n);
    unsigned how = (unsigned)pf_mbelow(m, 4);
    pf_buf_addc(r, '"');
    switch (f) {
    case PF_FMT_DATETIME:
    case PF_FMT_DATE: {
        pf_isodt t;
        if (!pf_fmt_iso(v, n, &t))
            return 0; /* a text date: no ISO parts to respell */
        if (!t.has_time) { /* a date: with a time, or basic (20240318) */
            if (how < 2) {
                pf_buf_add(r, v, n);
                pf_buf_adds(r, how ? "T00:00:00Z" : " 00:00:00");
            } else {
                pf_buf_add(r, v, 4), pf_buf_add(r, v + 5, 2), pf_buf_add(r, v + 8, 2);
            }
            break;
        }
        /* date and time: the other separator (or a lower-case t), another
         * spelling of UTC, nanoseconds, or the date alone */
        const char *zone = v + t.frac_end;
        size_t zn = n - t.frac_end;
        if (how == 3) {
            pf_buf_add(r, v, t.date_end);
            break;
        }
        pf_buf_add(r, v, t.date_end);
        pf_buf_addc(r, how == 0 ? (v[t.date_end] == 'T' ? (pf_mchance(m, 1, 2) ? ' ' : 't') : 'T')
                                : v[t.date_end]);
        pf_buf_add(r, v + t.date_end + 1, t.frac_end - t.date_end - 1);
        if (how == 2 && t.has_sec && t.frac_start == t.frac_end)
            pf_buf_adds(r, ".123456789");
        if (how == 1)
            pf_buf_adds(r, zn == 1 && zone[0] == 'Z' ? "+00:00"
                           : zn == 0 ? "Z" : zn == 6 && !memcmp(zone, "+00:00", 6) ? "+0000" : "Z");
        else
            pf_buf_add(r, zone, zn);
        break;
    }
    case PF_FMT_UUID: /* upper case, braces, no dashes, a URN */
        if (how == 3)
            pf_buf_adds(r, "urn:uuid:");
        else if (how == 1)
            pf_buf_addc(r, '{');
        for (size_t k = 0; k < n; k++) {
            char ch = v[k];
            if (how == 2 && ch == '-')
                continue;
            pf_buf_addc(r, how == 0 && pf_cc_of((unsigned char)ch) == PF_CC_LOWER
                               ? (char)(ch - 32) : ch);
        }
        if (how == 1)
            pf_buf_addc(r, '}');
        break;
    case PF_FMT_EMAIL: { /* the domain in upper case, a +tag, a trailing dot */
        size_t at = pf_fmt_email_at(v, n);
        pf_buf_add(r, v, at);
        if (how == 1)
            pf_buf_adds(r, "+tag");
        pf_buf_addc(r, '@');
        for (size_t k = at + 1; k < n; k++)
            pf_buf_addc(r, how == 0 && pf_cc_of((unsigned char)v[k]) == PF_CC_LOWER
                               ? (char)(v[k] - 32) : v[k]);
        if (how >= 2)
            pf_buf_addc(r, '.');
        break;
    }
    case PF_FMT_IPV4: { /* zero-padded octets, or IPv4-mapped IPv6 */
        unsigned oct[4];
        pf_fmt_ipv4(v, n, oct);
        if (how < 2)
            pf_buf_addf(r, "%03u.%03u.%03u.%03u", oct[0], oct[1], oct[2], oct[3]);
        else
            pf_buf_addf(r, "::ffff:%u.%u.%u.%u", oct[0], oct[1], oct[2], oct[3]);
        break;
    }
    case PF_FMT_DIGITS: /* leading zeros, or grouped with spaces */
        if (how < 2) {
            pf_buf_adds(r, "00");
            pf_buf_add(r, v, n);
        } else {
            for (size_t k = 0; k < n; k++) {
                if (k && (n - k) % 3 == 0)
                    pf_buf_addc(r, ' ');
                pf_buf_addc(r, v[k]);
            }
        }
        break;
    default: /* ipv6, url, phone, hex...: upper case where it had lower */
        if (f == PF_FMT_NONE || (pf_cc_mask(v, n) & ((1u << PF_CC_NONASCII) |
                                                     (1u << PF_CC_LOWER))) !=
                                    (1u << PF_CC_LOWER))
            return 0;
        for (size_t k = 0; k < n; k++)
            pf_buf_addc(r, pf_cc_of((unsigned char)v[k]) == PF_CC_LOWER
                               ? (char)(v[k] - 32) : v[k]);
    }
    pf_buf_addc(r, '"');
    return 1;
}

static const char *const spaces[] = {" ", "\t", "\r\n", "\n\n\n", "  \t  "};

static int m_format(pf_mctx *c)
{
    int i = pf_mpick(c, any_value, NULL);
    if (i < 0)
        return 0;
    pf_mutator *m = c->m;
    pf_buf *r = &m->scratch;
    pf_buf_reset(r);
    size_t s, e;
    span(c, i, &s, &e);
    const char *v = c->in + s;
    size_t n = e - s;
    unsigned what = (unsigned)pf_mbelow(m, 3);
    if (what == 1 && kind(c, i) == PF_J_STRING && pf_mchance(m, 1, 2) &&
        respell_format(m, c->in + c->j->tok[i].start,
                       (size_t)(c->j->tok[i].end - c->j->tok[i].start), r)) {
        /* a date, id or address in another spelling of its format */
    } else if (what == 1 && kind(c, i) == PF_J_STRING) {
        pf_buf_reset(r);
        /* escape spellings: \u00XX for letters, \/ for slashes */
        int escaped = 0;
        pf_buf_addc(r, '"');
        for (size_t k = 1; k + 1 < n; k++) {
            unsigned char ch = (unsigned char)v[k];
            if (ch == '\\') { /* keep existing escapes whole */
                size_t step = v[k + 1] == 'u' ? 6 : 2;
                pf_buf_add(r, v + k, step);
                k += step - 1;
            } else if (ch == '/') {
                pf_buf_adds(r, "\\/");
            } else if (ch < 0x80 && (!escaped++ || pf_mchance(m, 1, 2))) {
                pf_buf_addf(r, pf_mchance(m, 1, 2) ? "\\u%04x" : "\\u%04X", ch);
            } else {
                pf_buf_addc(r, (char)ch);
            }
        }
        pf_buf_addc(r, '"');
    } else if (what == 2 && (kind(c, i) == PF_J_INT || kind(c, i) == PF_J_FLOAT)) {
        /* number spellings: the same value written differently, and a few
         * spellings JSON does not allow but lenient producers send */
        switch (pf_mbelow(m, 8)) {
        case 0: pf_buf_add(r, v, n); pf_buf_adds(r, kind(c, i) == PF_J_INT ? ".0" : "0"); break;
        case 1: pf_buf_add(r, v, n); pf_buf_adds(r, "e0"); break;
        case 2: pf_buf_add(r, v, n); pf_buf_adds(r, "E+00"); break;
        case 3: pf_buf_add(r, v, n); pf_buf_adds(r, "0e-1"); break;
        case 4: pf_buf_addc(r, '+'); pf_buf_add(r, v, n); break;
        case 5: pf_buf_addc(r, '0'); pf_buf_add(r, v, n); break;
        case 6: pf_buf_add(r, v, n); pf_buf_addc(r, '.'); break;
        default: pf_buf_adds(r, pf_mchance(m, 1, 2) ? "NaN" : "Infinity");
        }
    } else {
        /* whitespace around the value: odd kinds and lots of it */
        size_t big = pf_mchance(m, 1, 4) ? 1 + pf_mbelow(m, 4096) : 1;
        const char *sp = spaces[pf_mbelow(m, NELEM(spaces))];
        for (size_t k = 0; k < big && r->len < 8192; k++)
            pf_buf_adds(r, sp);
        pf_buf_add(r, v, n);
        pf_buf_adds(r, spaces[pf_mbelow(m, NELEM(spaces))]);
    }
    return put(c, i);
}

/* ---- empty ---------------------------------------------------------------- */

static int has_content(pf_mctx *c, int i)
{
    const pf_jtok *t = &c->j->tok[i];
    switch (kind(c, i)) {
    case PF_J_STRING: return t->end > t->start;
    case PF_J_ARRAY:
    case PF_J_OBJECT: return t->size > 0;
    default: return 0;
    }
}

/* Production always had content here: no empty string or array seen. */
static int never_empty(pf_mctx *c, int i)
{
    const pf_shape_path *sp = pf_mtok_shape(c, i);
    if (!sp)
        return 0;
    switch (kind(c, i)) {
    case PF_J_STRING: return sp->has_string && sp->str_min_len > 0;
    case PF_J_ARRAY: return sp->has_array && sp->arr_min_len > 0;
    default: return 1;
    }
}

/* Whitespace only: what a form with a space bar or a padded export sends. */
static const char *const blank[] = {"\" \"", "\"  \"", "\"\t\"", "\"\n\"",
                                    "\"\r\n\"", "\" \t \"", "\"\\t\"",
                                    "\"\\n\"", "\"\\u0020\""};

static int m_empty(pf_mctx *c)
{
    int i = pf_mpick(c, has_content, c->m->cfg.shape ? never_empty : NULL);
    if (i < 0)
        return 0;
    pf_mutator *m = c->m;
    pf_buf *r = &m->scratch;
    pf_buf_reset(r);
    const pf_jtok *t = &c->j->tok[i];
    switch (kind(c, i)) {
    case PF_J_STRING:
        switch (c->variant >= 0 ? 0 : pf_mbelow(m, 4)) {
        case 0:
        case 1: pf_buf_adds(r, "\"\""); break;
        case 2: pf_buf_adds(r, blank[pf_mbelow(m, NELEM(blank))]); break;
        default: { /* spaces as long as the value: passes a length check */
            size_t n = (size_t)(t->end - t->start);
            pf_buf_addc(r, '"');
            pf_buf_addrep(r, ' ', n > 256 ? 256 : n);
            pf_buf_addc(r, '"');
        }
        }
        break;
    case PF_J_ARRAY: {
        /* empty, or one empty element where elements had content */
        pf_jkind ek = kind(c, i + 1);
        if (c->variant < 0 && pf_mchance(m, 1, 4) && (ek == PF_J_OBJECT || ek == PF_J_STRING ||
                                    ek == PF_J_ARRAY))
            pf_buf_adds(r, ek == PF_J_OBJECT ? "[{}]"
                           : ek == PF_J_STRING ? "[\"\"]" : "[[]]");
        else
            pf_buf_adds(r, "[]");
        break;
    }
    default:
        pf_buf_adds(r, "{}");
    }
    return put(c, i);
}

/* The one list of names: the classes, then the engine's own actions
 * (crossover, shrink, bytes, none), which have no function here. */
const struct pf_mclass_def pf_mclass_table[PF_M_NONE + 1] = {
    [PF_M_NULL] = {"null", m_null},
    [PF_M_MISSING] = {"missing", m_missing},
    [PF_M_TYPE] = {"type", m_type},
    [PF_M_OVERSIZE] = {"oversize", m_oversize},
    [PF_M_NUMBER] = {"number", m_number},
    [PF_M_DEEP] = {"deep", m_deep},
    [PF_M_LEGACY] = {"legacy", m_legacy},
    [PF_M_UNICODE] = {"unicode", m_unicode},
    [PF_M_DUPKEY] = {"dupkey", m_dupkey},
    [PF_M_TRUNCATE] = {"truncate", m_truncate},
    [PF_M_FORMAT] = {"format", m_format},
    [PF_M_EMPTY] = {"empty", m_empty},
    [PF_M_CROSSOVER] = {"crossover", NULL},
    [PF_M_SHRINK] = {"shrink", NULL},
    [PF_M_BYTES] = {"bytes", NULL},
    [PF_M_NONE] = {"none", NULL},
};
