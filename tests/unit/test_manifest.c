/*
 * test_manifest: the corpus manifest is pf_corpus's (write, read, key
 * fingerprint and transform version check), so commands never print or
 * parse it by hand.
 */
#include "pf_test.h"

#include <cjson/cJSON.h>

#include "pf_corpus.h"

static char *corpus_with(const char *dir, const char *fpr, int version)
{
    char *out = malloc(strlen(dir) + 40);
    assert_non_null(out);
    sprintf(out, "%s/c-%s-%d", dir, fpr, version);
    pf_corpus c;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_open(&c, out, 0, &e), 0);
    assert_int_equal(pf_corpus_add(&c, "world", 5, NULL, &e), 1);
    assert_int_equal(pf_corpus_add(&c, "hello", 5, NULL, &e), 1);
    assert_int_equal(pf_corpus_add(&c, "hello", 5, NULL, &e), 0);
    pf_manifest m;
    pf_manifest_init(&m, "anonymize");
    pf_buf_adds(&m.body, "\"sources\":[\"in.jsonl\"]");
    pf_manifest_set_anon(&m, fpr, "00ff", version, 0, 1);
    assert_int_equal(pf_corpus_commit_manifest(&c, &m, &e), 0);
    pf_manifest_free(&m);
    return out;
}

static void manifest_round_trips_key_version_counts_and_names(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char *out = corpus_with(dir, "0123456789abcdef", 3);
    pf_manifest m;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_manifest_read(out, &m, &e), 1);
    assert_string_equal(m.command, "anonymize");
    assert_int_equal(m.manifest_version, PF_MANIFEST_VERSION);
    assert_true(m.anonymized);
    assert_string_equal(m.key_fingerprint, "0123456789abcdef");
    assert_string_equal(m.policy_digest, "00ff");
    assert_int_equal(m.transform_version, 3);
    assert_true(m.verified);
    assert_false(m.key_random);
    pf_manifest_free(&m);
    /* the text: the command's members, the counts, the sorted names */
    pf_buf t = PF_BUF_INIT;
    assert_int_equal(pf_corpus_read_manifest(out, &t, &e), 0);
    cJSON *j = cJSON_Parse(t.data);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItem(j, "files")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(j, "duplicates")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(j, "bytes")->valueint, 10);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "sources"), 0)->valuestring,
                        "in.jsonl");
    const cJSON *names = cJSON_GetObjectItem(j, "documents_sha1");
    assert_int_equal(cJSON_GetArraySize(names), 2);
    /* sha1("hello") < sha1("world"): sorted, not in the order added */
    assert_string_equal(cJSON_GetArrayItem(names, 0)->valuestring,
                        "7c211433f02071597741e6ff5a8ea34789abbf43");
    assert_string_equal(cJSON_GetArrayItem(names, 1)->valuestring,
                        "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    cJSON_Delete(j);
    pf_buf_free(&t);
    free(out);
    pf_test_rmtmp(dir);
}

static void manifest_of_an_older_corpus_reads_as_version_1(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char p[400];
    snprintf(p, sizeof p, "%s/.prodfuzz", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/.prodfuzz/manifest.json", dir);
    pf_test_write(p, "{\"key_fingerprint\":\"ab12\"}", 26);
    pf_manifest m;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_manifest_read(dir, &m, &e), 1);
    assert_true(m.anonymized); /* a fingerprint says so */
    assert_int_equal(m.transform_version, 1);
    assert_int_equal(m.manifest_version, 0);
    pf_manifest_free(&m);
    pf_test_write(p, "{\"anonymized\":false}", 20);
    assert_int_equal(pf_manifest_read(dir, &m, &e), 1);
    assert_false(m.anonymized);
    pf_manifest_free(&m);
    pf_test_write(p, "[1,2", 4);
    assert_int_equal(pf_manifest_read(dir, &m, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "manifest.json"));
    pf_manifest_free(&m);
    unlink(p);
    assert_int_equal(pf_manifest_read(dir, &m, &e), 0); /* none */
    pf_manifest_free(&m);
    pf_test_rmtmp(dir);
}

static void manifests_of_other_keys_or_versions_do_not_join(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char *a = corpus_with(dir, "aaaaaaaaaaaaaaaa", 3);
    char *b = corpus_with(dir, "aaaaaaaaaaaaaaaa", 2);
    char *c = corpus_with(dir, "bbbbbbbbbbbbbbbb", 3);
    char *a2 = corpus_with(dir, "aaaaaaaaaaaaaaaa", 4);
    pf_manifest ma, mb, mc;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_manifest_read(a, &ma, &e), 1);
    assert_int_equal(pf_manifest_read(b, &mb, &e), 1);
    assert_int_equal(pf_manifest_read(c, &mc, &e), 1);
    assert_int_equal(pf_manifest_check_join(&ma, a, &ma, a, &e), 0);
    assert_int_equal(pf_manifest_check_join(&ma, a, &mb, b, &e), -1);
    assert_int_equal(e.code, PF_E_USAGE);
    assert_non_null(strstr(e.msg, "v3"));
    assert_non_null(strstr(e.msg, "v2"));
    assert_int_equal(pf_manifest_check_join(&ma, a, &mc, c, &e), -1);
    assert_non_null(strstr(e.msg, "different keys"));
    pf_manifest_free(&ma);
    pf_manifest_free(&mb);
    pf_manifest_free(&mc);
    free(a);
    free(b);
    free(c);
    free(a2);
    pf_test_rmtmp(dir);
}

