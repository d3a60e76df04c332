/*
 * Unit tests of the foundation: errors, buffers, JSON paths, the JSON
 * token tree (with JSONTestSuite conformance), JSONL reading and corpus
 * folders.
 */
#include "pf_test.h"

#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "pf_corpus.h"
#include "pf_docs.h"
#include "pf_hash.h"
#include "pf_json.h"
#include "pf_jsonl.h"
#include "pf_path.h"

static void err_codes_map_to_exit_codes(void **st)
{
    (void)st;
    assert_int_equal(pf_err_exit_code(PF_OK), 0);
    assert_int_equal(pf_err_exit_code(PF_E_FINDING), 1);
    assert_int_equal(pf_err_exit_code(PF_E_USAGE), 2);
    assert_int_equal(pf_err_exit_code(PF_E_INPUT), 2);
    assert_int_equal(pf_err_exit_code(PF_E_ENV), 3);
    assert_int_equal(pf_err_exit_code(PF_E_IO), 3);
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_err_set(&e, PF_E_INPUT, "line %d", 7), -1);
    pf_err_prefix(&e, "file %s", "x.jsonl");
    assert_string_equal(e.msg, "file x.jsonl: line 7");
    pf_err_errno(&e, ENOENT, "cannot open %s", "nope");
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "cannot open nope: "));
    pf_err_errno(&e, EFBIG, "cannot write %s", "out");
    assert_int_equal(e.code, PF_E_IO);
    assert_non_null(strstr(e.msg, "EFBIG"));
}

