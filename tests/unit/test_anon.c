/*
 * Unit tests of the anonymization engine: shapes, classes and formats
 * kept, one-to-one and keyed, joins across tables, kept paths
 * byte-identical, data keys transformed, numbers still valid JSON, the
 * leak check, explain.
 */
#include "pf_test.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <time.h>

#include "pf_anon.h"
#include "pf_format.h"
#include "pf_json.h"

static void key_of(pf_key *k, const char *secret)
{
    memset(k, 0, sizeof *k);
    k->len = strlen(secret);
    memcpy(k->bytes, secret, k->len);
}

static pf_anon *engine(const char *secret, const char *policy, int verify)
{
    pf_key k;
    key_of(&k, secret);
    pf_policy *p = NULL;
    pf_err e = PF_ERR_INIT;
    if (policy)
        assert_int_equal(pf_policy_parse(policy, strlen(policy), "test", &p, &e), 0);
    pf_anon *a = NULL;
    assert_int_equal(pf_anon_new(&a, &k, p, verify, &e), 0);
    /* the engine keeps a pointer to the policy: leak it for the test's life
     * by parking it in a static list freed at exit */
    static pf_policy *keep[64];
    static int nkeep;
    if (p && nkeep < 64)
        keep[nkeep++] = p;
    return a;
}

/* Anonymize doc, return the output (heap). */
static char *anon(pf_anon *a, const char *table, const char *doc)
{
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    int rc = pf_anon_doc(a, table, "test row 1", doc, strlen(doc), &out, &e);
    if (rc != 0)
        print_message("pf_anon_doc: %s\n", e.msg);
    assert_int_equal(rc, 0);
    return pf_buf_detach(&out, NULL);
}

/* The decoded value of the string at $.v of a JSON object text. */
static char *field(const char *json, const char *name, size_t *n)
{
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_json_parse(&j, json, strlen(json), &e), 0);
    pf_buf b = PF_BUF_INIT;
    for (int i = 1; i < j.ntok; i++) {
        if (j.tok[i].parent != 0)
            continue;
        pf_buf_reset(&b);
        pf_json_unescape(&j, i, &b);
        if (!strcmp(b.data, name)) {
            int v = i + 1;
            pf_buf_reset(&b);
            if (j.tok[v].type == PF_JT_STRING) {
                pf_json_unescape(&j, v, &b);
            } else {
                size_t s, en;
                pf_json_span(&j, v, &s, &en);
                pf_buf_add(&b, json + s, en - s);
            }
            pf_json_free(&j);
            return pf_buf_detach(&b, n);
        }
    }
    pf_json_free(&j);
    pf_buf_free(&b);
    fail_msg("no field %s", name);
    return NULL;
}

/* Scramble one string value with the default policy. */
static char *scr(pf_anon *a, const char *v)
{
    pf_buf d = PF_BUF_INIT;
    pf_buf_adds(&d, "{\"v\":");
    pf_buf_add_json_str(&d, v, strlen(v));
    pf_buf_addc(&d, '}');
    char *o = anon(a, NULL, d.data);
    pf_buf_free(&d);
    size_t n;
    char *r = field(o, "v", &n);
    free(o);
    return r;
}

static int cls(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return 'l';
    if (c >= 'A' && c <= 'Z')
        return 'u';
    if (c >= '0' && c <= '9')
        return 'd';
    if (c >= 0xC0)
        return 0x100 + (c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2);
    if (c >= 0x80)
        return 'c';
    return 0x200 + c; /* separators: must be identical */
}

static void scramble_keeps_length_classes_and_separators(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    const char *vals[] = {"Ann-Marie O'Neil", "  padded value  ", "ab_cd/ef:gh.ij kl",
                          "+1 (555) 010-9999", "Zoë Çelik", "Ελένη Παπαδοπούλου",
                          "Дмитрий Иванов", "שלום עולם", "مرحبا بالعالم", "山田太郎",
                          "やまだ たろう", "ヤマダ タロウ", "김민준", "emoji 😀👍 ok",
                          "MiXeD123abcXYZ", "x", ""};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char *o = scr(a, vals[i]);
        size_t n = strlen(vals[i]);
        assert_int_equal(strlen(o), n);
        for (size_t b = 0; b < n; b++)
            assert_int_equal(cls((unsigned char)o[b]), cls((unsigned char)vals[i][b]));
        if (n >= 4)
            assert_string_not_equal(o, vals[i]);
        free(o);
    }
    /* scripts stay scripts: Cyrillic letters stay in U+0400..U+04FF */
    char *o = scr(a, "Дмитрий");
    for (size_t b = 0; o[b]; b += 2)
        assert_true((unsigned char)o[b] == 0xD0 || (unsigned char)o[b] == 0xD1);
    free(o);
    pf_anon_free(a);
}

