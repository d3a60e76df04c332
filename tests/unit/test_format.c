/*
 * test_format: pf_format, the one set of format predicates. One test per
 * predicate, with the cases where shape and anonymize used to disagree,
 * and the property that matters across modules: an anonymized value is
 * classified as the original was, so a corpus's profile (learned from
 * anonymized documents) names the formats production had.
 */
#include "pf_test.h"

#include "pf_anon.h"
#include "pf_format.h"
#include "pf_shape.h"

#define S(lit) lit, sizeof lit - 1

static void format_names_are_the_profile_names(void **state)
{
    (void)state;
    assert_string_equal(pf_fmt_name(PF_FMT_EMAIL), "email");
    assert_string_equal(pf_fmt_name(PF_FMT_DATETIME), "datetime");
    assert_string_equal(pf_fmt_name(PF_FMT_CARD), "card");
    assert_string_equal(pf_fmt_name(PF_FMT_BASE64), "base64");
    assert_string_equal(pf_fmt_name(PF_FMT_MAC), "mac");
    assert_string_equal(pf_fmt_name(PF_FMT_CIDR), "cidr");
    assert_string_equal(pf_fmt_name(PF_FMT_NONE), "text");
    for (int f = 0; f < PF_FMT_N; f++)
        assert_non_null(pf_fmt_names[f]);
    assert_string_equal(pf_cc_names[PF_CC_NONASCII], "non_ascii");
}

static void uuid_is_8_4_4_4_12_hex_either_case(void **state)
{
    (void)state;
    assert_true(pf_fmt_uuid(S("123e4567-e89b-12d3-a456-426614174000")));
    assert_true(pf_fmt_uuid(S("123E4567-E89B-12D3-A456-426614174000")));
    assert_false(pf_fmt_uuid(S("123e4567e89b12d3a456426614174000")));
    assert_false(pf_fmt_uuid(S("123e4567-e89b-12d3-a456-42661417400g")));
    assert_int_equal(pf_fmt_detect(S("123e4567-e89b-12d3-a456-426614174000")),
                     PF_FMT_UUID);
}

static void iso_dates_are_range_checked(void **state)
{
    (void)state;
    pf_isodt t;
    assert_true(pf_fmt_iso(S("2024-02-29"), &t));
    assert_int_equal(t.y, 2024);
    assert_int_equal(t.d, 29);
    assert_false(t.has_time);
    /* shape used to count these as dates; anonymize never did */
    assert_false(pf_fmt_iso(S("2023-02-29"), NULL));
    assert_false(pf_fmt_iso(S("2024-13-01"), NULL));
    assert_false(pf_fmt_iso(S("2024-04-31"), NULL));
    assert_false(pf_fmt_iso(S("0000-01-01"), NULL));
    assert_false(pf_fmt_iso(S("2024-01-01T24:00"), NULL));
    assert_false(pf_fmt_iso(S("2024-01-01T12:60"), NULL));
    assert_false(pf_fmt_iso(S("2024-01-01T12:00:61"), NULL));
    assert_true(pf_fmt_iso(S("2024-01-01T23:59:59.123+02:00"), &t));
    assert_true(t.has_time && t.has_sec);
    assert_int_equal(t.frac_end - t.frac_start, 3);
    assert_true(pf_fmt_iso(S("2024-01-01 08:30Z"), NULL));
    assert_false(pf_fmt_iso(S("2024-01-01X08:30"), NULL));
    assert_int_equal(pf_fmt_detect(S("2024-02-29")), PF_FMT_DATE);
    assert_int_equal(pf_fmt_detect(S("2024-02-29T10:00:00Z")), PF_FMT_DATETIME);
    assert_int_not_equal(pf_fmt_detect(S("2024-02-30")), PF_FMT_DATE);
}