static void buf_grows_and_escapes_json(void **st)
{
    (void)st;
    pf_buf b = PF_BUF_INIT;
    assert_string_equal(pf_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        pf_buf_addf(&b, "%d,", i);
    assert_int_equal(b.len, 3890);
    assert_int_equal(b.data[b.len], '\0');
    pf_buf_reset(&b);
    pf_buf_add_json_str(&b, "a\"b\\c\n\x01\xc3\xa9", 9);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    pf_buf_reset(&b);
    pf_buf_add(&b, "x\0y", 3);
    assert_int_equal(b.len, 3);
    size_t n;
    char *p = pf_buf_detach(&b, &n);
    assert_int_equal(n, 3);
    assert_int_equal(p[1], '\0');
    free(p);
    pf_buf_free(&b);
}

#define FFFD "\xef\xbf\xbd"

/* Invalid UTF-8 never reaches a JSON string: each maximal subpart of an
 * ill-formed sequence becomes one U+FFFD (the Unicode standard's own
 * example, table 3-8, first), valid text is copied byte for byte. */
static void buf_json_str_is_always_valid_utf8(void **st)
{
    (void)st;
    static const struct {
        const char *in, *out;
    } cases[] = {
        /* Unicode 15, table 3-8: a F1 80 80 E1 80 C2 b 80 c 80 BF d */
        {"a\xf1\x80\x80\xe1\x80\xc2" "b\x80" "c\x80\xbf" "d",
         "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d"},
        {"ab\x94", "ab" FFFD},                          /* a lone continuation byte */
        {"\xc0\xaf", FFFD FFFD},                        /* overlong '/' */
        {"\xe0\x80\xaf", FFFD FFFD FFFD},               /* overlong, 3 bytes */
        {"\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD},      /* overlong, 4 bytes */
        {"\xed\xa0\x80", FFFD FFFD FFFD},               /* U+D800 encoded */
        {"\xed\xa0\xbd\xed\xb8\x80", FFFD FFFD FFFD FFFD FFFD FFFD}, /* CESU-8 pair */
        {"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD},      /* past U+10FFFF */
        {"\xf5\xff\xfe", FFFD FFFD FFFD},               /* never lead bytes */
        {"x\xe2\x82", "x" FFFD},                        /* cut short at the end */
        {"\xe2\x82y\xf0\x9f\x98", FFFD "y" FFFD},       /* cut short, twice */
        {"\xc3", FFFD},
        /* valid text, the edges included, stays byte for byte */
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
         "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"},
        {"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"},
        {"\x7f~", "\x7f~"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *in = cases[i].in;
        size_t n = strlen(in);
        pf_buf b = PF_BUF_INIT;
        pf_buf_add_utf8(&b, in, n);
        assert_string_equal(pf_buf_str(&b), cases[i].out);
        assert_true(pf_utf8_valid(b.data, b.len));
        assert_int_equal(pf_utf8_valid(in, n), !strcmp(in, cases[i].out));
        pf_buf_reset(&b);
        pf_buf_add_json_str(&b, in, n);
        assert_int_equal(b.len, strlen(cases[i].out) + 2);
        assert_memory_equal(b.data + 1, cases[i].out, b.len - 2);
        pf_buf_free(&b);
    }
    /* escapes and replacements side by side; a NUL inside the text too */
    pf_buf b = PF_BUF_INIT;
    pf_buf_add_json_str(&b, "\x94\"\n\xe2\x82\\\0\xc3\xa9\xff", 10);
    assert_string_equal(pf_buf_str(&b), "\"" FFFD "\\\"\\n" FFFD "\\\\\\u0000\xc3\xa9" FFFD "\"");
    /* pf_utf8_next tells invalid from cut short */
    size_t k;
    assert_int_equal(pf_utf8_next("\xe2\x82", 2, &k), -1);
    assert_int_equal(k, 2);
    assert_int_equal(pf_utf8_next("\xe2\x82z", 3, &k), 0);
    assert_int_equal(k, 2);
    assert_int_equal(pf_utf8_next("\xe2\x82\xac", 3, &k), 1);
    assert_int_equal(k, 3);
    assert_int_equal(pf_utf8_next("\x80", 1, &k), 0);
    assert_int_equal(k, 1);
    pf_buf_free(&b);
}

/* glibc's iconv as a second, independent UTF-8 decoder */
static int iconv_takes(iconv_t cd, const char *s, size_t n)
{
    char out[256];
    char *in = (char *)s, *o = out;
    size_t il = n, ol = sizeof out;
    iconv(cd, NULL, NULL, NULL, NULL);
    return iconv(cd, &in, &il, &o, &ol) != (size_t)-1 && il == 0;
}

static void check_against_iconv(iconv_t cd, const unsigned char *s, size_t n)
{
    int valid = iconv_takes(cd, (const char *)s, n);
    assert_int_equal(pf_utf8_valid((const char *)s, n), valid);
    pf_buf b = PF_BUF_INIT;
    pf_buf_add_utf8(&b, (const char *)s, n);
    assert_true(iconv_takes(cd, b.data, b.len));
    if (valid) {
        assert_int_equal(b.len, n);
        assert_memory_equal(b.data, s, n);
    }
    pf_buf_free(&b);
}

/* The decoder agrees with iconv on every 2-byte string, on every 3-byte
 * string around the multi-byte leads' edges, and on every second byte
 * after each 4-byte lead; what pf_buf_add_utf8 makes of any of them is
 * something iconv takes. */
static void utf8_decoder_agrees_with_iconv(void **st)
{
    (void)st;
    iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    unsigned char s[4];
    for (unsigned a = 0; a < 256; a++)
        for (unsigned c = 0; c < 256; c++) {
            s[0] = (unsigned char)a;
            s[1] = (unsigned char)c;
            check_against_iconv(cd, s, 2);
        }
    for (unsigned a = 0xdf; a <= 0xf5; a++)
        for (unsigned c = 0x70; c <= 0xc5; c++)
            for (unsigned d = 0x70; d <= 0xc5; d += 3) {
                s[0] = (unsigned char)a;
                s[1] = (unsigned char)c;
                s[2] = (unsigned char)d;
                check_against_iconv(cd, s, 3);
            }
    for (unsigned a = 0xef; a <= 0xf8; a++)
        for (unsigned c = 0; c < 256; c++) {
            s[0] = (unsigned char)a;
            s[1] = (unsigned char)c;
            s[2] = 0x80;
            s[3] = 0xbf;
            check_against_iconv(cd, s, 4);
            s[3] = 'z';
            check_against_iconv(cd, s, 4);
        }
    iconv_close(cd);
}

/* One POSIX shell word, as replay commands and generated runners print
 * it: plain words stay plain unless always quoted; anything else is
 * single-quoted with ' as '\''. Checked by running sh on the result. */
static void buf_shell_word_round_trips_through_sh(void **state)
{
    (void)state;
    static const char *words[] = {"corpus/a.json", "", "it's", "a b", "$HOME",
                                  "x;rm -rf y", "\\n", "`id`", "'", "@@"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        for (int always = 0; always < 2; always++) {
            pf_buf b = PF_BUF_INIT;
            pf_buf_adds(&b, "printf '%s' ");
            pf_buf_add_shell_word(&b, words[i], always);
            assert_false(b.oom);
            if (!always && i == 0)
                assert_string_equal(pf_buf_str(&b), "printf '%s' corpus/a.json");
            if (always && i == 0)
                assert_string_equal(pf_buf_str(&b), "printf '%s' 'corpus/a.json'");
            FILE *f = popen(pf_buf_str(&b), "r");
            assert_non_null(f);
            char got[64] = {0};
            size_t n = fread(got, 1, sizeof got - 1, f);
            assert_int_equal(pclose(f), 0);
            assert_int_equal(n, strlen(words[i]));
            assert_string_equal(got, words[i]);
            pf_buf_free(&b);
        }
    }
}

static void path_quotes_keys_that_need_it(void **st)
{
    (void)st;
    pf_path p;
    pf_path_init(&p);
    pf_path_push_key(&p, "a", 1);
    pf_path_push_key(&p, "b.c", 3);
    pf_path_push_index(&p);
    pf_path_push_key(&p, "say \"hi\"", 8);
    assert_string_equal(pf_path_str(&p), "$.a[\"b.c\"][*][\"say \\\"hi\\\"\"]");
    pf_path_pop(&p);
    pf_path_pop(&p);
    assert_string_equal(pf_path_str(&p), "$.a[\"b.c\"]");
    pf_path_push_key(&p, "", 0);
    pf_path_push_key(&p, "*", 1);
    pf_path_push_key(&p, "[", 1);
    assert_string_equal(pf_path_str(&p), "$.a[\"b.c\"][\"\"][\"*\"][\"[\"]");
    pf_path_free(&p);
}

static void path_dotted_never_matches_quoted_key(void **st)
{
    (void)st;
    pf_path p;
    pf_path_init(&p);
    pf_path_push_key(&p, "a.b", 3);
    assert_false(pf_path_match("$.a.b", pf_path_str(&p)));
    assert_true(pf_path_match("$[\"a.b\"]", pf_path_str(&p)));
    pf_path_reset(&p);
    pf_path_push_key(&p, "a", 1);
    pf_path_push_key(&p, "b", 1);
    assert_true(pf_path_match("$.a.b", pf_path_str(&p)));
    assert_false(pf_path_match("$[\"a.b\"]", pf_path_str(&p)));
    pf_path_free(&p);
}

static void path_canon_and_wildcards(void **st)
{
    (void)st;
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_path_canon("$['a'].b[3].c", 13, 0, &out, &e), 0);
    assert_string_equal(out.data, "$.a.b[*].c");
    assert_int_equal(pf_path_canon("users.status", 12, 1, &out, &e), 0);
    assert_string_equal(out.data, "$.users.status");
    assert_int_equal(pf_path_canon("$.a[\"x.y\"]", 10, 0, &out, &e), 0);
    assert_string_equal(out.data, "$.a[\"x.y\"]");
    assert_int_equal(pf_path_canon("$.a..b", 6, 0, &out, &e), -1);
    assert_non_null(strstr(e.msg, "byte 3"));
    assert_int_equal(pf_path_canon("$.a[x]", 6, 0, &out, &e), -1);
    assert_int_equal(pf_path_canon("a", 1, 0, &out, &e), -1);
    assert_true(pf_path_match("$.*.email", "$.customer.email"));
    assert_false(pf_path_match("$.*.email", "$.a.b.email"));
    assert_true(pf_path_match("$.**.email", "$.a.b.email"));
    assert_true(pf_path_match("$.**.email", "$.email"));
    assert_true(pf_path_match("$.items[*].sku", "$.items[*].sku"));
    assert_false(pf_path_match("$.items[*].sku", "$.items.sku"));
    assert_true(pf_path_match("$.**", "$.x[*].y"));
    pf_buf_free(&out);
}

typedef struct collect {
    pf_buf out;
} collect;

static int collect_visit(void *ctx, const pf_json *j, int t, int key,
                         const pf_path *path, pf_err *err)
{
    (void)key;
    (void)err;
    collect *c = ctx;
    size_t s, e;
    pf_json_span(j, t, &s, &e);
    pf_buf_addf(&c->out, "%s=%s:%.*s\n", pf_path_str(path),
                pf_jkind_name(pf_json_kind(j, t)),
                pf_json_kind(j, t) >= PF_J_OBJECT ? 0 : (int)(e - s), j->text + s);
    return 0;
}

static void json_walk_gives_paths_kinds_and_exact_spans(void **st)
{
    (void)st;
    const char *doc = " {\"id\":505874924095815700,\"f\":1.0,\"a.b\":[null,true,\"x\\\"y\"],"
                      "\"o\":{\"k\":1e400}} ";
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_json_parse(&j, doc, strlen(doc), &e), 0);
    assert_int_equal(j.max_depth, 2);
    collect c = {PF_BUF_INIT};
    assert_int_equal(pf_json_walk(&j, collect_visit, &c, &e), 0);
    assert_string_equal(c.out.data,
                        "$=object:\n"
                        "$.id=int:505874924095815700\n"
                        "$.f=float:1.0\n"
                        "$[\"a.b\"]=array:\n"
                        "$[\"a.b\"][*]=null:null\n"
                        "$[\"a.b\"][*]=bool:true\n"
                        "$[\"a.b\"][*]=string:\"x\\\"y\"\n"
                        "$.o=object:\n"
                        "$.o.k=float:1e400\n");
    pf_buf_free(&c.out);
    pf_json_free(&j);
}

static void json_rejects_with_byte_offset(void **st)
{
    (void)st;
    static const struct { const char *doc; const char *msg; } cases[] = {
        {"{\"a\":\"b\",", "byte 9"},
        {"[1 2]", "byte 3"},
        {"{\"a\":tru}", "byte 5"},
        {"01", "byte 0"},
        {"[1] [2]", "top-level"},
        {"\"a\tb\"", "control"},
        {"{\"k\":[1,{\"a\":\"x\x01y\"}]}", "byte 15: control"}, /* no whitespace anywhere */
        {"{\"k\":\"ok\", \"a\":\"x\x1fy\"}", "control"},
        {"", "empty"},
    };
    pf_json j = PF_JSON_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_json_parse(&j, cases[i].doc, strlen(cases[i].doc), &e), -1);
        assert_int_equal(e.code, PF_E_INPUT);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].msg);
    }
    pf_json_free(&j);
}