/* Text in a legacy encoding (what a SQL_ASCII database holds: cp1251 or
 * Latin-1 names) is not valid UTF-8: every such byte is scrambled too,
 * and stays a byte of no valid sequence at the same place. */
static void text_in_a_legacy_encoding_is_scrambled_not_kept(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 1);
    static const char *vals[] = {
        "\xc8\xe2\xe0\xed\xee\xe2 \xc8\xe2\xe0\xed", /* cp1251 */
        "Jos\xe9 Garc\xed\x61 M\xfcller",              /* Latin-1 */
        "\x80\x81\xbf\xc0\xc1\xf5\xff\xed\x80",         /* strays, never-valid */
        "caf\xc3",                                      /* cut at the end */
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        const char *v = vals[i];
        size_t n = strlen(v);
        pf_buf d = PF_BUF_INIT;
        pf_buf_adds(&d, "{\"v\":");
        pf_buf_add_json_bytes(&d, v, n);
        pf_buf_addc(&d, '}');
        char *o = anon(a, NULL, d.data);
        char *again = anon(a, NULL, d.data);
        assert_string_equal(o, again); /* deterministic */
        pf_buf_free(&d);
        size_t on;
        char *r = field(o, "v", &on);
        assert_int_equal(on, n);
        size_t changed = 0;
        for (size_t b = 0; b < n; b++) {
            unsigned char x = (unsigned char)v[b], y = (unsigned char)r[b];
            if (x >= 0x80) {
                /* an invalid byte stays invalid: a stray continuation
                 * byte stays one, anything else becomes a byte never
                 * valid in UTF-8 */
                if (x < 0xC0)
                    assert_true(y >= 0x80 && y < 0xC0);
                else
                    assert_true(y == 0xC0 || y == 0xC1 || y >= 0xF5);
                changed += x != y;
            } else {
                assert_int_equal(cls(y), cls(x));
            }
        }
        assert_false(pf_utf8_valid(r, on));
        assert_memory_not_equal(r, v, n);
        if (i == 0) /* an all-cp1251 name: no byte run of it survives */
            assert_null(memmem(r, on, "\xc8\xe2\xe0", 3));
        assert_true(changed > 0);
        assert_int_equal(pf_anon_leaks(a), 0);
        free(r);
        free(o);
        free(again);
    }
    pf_anon_free(a);
}

static void same_key_same_output_other_key_other_output(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    pf_anon *b = engine("unit test key 0123456789", NULL, 0);
    pf_anon *c = engine("another key entirely!!!", NULL, 0);
    const char *doc = "{\"name\":\"Ann Smith\",\"id\":123456,\"mail\":\"ann@example.com\","
                      "\"n\":[1.5,\"x7\"]}";
    char *x = anon(a, NULL, doc), *y = anon(b, NULL, doc), *z = anon(c, NULL, doc);
    assert_string_equal(x, y);
    assert_string_not_equal(x, z);
    assert_int_equal(strlen(x), strlen(z));
    free(x);
    free(y);
    free(z);
    pf_anon_free(a);
    pf_anon_free(b);
    pf_anon_free(c);
}

static int cmpstr(const void *p, const void *q)
{
    return strcmp(*(char *const *)p, *(char *const *)q);
}

static void twenty_thousand_distinct_values_stay_distinct(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    enum { N = 20000 };
    char **outs = calloc(N, sizeof *outs);
    char v[64];
    for (int i = 0; i < N; i++) {
        snprintf(v, sizeof v, i % 2 ? "user%05d" : "%05d", i);
        outs[i] = scr(a, v);
    }
    qsort(outs, N, sizeof *outs, cmpstr);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(outs[i - 1], outs[i]);
    for (int i = 0; i < N; i++)
        free(outs[i]);
    free(outs);
    pf_anon_free(a);
}

static void shared_prefixes_do_not_survive(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    int same = 0;
    for (int i = 0; i < 50; i++) {
        char v1[64], v2[64];
        snprintf(v1, sizeof v1, "customer-reference-%04d", i);
        snprintf(v2, sizeof v2, "customer-reference-%04d", i + 1);
        char *o1 = scr(a, v1), *o2 = scr(a, v2);
        /* "customer" must not map to the same letters for both */
        same += !memcmp(o1, o2, 8);
        free(o1);
        free(o2);
    }
    assert_int_equal(same, 0);
    pf_anon_free(a);
}

static int luhn(const char *s)
{
    int sum = 0, alt = 0;
    for (size_t i = strlen(s); i-- > 0;) {
        if (!isdigit((unsigned char)s[i]))
            continue;
        int d = s[i] - '0';
        if (alt && (d *= 2) > 9)
            d -= 9;
        sum += d;
        alt = !alt;
    }
    return sum % 10 == 0;
}