static void text_dates_count_as_datetimes(void **state)
{
    (void)state;
    int v[6];
    assert_int_equal(pf_fmt_textdate(S("Sun Aug 31 00:29:15 +0000 2014"), v), 1);
    assert_int_equal(v[0], 2014);
    assert_int_equal(v[1], 8);
    assert_int_equal(pf_fmt_textdate(S("Sun, 31 Aug 2014 00:29:15 +0000"), v), 2);
    assert_int_equal(pf_fmt_textdate(S("Sun, 31 Feb 2014 00:29:15 +0000"), v), 0);
    assert_int_equal(pf_fmt_detect(S("Sun Aug 31 00:29:15 +0000 2014")),
                     PF_FMT_DATETIME);
    assert_int_equal(pf_fmt_days_in_month(2000, 2), 29);
    assert_int_equal(pf_fmt_days_in_month(1900, 2), 28);
}

static void times_are_range_checked(void **state)
{
    (void)state;
    assert_true(pf_fmt_time(S("08:30")));
    assert_true(pf_fmt_time(S("23:59:59.5Z")));
    assert_true(pf_fmt_time(S("12:00:00+0530")));
    assert_false(pf_fmt_time(S("24:00")));
    assert_false(pf_fmt_time(S("12:61")));
    assert_false(pf_fmt_time(S("12:30 pm")));
    assert_int_equal(pf_fmt_detect(S("08:30")), PF_FMT_TIME);
    /* timetz as PostgreSQL writes it: an hour-only or HH:MM offset */
    assert_int_equal(pf_fmt_detect(S("13:14:15.161718+05:30")), PF_FMT_TIME);
    assert_int_equal(pf_fmt_detect(S("00:00:00+15")), PF_FMT_TIME);
    /* PostgreSQL's end of day, and nothing past it */
    assert_true(pf_fmt_time(S("24:00:00-15:59")));
    assert_true(pf_fmt_time(S("24:00:00.000")));
    assert_false(pf_fmt_time(S("24:00:01")));
    assert_false(pf_fmt_time(S("24:00:00.001")));
    pf_isodt t;
    assert_true(pf_fmt_time_parse(S("13:14:15.161718+05:30"), &t));
    assert_int_equal(t.hh * 10000 + t.mi * 100 + t.ss, 131415);
    assert_int_equal(t.frac_start, 9);
    assert_int_equal(t.frac_end, 15);
}

static void mac_addresses_in_three_notations(void **state)
{
    (void)state;
    unsigned char a[8];
    assert_int_equal(pf_fmt_mac(S("0a:1b:2c:3d:4e:5f"), a), 6);
    assert_memory_equal(a, "\x0a\x1b\x2c\x3d\x4e\x5f", 6);
    assert_int_equal(pf_fmt_mac(S("0A-1B-2C-3D-4E-5F"), a), 6);
    assert_memory_equal(a, "\x0a\x1b\x2c\x3d\x4e\x5f", 6);
    assert_int_equal(pf_fmt_mac(S("0a1b.2c3d.4e5f"), a), 6);
    assert_memory_equal(a, "\x0a\x1b\x2c\x3d\x4e\x5f", 6);
    assert_int_equal(pf_fmt_mac(S("0a:1b:2c:ff:fe:3d:4e:5f"), a), 8);
    assert_memory_equal(a, "\x0a\x1b\x2c\xff\xfe\x3d\x4e\x5f", 8);
    assert_false(pf_fmt_mac(S("0a:1b-2c:3d:4e:5f"), NULL));  /* two separators */
    assert_false(pf_fmt_mac(S("0a:1b:2c:3d:4e:5g"), NULL));  /* not hex */
    assert_false(pf_fmt_mac(S("0a:1b:2c:3d:4e"), NULL));     /* five octets */
    assert_false(pf_fmt_mac(S("0a:1b:2c:3d:4e:5f:6a"), NULL));
    assert_false(pf_fmt_mac(S("0a1b:2c3d:4e5f"), NULL));
    assert_int_equal(pf_fmt_detect(S("0a:1b:2c:3d:4e:5f")), PF_FMT_MAC);
    /* an 8-octet MAC is also an IPv6 address: it counts as mac; and a
     * dashed one of digits only is no phone number */
    assert_int_equal(pf_fmt_detect(S("0a:1b:2c:ff:fe:3d:4e:5f")), PF_FMT_MAC);
    assert_int_equal(pf_fmt_detect(S("00-11-22-33-44-55")), PF_FMT_MAC);
    assert_int_equal(pf_fmt_detect(S("0a1b.2c3d.4e5f")), PF_FMT_MAC);
    assert_int_equal(pf_fmt_detect(S("2001:db8::1")), PF_FMT_IPV6);
    assert_true(pf_fmt_key_is_data(S("0a:1b:2c:3d:4e:5f")));
}