static int longest_path_visit(void *ctx, const pf_json *j, int t, int key,
                              const pf_path *path, pf_err *err)
{
    (void)j, (void)t, (void)key, (void)err;
    size_t *longest = ctx;
    if (pf_path_len(path) > *longest)
        *longest = pf_path_len(path);
    return 0;
}

static void json_deep_nesting_needs_no_stack(void **st)
{
    (void)st;
    size_t depth = PF_JSON_DEPTH_LIMIT;
    char *doc = malloc(2 * depth + 3);
    memset(doc, '[', depth);
    memset(doc + depth, ']', depth);
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_json_parse(&j, doc, 2 * depth, &e), 0);
    assert_int_equal(j.max_depth, (int)depth);
    size_t longest = 0;
    assert_int_equal(pf_json_walk(&j, longest_path_visit, &longest, &e), 0);
    assert_int_equal(longest, 1 + 3 * (depth - 1)); /* "$" + "[*]" per level */
    /* one level more is a clear input error, not a crash or a stall */
    memset(doc, '[', depth + 1);
    memset(doc + depth + 1, ']', depth + 1);
    assert_int_equal(pf_json_parse(&j, doc, 2 * depth + 2, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "nesting deeper than 10000 levels"));
    pf_json_free(&j);
    free(doc);
}

