/*
 * pf_format: the format predicates (pf_format.h). They were two sets, one
 * in shape and one in anonymization, and they disagreed (leading zeros in
 * IPv4, range checks on dates, what "hex" is, the names); this is the one
 * set. Where the two differed, the stricter definition won when a value
 * must read back as itself after a format-keeping replacement (IPv4
 * without leading zeros, real calendar dates, inet_pton's IPv6), and the
 * broader one won for "this key is data" (anonymizing a key that only
 * looked like data costs nothing; keeping one that was data leaks it).
 */
#include "pf_format.h"

#include <arpa/inet.h>
#include <string.h>

const char *const pf_fmt_names[PF_FMT_N] = {
    [PF_FMT_EMAIL] = "email",   [PF_FMT_UUID] = "uuid",
    [PF_FMT_DATETIME] = "datetime", [PF_FMT_DATE] = "date",
    [PF_FMT_TIME] = "time",     [PF_FMT_IPV4] = "ipv4",
    [PF_FMT_IPV6] = "ipv6",     [PF_FMT_URL] = "url",
    [PF_FMT_DIGITS] = "digits", [PF_FMT_PHONE] = "phone",
    [PF_FMT_HEX] = "hex",       [PF_FMT_BASE64] = "base64",
    [PF_FMT_CARD] = "card",     [PF_FMT_MAC] = "mac",
    [PF_FMT_CIDR] = "cidr",
};

const char *const pf_cc_names[PF_CC_N] = {"lower", "upper", "digit", "space",
                                          "punct", "non_ascii", "control"};

const char *pf_fmt_name(pf_fmt f)
{
    return f >= 0 && f < PF_FMT_N ? pf_fmt_names[f] : "text";
}

/* ---- characters ------------------------------------------------------------ */

int pf_is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!pf_is_digit((unsigned char)s[i]))
            return 0;
    return 1;
}

pf_cc pf_cc_of(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return PF_CC_LOWER;
    if (c >= 'A' && c <= 'Z')
        return PF_CC_UPPER;
    if (pf_is_digit(c))
        return PF_CC_DIGIT;
    if (c == ' ')
        return PF_CC_SPACE;
    if (c >= 0x80)
        return PF_CC_NONASCII;
    if (c < 0x20 || c == 0x7f)
        return PF_CC_CONTROL;
    return PF_CC_PUNCT;
}

unsigned pf_cc_mask(const char *s, size_t n)
{
    unsigned m = 0;
    for (size_t i = 0; i < n; i++)
        m |= 1u << pf_cc_of((unsigned char)s[i]);
    return m;
}

/* Decimal value of n digits (the caller checked they are digits). */
static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* ---- UUID ------------------------------------------------------------------ */

int pf_fmt_uuid(const char *s, size_t n)
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

/* ---- dates and times -------------------------------------------------------- */

const char pf_fmt_weekdays[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
const char pf_fmt_months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int pf_fmt_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int pf_fmt_days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && pf_fmt_leap(y) ? 29 : d[m - 1];
}

/* HH:MM[:SS[.f+]] at s[i..n) into t; the index past it, 0 when none. */
static size_t clock_at(const char *s, size_t n, size_t i, pf_isodt *t)
{
    if (i + 5 > n || !pf_is_digits(s + i, 2) || s[i + 2] != ':' ||
        !pf_is_digits(s + i + 3, 2))
        return 0;
    t->hh = num(s + i, 2), t->mi = num(s + i + 3, 2);
    if (t->hh > 23 || t->mi > 59)
        return 0;
    t->has_time = 1;
    i += 5;
    if (i + 3 <= n && s[i] == ':' && pf_is_digits(s + i + 1, 2)) {
        t->ss = num(s + i + 1, 2);
        if (t->ss > 59)
            return 0;
        t->has_sec = 1;
        i += 3;
    }
    t->time_end = i;
    t->frac_start = t->frac_end = i;
    if (t->has_sec && i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && pf_is_digit((unsigned char)s[j]))
            j++;
        if (j == i + 1)
            return 0;
        t->frac_start = i + 1, t->frac_end = j;
        i = j;
    }
    return i;
}