static void cidr_is_an_address_and_a_prefix_length(void **state)
{
    (void)state;
    unsigned char a[16];
    int p = -1;
    assert_int_equal(pf_fmt_cidr(S("203.0.113.0/24"), a, &p), 4);
    assert_int_equal(p, 24);
    assert_memory_equal(a, "\xcb\x00\x71\x00", 4);
    assert_int_equal(pf_fmt_cidr(S("2001:db8::/32"), a, &p), 6);
    assert_int_equal(p, 32);
    assert_int_equal(pf_fmt_cidr(S("::/0"), a, &p), 6);
    assert_int_equal(p, 0);
    assert_int_equal(pf_fmt_cidr(S("10.1.2.3/32"), NULL, NULL), 4);
    assert_int_equal(pf_fmt_cidr(S("::1/128"), NULL, NULL), 6);
    assert_false(pf_fmt_cidr(S("10.0.0.0/33"), NULL, NULL));
    assert_false(pf_fmt_cidr(S("::/129"), NULL, NULL));
    assert_false(pf_fmt_cidr(S("10.0.0.0/08"), NULL, NULL)); /* leading zero */
    assert_false(pf_fmt_cidr(S("10.0.0.0/"), NULL, NULL));
    assert_false(pf_fmt_cidr(S("010.0.0.0/8"), NULL, NULL));
    assert_false(pf_fmt_cidr(S("a/b/8"), NULL, NULL));
    assert_int_equal(pf_fmt_detect(S("203.0.113.0/24")), PF_FMT_CIDR);
    assert_int_equal(pf_fmt_detect(S("::/0")), PF_FMT_CIDR);
    assert_int_equal(pf_fmt_detect(S("2024/12")), PF_FMT_NONE);
}

static void ipv4_refuses_leading_zeros_and_big_parts(void **state)
{
    (void)state;
    unsigned oct[4];
    assert_true(pf_fmt_ipv4(S("192.168.0.1"), oct));
    assert_int_equal(oct[0], 192);
    assert_int_equal(oct[3], 1);
    assert_true(pf_fmt_ipv4(S("0.0.0.0"), NULL));
    /* shape used to call this an address; anonymize did not */
    assert_false(pf_fmt_ipv4(S("010.1.1.1"), NULL));
    assert_false(pf_fmt_ipv4(S("1.2.3.256"), NULL));
    assert_false(pf_fmt_ipv4(S("1.2.3"), NULL));
    assert_false(pf_fmt_ipv4(S("1.2.3.4."), NULL));
    assert_int_equal(pf_fmt_detect(S("010.1.1.1")), PF_FMT_NONE);
    assert_int_equal(pf_fmt_detect(S("10.1.1.1")), PF_FMT_IPV4);
}