static void json_conforms_to_jsontestsuite(void **st)
{
    (void)st;
    const char *data = pf_test_data_dir();
    if (!data) {
        skip();
        return;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/JSONTestSuite/test_parsing", data);
    DIR *d = opendir(dir);
    if (!d) {
        print_message("%s absent: skipping\n", dir);
        skip();
        return;
    }
    struct dirent *ent;
    int checked = 0, wrong = 0;
    pf_json j = PF_JSON_INIT;
    while ((ent = readdir(d)) != NULL) {
        char k = ent->d_name[0];
        if ((k != 'y' && k != 'n' && k != 'i') || ent->d_name[1] != '_')
            continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        size_t n;
        char *doc = pf_test_read(path, &n);
        assert_non_null(doc);
        pf_err e = PF_ERR_INIT;
        int r = pf_json_parse(&j, doc, n, &e);
        if ((k == 'y' && r != 0) || (k == 'n' && r == 0)) {
            print_message("%s: %s\n", ent->d_name, r ? e.msg : "accepted");
            wrong++;
        }
        checked++;
        free(doc);
    }
    closedir(d);
    pf_json_free(&j);
    assert_true(checked >= 300);
    assert_int_equal(wrong, 0);
}

static void jsonl_handles_bom_crlf_blank_and_no_final_newline(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    const char data[] = "\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":2}\n\n[3]";
    pf_test_write(path, data, sizeof data - 1);
    pf_jsonl r;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_jsonl_open(&r, path, 0, &e), 0);
    const char *doc;
    size_t n;
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), 1);
    assert_int_equal(n, 7);
    assert_memory_equal(doc, "{\"a\":1}", 7);
    assert_int_equal(r.lineno, 1);
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), 1);
    assert_memory_equal(doc, "{\"b\":2}", 7);
    assert_int_equal(r.lineno, 4);
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), 1);
    assert_int_equal(n, 3);
    assert_int_equal(r.lineno, 6);
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), 0);
    pf_jsonl_close(&r);
    pf_test_rmtmp(dir);
}