/* Nothing, Z, or (+|-)HH:MM, (+|-)HHMM, (+|-)HH: exactly s[i..n). */
static int zone_ok(const char *s, size_t n, size_t i)
{
    if (i == n)
        return 1;
    if (s[i] == 'Z')
        return i + 1 == n;
    if (s[i] == '+' || s[i] == '-') {
        size_t r = n - i - 1;
        const char *z = s + i + 1;
        if (r == 5 && pf_is_digits(z, 2) && z[2] == ':' && pf_is_digits(z + 3, 2))
            return 1;
        if ((r == 4 && pf_is_digits(z, 4)) || (r == 2 && pf_is_digits(z, 2)))
            return 1;
    }
    return 0;
}

int pf_fmt_iso(const char *s, size_t n, pf_isodt *out)
{
    pf_isodt tt, *t = out ? out : &tt;
    memset(t, 0, sizeof *t);
    if (n < 10 || !pf_is_digits(s, 4) || s[4] != '-' || !pf_is_digits(s + 5, 2) ||
        s[7] != '-' || !pf_is_digits(s + 8, 2))
        return 0;
    t->y = num(s, 4), t->m = num(s + 5, 2), t->d = num(s + 8, 2);
    if (t->y < 1 || t->m < 1 || t->m > 12 || t->d < 1 ||
        t->d > pf_fmt_days_in_month(t->y, t->m))
        return 0;
    t->date_end = 10;
    if (n == 10)
        return 1;
    if (s[10] != 'T' && s[10] != ' ')
        return 0;
    size_t i = clock_at(s, n, 11, t);
    return i && zone_ok(s, n, i);
}

/* PostgreSQL's end of day, 24:00:00[.0+], at the start of s into t: the
 * index past it, 0 when none. */
static size_t end_of_day_at(const char *s, size_t n, pf_isodt *t)
{
    if (n < 8 || memcmp(s, "24:00:00", 8))
        return 0;
    size_t i = 8;
    t->hh = 24, t->mi = 0, t->ss = 0, t->has_time = t->has_sec = 1;
    t->time_end = t->frac_start = t->frac_end = i;
    if (i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && s[j] == '0')
            j++;
        if (j == i + 1 || (j < n && pf_is_digit((unsigned char)s[j])))
            return 0;
        t->frac_start = i + 1, t->frac_end = j;
        i = j;
    }
    return i;
}

int pf_fmt_time_parse(const char *s, size_t n, pf_isodt *out)
{
    pf_isodt tt, *t = out ? out : &tt;
    memset(t, 0, sizeof *t);
    size_t i = clock_at(s, n, 0, t);
    if (!i) {
        memset(t, 0, sizeof *t);
        i = end_of_day_at(s, n, t);
    }
    return i && zone_ok(s, n, i);
}

int pf_fmt_time(const char *s, size_t n) { return pf_fmt_time_parse(s, n, NULL); }

static int name_idx(const char *s, const char (*tab)[4], int n)
{
    for (int i = 0; i < n; i++)
        if (!memcmp(s, tab[i], 3))
            return i;
    return -1;
}

static int hms(const char *s, int *h, int *m, int *sec)
{
    if (!pf_is_digits(s, 2) || s[2] != ':' || !pf_is_digits(s + 3, 2) || s[5] != ':' ||
        !pf_is_digits(s + 6, 2))
        return 0;
    *h = num(s, 2), *m = num(s + 3, 2), *sec = num(s + 6, 2);
    return *h < 24 && *m < 60 && *sec < 60;
}

