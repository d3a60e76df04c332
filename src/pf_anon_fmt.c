/*
 * pf_anon_fmt: the value transforms built on the scramble engine
 * (pf_anon_scramble.c). With formats on, values recognised as UUID, ISO
 * date/time, time of day, IPv4, IPv6, CIDR network, MAC address, card
 * number (Luhn), e-mail, URL or hex get
 * replacements valid in their format; hash and FPE actions; the dispatch
 * from an action to its transform. Everything here depends on the action,
 * the key and the value only, never on a path or table.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_anon_int.h"
#include "pf_format.h"

/* ---- formats ------------------------------------------------------------------ */

static void uuid_xf(pf_xf *xf, const char *s, pf_buf *out)
{
    int upper = 0, lower = 0;
    for (int i = 0; i < 36; i++) {
        upper += s[i] >= 'A' && s[i] <= 'F';
        lower += s[i] >= 'a' && s[i] <= 'f';
    }
    int up = upper > lower;
    size_t k = 0;
    uint32_t cls[36];
    if (pf_xs_ensure(xf, 36) < 0) {
        out->oom = 1;
        return;
    }
    pf_buf_reset(&xf->pat);
    for (int i = 0; i < 36; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-' || i == 14) { /* dashes and the version nibble stay */
            cls[i] = C_KEEP;
            pf_buf_addc(&xf->pat, (char)c);
            continue;
        }
        uint32_t v = pf_is_digit(c) ? (uint32_t)(c - '0') : (uint32_t)((c | 0x20) - 'a' + 10);
        if (i == 19 && v >= 8 && v <= 11) {
            cls[i] = up ? C_VARU : C_VARL;
            xf->radix[k] = 4;
            xf->x[k++] = v - 8;
        } else {
            cls[i] = up ? C_HEXU : C_HEXL;
            xf->radix[k] = 16;
            xf->x[k++] = v;
        }
        pf_buf_addc(&xf->pat, (char)cls[i]);
    }
    pf_feistel_digits(&xf->aes, pf_xs_tweak(xf, 'U'), xf->x, xf->radix, k);
    k = 0;
    for (int i = 0; i < 36; i++) {
        char e[4];
        if (cls[i] == C_KEEP)
            pf_buf_addc(out, s[i]);
        else
            pf_buf_add(out, e, pf_xs_encode_digit(cls[i], xf->x[k++], e));
    }
}

/* v (>= 0) in exactly w decimal digits, zero-padded (the hot paths of
 * dates and addresses: no printf per value). */
static void add_dec(pf_buf *out, unsigned long v, int w)
{
    char b[24];
    int i = (int)sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while ((v || (int)sizeof b - i < w) && i > 0);
    pf_buf_add(out, b + i, sizeof b - (size_t)i);
}

static void add_ymd(pf_buf *out, long y, int m, int d)
{
    add_dec(out, (unsigned long)y, 4);
    pf_buf_addc(out, '-');
    add_dec(out, (unsigned long)m, 2);
    pf_buf_addc(out, '-');
    add_dec(out, (unsigned long)d, 2);
}

static void add_hms(pf_buf *out, uint64_t sec, int with_sec)
{
    if (!with_sec) { /* sec holds minutes of the day */
        add_dec(out, (unsigned long)(sec / 60), 2);
        pf_buf_addc(out, ':');
        add_dec(out, (unsigned long)(sec % 60), 2);
        return;
    }
    add_dec(out, (unsigned long)(sec / 3600), 2);
    pf_buf_addc(out, ':');
    add_dec(out, (unsigned long)(sec / 60 % 60), 2);
    pf_buf_addc(out, ':');
    add_dec(out, (unsigned long)(sec % 60), 2);
}

static int doy_of(int y, int m, int d)
{
    int n = d - 1;
    for (int i = 1; i < m; i++)
        n += pf_fmt_days_in_month(y, i);
    return n;
}

static void from_doy(int y, int doy, int *m, int *d)
{
    int mm = 1;
    while (doy >= pf_fmt_days_in_month(y, mm))
        doy -= pf_fmt_days_in_month(y, mm++);
    *m = mm;
    *d = doy + 1;
}