static int real_date(const char *s)
{
    int y, m, d;
    if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return 0;
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int lim = md[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
    return m >= 1 && m <= 12 && d >= 1 && d <= lim;
}

static void formats_stay_valid(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    for (int i = 0; i < 200; i++) {
        char v[128];
        snprintf(v, sizeof v, "%08x-e29b-41d4-a716-%012d", i * 7919, i);
        char *o = scr(a, v);
        assert_int_equal(strlen(o), 36);
        for (int k = 0; k < 36; k++) {
            if (k == 8 || k == 13 || k == 18 || k == 23)
                assert_int_equal(o[k], '-');
            else
                assert_non_null(strchr("0123456789abcdef", o[k]));
        }
        assert_int_equal(o[14], '4');                 /* version kept */
        assert_non_null(strchr("89ab", o[19]));       /* RFC 4122 variant */
        assert_string_not_equal(o, v);
        free(o);

        snprintf(v, sizeof v, "20%02d-%02d-%02dT%02d:%02d:%02d.%03dZ", i % 30, i % 12 + 1,
                 i % 28 + 1, i % 24, i % 60, (i * 7) % 60, i);
        o = scr(a, v);
        assert_int_equal(strlen(o), strlen(v));
        assert_true(real_date(o));
        int hh, mi, ss;
        assert_int_equal(sscanf(o + 11, "%2d:%2d:%2d", &hh, &mi, &ss), 3);
        assert_true(hh < 24 && mi < 60 && ss < 60);
        assert_int_equal(o[strlen(o) - 1], 'Z');
        free(o);

        snprintf(v, sizeof v, "10.%d.%d.%d", i % 256, (i * 3) % 256, (i * 7) % 256);
        o = scr(a, v);
        unsigned char addr[16];
        assert_int_equal(inet_pton(AF_INET, o, addr), 1);
        free(o);
        snprintf(v, sizeof v, "2001:db8::%x", i + 1);
        o = scr(a, v);
        assert_int_equal(inet_pton(AF_INET6, o, addr), 1);
        assert_string_not_equal(o, v);
        free(o);

        /* a Luhn-valid card number of 16 digits, grouped */
        char dg[17];
        snprintf(dg, sizeof dg, "41111111%07d", i);
        for (int c = 0; c < 10; c++) {
            char t[17];
            snprintf(t, sizeof t, "%s%d", dg, c);
            if (luhn(t)) {
                snprintf(v, sizeof v, "%.4s %.4s %.4s %.4s", t, t + 4, t + 8, t + 12);
                break;
            }
        }
        o = scr(a, v);
        assert_int_equal(strlen(o), 19);
        assert_true(luhn(o));
        assert_int_equal(o[0], '4');
        assert_int_equal(o[4], ' ');
        free(o);

        snprintf(v, sizeof v, "first.last%d@mail.example.com", i);
        o = scr(a, v);
        char *at = strchr(o, '@');
        assert_non_null(at);
        assert_int_equal(at - o, strchr(v, '@') - v);
        assert_int_equal(strlen(o), strlen(v));
        assert_null(strstr(o, "example"));
        assert_string_equal(o + strlen(o) - 4, ".com");
        free(o);

        snprintf(v, sizeof v, "https://shop.example.org/p/%d?q=a%%20b", i);
        o = scr(a, v);
        assert_int_equal(strncmp(o, "https://", 8), 0);
        assert_null(strstr(o, "example"));
        assert_non_null(strstr(o, ".org/"));
        assert_non_null(strstr(o, "%20"));
        free(o);
    }
    pf_anon_free(a);
}

/* MAC addresses, CIDR networks and times of day (macaddr, macaddr8, cidr,
 * timetz columns) come out valid for their type, keyed, one-to-one. */
static void macs_networks_and_times_stay_valid(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    pf_anon *b = engine("another unit test key 987", NULL, 0);
    char *macs[200], *nets[200];
    for (int i = 0; i < 200; i++) {
        char v[128];
        unsigned char in[8], out[8];
        /* 6 octets, colons; the first octet's low bits vary with i */
        snprintf(v, sizeof v, "%02x:1b:2c:3d:%02x:5f", (i * 37) % 256, i);
        char *o = scr(a, v);
        assert_int_equal(pf_fmt_mac(o, strlen(o), out), 6);
        pf_fmt_mac(v, strlen(v), in);
        assert_int_equal(strlen(o), 17);
        for (int k = 2; k < 17; k += 3)
            assert_int_equal(o[k], ':');
        assert_null(strpbrk(o, "ABCDEF"));
        assert_int_equal(out[0] & 3, in[0] & 3); /* multicast, local bits */
        char *again = scr(a, v), *other = scr(b, v);
        assert_string_equal(o, again);
        assert_string_not_equal(o, other);
        free(again);
        free(other);
        macs[i] = o;
        /* the same address in the dashed upper-case and dotted notations */
        char d[32];
        snprintf(d, sizeof d, "%02X-1B-2C-3D-%02X-5F", (i * 37) % 256, i);
        char *od = scr(a, d);
        unsigned char outd[8];
        assert_int_equal(pf_fmt_mac(od, strlen(od), outd), 6);
        assert_memory_equal(outd, out, 6);
        assert_int_equal(od[2], '-');
        assert_null(strpbrk(od, "abcdef"));
        free(od);
        snprintf(d, sizeof d, "%02x1b.2c3d.%02x5f", (i * 37) % 256, i);
        od = scr(a, d);
        assert_int_equal(pf_fmt_mac(od, strlen(od), outd), 6);
        assert_memory_equal(outd, out, 6);
        free(od);
        /* 8 octets */
        snprintf(v, sizeof v, "0a:1b:2c:ff:fe:3d:4e:%02x", i);
        o = scr(a, v);
        assert_int_equal(pf_fmt_mac(o, strlen(o), out), 8);
        assert_int_equal(strlen(o), 23);
        assert_int_equal(out[0] & 3, 2);
        free(o);

        /* IPv4 networks: prefix kept, host bits zero, distinct */
        snprintf(v, sizeof v, "10.%d.%d.0/24", i % 256, i / 256);
        o = scr(a, v);
        unsigned char na[16];
        int p = -1;
        assert_int_equal(pf_fmt_cidr(o, strlen(o), na, &p), 4);
        assert_int_equal(p, 24);
        assert_int_equal(na[3], 0);
        assert_string_not_equal(o, v);
        nets[i] = o;
        snprintf(v, sizeof v, "%d.%d.0.0/%d", 1 + i % 223, i, 16 + i % 5);
        o = scr(a, v);
        assert_int_equal(pf_fmt_cidr(o, strlen(o), na, &p), 4);
        assert_int_equal(p, 16 + i % 5);
        uint32_t x = (uint32_t)na[0] << 24 | (uint32_t)na[1] << 16 | (uint32_t)na[2] << 8 | na[3];
        assert_int_equal(x & (0xffffffffu >> p), 0);
        free(o);
        /* IPv6 networks, short and long prefixes */
        snprintf(v, sizeof v, "2001:db8:%x::/48", i);
        o = scr(a, v);
        assert_int_equal(pf_fmt_cidr(o, strlen(o), na, &p), 6);
        assert_int_equal(p, 48);
        for (int k = 6; k < 16; k++)
            assert_int_equal(na[k], 0);
        free(o);
        snprintf(v, sizeof v, "2001:db8::%x:0:0/%d", i + 1, 100 + i % 12);
        o = scr(a, v);
        assert_int_equal(pf_fmt_cidr(o, strlen(o), na, &p), 6);
        assert_int_equal(p, 100 + i % 12);
        for (int k = p; k < 128; k++)
            assert_int_equal((na[k / 8] >> (7 - k % 8)) & 1, 0);
        free(o);
        /* an inet with a netmask: another address, prefix kept */
        snprintf(v, sizeof v, "192.168.%d.%d/24", i % 256, 1 + i % 200);
        o = scr(a, v);
        assert_int_equal(pf_fmt_cidr(o, strlen(o), NULL, &p), 4);
        assert_int_equal(p, 24);
        free(o);

        /* times of day with a zone, as timetz writes them */
        snprintf(v, sizeof v, "%02d:%02d:%02d.%06d%c%02d:%02d", i % 24, (i * 7) % 60,
                 (i * 13) % 60, i * 4999, i % 2 ? '+' : '-', i % 16, (i * 3) % 60);
        o = scr(a, v);
        assert_int_equal(strlen(o), strlen(v));
        assert_true(pf_fmt_time(o, strlen(o)));
        assert_string_equal(o + 15, v + 15); /* the zone */
        free(o);
        snprintf(v, sizeof v, "%02d:%02d", i % 24, (i * 7) % 60);
        o = scr(a, v);
        assert_int_equal(strlen(o), 5);
        assert_true(pf_fmt_time(o, 5));
        free(o);
    }
    qsort(macs, 200, sizeof *macs, cmpstr);
    qsort(nets, 200, sizeof *nets, cmpstr);
    for (int i = 1; i < 200; i++)
        assert_true(strcmp(macs[i - 1], macs[i]) && strcmp(nets[i - 1], nets[i]));
    for (int i = 0; i < 200; i++) {
        free(macs[i]);
        free(nets[i]);
    }
    /* the edges: end of day and the whole address space are kept */
    char *o = scr(a, "24:00:00-15:59");
    assert_string_equal(o, "24:00:00-15:59");
    free(o);
    o = scr(a, "::/0");
    assert_string_equal(o, "::/0");
    free(o);
    o = scr(a, "0.0.0.0/0");
    assert_string_equal(o, "0.0.0.0/0");
    free(o);
    pf_anon_free(a);
    pf_anon_free(b);
}

static void text_dates_get_real_dates_with_the_right_weekday(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    static const char *wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 60; i++) {
        char v[64];
        snprintf(v, sizeof v, "Sun Aug %02d 00:29:%02d +0000 2014", 3 + (i % 4) * 7, i % 60);
        char *o = scr(a, v);
        assert_int_equal(strlen(o), 30);
        char w[4], m[4];
        int d, hh, mi, ss, y;
        assert_int_equal(sscanf(o, "%3s %3s %d %d:%d:%d +0000 %d", w, m, &d, &hh, &mi, &ss, &y), 7);
        int mon = -1;
        for (int k = 0; k < 12; k++)
            if (!strcmp(m, mo[k]))
                mon = k;
        assert_true(mon >= 0);
        assert_int_equal(y, 2014);
        struct tm t = {.tm_year = y - 1900, .tm_mon = mon, .tm_mday = d, .tm_hour = 12};
        time_t tt = timegm(&t);
        struct tm back;
        gmtime_r(&tt, &back);
        assert_int_equal(back.tm_mday, d); /* a real calendar date */
        assert_string_equal(w, wd[back.tm_wday]);
        assert_true(hh < 24 && mi < 60 && ss < 60);
        free(o);
        snprintf(v, sizeof v, "Sun, %02d Aug 2014 00:29:15 +0200", 3 + (i % 4) * 7);
        o = scr(a, v);
        assert_int_equal(strlen(o), 31);
        assert_string_equal(o + 25, " +0200");
        free(o);
    }
    char *o = scr(a, "C0DEED");
    for (int k = 0; k < 6; k++)
        assert_non_null(strchr("0123456789ABCDEF", o[k]));
    free(o);
    pf_anon_free(a);
}