int pf_fmt_textdate(const char *s, size_t n, int vout[6])
{
    int vv[6], *v = vout ? vout : vv;
    const char (*WD)[4] = pf_fmt_weekdays, (*MO)[4] = pf_fmt_months;
    if (n == 30 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ' &&
        (s[20] == '+' || s[20] == '-') && pf_is_digits(s + 21, 4) && s[25] == ' ' &&
        pf_is_digits(s + 26, 4) && pf_is_digits(s + 8, 2) && name_idx(s, WD, 7) >= 0 &&
        (v[1] = name_idx(s + 4, MO, 12) + 1) > 0 && hms(s + 11, &v[3], &v[4], &v[5])) {
        v[0] = num(s + 26, 4), v[2] = num(s + 8, 2);
        return v[0] > 0 && v[2] >= 1 && v[2] <= pf_fmt_days_in_month(v[0], v[1]) ? 1 : 0;
    }
    if (n == 31 && s[3] == ',' && s[4] == ' ' && pf_is_digits(s + 5, 2) && s[7] == ' ' &&
        s[11] == ' ' && pf_is_digits(s + 12, 4) && s[16] == ' ' && s[25] == ' ' &&
        (s[26] == '+' || s[26] == '-') && pf_is_digits(s + 27, 4) &&
        name_idx(s, WD, 7) >= 0 && (v[1] = name_idx(s + 8, MO, 12) + 1) > 0 &&
        hms(s + 17, &v[3], &v[4], &v[5])) {
        v[0] = num(s + 12, 4), v[2] = num(s + 5, 2);
        return v[0] > 0 && v[2] >= 1 && v[2] <= pf_fmt_days_in_month(v[0], v[1]) ? 2 : 0;
    }
    return 0;
}

/* ---- addresses ---------------------------------------------------------------- */

int pf_fmt_ipv4(const char *s, size_t n, unsigned oct[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        size_t st = i;
        unsigned v = 0;
        while (i < n && pf_is_digit((unsigned char)s[i]) && i - st < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == st || v > 255 || (i - st > 1 && s[st] == '0'))
            return 0;
        if (oct)
            oct[k] = v;
        if (k < 3) {
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
    }
    return i == n;
}

int pf_fmt_ipv6(const char *s, size_t n, unsigned char a[16])
{
    if (n < 2 || n > 45 || !memchr(s, ':', n))
        return 0;
    char tmp[46];
    unsigned char b[16];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return inet_pton(AF_INET6, tmp, a ? a : b) == 1;
}

static int is_label_char(unsigned char c)
{
    return pf_is_digit(c) || pf_is_alpha(c) || c == '-' || c >= 0x80;
}

size_t pf_fmt_host_tld(const char *h, size_t n)
{
    if (n < 4)
        return 0;
    size_t dot = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c == '.') {
            if (i == 0 || h[i - 1] == '.' || i + 1 == n)
                return 0;
            dot = i;
        } else if (!is_label_char(c)) {
            return 0;
        }
    }
    if (!dot || n - dot - 1 < 2)
        return 0;
    for (size_t i = dot + 1; i < n; i++)
        if (!pf_is_alpha((unsigned char)h[i]))
            return 0;
    return dot;
}

size_t pf_fmt_email_at(const char *s, size_t n)
{
    const char *at = n ? memchr(s, '@', n) : NULL;
    if (!at || at == s || n > 320)
        return 0;
    size_t a = (size_t)(at - s);
    if (memchr(at + 1, '@', n - a - 1))
        return 0;
    for (size_t i = 0; i < a; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' ||
            c == ';' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\')
            return 0;
    }
    if (!pf_fmt_host_tld(s + a + 1, n - a - 1))
        return 0;
    return a;
}

