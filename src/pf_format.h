/*
 * pf_format: the one definition of every value format prodfuzz recognises
 * (dates, times, IPs, UUIDs, e-mail, URLs, card numbers, hex, base64,
 * phone numbers, digit strings, MAC addresses, CIDR networks), of the character classes a profile
 * counts, and of "this object key is data, not a field name".
 *
 * Shape counts formats, anonymization keeps them valid, the mutator and
 * explain name them: all of them call these predicates, so a corpus's
 * profile and its anonymization classify a value the same way. Pure
 * functions over bytes; no allocation, no locale.
 */
#ifndef PF_FORMAT_H
#define PF_FORMAT_H

#include <stddef.h>

/* The formats, in the index order profiles have always used (their
 * "formats" objects are written in this order); the order of precedence
 * when a value matches several is pf_fmt_detect's. */
typedef enum pf_fmt {
    PF_FMT_NONE = -1, /* plain text: no format */
    PF_FMT_EMAIL,
    PF_FMT_UUID,
    PF_FMT_DATETIME, /* ISO 8601 date and time, or a text date with a time */
    PF_FMT_DATE,     /* ISO 8601 date */
    PF_FMT_TIME,     /* HH:MM[:SS[.f]] with an optional zone */
    PF_FMT_IPV4,
    PF_FMT_IPV6,
    PF_FMT_URL,
    PF_FMT_DIGITS,
    PF_FMT_PHONE,
    PF_FMT_HEX,
    PF_FMT_BASE64,
    PF_FMT_CARD,
    PF_FMT_MAC,  /* MAC address: 6 or 8 hex pairs with ':' or '-', or xxxx.xxxx.xxxx */
    PF_FMT_CIDR, /* IPv4 or IPv6 network: address/prefix length */
    PF_FMT_N
} pf_fmt;

/* Names as profiles and explain write them ("email", ..., "card", "mac",
 * "cidr"). */
extern const char *const pf_fmt_names[PF_FMT_N];
/* The name of f; "text" for PF_FMT_NONE. */
const char *pf_fmt_name(pf_fmt f);

/* The one format of a string (in this order of precedence: uuid, date,
 * datetime, time, ipv4, mac, cidr, ipv6, card, email, url, digits, phone,
 * hex, base64), or PF_FMT_NONE. An 8-pair MAC address such as
 * "0a:1b:2c:ff:fe:3d:4e:5f" is also an IPv6 address: it counts as mac. */
pf_fmt pf_fmt_detect(const char *s, size_t n);

/* ---- character classes (a profile's "string.classes") ---- */
typedef enum pf_cc {
    PF_CC_LOWER,    /* ASCII a-z */
    PF_CC_UPPER,    /* ASCII A-Z */
    PF_CC_DIGIT,    /* ASCII 0-9 */
    PF_CC_SPACE,    /* the space character */
    PF_CC_PUNCT,    /* other printable ASCII */
    PF_CC_NONASCII, /* bytes >= 0x80 */
    PF_CC_CONTROL,  /* below 0x20, and DEL */
    PF_CC_N
} pf_cc;
extern const char *const pf_cc_names[PF_CC_N];
pf_cc pf_cc_of(unsigned char c);
/* Bit (1 << class) for each class present in s. */
unsigned pf_cc_mask(const char *s, size_t n);