static void jsonl_reports_long_and_nul_lines_and_goes_on(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    pf_buf b = PF_BUF_INIT;
    pf_buf_adds(&b, "{\"ok\":1}\n\"");
    pf_buf_addrep(&b, 'x', 300000); /* spans several read buffers */
    pf_buf_adds(&b, "\"\n{\"a\":\"");
    pf_buf_addc(&b, '\0');
    pf_buf_adds(&b, "\"}\n{\"last\":1}\n");
    pf_test_write(path, b.data, b.len);
    pf_jsonl r;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_jsonl_open(&r, path, 1000, &e), 0);
    const char *doc;
    size_t n;
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), 1);
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), -1);
    assert_non_null(strstr(e.msg, "line 2 (byte offset 9)"));
    assert_non_null(strstr(e.msg, "--max-doc-size"));
    assert_int_equal(r.io_error, 0);
    assert_true(r.line.cap < 4096); /* the long line was never held */
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), -1);
    assert_non_null(strstr(e.msg, "line 3"));
    assert_non_null(strstr(e.msg, "NUL"));
    assert_null(strstr(e.msg, "\"a\"")); /* never the content */
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), 1);
    assert_memory_equal(doc, "{\"last\":1}", 10);
    assert_int_equal(r.lineno, 4);
    assert_int_equal(pf_jsonl_next(&r, &doc, &n, &e), 0);
    pf_jsonl_close(&r);
    pf_buf_free(&b);
    pf_test_rmtmp(dir);
}