size_t pf_fmt_url_scheme(const char *s, size_t n)
{
    size_t i = 0;
    if (n < 8 || !pf_is_alpha((unsigned char)s[0]))
        return 0;
    while (i < n && i < 32 &&
           (pf_is_alpha((unsigned char)s[i]) || pf_is_digit((unsigned char)s[i]) ||
            s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i + 3 > n || memcmp(s + i, "://", 3))
        return 0;
    for (size_t j = i + 3; j < n; j++)
        if ((unsigned char)s[j] <= ' ')
            return 0;
    return i + 3;
}

/* ---- numbers in text ---------------------------------------------------------- */

int pf_fmt_luhn(const char *dg, size_t m)
{
    int sum = 0;
    for (size_t i = 0; i < m; i++) {
        int d = dg[m - 1 - i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

/* The lengths card brands use, by first digit: 2 Mastercard (16); 3 Amex
 * (15), Diners (14-19), JCB (16-19); 4 Visa (13, 16, 19); 5 Mastercard
 * (16); 6 Discover, UnionPay (16-19). Without it one 13-19-digit id in ten
 * (an 18-digit tweet id) passed for a card. The anonymizer keeps the first
 * digit and the length, so its output is a card by this rule too. */
static int brand_length(char first, size_t k)
{
    switch (first) {
    case '2': case '5': return k == 16;
    case '3': return k >= 14 && k <= 19;
    case '4': return k == 13 || k == 16 || k == 19;
    case '6': return k >= 16 && k <= 19;
    default: return 0;
    }
}

int pf_fmt_card(const char *s, size_t n, char *dgout, size_t *m)
{
    char dgb[24], *dg = dgout ? dgout : dgb;
    if (n < 13 || n > 23)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (pf_is_digit((unsigned char)c))
            dg[k++] = c;
        else if ((c == ' ' || c == '-') && i > 0 && i + 1 < n &&
                 pf_is_digit((unsigned char)s[i - 1]) && pf_is_digit((unsigned char)s[i + 1]))
            continue;
        else
            return 0;
    }
    if (!brand_length(dg[0], k))
        return 0;
    if (m)
        *m = k;
    return pf_fmt_luhn(dg, k);
}

int pf_fmt_hex(const char *s, size_t n)
{
    if (n < 6)
        return 0;
    int lo = 0, up = 0, dig = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!pf_is_hexdigit(c))
            return 0;
        if (pf_is_digit(c))
            dig++;
        else if (c >= 'a')
            lo++;
        else
            up++;
    }
    return dig > 0 && (lo > 0) != (up > 0);
}

int pf_fmt_digits(const char *s, size_t n) { return n > 0 && pf_is_digits(s, n); }

int pf_fmt_phone(const char *s, size_t n)
{
    if (n < 7 || n > 24)
        return 0;
    int digits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (pf_is_digit(c))
            digits++;
        else if (c == '+') {
            if (i)
                return 0;
        } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.')
            return 0;
    }
    return digits >= 7 && digits <= 15;
}

int pf_fmt_base64(const char *s, size_t n)
{
    if (n < 16 || n % 4)
        return 0;
    size_t end = n;
    while (end > n - 2 && s[end - 1] == '=')
        end--;
    int up = 0, lo = 0, dg = 0;
    for (size_t i = 0; i < end; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            up = 1;
        else if (c >= 'a' && c <= 'z')
            lo = 1;
        else if (pf_is_digit(c))
            dg = 1;
        else if (c != '+' && c != '/')
            return 0;
    }
    return up + lo + dg >= 2;
}

/* ---- detection ------------------------------------------------------------------ */

/* ---- MAC addresses, networks -------------------------------------------------- */