static void numbers_stay_valid_json_with_their_shape(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    const char *nums[] = {"-12.50", "0", "0.001", "123456789012345678901234567890",
                          "1e5", "-0.0e-3", "7", "-9", "100", "3.14159", "2.5E+10", "10000000"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char doc[128];
        snprintf(doc, sizeof doc, "{\"v\":%s}", nums[i]);
        char *o = anon(a, NULL, doc);
        pf_json j = PF_JSON_INIT;
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_json_parse(&j, o, strlen(o), &e), 0);
        pf_json_free(&j);
        size_t n;
        char *v = field(o, "v", &n);
        assert_int_equal(n, strlen(nums[i]));
        for (size_t k = 0; k < n; k++)
            assert_int_equal(isdigit((unsigned char)v[k]) != 0,
                             isdigit((unsigned char)nums[i][k]) != 0);
        assert_int_equal(v[0] == '-', nums[i][0] == '-');
        const char *ex = strpbrk(nums[i], "eE");
        if (ex)
            assert_string_equal(v + (ex - nums[i]), ex); /* exponent kept */
        free(v);
        free(o);
    }
    pf_anon_free(a);
}

static void kept_paths_stay_byte_identical(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789",
                        "{\"format\":\"prodfuzz-policy\",\"version\":1,\"rules\":["
                        "{\"path\":\"$.status\",\"action\":\"keep\"},"
                        "{\"path\":\"$.meta\",\"action\":\"keep\"},"
                        "{\"path\":\"$.meta.secret\",\"action\":\"scramble\"}]}", 0);
    const char *doc = "{ \"status\" : \"st\\u0061tus \\\"active\\\"\", \"amount\": 1.50E+3,"
                      "\"meta\":{\"n\":1.50E+3,\"tags\":[\"alpha\",\"beta\"],"
                      "\"secret\":\"hunter22\"}, \"name\":\"Bob\"}";
    char *o = anon(a, NULL, doc);
    assert_non_null(strstr(o, "{ \"status\" : \"st\\u0061tus \\\"active\\\"\", \"amount\": "));
    assert_non_null(strstr(o, "\"meta\":{\"n\":1.50E+3,\"tags\":[\"alpha\",\"beta\"],"));
    assert_null(strstr(o, "hunter22"));
    assert_null(strstr(o, "Bob"));
    assert_null(strstr(o, "\"amount\": 1.50E+3"));
    free(o);
    pf_anon_free(a);
}