static void ipv6_is_what_inet_pton_reads(void **state)
{
    (void)state;
    unsigned char a[16];
    assert_true(pf_fmt_ipv6(S("2001:db8::1"), a));
    assert_int_equal(a[0], 0x20);
    assert_true(pf_fmt_ipv6(S("::ffff:10.0.0.1"), NULL));
    /* shape's loose test took MAC-like and clock-like strings */
    assert_false(pf_fmt_ipv6(S("aa:bb:cc"), NULL));
    assert_false(pf_fmt_ipv6(S("1:2:3:4:5:6:7:8:9"), NULL));
    assert_int_equal(pf_fmt_detect(S("aa:bb:cc")), PF_FMT_NONE);
    assert_int_equal(pf_fmt_detect(S("fe80::1")), PF_FMT_IPV6);
}

static void email_needs_a_host_with_an_alphabetic_tld(void **state)
{
    (void)state;
    assert_int_equal(pf_fmt_email_at(S("amelie.durand@example.fr")), 13);
    assert_int_equal(pf_fmt_email_at(S("a@b.c")), 0);         /* TLD of 1 */
    assert_int_equal(pf_fmt_email_at(S("a@example.123")), 0); /* digits */
    assert_int_equal(pf_fmt_email_at(S("a@@example.com")), 0);
    assert_int_equal(pf_fmt_email_at(S("@example.com")), 0);
    assert_int_equal(pf_fmt_email_at(S("a b@example.com")), 0);
    assert_int_equal(pf_fmt_email_at(S("a@exa..mple.com")), 0);
    assert_int_equal(pf_fmt_host_tld(S("mail.example.org")), 12);
    assert_int_equal(pf_fmt_detect(S("x@y.example")), PF_FMT_EMAIL);
}

static void url_has_a_scheme_and_no_space(void **state)
{
    (void)state;
    assert_int_equal(pf_fmt_url_scheme(S("https://example.com/a?b")), 8);
    assert_int_equal(pf_fmt_url_scheme(S("git+ssh://h/x")), 10);
    assert_int_equal(pf_fmt_url_scheme(S("https://exa mple.com")), 0);
    assert_int_equal(pf_fmt_url_scheme(S("1http://x.com")), 0);
    assert_int_equal(pf_fmt_url_scheme(S("a://b")), 0); /* under 8 bytes */
    assert_int_equal(pf_fmt_detect(S("https://example.com/")), PF_FMT_URL);
}

static void card_is_luhn_valid_with_a_brand_length(void **state)
{
    (void)state;
    char dg[24];
    size_t m = 0;
    assert_true(pf_fmt_card(S("4539 1488 0343 6467"), dg, &m));
    assert_int_equal(m, 16);
    assert_memory_equal(dg, "4539148803436467", 16);
    assert_true(pf_fmt_card(S("4111111111111111"), NULL, NULL));
    assert_true(pf_fmt_card(S("378282246310005"), NULL, NULL)); /* Amex */
    assert_true(pf_fmt_card(S("6011111111111117"), NULL, NULL));
    assert_false(pf_fmt_card(S("4111111111111112"), NULL, NULL)); /* Luhn */
    assert_false(pf_fmt_card(S("4111  1111 1111 1111"), NULL, NULL));
    assert_false(pf_fmt_card(S("1111111111111117"), NULL, NULL)); /* brand */
    /* an 18-digit tweet id that passes Luhn is still an id */
    assert_true(pf_fmt_luhn(S("505874924095815702")));
    assert_false(pf_fmt_card(S("505874924095815702"), NULL, NULL));
    assert_int_equal(pf_fmt_detect(S("505874924095815702")), PF_FMT_DIGITS);
    assert_int_equal(pf_fmt_detect(S("5555 5555 5555 4444")), PF_FMT_CARD);
}

static void hex_is_one_case_with_a_digit_and_a_letter(void **state)
{
    (void)state;
    assert_true(pf_fmt_hex(S("a1b2c3")));
    assert_true(pf_fmt_hex(S("DEADBEEF01")));
    assert_false(pf_fmt_hex(S("a1b2c")));       /* under 6 */
    assert_false(pf_fmt_hex(S("deadbeef")));    /* no digit: a word */
    assert_false(pf_fmt_hex(S("12345678")));    /* no letter: digits */
    assert_false(pf_fmt_hex(S("DeadBeef01")));  /* mixed case */
    assert_int_equal(pf_fmt_detect(S("a1b2c3")), PF_FMT_HEX);
    assert_int_equal(pf_fmt_detect(S("12345678")), PF_FMT_DIGITS);
}