static int hexval(unsigned char c)
{
    return pf_is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

int pf_fmt_mac(const char *s, size_t n, unsigned char a[8])
{
    unsigned char b[8];
    if (n == 14) { /* xxxx.xxxx.xxxx */
        for (size_t i = 0; i < 14; i++)
            if ((i % 5 == 4) ? s[i] != '.' : !pf_is_hexdigit((unsigned char)s[i]))
                return 0;
        for (int k = 0; k < 6; k++) {
            size_t i = (size_t)(k / 2) * 5 + (size_t)(k % 2) * 2;
            b[k] = (unsigned char)(hexval((unsigned char)s[i]) << 4 | hexval((unsigned char)s[i + 1]));
        }
        if (a)
            memcpy(a, b, 6);
        return 6;
    }
    if (n != 17 && n != 23)
        return 0;
    char sep = s[2];
    if (sep != ':' && sep != '-')
        return 0;
    int m = (int)(n + 1) / 3;
    for (int k = 0; k < m; k++) {
        const char *p = s + 3 * k;
        if (!pf_is_hexdigit((unsigned char)p[0]) || !pf_is_hexdigit((unsigned char)p[1]) ||
            (k + 1 < m && p[2] != sep))
            return 0;
        b[k] = (unsigned char)(hexval((unsigned char)p[0]) << 4 | hexval((unsigned char)p[1]));
    }
    if (a)
        memcpy(a, b, (size_t)m);
    return m;
}

int pf_fmt_cidr(const char *s, size_t n, unsigned char a[16], int *prefix)
{
    const char *sl = memchr(s, '/', n);
    if (!sl)
        return 0;
    size_t an = (size_t)(sl - s), pn = n - an - 1;
    if (pn < 1 || pn > 3 || !pf_is_digits(sl + 1, pn) || (pn > 1 && sl[1] == '0'))
        return 0;
    int p = num(sl + 1, pn);
    unsigned char b[16] = {0};
    unsigned oct[4];
    int fam;
    if (pf_fmt_ipv4(s, an, oct)) {
        for (int k = 0; k < 4; k++)
            b[k] = (unsigned char)oct[k];
        fam = 4;
    } else if (memchr(s, ':', an) && pf_fmt_ipv6(s, an, b)) {
        fam = 6;
    } else {
        return 0;
    }
    if (p > (fam == 4 ? 32 : 128))
        return 0;
    if (a)
        memcpy(a, b, 16);
    if (prefix)
        *prefix = p;
    return fam;
}

pf_fmt pf_fmt_detect(const char *s, size_t n)
{
    if (!n)
        return PF_FMT_NONE;
    unsigned char c0 = (unsigned char)s[0];
    if (pf_fmt_uuid(s, n))
        return PF_FMT_UUID;
    if (pf_is_digit(c0)) {
        pf_isodt t;
        if (pf_fmt_iso(s, n, &t))
            return t.has_time ? PF_FMT_DATETIME : PF_FMT_DATE;
    }
    if ((n == 30 || n == 31) && pf_fmt_textdate(s, n, NULL))
        return PF_FMT_DATETIME;
    if (pf_is_digit(c0)) {
        if (pf_fmt_time(s, n))
            return PF_FMT_TIME;
        if (pf_fmt_ipv4(s, n, NULL))
            return PF_FMT_IPV4;
    }
    if (pf_fmt_mac(s, n, NULL))
        return PF_FMT_MAC;
    if (memchr(s, '/', n) && pf_fmt_cidr(s, n, NULL, NULL))
        return PF_FMT_CIDR;
    if (memchr(s, ':', n) && pf_fmt_ipv6(s, n, NULL))
        return PF_FMT_IPV6;
    if (pf_fmt_card(s, n, NULL, NULL))
        return PF_FMT_CARD;
    if (memchr(s, '@', n) && pf_fmt_email_at(s, n))
        return PF_FMT_EMAIL;
    if (pf_fmt_url_scheme(s, n))
        return PF_FMT_URL;
    if (pf_fmt_digits(s, n))
        return PF_FMT_DIGITS;
    if (pf_fmt_phone(s, n))
        return PF_FMT_PHONE;
    if (pf_fmt_hex(s, n))
        return PF_FMT_HEX;
    if (pf_fmt_base64(s, n))
        return PF_FMT_BASE64;
    return PF_FMT_NONE;
}

int pf_fmt_key_is_data(const char *s, size_t n)
{
    size_t dg = 0, hex = 0;
    int mark = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        dg += pf_is_digit(c);
        hex += pf_is_hexdigit(c);
        mark |= c == '@' || c == ':';
    }
    if (!dg && !mark) /* field names: every data format needs one of these */
        return 0;
    if (dg == n || memchr(s, '@', n))
        return 1;
    if (dg >= 6 || (n >= 12 && dg * 3 >= n) || (n >= 8 && hex == n))
        return 1; /* "user_817234", "a8f3k2m9x1q7", "deadbeef1" */
    pf_fmt f = pf_fmt_detect(s, n);
    /* base64 is left out: "customerAddress1" is one */
    return f != PF_FMT_NONE && f != PF_FMT_BASE64;
}