/* Days since 1970-01-01 and back (proleptic Gregorian). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

/* The time of day of t (parsed from s) and what follows it: another real
 * time of day (the same permutation in a timestamp and a bare time), the
 * fraction's digits scrambled, the zone kept. PostgreSQL's end of day
 * 24:00:00 is kept: a boundary of the type, not data. */
static void clock_xf(pf_xf *xf, const char *s, size_t n, const pf_isodt *t, pf_buf *out)
{
    if (t->hh == 24) {
        size_t b = t->time_end - 8;
        pf_buf_add(out, s + b, n - b);
        return;
    }
    if (t->has_sec) {
        uint64_t sec = pf_permute_int(&xf->aes, 0x54494d45ULL,
                                      (uint64_t)(t->hh * 3600 + t->mi * 60 + t->ss), 86400);
        add_hms(out, sec, 1);
    } else {
        uint64_t mi = pf_permute_int(&xf->aes, 0x484d4dULL, (uint64_t)(t->hh * 60 + t->mi), 1440);
        add_hms(out, mi, 0);
    }
    if (t->frac_end > t->frac_start) {
        pf_buf_addc(out, '.');
        pf_xs_scramble(xf, 'F', s + t->frac_start, t->frac_end - t->frac_start, 0, out);
    }
    pf_buf_add(out, s + t->frac_end, n - t->frac_end);
}

static void date_xf(pf_xf *xf, const char *s, size_t n, const pf_isodt *t, pf_buf *out)
{
    int dy = (int)pf_permute_int(&xf->aes, 0x44415445ULL ^ ((uint64_t)t->y << 32),
                                 (uint64_t)doy_of(t->y, t->m, t->d), pf_fmt_leap(t->y) ? 366 : 365);
    int m, d;
    from_doy(t->y, dy, &m, &d);
    add_ymd(out, t->y, m, d);
    if (!t->has_time) {
        pf_buf_add(out, s + 10, n - 10);
        return;
    }
    pf_buf_addc(out, s[10]);
    clock_xf(xf, s, n, t, out);
}

static long shift_offset(pf_xf *xf, int days)
{
    /* the same for every value of a run with the same days: made once */
    if (xf->shift_days == days && days)
        return xf->shift_off;
    unsigned char in[12] = "shift-date", o[32];
    in[10] = (unsigned char)(days >> 8);
    in[11] = (unsigned char)days;
    pf_prf_2(&xf->prf, in, sizeof in, NULL, 0, o);
    uint64_t v;
    memcpy(&v, o, 8);
    long off = 1 + (long)(v % (uint64_t)days);
    xf->shift_days = days;
    xf->shift_off = (v >> 63) ? -off : off;
    return xf->shift_off;
}

static int shift_iso(pf_xf *xf, const char *s, size_t n, int days, pf_buf *out)
{
    pf_isodt t;
    if (!pf_fmt_iso(s, n, &t))
        return 0;
    long z = days_from_civil(t.y, t.m, t.d) + shift_offset(xf, days);
    long y;
    int m, d;
    civil_from_days(z, &y, &m, &d);
    if (y < 1 || y > 9999)
        return 0;
    add_ymd(out, y, m, d);
    pf_buf_add(out, s + 10, n - 10);
    return 1;
}

/* Dates with English names, as logs and APIs write them:
 *   "Sun Aug 31 00:29:15 +0000 2014"  (ctime-like, Twitter)
 *   "Sun, 31 Aug 2014 00:29:15 +0000" (RFC 2822, e-mail and HTTP)
 * replaced by a real date of the same year and time of day, with the
 * right weekday name. */

