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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manifest_round_trips_key_version_counts_and_names),
        cmocka_unit_test(manifest_of_an_older_corpus_reads_as_version_1),
        cmocka_unit_test(manifests_of_other_keys_or_versions_do_not_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