static void maps_keyed_by_emails_get_their_keys_transformed(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 1);
    const char *doc = "{\"by_email\":{\"ann.smith@example.com\":{\"visits\":3},"
                      "\"bob@corp.io\":{\"visits\":4}},\"by_id\":{\"123456\":true}}";
    char *o = anon(a, NULL, doc);
    assert_null(strstr(o, "ann.smith"));
    assert_null(strstr(o, "bob@corp"));
    assert_null(strstr(o, "123456"));
    assert_non_null(strstr(o, "\"by_email\":{\""));
    assert_non_null(strstr(o, "\"visits\":"));
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_json_parse(&j, o, strlen(o), &e), 0);
    pf_json_free(&j);
    assert_int_equal(pf_anon_leaks(a), 0);
    free(o);
    pf_anon_free(a);
}

static void rules_see_data_keys_as_folded_maps(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789",
                        "{\"format\":\"prodfuzz-policy\",\"version\":1,\"rules\":["
                        "{\"path\":\"$.by_email{*}.plan\",\"action\":\"keep\"},"
                        "{\"path\":\"$.by_name.*.plan\",\"action\":\"keep\"}]}", 0);
    char *o = anon(a, NULL, "{\"by_email\":{\"ann@example.com\":{\"plan\":\"premium\","
                            "\"note\":\"premium\"}},\"by_name\":{\"ann\":{\"plan\":\"basic\"}}}");
    assert_non_null(strstr(o, "\"plan\":\"premium\""));
    assert_null(strstr(o, "\"note\":\"premium\""));
    assert_non_null(strstr(o, "{\"ann\":{\"plan\":\"basic\"}}"));
    assert_null(strstr(o, "ann@example.com"));
    free(o);
    pf_anon_free(a);
}