static void textdate_xf(pf_xf *xf, const char *s, int kind, const int *v, long shift,
                        pf_buf *out)
{
    long y = v[0];
    int m, d;
    uint64_t sec = (uint64_t)(v[3] * 3600 + v[4] * 60 + v[5]);
    if (shift) {
        civil_from_days(days_from_civil(v[0], v[1], v[2]) + shift, &y, &m, &d);
        if (y < 1 || y > 9999)
            y = v[0], m = v[1], d = v[2];
    } else {
        int dy = (int)pf_permute_int(&xf->aes, 0x44415445ULL ^ ((uint64_t)y << 32),
                                     (uint64_t)doy_of(v[0], v[1], v[2]), pf_fmt_leap(v[0]) ? 366 : 365);
        from_doy(v[0], dy, &m, &d);
        sec = pf_permute_int(&xf->aes, 0x54494d45ULL, sec, 86400);
    }
    long z = days_from_civil(y, m, d);
    const char *wd = pf_fmt_weekdays[((z % 7) + 7) % 7];
    char t[16];
    snprintf(t, sizeof t, "%02d:%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
    if (kind == 1)
        pf_buf_addf(out, "%s %s %02d %s %.5s %04ld", wd, pf_fmt_months[m - 1], d, t, s + 20, y);
    else
        pf_buf_addf(out, "%s, %02d %s %04ld %s %.5s", wd, d, pf_fmt_months[m - 1], y, t, s + 26);
}

static void ipv4_xf(pf_xf *xf, const unsigned oct[4], pf_buf *out)
{
    uint32_t x[4], r[4] = {256, 256, 256, 256};
    for (int k = 0; k < 4; k++)
        x[k] = oct[k];
    pf_feistel_digits(&xf->aes, 0x49507634ULL, x, r, 4);
    for (int k = 0; k < 4; k++) {
        if (k)
            pf_buf_addc(out, '.');
        add_dec(out, x[k], 1);
    }
}

static int ipv6_xf(pf_xf *xf, const char *s, size_t n, pf_buf *out)
{
    unsigned char a[16];
    if (!pf_fmt_ipv6(s, n, a))
        return 0;
    uint32_t x[8], r[8];
    for (int k = 0; k < 8; k++) {
        x[k] = (uint32_t)a[2 * k] << 8 | a[2 * k + 1];
        r[k] = 65536;
    }
    pf_feistel_digits(&xf->aes, 0x49507636ULL, x, r, 8);
    for (int k = 0; k < 8; k++) {
        a[2 * k] = (unsigned char)(x[k] >> 8);
        a[2 * k + 1] = (unsigned char)x[k];
    }
    char o[64];
    if (!inet_ntop(AF_INET6, a, o, sizeof o))
        return 0;
    pf_buf_adds(out, o);
    return 1;
}

/* MAC address (6 or 8 octets a, as pf_fmt_mac read s): a keyed
 * permutation of the octets that keeps the first octet's two low bits
 * (multicast and locally administered), written back in s's layout: its
 * separators, hex letters in its case (the majority's when mixed). The
 * three notations of one 6-octet address give the same address. */
static void mac_xf(pf_xf *xf, const char *s, size_t n, unsigned char *a, int m, pf_buf *out)
{
    int upper = 0, lower = 0;
    for (size_t i = 0; i < n; i++) {
        upper += s[i] >= 'A' && s[i] <= 'F';
        lower += s[i] >= 'a' && s[i] <= 'f';
    }
    const char *dig = upper > lower ? "0123456789ABCDEF" : "0123456789abcdef";
    uint32_t x[8], r[8];
    x[0] = a[0] >> 2, r[0] = 64;
    for (int k = 1; k < m; k++)
        x[k] = a[k], r[k] = 256;
    pf_feistel_digits(&xf->aes, 0x4d4143ULL << 8 | (uint64_t)m, x, r, (size_t)m);
    a[0] = (unsigned char)(x[0] << 2 | (a[0] & 3u));
    for (int k = 1; k < m; k++)
        a[k] = (unsigned char)x[k];
    size_t j = 0; /* nibbles written */
    for (size_t i = 0; i < n; i++) {
        if (!pf_is_hexdigit((unsigned char)s[i])) {
            pf_buf_addc(out, s[i]);
            continue;
        }
        unsigned b = a[j / 2];
        pf_buf_addc(out, dig[j % 2 ? b & 15 : b >> 4]);
        j++;
    }
}

/* Bits [off, off + len) of the big-endian a, len <= 32, and back. */
static uint64_t get_bits(const unsigned char *a, int off, int len)
{
    uint64_t v = 0;
    for (int i = off; i < off + len; i++)
        v = v << 1 | ((a[i / 8] >> (7 - i % 8)) & 1u);
    return v;
}

static void set_bits(unsigned char *a, int off, int len, uint64_t v)
{
    for (int i = off + len - 1; i >= off; i--, v >>= 1) {
        unsigned char bit = (unsigned char)(0x80u >> (i % 8));
        a[i / 8] = (unsigned char)((v & 1) ? a[i / 8] | bit : a[i / 8] & ~bit);
    }
}

/* address/prefix (family fam, address a, prefix p, as pf_fmt_cidr read
 * s): the prefix kept. A network (no host bit set: what a cidr column
 * holds) gets another network of the same length: a keyed permutation of
 * its p network bits, host bits still zero, so PostgreSQL's cidr reads it
 * and distinct networks stay distinct. An address with host bits (an inet
 * with a netmask) gets another address, as IPv4 and IPv6 values do. */
static void cidr_xf(pf_xf *xf, const char *s, size_t n, int fam, unsigned char *a, int p,
                    pf_buf *out)
{
    const char *sl = memchr(s, '/', n);
    size_t an = (size_t)(sl - s);
    int bits = fam == 4 ? 32 : 128;
    int host = 0;
    for (int i = p; i < bits && !host; i++)
        host = (a[i / 8] >> (7 - i % 8)) & 1;
    if (host) {
        if (fam == 4) {
            unsigned oct[4] = {a[0], a[1], a[2], a[3]};
            ipv4_xf(xf, oct, out);
        } else if (!ipv6_xf(xf, s, an, out)) {
            pf_xs_scramble(xf, 'H', s, an, M_HEX, out);
        }
        pf_buf_add(out, sl, n - an);
        return;
    }
    uint64_t tweak = 0x43494452ULL << 16 | (uint64_t)fam << 8 | (uint64_t)p;
    if (p > 0 && p <= 61) {
        set_bits(a, 0, p, pf_permute_int(&xf->aes, tweak, get_bits(a, 0, p), (uint64_t)1 << p));
    } else if (p > 61) { /* IPv6: 16-bit digits, the last one shorter */
        uint32_t x[8], r[8];
        int nd = (p + 15) / 16;
        for (int k = 0; k < nd; k++) {
            int len = k + 1 < nd ? 16 : p - 16 * k;
            x[k] = (uint32_t)get_bits(a, 16 * k, len);
            r[k] = (uint32_t)1 << len;
        }
        pf_feistel_digits(&xf->aes, tweak, x, r, (size_t)nd);
        for (int k = 0; k < nd; k++)
            set_bits(a, 16 * k, k + 1 < nd ? 16 : p - 16 * k, x[k]);
    }
    char o[64];
    if (fam == 4) {
        for (int k = 0; k < 4; k++) {
            if (k)
                pf_buf_addc(out, '.');
            add_dec(out, a[k], 1);
        }
    } else if (inet_ntop(AF_INET6, a, o, sizeof o)) {
        pf_buf_adds(out, o);
    } else {
        pf_xs_scramble(xf, 'H', s, an, M_HEX, out);
    }
    pf_buf_add(out, sl, n - an);
}

static void card_xf(pf_xf *xf, const char *s, size_t n, char *dg, size_t m, pf_buf *out)
{
    uint32_t x[19], r[19];
    for (size_t i = 1; i + 1 < m; i++) {
        x[i - 1] = (uint32_t)(dg[i] - '0');
        r[i - 1] = 10;
    }
    pf_feistel_digits(&xf->aes, 0x43415244ULL ^ m, x, r, m - 2);
    for (size_t i = 1; i + 1 < m; i++)
        dg[i] = (char)('0' + x[i - 1]);
    for (int c = 0; c < 10; c++) {
        dg[m - 1] = (char)('0' + c);
        if (pf_fmt_luhn(dg, m))
            break;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        pf_buf_addc(out, pf_is_digit((unsigned char)s[i]) ? dg[k++] : s[i]);
}

/* The domain of an e-mail address (up to its TLD), through the memo. */
static void domain_xf(pf_xf *xf, const char *d, size_t n, pf_buf *out)
{
    if (n > PF_XF_DOM_MAX || !xf->dom) {
        pf_xs_scramble(xf, 'D', d, n, M_RUNS, out);
        return;
    }
    uint64_t h = pf_sip(xf->sipkey, d, n);
    struct pf_xf_dom *e = &xf->dom[h % PF_XF_DOM_SLOTS];
    if (e->used && e->h == h && e->len == n && !memcmp(e->in, d, n)) {
        pf_buf_add(out, e->out, n);
        return;
    }
    size_t at = out->len;
    pf_xs_scramble(xf, 'D', d, n, M_RUNS, out);
    if (out->oom || out->len != at + n)
        return;
    e->used = 1;
    e->h = h;
    e->len = (uint8_t)n;
    memcpy(e->in, d, n);
    memcpy(e->out, out->data + at, n);
}

static void email_xf(pf_xf *xf, const char *s, size_t n, size_t at, int keep_domain,
                     pf_buf *out)
{
    pf_xs_scramble(xf, 'L', s, at, M_RUNS, out);
    pf_buf_addc(out, '@');
    const char *d = s + at + 1;
    size_t dn = n - at - 1;
    if (!keep_domain) {
        size_t dot = pf_fmt_host_tld(d, dn);
        domain_xf(xf, d, dot, out);
        pf_buf_add(out, d + dot, dn - dot);
    } else {
        pf_buf_add(out, d, dn);
    }
    xf->kept_parts = 1;
}

static void url_xf(pf_xf *xf, const char *s, size_t n, size_t sch, pf_buf *out)
{
    pf_buf_add(out, s, sch);
    size_t a = sch;
    size_t e = a;
    while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#')
        e++;
    /* authority: [userinfo@]host[:port] */
    size_t h = a;
    for (size_t i = a; i < e; i++)
        if (s[i] == '@')
            h = i + 1;
    if (h > a) {
        pf_xs_scramble(xf, 'I', s + a, h - 1 - a, M_RUNS | M_PCT, out);
        pf_buf_addc(out, '@');
    }
    size_t he = e;
    if (h < e && s[h] == '[') {
        /* [IPv6]:port */
        const char *rb = memchr(s + h, ']', e - h);
        size_t r = rb ? (size_t)(rb - s) : e;
        if (rb && r + 1 <= e && (r + 1 == e || (s[r + 1] == ':' && pf_is_digits(s + r + 2, e - r - 2)))) {
            pf_buf_addc(out, '[');
            if (!ipv6_xf(xf, s + h + 1, r - h - 1, out))
                pf_xs_scramble(xf, 'H', s + h + 1, r - h - 1, M_HEX, out);
            pf_buf_add(out, s + r, e - r);
            pf_xs_scramble(xf, 'P', s + e, n - e, M_RUNS | M_PCT, out);
            xf->kept_parts = 1;
            return;
        }
    } else if (h < e) {
        for (size_t i = e; i > h; i--)
            if (s[i - 1] == ':') {
                if (pf_is_digits(s + i, e - i))
                    he = i - 1;
                break;
            }
    }
    unsigned oct[4];
    size_t dot;
    if (pf_fmt_ipv4(s + h, he - h, oct)) {
        ipv4_xf(xf, oct, out);
    } else if ((dot = pf_fmt_host_tld(s + h, he - h)) != 0) {
        pf_xs_scramble(xf, 'H', s + h, dot, M_RUNS, out);
        pf_buf_add(out, s + h + dot, he - h - dot);
    } else {
        pf_xs_scramble(xf, 'H', s + h, he - h, M_RUNS | M_PCT, out);
    }
    pf_buf_add(out, s + he, e - he); /* :port */
    pf_xs_scramble(xf, 'P', s + e, n - e, M_RUNS | M_PCT, out);
    xf->kept_parts = 1;
}

const char *pf_xf_format_name(const char *s, size_t n)
{
    return pf_fmt_name(pf_fmt_detect(s, n));
}

/* One detection (pf_format's, as shape counts them), then the transform
 * of the format found; formats without one of their own (digits,
 * phone, base64, text) get the generic scramble, which keeps digit runs
 * and separators. */
static void scramble_formats(pf_xf *xf, const char *s, size_t n, pf_buf *out)
{
    int tv[6], tk, pfx;
    pf_isodt t;
    unsigned oct[4];
    unsigned char a[16];
    char dg[24];
    size_t m, at;
    switch (pf_fmt_detect(s, n)) {
    case PF_FMT_UUID:
        uuid_xf(xf, s, out);
        return;
    case PF_FMT_DATE:
    case PF_FMT_DATETIME:
        if (pf_fmt_iso(s, n, &t))
            date_xf(xf, s, n, &t, out);
        else if ((tk = pf_fmt_textdate(s, n, tv)) != 0)
            textdate_xf(xf, s, tk, tv, 0, out);
        return;
    case PF_FMT_TIME:
        pf_fmt_time_parse(s, n, &t);
        clock_xf(xf, s, n, &t, out);
        return;
    case PF_FMT_MAC:
        tk = pf_fmt_mac(s, n, a);
        mac_xf(xf, s, n, a, tk, out);
        return;
    case PF_FMT_CIDR:
        tk = pf_fmt_cidr(s, n, a, &pfx);
        cidr_xf(xf, s, n, tk, a, pfx, out);
        return;
    case PF_FMT_IPV4:
        pf_fmt_ipv4(s, n, oct);
        ipv4_xf(xf, oct, out);
        return;
    case PF_FMT_IPV6:
        if (ipv6_xf(xf, s, n, out))
            return;
        break;
    case PF_FMT_CARD:
        pf_fmt_card(s, n, dg, &m);
        card_xf(xf, s, n, dg, m, out);
        return;
    case PF_FMT_EMAIL:
        at = pf_fmt_email_at(s, n);
        email_xf(xf, s, n, at, 0, out);
        return;
    case PF_FMT_URL:
        url_xf(xf, s, n, pf_fmt_url_scheme(s, n), out);
        return;
    case PF_FMT_HEX:
        pf_xs_scramble(xf, 'X', s, n, M_HEX, out);
        return;
    default:
        break;
    }
    pf_xs_scramble(xf, 'G', s, n, M_RUNS, out);
}

/* ---- hash, fpe ---------------------------------------------------------------- */

static void hash_hex(pf_xf *xf, const char *s, size_t n, int len, pf_buf *out)
{
    unsigned char o[32];
    static const char tag[] = "prodfuzz hash v1";
    pf_prf_2(&xf->prf, tag, sizeof tag, s, n, o);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", o[i]);
    pf_buf_add(out, hex, (size_t)len);
}

static const char ALNUM[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int alnum_idx(unsigned char c)
{
    const char *p = c ? strchr(ALNUM, c) : NULL;
    return p ? (int)(p - ALNUM) : -1;
}

/* FF1 over the digits (radix 10) or the letters and digits (radix 62) of
 * s, other characters kept in place. first_nz: cycle-walk until the first
 * symbol is not '0' (multi-digit JSON integers). 0 if FF1 does not apply. */
static int fpe_core(pf_xf *xf, const char *s, size_t n, int first_nz, pf_buf *out)
{
    uint16_t x[PF_FF1_MAXLEN];
    size_t pos[PF_FF1_MAXLEN];
    size_t k = 0;
    int letters = 0;
    for (size_t i = 0; i < n; i++) {
        int v = alnum_idx((unsigned char)s[i]);
        if ((unsigned char)s[i] >= 0x80)
            return 0;
        if (v < 0)
            continue;
        if (k == PF_FF1_MAXLEN)
            return 0;
        letters |= v >= 10;
        pos[k] = i;
        x[k++] = (uint16_t)v;
    }
    unsigned radix = letters ? 62 : 10;
    if (k < 2)
        return 0;
    int guard = 0;
    do {
        if (pf_ff1_encrypt(&xf->ff1, radix, NULL, 0, x, k) < 0)
            return 0;
    } while (first_nz && x[0] == 0 && ++guard < 100000);
    size_t prev = 0;
    for (size_t j = 0; j < k; j++) {
        pf_buf_add(out, s + prev, pos[j] - prev);
        pf_buf_addc(out, ALNUM[x[j]]);
        prev = pos[j] + 1;
    }
    pf_buf_add(out, s + prev, n - prev);
    return 1;
}

/* ---- dispatch ------------------------------------------------------------------ */

/* The special values PostgreSQL prints for numeric, float, date and
 * timestamp (NaN, Infinity, -Infinity, infinity, -infinity) and for an
 * empty range (empty): keywords of the type, never personal data, and
 * exactly what parsers trip on, so a transform keeps them (a scramble
 * turned "NaN" into "DdI", a value no column can hold). */
static int pg_special(const char *s, size_t n)
{
    static const char *const w[] = {"NaN", "Infinity", "-Infinity", "infinity",
                                    "-infinity", "empty"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (n == strlen(w[i]) && !memcmp(s, w[i], n))
            return 1;
    return 0;
}

pf_xr pf_xf_string(pf_xf *xf, const pf_action *act, const char *s, size_t n,
                   pf_buf *out)
{
    xf->kept_parts = 0;
    switch (act->kind) {
    case PF_ACT_KEEP:
        pf_buf_add(out, s, n);
        return PF_XR_STRING;
    case PF_ACT_NULL:
        return PF_XR_NULL;
    case PF_ACT_REDACT:
        pf_buf_adds(out, act->text ? act->text : "REDACTED");
        return PF_XR_STRING;
    case PF_ACT_HASH:
        hash_hex(xf, s, n, act->length, out);
        return PF_XR_STRING;
    default:
        break;
    }
    if (n == 0)
        return PF_XR_STRING;
    if (pg_special(s, n)) {
        pf_buf_add(out, s, n);
        xf->kept_parts = 1;
        return PF_XR_STRING;
    }
    size_t at;
    switch (act->kind) {
    case PF_ACT_EMAIL:
        if ((at = pf_fmt_email_at(s, n)) != 0) {
            email_xf(xf, s, n, at, act->keep_domain, out);
            return PF_XR_STRING;
        }
        break;
    case PF_ACT_SHIFT_DATE: {
        int tv[6], tk;
        if (shift_iso(xf, s, n, act->days, out))
            return PF_XR_STRING;
        if ((tk = pf_fmt_textdate(s, n, tv)) != 0) {
            textdate_xf(xf, s, tk, tv, shift_offset(xf, act->days), out);
            return PF_XR_STRING;
        }
        break;
    }
    case PF_ACT_FPE:
        if (fpe_core(xf, s, n, 0, out))
            return PF_XR_STRING;
        break;
    default:
        break;
    }
    if (act->formats)
        scramble_formats(xf, s, n, out);
    else
        pf_xs_scramble(xf, 'G', s, n, M_RUNS, out);
    return PF_XR_STRING;
}

pf_xr pf_xf_number(pf_xf *xf, const pf_action *act, const char *s, size_t n,
                   pf_buf *out)
{
    xf->kept_parts = 0;
    size_t me = 0; /* mantissa end */
    while (me < n && s[me] != 'e' && s[me] != 'E')
        me++;
    int neg = n > 0 && s[0] == '-';
    size_t ip = neg, ie = ip;
    while (ie < me && pf_is_digit((unsigned char)s[ie]))
        ie++;
    int integer = me == n && ie == n;
    switch (act->kind) {
    case PF_ACT_KEEP:
        pf_buf_add(out, s, n);
        return PF_XR_RAW;
    case PF_ACT_NULL:
        return PF_XR_NULL;
    case PF_ACT_REDACT:
        pf_buf_adds(out, "0");
        return PF_XR_RAW;
    case PF_ACT_HASH: {
        unsigned char o[32];
        static const char tag[] = "prodfuzz hash v1";
        pf_prf_2(&xf->prf, tag, sizeof tag, s, n, o);
        uint64_t v;
        memcpy(&v, o, 8);
        pf_buf_addf(out, "%llu", (unsigned long long)(v % 900000000000000ULL + 100000000000000ULL));
        return PF_XR_RAW;
    }
    case PF_ACT_SHIFT_DATE:
        /* epoch seconds (10 digits) or milliseconds (13 digits) */
        if (integer && !neg && (n == 10 || n == 13)) {
            long long v = 0, unit;
            for (size_t i = 0; i < n; i++)
                v = v * 10 + (s[i] - '0');
            unit = n == 10 ? 86400LL : 86400000LL;
            long long r = v + shift_offset(xf, act->days) * unit;
            char b[32];
            int bl = snprintf(b, sizeof b, "%lld", r);
            if (r > 0 && (size_t)bl == n) {
                pf_buf_add(out, b, (size_t)bl);
                return PF_XR_RAW;
            }
        }
        break;
    case PF_ACT_FPE:
        if (fpe_core(xf, s, me, ie - ip > 1, out)) {
            pf_buf_add(out, s + me, n - me);
            return PF_XR_RAW;
        }
        break;
    default:
        break;
    }
    char dg[24];
    size_t m;
    if (act->formats && integer && !neg && pf_fmt_card(s, n, dg, &m)) {
        card_xf(xf, s, n, dg, m, out);
        return PF_XR_RAW;
    }
    pf_xs_scramble(xf, 'G', s, me, M_RUNS, out);
    pf_buf_add(out, s + me, n - me);
    return PF_XR_RAW;
}