static void phone_digits_and_base64(void **state)
{
    (void)state;
    assert_true(pf_fmt_phone(S("+33 6 12 34 56 78")));
    assert_true(pf_fmt_phone(S("8 (495) 123-45-67")));
    assert_false(pf_fmt_phone(S("12+3456789")));
    assert_false(pf_fmt_phone(S("123456")));
    assert_true(pf_fmt_digits(S("0042")));
    assert_false(pf_fmt_digits(S("")));
    assert_true(pf_is_digits(S(""))); /* vacuous, for optional parts */
    assert_true(pf_fmt_base64(S("SGVsbG8gV29ybGQhIQ==")));
    assert_false(pf_fmt_base64(S("SGVsbG8gV29ybGQhIQ=")));
    assert_false(pf_fmt_base64(S("abcdefghijklmnop"))); /* one class */
    assert_int_equal(pf_fmt_detect(S("+33 6 12 34 56 78")), PF_FMT_PHONE);
    assert_int_equal(pf_fmt_detect(S("SGVsbG8gV29ybGQhIQ==")), PF_FMT_BASE64);
    assert_int_equal(pf_fmt_detect(S("")), PF_FMT_NONE);
    assert_int_equal(pf_fmt_detect(S("hello world")), PF_FMT_NONE);
}

static void character_classes_cover_every_byte(void **state)
{
    (void)state;
    assert_int_equal(pf_cc_of('a'), PF_CC_LOWER);
    assert_int_equal(pf_cc_of('Z'), PF_CC_UPPER);
    assert_int_equal(pf_cc_of('7'), PF_CC_DIGIT);
    assert_int_equal(pf_cc_of(' '), PF_CC_SPACE);
    assert_int_equal(pf_cc_of('\t'), PF_CC_CONTROL);
    assert_int_equal(pf_cc_of(0x7f), PF_CC_CONTROL);
    assert_int_equal(pf_cc_of(0xC3), PF_CC_NONASCII);
    assert_int_equal(pf_cc_of('-'), PF_CC_PUNCT);
    assert_int_equal(pf_cc_mask(S("aB1 -")),
                     (1u << PF_CC_LOWER) | (1u << PF_CC_UPPER) |
                         (1u << PF_CC_DIGIT) | (1u << PF_CC_SPACE) |
                         (1u << PF_CC_PUNCT));
    for (int c = 0; c < 256; c++)
        assert_in_range(pf_cc_of((unsigned char)c), 0, PF_CC_N - 1);
}

static void key_is_data_joins_both_old_rules(void **state)
{
    (void)state;
    /* field names */
    assert_false(pf_fmt_key_is_data(S("")));
    assert_false(pf_fmt_key_is_data(S("customer_email")));
    assert_false(pf_fmt_key_is_data(S("address2")));
    assert_false(pf_fmt_key_is_data(S("customerAddress1"))); /* base64-shaped */
    /* both used to agree */
    assert_true(pf_fmt_key_is_data(S("12345")));
    assert_true(pf_fmt_key_is_data(S("123e4567-e89b-12d3-a456-426614174000")));
    assert_true(pf_fmt_key_is_data(S("bob@example.com")));
    /* anonymize's rules that shape lacked */
    assert_true(pf_fmt_key_is_data(S("user_817234")));  /* 6 digits */
    assert_true(pf_fmt_key_is_data(S("2024-01-01")));   /* a date */
    assert_true(pf_fmt_key_is_data(S("10.0.0.1")));     /* an address */
    assert_true(pf_fmt_key_is_data(S("a1b2c3")));       /* hex */
    /* shape's rules that anonymize lacked */
    assert_true(pf_fmt_key_is_data(S("AbCdEf12")));     /* mixed-case hex */
    assert_true(pf_fmt_key_is_data(S("k9x2m7q1z3w8"))); /* a third digits */
}