static void joins_survive_across_tables_and_depths(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    char *u = anon(a, "users", "{\"id\":\"u-123456\",\"uid\":987654321}");
    char *o = anon(a, "orders",
                   "{\"payload\":{\"customer\":{\"user_id\":\"u-123456\",\"n\":987654321}}}");
    size_t n;
    char *uid = field(u, "id", &n);
    assert_non_null(strstr(o, uid));
    char *num = field(u, "uid", &n);
    assert_non_null(strstr(o, num));
    free(uid);
    free(num);
    free(u);
    free(o);
    pf_anon_free(a);
}

static void escaped_strings_are_decoded_and_reencoded(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    char *o = anon(a, NULL, "{\"v\":\"caf\\u00e9 \\\"quoted\\\"\\n\\ttab\"}");
    size_t n;
    char *v = field(o, "v", &n);
    assert_int_equal(n, strlen("caf\xc3\xa9 \"quoted\"\n\ttab"));
    assert_int_equal(v[6], '"');
    assert_int_equal(v[14], '\n');
    assert_null(strstr(v, "quoted"));
    free(v);
    free(o);
    /* a lone surrogate stays an escape: no raw non-UTF-8 bytes out */
    o = anon(a, NULL, "{\"v\":\"ab\\ud800cdefgh\"}");
    assert_non_null(strstr(o, "\\ud800"));
    assert_null(strchr(o, '\xED'));
    assert_int_equal(strlen(o), strlen("{\"v\":\"ab\\ud800cdefgh\"}"));
    free(o);
    pf_anon_free(a);
}

static void other_actions_do_what_they_say(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789",
                        "{\"format\":\"prodfuzz-policy\",\"version\":1,\"rules\":["
                        "{\"path\":\"$.mail\",\"action\":\"email\",\"domain\":\"keep\"},"
                        "{\"path\":\"$.h\",\"action\":\"hash\",\"length\":20},"
                        "{\"path\":\"$.gone\",\"action\":\"null\"},"
                        "{\"path\":\"$.r\",\"action\":\"redact\",\"text\":\"[x]\"},"
                        "{\"path\":\"$.d1\",\"action\":\"shift-date\",\"days\":30},"
                        "{\"path\":\"$.d2\",\"action\":\"shift-date\",\"days\":30},"
                        "{\"path\":\"$.f1\",\"action\":\"fpe\"},"
                        "{\"path\":\"$.f2\",\"action\":\"fpe\"},"
                        "{\"path\":\"$.f3\",\"action\":\"fpe\"}]}", 0);
    char *o = anon(a, NULL,
                   "{\"mail\":\"jane.doe@example.com\",\"h\":\"secret\",\"gone\":{\"a\":1},"
                   "\"r\":\"text\",\"d1\":\"2024-03-01\",\"d2\":\"2024-03-11T10:00:00Z\","
                   "\"f1\":12345678,\"f2\":\"0042-7781\",\"f3\":-10.25}");
    size_t n;
    char *m = field(o, "mail", &n);
    assert_string_equal(m + 8, "@example.com");
    assert_int_equal(n, 20);
    assert_memory_not_equal(m, "jane.doe", 8);
    char *h = field(o, "h", &n);
    assert_int_equal(n, 20);
    for (size_t i = 0; i < n; i++)
        assert_non_null(strchr("0123456789abcdef", h[i]));
    char *g = field(o, "gone", &n);
    assert_string_equal(g, "null");
    char *r = field(o, "r", &n);
    assert_string_equal(r, "[x]");
    char *d1 = field(o, "d1", &n), *d2 = field(o, "d2", &n);
    assert_true(real_date(d1));
    assert_string_equal(d2 + 10, "T10:00:00Z");
    int y1, m1, dd1, y2, m2, dd2;
    sscanf(d1, "%d-%d-%d", &y1, &m1, &dd1);
    sscanf(d2, "%d-%d-%d", &y2, &m2, &dd2);
    /* the same offset for both: 10 days apart before and after */
    struct tm t1 = {.tm_year = y1 - 1900, .tm_mon = m1 - 1, .tm_mday = dd1, .tm_hour = 12};
    struct tm t2 = {.tm_year = y2 - 1900, .tm_mon = m2 - 1, .tm_mday = dd2, .tm_hour = 12};
    assert_int_equal((long)((timegm(&t2) - timegm(&t1)) / 86400), 10);
    assert_string_not_equal(d1, "2024-03-01");
    char *f1 = field(o, "f1", &n);
    assert_int_equal(n, 8);
    assert_true(f1[0] != '0');
    assert_string_not_equal(f1, "12345678");
    char *f2 = field(o, "f2", &n);
    assert_int_equal(n, 9);
    assert_int_equal(f2[4], '-');
    char *f3 = field(o, "f3", &n);
    assert_int_equal(n, 6);
    assert_int_equal(f3[0], '-');
    assert_int_equal(f3[3], '.');
    assert_true(f3[1] != '0');
    free(m), free(h), free(g), free(r), free(d1), free(d2), free(f1), free(f2), free(f3);
    free(o);
    pf_anon_free(a);
}