static void jsonl_refuses_a_directory(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_jsonl r;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_jsonl_open(&r, dir, 0, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "is a directory"));
    assert_int_equal(pf_jsonl_open(&r, "/nonexistent/x.jsonl", 0, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    pf_test_rmtmp(dir);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void corpus_names_by_sha1_and_collapses_duplicates(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char out[300];
    snprintf(out, sizeof out, "%s/corpus", dir);
    pf_corpus c;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_open(&c, out, 0, &e), 0);
    char name[41];
    assert_int_equal(pf_corpus_add(&c, "hello", 5, name, &e), 1);
    assert_string_equal(name, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    assert_int_equal(pf_corpus_add(&c, "hello", 5, NULL, &e), 0);
    assert_int_equal(pf_corpus_add(&c, "world", 5, NULL, &e), 1);
    assert_int_equal(c.duplicates, 1);
    assert_int_equal(access(out, F_OK), -1); /* nothing visible before commit */
    assert_int_equal(pf_corpus_commit(&c, "{\"rows\":3}", &e), 0);
    assert_int_equal(count_files(out), 2);
    pf_buf m = PF_BUF_INIT;
    assert_int_equal(pf_corpus_read_manifest(out, &m, &e), 0);
    assert_string_equal(m.data, "{\"rows\":3}");
    pf_buf_free(&m);
    pf_test_rmtmp(dir);
}

static void corpus_abort_leaves_previous_corpus_intact(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char out[300];
    snprintf(out, sizeof out, "%s/corpus", dir);
    pf_corpus c;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_open(&c, out, 0, &e), 0);
    assert_int_equal(pf_corpus_add(&c, "old", 3, NULL, &e), 1);
    assert_int_equal(pf_corpus_commit(&c, "{}", &e), 0);
    assert_int_equal(pf_corpus_open(&c, out, 0, &e), 0);
    assert_int_equal(pf_corpus_add(&c, "new1", 4, NULL, &e), 1);
    assert_int_equal(pf_corpus_add(&c, "new2", 4, NULL, &e), 1);
    pf_corpus_abort(&c);
    assert_int_equal(count_files(out), 1);
    assert_int_equal(count_files(dir), 1); /* no staging folder left */
    /* a committed replacement swaps the whole folder */
    assert_int_equal(pf_corpus_open(&c, out, 0, &e), 0);
    assert_int_equal(pf_corpus_add(&c, "a", 1, NULL, &e), 1);
    assert_int_equal(pf_corpus_add(&c, "b", 1, NULL, &e), 1);
    assert_int_equal(pf_corpus_commit(&c, "{}", &e), 0);
    assert_int_equal(count_files(out), 2);
    assert_int_equal(count_files(dir), 1);
    pf_test_rmtmp(dir);
}

static void corpus_refuses_to_replace_a_foreign_folder(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char precious[300];
    snprintf(precious, sizeof precious, "%s/thesis.tex", dir);
    pf_test_write(precious, "precious", 8);
    pf_corpus c;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_open(&c, dir, 0, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "refusing to replace it"));
    size_t n;
    char *back = pf_test_read(precious, &n);
    assert_string_equal(back, "precious");
    free(back);
    assert_int_equal(count_files(dir), 1);
    pf_test_rmtmp(dir);
}