/* ---- characters ---- */
static inline int pf_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static inline int pf_is_hexdigit(unsigned char c)
{
    return pf_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int pf_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Every byte a digit (1 for n == 0: callers use it on optional parts). */
int pf_is_digits(const char *s, size_t n);

/* ---- the predicates, one per format ---- */

/* 8-4-4-4-12 hex digits, either case. */
int pf_fmt_uuid(const char *s, size_t n);
/* Kept for the callers that knew it by this name. */
static inline int pf_is_uuid(const char *s, size_t n) { return pf_fmt_uuid(s, n); }

/* ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.f+]]][Z|(+|-)HH[:]MM|(+|-)HH], with
 * ranges checked (month 1-12, day within its month, leap years, hour 0-23,
 * minute and second 0-59; year 0001-9999). t may be NULL. */
typedef struct pf_isodt {
    int y, m, d, has_time, hh, mi, ss, has_sec;
    size_t date_end, time_end, frac_start, frac_end;
} pf_isodt;
int pf_fmt_iso(const char *s, size_t n, pf_isodt *t);
/* Dates with English names: 1 ctime-like "Sun Aug 31 00:29:15 +0000 2014",
 * 2 RFC 2822 "Sun, 31 Aug 2014 00:29:15 +0000", 0 neither; v (may be
 * NULL) gets y, m (1-12), d, hh, mi, ss. Ranges checked. */
int pf_fmt_textdate(const char *s, size_t n, int v[6]);
/* Weekday names from 1970-01-01 (a Thursday) on, and month names. */
extern const char pf_fmt_weekdays[7][4];
extern const char pf_fmt_months[12][4];
int pf_fmt_leap(int y);
int pf_fmt_days_in_month(int y, int m);
/* HH:MM[:SS[.f+]] then optional Z or (+|-)HH[:]MM or (+|-)HH, ranges
 * checked; also PostgreSQL's end of day 24:00:00 (fraction all zeros). */
int pf_fmt_time(const char *s, size_t n);
/* pf_fmt_time, filling t (hh, mi, ss, has_sec, time_end, frac_start,
 * frac_end; the zone is s[frac_end..n)). */
int pf_fmt_time_parse(const char *s, size_t n, pf_isodt *t);

/* Dotted quad, each part 0-255 without leading zeros (so it reads back as
 * itself: "010.1.1.1" is not an address). oct may be NULL. */
int pf_fmt_ipv4(const char *s, size_t n, unsigned oct[4]);
/* What inet_pton(AF_INET6) accepts; a (16 bytes) may be NULL. */
int pf_fmt_ipv6(const char *s, size_t n, unsigned char a[16]);

/* MAC address: 6 or 8 pairs of hex digits separated by ':' or by '-'
 * (one separator throughout), or 6 octets as three dot-separated groups of
 * 4 hex digits ("0a1b.2c3d.4e5f"); either case. The number of octets (6
 * or 8), 0 when s is none; a (8 bytes) may be NULL. */
int pf_fmt_mac(const char *s, size_t n, unsigned char a[8]);
/* address/prefix: a dotted quad (pf_fmt_ipv4) with a prefix of 0-32, or an
 * IPv6 address (pf_fmt_ipv6) with 0-128; the prefix in decimal without a
 * leading zero. 4 or 6 (the family), 0 when s is none; a (16 bytes: the
 * IPv4 address in its first 4) and prefix may be NULL. */
int pf_fmt_cidr(const char *s, size_t n, unsigned char a[16], int *prefix);

/* 13-19 digits, single spaces or dashes between groups, Luhn valid, a
 * first digit of a card brand (2-6) and a length that brand uses (2 and 5:
 * 16; 3: 14-19; 4: 13, 16, 19; 6: 16-19). dg (24 bytes) and m get the digits
 * and their count; both may be NULL. */
int pf_fmt_card(const char *s, size_t n, char *dg, size_t *m);
int pf_fmt_luhn(const char *dg, size_t m);

/* Host with at least one dot, labels of letters/digits/hyphens (and
 * non-ASCII), an alphabetic TLD of 2+ letters: the offset of the last dot,
 * 0 when h is no such host. */
size_t pf_fmt_host_tld(const char *h, size_t n);
/* local@host (host as pf_fmt_host_tld, one '@', no space, quote,
 * bracket, comma, colon, semicolon or backslash in the local part, at most
 * 320 bytes): the offset of the '@', 0 when s is no e-mail address. */
size_t pf_fmt_email_at(const char *s, size_t n);
/* scheme://rest (scheme of letters, digits, + - ., first a letter, under
 * 32 bytes; 8 bytes at least; no space or control): the length of
 * "scheme://", 0 when s is no URL. */
size_t pf_fmt_url_scheme(const char *s, size_t n);

/* 6+ hex digits with at least one digit and one letter, letters all of
 * one case. */
int pf_fmt_hex(const char *s, size_t n);
/* Only digits, at least one. */
int pf_fmt_digits(const char *s, size_t n);
/* 7-24 bytes: 7-15 digits, a leading '+', spaces, dashes, dots, parens. */
int pf_fmt_phone(const char *s, size_t n);
/* 16+ bytes, a multiple of 4, base64 alphabet with up to two '=' of
 * padding, at least two of upper, lower, digit. */
int pf_fmt_base64(const char *s, size_t n);

/* ---- keys ---- */

/* Does an object key look like data (an id, e-mail, UUID, number, date,
 * address...) rather than a field name? Shape folds maps keyed by such
 * keys into one {*} path; anonymization transforms such keys. A field
 * name has no digit, '@' or ':'. */
int pf_fmt_key_is_data(const char *s, size_t n);

#endif
