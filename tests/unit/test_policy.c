/*
 * Unit tests of policies (parsing, errors that point at the entry,
 * digests, table-qualified paths) and key files (mode check, length,
 * fingerprint).
 */
#include "pf_test.h"

#include "pf_anon.h"

static int parse(const char *text, pf_policy **p, pf_err *e)
{
    return pf_policy_parse(text, strlen(text), "p.json", p, e);
}

static void expect_error(const char *text, const char *needle)
{
    pf_policy *p = NULL;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(parse(text, &p, &e), -1);
    assert_null(p);
    assert_int_equal(e.code, PF_E_INPUT);
    if (!strstr(e.msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

#define HEAD "{\"format\":\"prodfuzz-policy\",\"version\":1,"

static void policy_errors_point_at_the_bad_entry(void **st)
{
    (void)st;
    expect_error(HEAD "\"rules\":[{\"path\":\"$.a\",\"action\":\"keep\"},"
                      "{\"path\":\"$.b\",\"action\":\"hash\"},"
                      "{\"path\":\"$.x\",\"action\":\"scrmble\"}]}",
                 "policy p.json: rule 3 (path \"$.x\"): unknown action 'scrmble'");
    expect_error(HEAD "\"rules\":[{\"action\":\"keep\"}]}", "rule 1: missing \"path\"");
    expect_error(HEAD "\"rules\":[{\"path\":\"$.a\"}]}", "rule 1 (path \"$.a\"): missing \"action\"");
    expect_error(HEAD "\"rules\":[{\"path\":\"$.a\",\"action\":\"keep\",\"domain\":\"keep\"}]}",
                 "rule 1 (path \"$.a\"): unknown option 'domain' for action 'keep'");
    expect_error(HEAD "\"rules\":[{\"path\":\"$.a\",\"action\":\"hash\",\"length\":3}]}",
                 "\"length\" must be an integer from 8 to 64");
    expect_error(HEAD "\"rules\":[{\"path\":\"$.a[\",\"action\":\"keep\"}]}",
                 "rule 1 (path \"$.a[\"): bad path");
    expect_error(HEAD "\"rules\":{}}", "rules: must be an array");
    expect_error(HEAD "\"default\":\"shred\"}", "default: unknown action 'shred'");
    expect_error(HEAD "\"keys\":\"some\"}", "keys: must be");
    expect_error(HEAD "\"rulez\":[]}", "unknown field 'rulez'");
    expect_error("{\"version\":1}", "\"format\" must be \"prodfuzz-policy\"");
    expect_error("{\"format\":\"prodfuzz-policy\",\"version\":2}", "\"version\" must be 1");
    expect_error("{\n\"format\":\n", "not valid JSON (line 3");
    expect_error("[]", "must be a JSON object");
    expect_error("", "not valid JSON");
}

static void policy_digest_follows_meaning_not_spelling(void **st)
{
    (void)st;
    pf_policy *a, *b, *c, *d;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(parse(HEAD "\"rules\":[{\"path\":\"$.a\",\"action\":\"keep\"}]}", &a, &e), 0);
    assert_int_equal(parse("{ \"rules\" : [ {\"action\":\"keep\", \"path\":\"$['a']\"} ],"
                           " \"version\":1, \"format\":\"prodfuzz-policy\", \"default\":\"scramble\"}",
                           &b, &e), 0);
    assert_int_equal(parse(HEAD "\"rules\":[{\"path\":\"$.a\",\"action\":\"hash\"}]}", &c, &e), 0);
    assert_int_equal(pf_policy_default(&d, &e), 0);
    char da[65], db[65], dc[65], dd[65];
    pf_policy_digest(a, da);
    pf_policy_digest(b, db);
    pf_policy_digest(c, dc);
    pf_policy_digest(d, dd);
    assert_int_equal(strlen(da), 64);
    assert_string_equal(da, db);
    assert_string_not_equal(da, dc);
    assert_string_not_equal(da, dd);
    pf_policy_free(a);
    pf_policy_free(b);
    pf_policy_free(c);
    pf_policy_free(d);
}

/* A policy whose `users.status` rule keeps a value: does it apply? */
static int kept(const char *policy, const char *table, const char *doc)
{
    pf_policy *p;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(parse(policy, &p, &e), 0);
    pf_key k;
    memset(&k, 0, sizeof k);
    memcpy(k.bytes, "0123456789abcdef", 16);
    k.len = 16;
    pf_anon *a;
    assert_int_equal(pf_anon_new(&a, &k, p, 0, &e), 0);
    pf_buf out = PF_BUF_INIT;
    assert_int_equal(pf_anon_doc(a, table, "r", doc, strlen(doc), &out, &e), 0);
    int r = strstr(out.data, "active") != NULL;
    pf_buf_free(&out);
    pf_anon_free(a);
    pf_policy_free(p);
    return r;
}

static void table_qualified_paths_apply_in_their_table(void **st)
{
    (void)st;
    const char *bare = HEAD "\"rules\":[{\"path\":\"users.status\",\"action\":\"keep\"}]}";
    assert_true(kept(bare, "users", "{\"status\":\"active\"}"));
    assert_true(kept(bare, "public.users", "{\"status\":\"active\"}"));
    assert_false(kept(bare, "orders", "{\"status\":\"active\"}"));
    /* elsewhere (and in JSONL input) a bare path is read from $ */
    assert_true(kept(bare, NULL, "{\"users\":{\"status\":\"active\"}}"));
    assert_false(kept(bare, NULL, "{\"status\":\"active\"}"));
    const char *tab = HEAD "\"rules\":[{\"table\":\"users\",\"path\":\"$.status\",\"action\":\"keep\"}]}";
    assert_true(kept(tab, "users", "{\"status\":\"active\"}"));
    assert_false(kept(tab, NULL, "{\"status\":\"active\"}"));
    assert_true(kept(tab, "public.users", "{\"status\":\"active\"}"));
    /* the same table name in another schema, or a name that only ends like
     * the table's, is another table */
    assert_false(kept(bare, "audit.users", "{\"status\":\"active\"}"));
    assert_false(kept(tab, "audit.users", "{\"status\":\"active\"}"));
    assert_false(kept(tab, "sales.Weird.users", "{\"status\":\"active\"}"));
    const char *pubtab = HEAD "\"rules\":[{\"table\":\"public.users\",\"path\":\"$.status\",\"action\":\"keep\"}]}";
    assert_true(kept(pubtab, "users", "{\"status\":\"active\"}"));
    assert_false(kept(pubtab, "audit.users", "{\"status\":\"active\"}"));
    const char *sch = HEAD "\"rules\":[{\"table\":\"audit.users\",\"path\":\"$.status\",\"action\":\"keep\"}]}";
    assert_true(kept(sch, "audit.users", "{\"status\":\"active\"}"));
    assert_false(kept(sch, "users", "{\"status\":\"active\"}"));
    const char *any = HEAD "\"rules\":[{\"path\":\"$.**.status\",\"action\":\"keep\"}]}";
    assert_true(kept(any, "orders", "{\"a\":{\"b\":[{\"status\":\"active\"}]}}"));
    /* first matching rule wins */
    const char *order = HEAD "\"rules\":[{\"path\":\"$.status\",\"action\":\"scramble\"},"
                             "{\"path\":\"$.status\",\"action\":\"keep\"}]}";
    assert_false(kept(order, NULL, "{\"status\":\"active\"}"));
}

/* shape --show asks the policy, per profile path, whether a number there
 * kept production's range: the same answer the engine gives a value */
static void action_at_a_profile_path_is_the_engines(void **st)
{
    (void)st;
    pf_policy *p = NULL;
    pf_err e = PF_ERR_INIT;
    const char *text = HEAD "\"default\":\"scramble\",\"rules\":["
        "{\"table\":\"orders\",\"path\":\"$.amount\",\"action\":\"keep\"},"
        "{\"path\":\"$.items[*].qty\",\"action\":\"keep\"},"
        "{\"path\":\"$.payload.**\",\"action\":\"null\"}]}";
    assert_int_equal(parse(text, &p, &e), 0);
    assert_string_equal(pf_policy_action_at(p, "orders", "$.amount"), "keep");
    assert_string_equal(pf_policy_action_at(p, "public.orders", "$.amount"), "keep");
    assert_string_equal(pf_policy_action_at(p, "users", "$.amount"), "scramble");
    assert_string_equal(pf_policy_action_at(p, NULL, "$.amount"), "scramble");
    assert_string_equal(pf_policy_action_at(p, NULL, "$.items[*].qty"), "keep");
    assert_string_equal(pf_policy_action_at(p, "orders", "$.payload.a[*].b"), "null");
    assert_string_equal(pf_policy_action_at(p, "orders", "$.id"), "scramble");
    assert_true(kept(text, "orders", "{\"amount\":\"active\"}"));
    assert_false(kept(text, "users", "{\"amount\":\"active\"}"));
    pf_policy_free(p);
}

static void key_files_readable_by_others_are_refused(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/key", dir);
    pf_test_write(path, "0123456789abcdef0123456789abcdef\n", 33);
    pf_key k;
    pf_err e = PF_ERR_INIT;
    chmod(path, 0644);
    assert_int_equal(pf_key_load(path, &k, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "chmod 600"));
    assert_null(strstr(e.msg, "0123456789abcdef"));
    chmod(path, 0600);
    assert_int_equal(pf_key_load(path, &k, &e), 0);
    assert_int_equal(k.len, 32); /* trailing newline dropped */
    assert_int_equal(strlen(k.fingerprint), 16);
    char fp1[17];
    memcpy(fp1, k.fingerprint, 17);
    assert_int_equal(pf_key_load(path, &k, &e), 0);
    assert_string_equal(fp1, k.fingerprint);
    assert_int_equal(k.random, 0);
    pf_key_wipe(&k);
    assert_int_equal(k.len, 0);

    pf_test_write(path, "short", 5);
    assert_int_equal(pf_key_load(path, &k, &e), -1);
    assert_non_null(strstr(e.msg, "at least 16"));
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(pf_key_load(path, &k, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);

    pf_key r1, r2;
    assert_int_equal(pf_key_random(&r1, &e), 0);
    assert_int_equal(pf_key_random(&r2, &e), 0);
    assert_true(r1.random);
    assert_string_not_equal(r1.fingerprint, r2.fingerprint);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_errors_point_at_the_bad_entry),
        cmocka_unit_test(policy_digest_follows_meaning_not_spelling),
        cmocka_unit_test(table_qualified_paths_apply_in_their_table),
        cmocka_unit_test(action_at_a_profile_path_is_the_engines),
        cmocka_unit_test(key_files_readable_by_others_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