static void atomic_write_under_fsize_limit_is_efbig_and_leaves_nothing(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/out.json", dir);
    assert_int_equal(pf_fs_write_atomic(path, "old", 3, 0644, NULL), 0);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        char *big = calloc(1, 1 << 20);
        pf_err e = PF_ERR_INIT;
        int r = pf_fs_write_atomic(path, big, 1 << 20, 0644, &e);
        free(big);
        _exit(r == -1 && strstr(e.msg, "EFBIG") && e.code == PF_E_IO ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    size_t n;
    char *back = pf_test_read(path, &n);
    assert_string_equal(back, "old");
    free(back);
    assert_int_equal(count_files(dir), 1);
    pf_test_rmtmp(dir);
}

static void docs_reads_folders_jsonl_and_files(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char p1[300], p2[300], p3[300];
    snprintf(p1, sizeof p1, "%s/c", dir);
    mkdir(p1, 0755);
    snprintf(p2, sizeof p2, "%s/c/b", dir);
    pf_test_write(p2, "{\"b\":1}", 7);
    snprintf(p2, sizeof p2, "%s/c/a", dir);
    pf_test_write(p2, "{\"a\":1}", 7);
    snprintf(p2, sizeof p2, "%s/c/.hidden", dir);
    pf_test_write(p2, "x", 1);
    snprintf(p2, sizeof p2, "%s/rows.jsonl", dir);
    pf_test_write(p2, "1\n2\n", 4);
    snprintf(p3, sizeof p3, "%s/one.json", dir);
    pf_test_write(p3, "[1,\n2]\n", 7);
    char *inputs[] = {p1, p2, p3};
    pf_docs d;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_docs_open(&d, inputs, 3, 0, &e), 0);
    const char *doc;
    size_t n;
    const char *want[] = {"{\"a\":1}", "{\"b\":1}", "1", "2", "[1,\n2]\n"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(pf_docs_next(&d, &doc, &n, &e), 1);
        assert_int_equal(n, strlen(want[i]));
        assert_memory_equal(doc, want[i], n);
    }
    assert_non_null(strstr(pf_docs_origin(&d), "one.json"));
    assert_int_equal(pf_docs_next(&d, &doc, &n, &e), 0);
    pf_docs_close(&d);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_codes_map_to_exit_codes),
        cmocka_unit_test(buf_grows_and_escapes_json),
        cmocka_unit_test(buf_json_str_is_always_valid_utf8),
        cmocka_unit_test(utf8_decoder_agrees_with_iconv),
        cmocka_unit_test(buf_shell_word_round_trips_through_sh),
        cmocka_unit_test(path_quotes_keys_that_need_it),
        cmocka_unit_test(path_dotted_never_matches_quoted_key),
        cmocka_unit_test(path_canon_and_wildcards),
        cmocka_unit_test(json_walk_gives_paths_kinds_and_exact_spans),
        cmocka_unit_test(json_rejects_with_byte_offset),
        cmocka_unit_test(json_deep_nesting_needs_no_stack),
        cmocka_unit_test(json_conforms_to_jsontestsuite),
        cmocka_unit_test(jsonl_handles_bom_crlf_blank_and_no_final_newline),
        cmocka_unit_test(jsonl_reports_long_and_nul_lines_and_goes_on),
        cmocka_unit_test(jsonl_refuses_a_directory),
        cmocka_unit_test(corpus_names_by_sha1_and_collapses_duplicates),
        cmocka_unit_test(corpus_abort_leaves_previous_corpus_intact),
        cmocka_unit_test(corpus_refuses_to_replace_a_foreign_folder),
        cmocka_unit_test(atomic_write_under_fsize_limit_is_efbig_and_leaves_nothing),
        cmocka_unit_test(docs_reads_folders_jsonl_and_files),
    };
    return cmocka_run_group_tests_name("foundation", tests, NULL, NULL);
}