static void listing_counts_what_the_manifest_does_not_list(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char *c = corpus_with(dir, "aaaaaaaaaaaaaaaa", 3);
    pf_corpus_listing l;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_listing_read(c, &l, &e), 0);
    assert_true(l.manifest && l.listed && !l.per_table);
    assert_int_equal(l.documents, 2);
    assert_int_equal(l.unlisted + l.other + l.missing, 0);
    assert_true(pf_corpus_listing_has(&l, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"));
    assert_false(pf_corpus_listing_has(&l, "0000000000000000000000000000000000000000"));
    pf_corpus_listing_free(&l);
    assert_int_equal(pf_corpus_check_target(c, 0, &e), 0); /* its own output */
    /* what libFuzzer leaves: a new input, a dot file; one listed file gone */
    char p[600];
    snprintf(p, sizeof p, "%s/0000000000000000000000000000000000000001", c);
    pf_test_write(p, "{}", 2);
    snprintf(p, sizeof p, "%s/.lock", c);
    pf_test_write(p, "", 0);
    snprintf(p, sizeof p, "%s/7c211433f02071597741e6ff5a8ea34789abbf43", c); /* "world" */
    assert_int_equal(unlink(p), 0);
    assert_int_equal(pf_corpus_listing_read(c, &l, &e), 0);
    assert_int_equal(l.documents, 1);
    assert_int_equal(l.unlisted, 1);
    assert_int_equal(l.other, 1);
    assert_int_equal(l.missing, 1);
    pf_corpus_listing_free(&l);
    assert_int_equal(pf_corpus_check_target(c, 0, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "holds 2 files its manifest does not list"));
    assert_non_null(strstr(e.msg, "--force"));
    pf_corpus cc;
    assert_int_equal(pf_corpus_open(&cc, c, 0, &e), -1);
    assert_int_equal(pf_corpus_check_target(c, PF_CORPUS_FORCE, &e), 0);
    assert_int_equal(pf_corpus_open(&cc, c, PF_CORPUS_FORCE, &e), 0);
    pf_corpus_abort(&cc);
    /* a manifest that lists nothing (nightly's, mutate's) is not checked */
    char m[600];
    snprintf(m, sizeof m, "%s/%s", c, PF_MANIFEST_REL);
    pf_test_write(m, "{\"tool\":\"prodfuzz nightly\"}", 27);
    assert_int_equal(pf_corpus_listing_read(c, &l, &e), 0);
    assert_true(l.manifest && !l.listed);
    assert_int_equal(l.unlisted, 0);
    pf_corpus_listing_free(&l);
    assert_int_equal(pf_corpus_check_target(c, 0, &e), 0);
    free(c);
    pf_test_rmtmp(dir);
}

/* A per-table output: the tables' corpora are staged inside the folder's
 * staging copy and appear together; the folder's manifest names them and
 * a file added to one table's corpus counts against the whole. */
static void per_table_output_lists_each_table(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char out[400], p[600];
    snprintf(out, sizeof out, "%s/shop", dir);
    pf_corpus top, t1;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_open(&top, out, 0, &e), 0);
    char entry[64];
    pf_corpus_table_entry("sales/x", entry, sizeof entry);
    assert_string_equal(entry, "sales_x");
    pf_corpus_table_entry(".hidden", entry, sizeof entry);
    assert_string_equal(entry, "_hidden");
    snprintf(p, sizeof p, "%s/orders", top.stage);
    assert_int_equal(pf_corpus_open(&t1, p, 0, &e), 0);
    assert_int_equal(pf_corpus_add(&t1, "hello", 5, NULL, &e), 1);
    pf_manifest m;
    pf_manifest_init(&m, "sample");
    assert_int_equal(pf_corpus_commit_manifest(&t1, &m, &e), 0);
    pf_manifest_add_corpus(&m, "orders", "orders", 0, 1, NULL);
    assert_int_equal(access(out, F_OK), -1); /* nothing visible yet */
    assert_int_equal(pf_corpus_commit_manifest(&top, &m, &e), 0);
    pf_manifest_free(&m);
    pf_corpus_listing l;
    assert_int_equal(pf_corpus_listing_read(out, &l, &e), 0);
    assert_true(l.per_table);
    assert_int_equal(l.ntables, 1);
    assert_string_equal(l.tables[0].table, "orders");
    assert_false(l.tables[0].jsonl);
    assert_int_equal(l.documents, 1);
    assert_int_equal(l.unlisted + l.other + l.missing, 0);
    pf_corpus_listing_free(&l);
    snprintf(p, sizeof p, "%s/orders/crash-1", out);
    pf_test_write(p, "x", 1);
    assert_int_equal(pf_corpus_listing_read(out, &l, &e), 0);
    assert_int_equal(l.unlisted, 1);
    assert_string_equal(l.first_unlisted, "orders/crash-1");
    pf_corpus_listing_free(&l);
    assert_int_equal(pf_corpus_check_target(out, 0, &e), -1);
    /* a "corpora" path that leaves the folder is refused */
    snprintf(p, sizeof p, "%s/%s", out, PF_MANIFEST_REL);
    const char *bad = "{\"corpora\":[{\"table\":\"t\",\"path\":\"../x\"}]}";
    pf_test_write(p, bad, strlen(bad));
    assert_int_equal(pf_corpus_listing_read(out, &l, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manifest_round_trips_key_version_counts_and_names),
        cmocka_unit_test(manifest_of_an_older_corpus_reads_as_version_1),
        cmocka_unit_test(manifests_of_other_keys_or_versions_do_not_join),
        cmocka_unit_test(listing_counts_what_the_manifest_does_not_list),
        cmocka_unit_test(per_table_output_lists_each_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