/* An anonymized value has the format its original had: the profile of an
 * anonymized corpus names production's formats. */
static void anonymized_values_keep_their_format(void **state)
{
    (void)state;
    static const char *const vals[] = {
        "123e4567-e89b-12d3-a456-426614174000", "2024-02-29",
        "2024-02-29T23:59:59.5+02:00", "Sun Aug 31 00:29:15 +0000 2014",
        "10.1.2.3", "2001:db8::1", "4539 1488 0343 6467", "6011111111111117",
        "amelie.durand@example.fr", "https://shop.example.com/a/b?c=1",
        "a1b2c3d4e5", "0042", "+33 6 12 34 56 78", "hello world",
        "13:14:15.161718+05:30", "08:30", "24:00:00-15:59", "0a:1b:2c:3d:4e:5f",
        "0A-1B-2C-3D-4E-5F", "0a1b.2c3d.4e5f", "0a:1b:2c:ff:fe:3d:4e:5f",
        "203.0.113.0/24", "2001:db8:85a3::/48", "192.168.7.5/24", "::/0"};
    pf_key k;
    pf_err e = PF_ERR_INIT;
    memset(&k, 0, sizeof k);
    memcpy(k.bytes, "0123456789abcdef0123456789abcdef", 32);
    k.len = 32;
    pf_policy *p = NULL;
    assert_int_equal(pf_policy_default(&p, &e), 0);
    pf_anon *a = NULL;
    assert_int_equal(pf_anon_new(&a, &k, p, 0, &e), 0);
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        const char *v = vals[i];
        pf_buf in = PF_BUF_INIT, out = PF_BUF_INIT;
        pf_buf_adds(&in, "{\"v\":");
        pf_buf_add_json_str(&in, v, strlen(v));
        pf_buf_addc(&in, '}');
        assert_int_equal(pf_anon_doc(a, "t", "r", in.data, in.len, &out, &e), 0);
        /* {"v":"..."}: no escapes in these values' outputs */
        const char *q = strstr(out.data, ":\"");
        assert_non_null(q);
        q += 2;
        const char *end = strrchr(q, '"');
        assert_non_null(end);
        pf_fmt before = pf_fmt_detect(v, strlen(v));
        pf_fmt after = pf_fmt_detect(q, (size_t)(end - q));
        if (before != after)
            fail_msg("%s: %s became %s", pf_fmt_name(before), v, pf_fmt_name(after));
        pf_buf_free(&in);
        pf_buf_free(&out);
    }
    pf_anon_free(a);
    pf_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_names_are_the_profile_names),
        cmocka_unit_test(uuid_is_8_4_4_4_12_hex_either_case),
        cmocka_unit_test(iso_dates_are_range_checked),
        cmocka_unit_test(text_dates_count_as_datetimes),
        cmocka_unit_test(times_are_range_checked),
        cmocka_unit_test(mac_addresses_in_three_notations),
        cmocka_unit_test(cidr_is_an_address_and_a_prefix_length),
        cmocka_unit_test(ipv4_refuses_leading_zeros_and_big_parts),
        cmocka_unit_test(ipv6_is_what_inet_pton_reads),
        cmocka_unit_test(email_needs_a_host_with_an_alphabetic_tld),
        cmocka_unit_test(url_has_a_scheme_and_no_space),
        cmocka_unit_test(card_is_luhn_valid_with_a_brand_length),
        cmocka_unit_test(hex_is_one_case_with_a_digit_and_a_letter),
        cmocka_unit_test(phone_digits_and_base64),
        cmocka_unit_test(character_classes_cover_every_byte),
        cmocka_unit_test(key_is_data_joins_both_old_rules),
        cmocka_unit_test(anonymized_values_keep_their_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