static void leak_check_fires_on_a_leaky_policy_and_names_path_and_row(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789",
                        "{\"format\":\"prodfuzz-policy\",\"version\":1,\"keys\":\"keep\"}", 1);
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    const char *doc = "{\"contacts\":{\"alice.wonder@example.com\":{\"n\":1}}}";
    assert_int_equal(pf_anon_doc(a, "crm", "crm row 17", doc, strlen(doc), &out, &e), 0);
    assert_int_equal(pf_anon_leaks(a), 1);
    const char *rep = pf_anon_leak_report(a);
    assert_non_null(strstr(rep, "crm row 17"));
    assert_non_null(strstr(rep, "$.contacts{*}"));
    assert_null(strstr(rep, "alice"));
    assert_null(strstr(rep, "wonder"));
    pf_buf_free(&out);
    pf_anon_free(a);

    /* the default policy does not leak the same document */
    a = engine("unit test key 0123456789", NULL, 1);
    char *o = anon(a, NULL, doc);
    assert_int_equal(pf_anon_leaks(a), 0);
    free(o);
    pf_anon_free(a);
}

static void leak_check_has_no_chance_hits_on_short_tokens(void **st)
{
    (void)st;
    /* 30,000 random six-letter words: scrambled, each is one of 26^6, so
     * some output equals some other row's original by chance (about 3 on
     * this run): that is not a value surviving and must not be reported */
    pf_anon *a = engine("unit test key 0123456789", NULL, 1);
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 30000; i++) {
        char doc[32] = "{\"v\":\"";
        for (int k = 0; k < 6; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            doc[6 + k] = (char)('a' + x % 26);
        }
        memcpy(doc + 12, "\"}", 3);
        char *o = anon(a, NULL, doc);
        free(o);
    }
    assert_int_equal(pf_anon_leaks(a), 0);
    pf_anon_free(a);
}

static void leak_check_finds_a_value_reused_as_a_map_key_in_a_later_row(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 1);
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    const char *d1 = "{\"user\":{\"login\":\"margarethamiltonsmith\"}}";
    const char *d2 = "{\"sessions\":{\"margarethamiltonsmith\":{\"n\":2}}}";
    assert_int_equal(pf_anon_doc(a, NULL, "in.jsonl:1", d1, strlen(d1), &out, &e), 0);
    assert_int_equal(pf_anon_leaks(a), 0);
    assert_int_equal(pf_anon_doc(a, NULL, "in.jsonl:2", d2, strlen(d2), &out, &e), 0);
    assert_int_equal(pf_anon_leaks(a), 1);
    assert_non_null(strstr(pf_anon_leak_report(a), "in.jsonl:2, path $.sessions{*} (key)"));
    assert_null(strstr(pf_anon_leak_report(a), "margaret"));
    pf_buf_free(&out);
    pf_anon_free(a);
}

static void explain_lists_paths_and_actions_never_values(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789",
                        "{\"format\":\"prodfuzz-policy\",\"version\":1,\"rules\":["
                        "{\"path\":\"$.status\",\"action\":\"keep\"}]}", 0);
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    const char *doc = "{\"status\":\"active\",\"mail\":\"zed@example.com\","
                      "\"items\":[{\"sku\":\"AB-1\"},{\"sku\":\"CD-2\"}],"
                      "\"by\":{\"x@y.com\":1}}";
    assert_int_equal(pf_anon_explain(a, NULL, doc, strlen(doc), &out, &e), 0);
    assert_non_null(strstr(out.data, "$.status -> keep\n"));
    assert_non_null(strstr(out.data, "$.mail -> scramble (email)\n"));
    assert_non_null(strstr(out.data, "$.items[*].sku -> scramble\n"));
    assert_non_null(strstr(out.data, "$.by{*} (key) -> scramble\n"));
    assert_null(strstr(out.data, "zed"));
    assert_null(strstr(out.data, "x@y"));
    /* one line per path: the two items collapse */
    assert_null(strstr(strstr(out.data, "sku") + 3, "sku"));
    pf_buf_free(&out);
    pf_anon_free(a);
}

static void bad_json_is_an_input_error(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 0);
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_anon_doc(a, NULL, "r", "{\"a\":", 5, &out, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    pf_buf_free(&out);
    pf_anon_free(a);
}

static void bare_text_values_are_scrambled(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 1);
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_anon_text(a, "t", "t row 1", "Hello World 42", 14, &out, &e), 0);
    assert_int_equal(out.len, 14);
    assert_int_equal(out.data[5], ' ');
    assert_memory_not_equal(out.data, "Hello", 5);
    assert_int_equal(pf_anon_leaks(a), 0);
    pf_buf_free(&out);
    pf_anon_free(a);
}

/* PostgreSQL's special values are type keywords, not data: every
 * transforming action keeps them, the leak check does not report them, and
 * a word that merely starts like one is still scrambled. */
static void postgres_special_values_are_kept(void **st)
{
    (void)st;
    pf_anon *a = engine("unit test key 0123456789", NULL, 1);
    const char *doc = "{\"n\":\"NaN\",\"i\":\"Infinity\",\"m\":\"-Infinity\","
                      "\"d\":\"infinity\",\"t\":\"-infinity\",\"r\":\"empty\","
                      "\"w\":\"Infinityx\",\"v\":\"nan\"}";
    char *o = anon(a, "t", doc);
    assert_non_null(strstr(o, "\"n\":\"NaN\",\"i\":\"Infinity\",\"m\":\"-Infinity\","
                              "\"d\":\"infinity\",\"t\":\"-infinity\",\"r\":\"empty\","));
    assert_null(strstr(o, "Infinityx"));
    assert_null(strstr(o, "\"nan\""));
    assert_int_equal(pf_anon_leaks(a), 0);
    free(o);
    pf_anon_free(a);
    a = engine("unit test key 0123456789",
               "{\"format\":\"prodfuzz-policy\",\"version\":1,\"default\":\"email\"}", 1);
    o = anon(a, "t", "{\"n\":\"NaN\",\"e\":\"empty\"}");
    assert_string_equal(o, "{\"n\":\"NaN\",\"e\":\"empty\"}");
    free(o);
    pf_anon_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scramble_keeps_length_classes_and_separators),
        cmocka_unit_test(same_key_same_output_other_key_other_output),
        cmocka_unit_test(text_in_a_legacy_encoding_is_scrambled_not_kept),
        cmocka_unit_test(twenty_thousand_distinct_values_stay_distinct),
        cmocka_unit_test(shared_prefixes_do_not_survive),
        cmocka_unit_test(formats_stay_valid),
        cmocka_unit_test(macs_networks_and_times_stay_valid),
        cmocka_unit_test(text_dates_get_real_dates_with_the_right_weekday),
        cmocka_unit_test(numbers_stay_valid_json_with_their_shape),
        cmocka_unit_test(kept_paths_stay_byte_identical),
        cmocka_unit_test(maps_keyed_by_emails_get_their_keys_transformed),
        cmocka_unit_test(rules_see_data_keys_as_folded_maps),
        cmocka_unit_test(joins_survive_across_tables_and_depths),
        cmocka_unit_test(escaped_strings_are_decoded_and_reencoded),
        cmocka_unit_test(other_actions_do_what_they_say),
        cmocka_unit_test(leak_check_fires_on_a_leaky_policy_and_names_path_and_row),
        cmocka_unit_test(leak_check_has_no_chance_hits_on_short_tokens),
        cmocka_unit_test(leak_check_finds_a_value_reused_as_a_map_key_in_a_later_row),
        cmocka_unit_test(explain_lists_paths_and_actions_never_values),
        cmocka_unit_test(bad_json_is_an_input_error),
        cmocka_unit_test(bare_text_values_are_scrambled),
        cmocka_unit_test(postgres_special_values_are_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
