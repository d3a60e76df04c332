#!/bin/bash
# prodfuzz sample against a real PostgreSQL 15 (started by tests/run.sh):
# privacy (no personal value survives, leak check), determinism per key,
# joins across tables, shapes and exact numbers, JSON type mapping, column
# mode, --limit randomness, SQL injection, exit codes by failure, atomic
# output under failure, connection loss and signals.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/pg.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
: "${PGHOST:?integration tests need tests/run.sh to start PostgreSQL}"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CHECK="python3 $ROOT/tests/integration/sample_check.py"
PSQL=("$PG_BIN/psql" -qX -v ON_ERROR_STOP=1)
W=$(mktemp -d /tmp/pf-sample-test.XXXXXX)
trap 'rm -rf "$W"' EXIT

pg_fixture_db pf_sample "$ROOT/tests/fixtures/sample_schema.sql" "$W/fixture.log"
export PGDATABASE=pf_sample
"${PSQL[@]}" -c "GRANT SELECT ON canary TO pf_pw" >/dev/null

# Fixed keys: the outcome of every check is the same on every run.
umask 077
printf 'prodfuzz-sample-test-key-one-32b' >"$W/key1"
printf 'prodfuzz-sample-test-key-two-32b' >"$W/key2"
umask 022
K1=(--key-file "$W/key1")
K2=(--key-file "$W/key2")
# The original values, straight from the server (for the leak grep) ...
orig() { "${PSQL[@]}" -Atc "SELECT row_to_json(t) FROM $1 t" >"$2"; }
orig users "$W/users.orig"
orig orders "$W/orders.orig"
orig events "$W/events.orig"
# ... and as prodfuzz prints them with a keep-everything policy (the
# reference the anonymized rows are compared with, row by row).
echo '{"format":"prodfuzz-policy","version":1,"default":"keep"}' >"$W/keep.json"
"$P" sample --table users --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/users.keep.jsonl" 2>/dev/null
"$P" sample --table orders --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/orders.keep.jsonl" 2>/dev/null

# ---- privacy: no original value of 6+ characters survives ---------------------
t_exit "sample_users_whole_rows_exits_0" 0 "$P" sample --table users "${K1[@]}" --out "$W/c1"
n=$(find "$W/c1" -maxdepth 1 -type f | wc -l)
t_eq "sample_writes_one_file_per_distinct_row" "$n" "$("${PSQL[@]}" -Atc 'SELECT count(*) FROM users')"
t_grep "sample_manifest_has_key_fingerprint" '"key_fingerprint":"[0-9a-f]{16}"' "$W/c1/.prodfuzz/manifest.json"
t_grep "sample_manifest_has_policy_digest" '"policy_digest":"[0-9a-f]{64}"' "$W/c1/.prodfuzz/manifest.json"
t_grep "sample_manifest_names_table_and_rows" '"table":"users","rows":200' "$W/c1/.prodfuzz/manifest.json"
t_nogrep "sample_manifest_holds_no_key_bytes" 'prodfuzz-sample-test-key|70726f6466757a7a' "$W/c1/.prodfuzz/manifest.json"
"$P" sample --table orders --table events "${K1[@]}" --out "$W/c1b" 2>/dev/null
$CHECK patterns "$W/users.orig" "$W/orders.orig" "$W/events.orig" >"$W/patterns"
np=$(wc -l <"$W/patterns")
# (the manifest is provenance, not data: its own words such as "seconds"
# would match fixture words)
if [ "$np" -gt 500 ] && ! grep -rqF --exclude-dir=.prodfuzz -f "$W/patterns" "$W/c1" "$W/c1b"; then
    t_pass "sample_no_personal_value_survives ($np original values checked)"
else
    t_fail "sample_no_personal_value_survives" "$np patterns; surviving: $(grep -rhoF --exclude-dir=.prodfuzz -f "$W/patterns" "$W/c1" "$W/c1b" | sort -u | wc -l) values"
fi

# ---- determinism per key --------------------------------------------------------
"$P" sample --table users "${K1[@]}" --out "$W/c2" 2>/dev/null
"$P" sample --table users "${K2[@]}" --out "$W/c3" 2>/dev/null
if diff -r -x .prodfuzz "$W/c1" "$W/c2" >/dev/null; then t_pass "sample_same_key_gives_identical_corpus"
else t_fail "sample_same_key_gives_identical_corpus"; fi
if diff -r -x .prodfuzz "$W/c1" "$W/c3" >/dev/null; then t_fail "sample_other_key_gives_other_corpus"
else t_pass "sample_other_key_gives_other_corpus"; fi
"$P" sample --table users "${K1[@]}" --out "$W/u1.jsonl" 2>/dev/null
"$P" sample --table users "${K1[@]}" --out "$W/u2.jsonl" 2>/dev/null
if cmp -s "$W/u1.jsonl" "$W/u2.jsonl"; then t_pass "sample_jsonl_is_byte_identical_per_key"
else t_fail "sample_jsonl_is_byte_identical_per_key"; fi

# --jobs: rows anonymized on N threads come out in the same order and
# bytes as on one (20,000 rows of big: many batches), leak results too
t_exit "sample_jobs_1_exits_0" 0 "$P" sample --table big --limit 20000 --seed 3 --jobs 1 "${K1[@]}" --out "$W/j1.jsonl"
t_exit "sample_jobs_3_exits_0" 0 "$P" sample --table big --limit 20000 --seed 3 --jobs 3 "${K1[@]}" --out "$W/j3.jsonl"
t_eq "sample_jobs_1_and_3_are_byte_identical" "$(sha1sum < "$W/j1.jsonl")" "$(sha1sum < "$W/j3.jsonl")"
t_eq "sample_jobs_3_keeps_every_row" "$(wc -l < "$W/j3.jsonl")" 20000
t_nogrep "sample_jobs_3_no_original_email" 'user[0-9]+@example' "$W/j3.jsonl"
"$P" sample --table users --jobs 2 "${K1[@]}" --out "$W/u4.jsonl" 2>/dev/null
if cmp -s "$W/u1.jsonl" "$W/u4.jsonl"; then t_pass "sample_jobs_2_equals_the_default"
else t_fail "sample_jobs_2_equals_the_default"; fi
t_exit "sample_jobs_0_is_refused" 2 "$P" sample --table canary --jobs 0 "${K1[@]}" --out "$W/x.jsonl"

PRODFUZZ_KEY_FILE="$W/key1" "$P" sample --table users --out "$W/env/nested/u3.jsonl" 2>"$W/env.err"
if cmp -s "$W/u1.jsonl" "$W/env/nested/u3.jsonl"; then t_pass "prodfuzz_key_file_env_equals_key_file_option"
else t_fail "prodfuzz_key_file_env_equals_key_file_option" "$(cat "$W/env.err")"; fi
t_exit "no_key_warns_and_uses_a_random_key" 0 "$P" sample --table canary --out "$W/nokey.jsonl"
t_grep "no_key_warning_is_said" 'random key' "$T_ERR"
chmod 644 "$W/key2"
t_exit "key_file_readable_by_others_is_refused" 2 "$P" sample --table canary "${K2[@]}" --out "$W/x.jsonl"
chmod 600 "$W/key2"

# ---- shapes and exact numbers ----------------------------------------------------
if $CHECK shapes "$W/users.keep.jsonl" "$W/u1.jsonl" 2>"$W/shape.err"; then t_pass "sample_keeps_shapes_types_nulls_lengths_formats"
else t_fail "sample_keeps_shapes_types_nulls_lengths_formats" "$(cat "$W/shape.err")"; fi
"$P" sample --table orders "${K1[@]}" --out "$W/o1.jsonl" 2>/dev/null
if $CHECK shapes "$W/orders.keep.jsonl" "$W/o1.jsonl" 2>"$W/shape.err"; then t_pass "sample_keeps_shapes_of_jsonb_payloads"
else t_fail "sample_keeps_shapes_of_jsonb_payloads" "$(cat "$W/shape.err")"; fi
big=$(grep -o '"big_counter":[0-9-]*' "$W/u1.jsonl" | head -1 | cut -d: -f2)
t_eq "sample_bigint_above_2_53_keeps_its_16_digits" "${#big}" 16
t_grep "sample_numeric_12_2_keeps_two_decimals" '"balance":-?[0-9]{10}\.[0-9]{2},' "$W/u1.jsonl"

# ---- joins across tables ----------------------------------------------------------
t_exit "sample_follow_fks_exits_0" 0 "$P" sample --table orders --limit 40 --seed 3 --follow-fks "${K1[@]}" --out "$W/j" --format jsonl
cat "$W/j/orders.jsonl" "$W/j/users.jsonl" >"$W/j.jsonl"
if $CHECK joins "$W/j.jsonl" >"$W/joins.out" 2>&1; then t_pass "sample_keeps_joins_across_tables ($(cat "$W/joins.out"))"
else t_fail "sample_keeps_joins_across_tables" "$(cat "$W/joins.out")"; fi
nu=$(grep -c '"full_name"' "$W/j.jsonl")
t_eq "sample_follow_fks_brings_the_referenced_users" "$([ "$nu" -ge 1 ] && [ "$nu" -le 40 ] && echo yes)" yes

t_exit "follow_fks_two_levels_exits_0" 0 "$P" sample --table order_items --limit 10 --seed 2 --follow-fks=2 "${K1[@]}" --out "$W/j2" --format jsonl --json
if python3 - "$W/j2" "$T_OUT" <<'PY'
import json, sys
rows = [json.loads(l) for t in ("order_items", "orders", "users") for l in open(f"{sys.argv[1]}/{t}.jsonl")]
items = [r for r in rows if "sku" in r and "order_id" in r]
orders = {r["id"] for r in rows if "amount" in r}
users = {r["id"] for r in rows if "full_name" in r}
order_users = {r["user_id"] for r in rows if "amount" in r}
assert len(items) == 10, len(items)
assert all(i["order_id"] in orders for i in items), "an item's order is missing"
assert order_users and order_users <= users, "an order's user is missing"
t = json.load(open(sys.argv[2]))["manifest"]["source"]["tables"]
assert [(x["table"], x.get("fk_depth")) for x in t] == [("order_items", None), ("orders", 1), ("users", 2)], t
PY
then t_pass "follow_fks_two_levels_brings_orders_and_their_users"
else t_fail "follow_fks_two_levels_brings_orders_and_their_users"; fi
t_exit "follow_fks_depth_out_of_range_is_exit_2" 2 "$P" sample --table orders --follow-fks=9 "${K1[@]}" --out "$W/x.jsonl"

# ---- faithful JSON types (keep-everything policy, no leak check) --------------------
"$P" sample --table users --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/k.jsonl" 2>/dev/null
r1=$(grep '^{"id":1,' "$W/k.jsonl")
echo "$r1" >"$W/r1"
t_grep "type_bigint_exact" '"big_counter":9007199254740993,' "$W/r1"
t_grep "type_numeric_exact" '"balance":1234567890.12,' "$W/r1"
t_grep "type_boolean" '"active":true,' "$W/r1"
t_grep "type_padded_char_kept" '"code":"FR-ALPHA  ",' "$W/r1"
t_grep "type_array_as_json_array" '"tags":\["vip","newsletter-fr"\]' "$W/r1"
t_grep "type_bytea_as_hex" '"avatar":"deadbeef00ff"' "$W/r1"
t_grep "type_inet_uuid_as_text" '"last_ip":"192.168.10.23",.*"external_id":"a3bb189e-8bf9-3888-9912-ace4e6543002"' "$W/r1"
t_grep "type_json_keeps_key_order_and_duplicates" '"legacy":\{"user_id": 1, "b": "Durand", "a": "first", "a": "second-duplicate"' "$W/r1"
t_grep "type_jsonb_nested" '"prefs":\{"theme": "dark", "address": \{' "$W/r1"
t_grep "type_timestamptz_iso_utc" '"created_at":"2021-01-02T03:04:05.678901\+00:00"' "$W/r1"
grep '^{"id":6,' "$W/k.jsonl" >"$W/r6"
t_grep "type_null_as_null" '"email":null,"full_name":null' "$W/r6"
grep '^{"id":2,' "$W/k.jsonl" >"$W/r2"
t_grep "type_array_with_null_and_empty" '"tags":\["опт",null,""\]' "$W/r2"
"$P" sample --table 'sales."Weird.Name"' --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/w.jsonl" 2>/dev/null
t_grep "type_numeric_nan_as_string" '"Amount":"NaN"' "$W/w.jsonl"
t_grep "type_numeric_infinity_as_string" '"Amount":"-Infinity"' "$W/w.jsonl"
t_grep "type_huge_numeric_exact" '"Amount":12345678901234567890.123456789' "$W/w.jsonl"
t_grep "table_quoted_schema_and_dotted_name" '"label":"not a number"' "$W/w.jsonl"
"$P" sample --table users --where 'id = 1' --bytea base64 --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/b64.jsonl" 2>/dev/null
t_grep "type_bytea_base64_option" '"avatar":"3q2[+]7wD/"' "$W/b64.jsonl"
t_grep "json_row_of_1mb_is_whole" '"id":8,.*"note":"(Grüße aus München, ){1000}' "$W/k.jsonl"

# ---- column mode --------------------------------------------------------------------
t_exit "column_mode_exits_0" 0 "$P" sample --table events --column blob --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/col" --json
t_grep "column_mode_skips_nulls_and_counts_them" '"null_values_skipped":1' "$W/col/.prodfuzz/manifest.json"
if grep -rlqx 'plain bytes hello world' "$W/col" && [ -f "$W/col/$(printf '\001\002\003\004\005' | sha1sum | cut -c1-40)" ]; then
    t_pass "column_mode_decodes_bytea_to_raw_bytes"
else t_fail "column_mode_decodes_bytea_to_raw_bytes" "$(ls "$W/col")"; fi
t_exit "column_mode_text_anonymized" 0 "$P" sample --table events --column body "${K1[@]}" --out "$W/colt"
if grep -rqF -e 'amelie.durand@example.fr' -e '4539 1488 0343 6467' -e '+33 6 12 34 56 78' "$W/colt"; then
    t_fail "column_mode_values_do_not_survive"
else t_pass "column_mode_values_do_not_survive"; fi

# ---- --limit: random, reproducible per seed ----------------------------------------------
echo '{"format":"prodfuzz-policy","version":1,"rules":[{"path":"$.id","action":"keep"}]}' >"$W/keepid.json"
lim() { "$P" sample --table "$1" --limit "$2" --seed "$3" --policy "$W/keepid.json" --no-verify "${K1[@]}" --out "$4" 2>/dev/null; grep -o '^{"id":[0-9]*' "$4" | cut -d: -f2 | sort -n | tr '\n' ' '; }
a=$(lim big 10 5 "$W/l1.jsonl"); b=$(lim big 10 5 "$W/l2.jsonl"); c=$(lim big 10 6 "$W/l3.jsonl")
t_eq "limit_returns_n_rows" "$(wc -l <"$W/l1.jsonl")" 10
t_eq "limit_same_seed_same_rows" "$a" "$b"
if [ "$a" != "$c" ]; then t_pass "limit_other_seed_other_rows"; else t_fail "limit_other_seed_other_rows" "$a"; fi
if [ "$a" != "1 2 3 4 5 6 7 8 9 10 " ] && [ "$(echo "$a" | awk '{print $10}')" -gt 1000 ]; then
    t_pass "limit_rows_are_not_the_first_on_disk"
else t_fail "limit_rows_are_not_the_first_on_disk" "$a"; fi
a=$(lim users 7 1 "$W/l4.jsonl"); b=$(lim users 7 1 "$W/l5.jsonl")
t_eq "limit_small_table_same_seed_same_rows" "$a" "$b"
t_eq "limit_small_table_n_rows" "$(wc -l <"$W/l4.jsonl")" 7
"$P" sample --table big --limit 10 --seed 5 --policy "$W/keepid.json" --no-verify "${K1[@]}" --out "$W/est" 2>/dev/null
t_grep "limit_on_a_big_table_uses_a_tablesample_estimate" '"limit_from_tablesample_estimate":true' "$W/est/.prodfuzz/manifest.json"
a=$("$P" sample --table big --limit 10 --seed 5 --where 'id <= 40' --policy "$W/keepid.json" --no-verify "${K1[@]}" --out "$W/l6.jsonl" 2>/dev/null; grep -o '^{"id":[0-9]*' "$W/l6.jsonl" | cut -d: -f2 | sort -n | tr '\n' ' ')
t_eq "limit_with_a_selective_where_falls_back_to_the_full_scan" "$(echo $a | wc -w) $(echo $a | tr ' ' '\n' | awk '$1 > 40' | wc -l)" "10 0"
if [ "$a" != "1 2 3 4 5 6 7 8 9 10 " ]; then t_pass "limit_fallback_rows_are_random_too"; else t_fail "limit_fallback_rows_are_random_too" "$a"; fi
t_exit "percent_bernoulli_exits_0" 0 "$P" sample --table big --percent 1 --seed 2 --policy "$W/keepid.json" --no-verify "${K1[@]}" --out "$W/p1.jsonl"
n=$(wc -l <"$W/p1.jsonl")
t_eq "percent_bernoulli_takes_about_p_percent" "$([ "$n" -gt 1500 ] && [ "$n" -lt 2500 ] && echo yes)" yes
t_exit "percent_system_exits_0" 0 "$P" sample --table big --percent 1 --method system --seed 2 "${K1[@]}" --out "$W/p2.jsonl"

# ---- SQL injection cannot write -------------------------------------------------------------
t_exit "injection_in_table_is_exit_2" 2 "$P" sample --table 'canary; DROP TABLE canary' "${K1[@]}" --out "$W/x1.jsonl"
t_exit "injection_in_where_is_exit_2" 2 "$P" sample --table canary --where 'true; DROP TABLE canary' "${K1[@]}" --out "$W/x2.jsonl"
t_exit "where_cannot_close_the_copy" 2 "$P" sample --table canary --where 'true) TO STDOUT; DROP TABLE canary; --' "${K1[@]}" --out "$W/x3.jsonl"
t_exit "where_cannot_write_in_a_read_only_snapshot" 2 "$P" sample --table canary --where "nextval('canary_seq') > 0" "${K1[@]}" --out "$W/x4.jsonl"
t_grep "read_only_snapshot_is_said" 'read-only transaction' "$T_ERR"
t_exit "where_set_config_cannot_lift_read_only" 2 "$P" sample --table canary --where "set_config('transaction_read_only', 'off', true) = 'off' AND nextval('canary_seq') > 0" "${K1[@]}" --out "$W/x5.jsonl"
t_eq "injection_left_the_table_in_place" "$("${PSQL[@]}" -Atc 'SELECT count(*) FROM canary')" 1
t_eq "where_could_not_advance_a_sequence" "$("${PSQL[@]}" -Atc 'SELECT is_called FROM canary_seq')" f

# ---- exit codes -----------------------------------------------------------------------------
t_exit "missing_table_is_exit_2" 2 "$P" sample --table no_such_table "${K1[@]}" --out "$W/x.jsonl"
t_grep "missing_table_is_named" 'table "no_such_table" does not exist' "$T_ERR"
t_exit "missing_column_is_exit_2" 2 "$P" sample --table users --column no_such_col "${K1[@]}" --out "$W/x.jsonl"
t_grep "missing_column_is_named" 'column "no_such_col" does not exist' "$T_ERR"
t_exit "where_syntax_error_is_exit_2" 2 "$P" sample --table users --where 'id = = 1' "${K1[@]}" --out "$W/x.jsonl"
t_exit "where_data_error_is_exit_2" 2 "$P" sample --table users --where 'email::int > 0' "${K1[@]}" --out "$W/x.jsonl"
t_nogrep "data_error_message_withholds_the_value" 'example|@' "$T_ERR"
t_exit "unreachable_server_is_exit_3" 3 "$P" sample --db "host=$W/nowhere port=1 dbname=x" --table users "${K1[@]}" --out "$W/x.jsonl"
t_exit "permission_denied_is_exit_3" 3 "$P" sample --db "dbname=pf_sample user=pf_noread" --table users "${K1[@]}" --out "$W/x.jsonl"
t_grep "permission_denied_is_said" 'permission denied' "$T_ERR"
t_exit "statement_timeout_is_exit_3" 3 "$P" sample --table canary --where 'pg_sleep(3) IS NOT NULL' --statement-timeout 0.3 "${K1[@]}" --out "$W/x.jsonl"
t_grep "statement_timeout_is_said" 'statement timeout' "$T_ERR"
t_exit "recovery_conflict_is_retried_then_exit_3" 3 "$P" sample --table canary --where 'pf_recovery_conflict()' "${K1[@]}" --out "$W/x.jsonl"
t_eq "recovery_conflict_retried_a_bounded_number_of_times" "$(grep -c 'retrying on a fresh snapshot' "$T_ERR")" 2
t_grep "recovery_conflict_final_error_names_sqlstate" 'SQLSTATE 40001' "$T_ERR"
t_exit "recovery_conflict_once_is_retried_and_succeeds" 0 "$P" sample --table users --where 'pf_recovery_conflict_once()' "${K1[@]}" --out "$W/retry.jsonl"
t_eq "recovery_conflict_once_warned_once" "$(grep -c 'retrying on a fresh snapshot' "$T_ERR")" 1
if cmp -s "$W/u1.jsonl" "$W/retry.jsonl"; then t_pass "retried_run_output_equals_a_clean_run"
else t_fail "retried_run_output_equals_a_clean_run" "$(wc -l <"$W/retry.jsonl") lines"; fi
BADPW="WrongPassword-$$-zq"
t_exit "wrong_password_is_exit_3" 3 "$P" sample --db "host=$PGHOST port=$PGPORT dbname=pf_sample user=pf_pw password=$BADPW" --table canary "${K1[@]}" --out "$W/x.jsonl"
t_grep "wrong_password_says_authentication_failed" 'password authentication failed' "$T_ERR"
if grep -qF "$BADPW" "$T_OUT" "$T_ERR"; then t_fail "wrong_password_never_printed"; else t_pass "wrong_password_never_printed"; fi
t_grep "password_in_conninfo_warns" 'contains a password' "$T_ERR"
t_exit "right_password_in_uri_works" 0 "$P" sample --db "postgresql://pf_pw:$PG_TEST_PASSWORD@/pf_sample?host=$PGHOST&port=$PGPORT" --table canary "${K1[@]}" --out "$W/pw" --json
if grep -rqF "$PG_TEST_PASSWORD" "$T_OUT" "$T_ERR" "$W/pw"; then t_fail "password_never_reaches_output_or_manifest"
else t_pass "password_never_reaches_output_or_manifest"; fi
"${PSQL[@]}" -c "GRANT SELECT ON big TO pf_pw" >/dev/null
"$P" sample --db "postgresql://pf_pw:$PG_TEST_PASSWORD@/pf_sample?host=$PGHOST&port=$PGPORT" --table big --where 'pg_sleep(0.0002) IS NOT NULL' "${K1[@]}" --out "$W/ps.jsonl" 2>/dev/null &
pid=$!
sleep 1.5
if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$PG_TEST_PASSWORD" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'sample'; then
    t_pass "password_is_wiped_from_the_process_list"
else t_fail "password_is_wiped_from_the_process_list" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>&1 | head -c 300)"; fi
kill -INT "$pid"; wait "$pid"
t_exit "pgpassword_env_works_without_db" 0 env PGUSER=pf_pw PGPASSWORD="$PG_TEST_PASSWORD" "$P" sample --table canary "${K1[@]}" --out "$W/pw2.jsonl"
t_exit "bad_conninfo_is_exit_2" 2 "$P" sample --db "host=x nosuchkeyword=1" --table users "${K1[@]}" --out "$W/x.jsonl"
t_exit "method_without_percent_is_exit_2" 2 "$P" sample --table users --method system "${K1[@]}" --out "$W/x.jsonl"
t_exit "percent_out_of_range_is_exit_2" 2 "$P" sample --table users --percent 0 "${K1[@]}" --out "$W/x.jsonl"
t_exit "no_out_is_exit_2" 2 "$P" sample --table users

# ---- leak check: a value that survives stops the run, nothing is written --------------------------
echo '{"format":"prodfuzz-policy","version":1,"rules":[{"path":"users.note","action":"redact","text":"prefers morning deliveries"}]}' >"$W/leaky.json"
cp -r "$W/c1" "$W/leak"
t_exit "leak_check_exits_1" 1 "$P" sample --table users --policy "$W/leaky.json" "${K1[@]}" --out "$W/leak"
t_grep "leak_check_names_path_and_row" 'note.*users row 1|users row 1.*note' "$T_ERR"
t_nogrep "leak_check_never_prints_the_value" 'prefers morning' "$T_ERR"
grep -v 'sampled\|rows/s' "$T_ERR" > "$W/leak.default.err"
t_exit "leak_check_jobs_1_exits_1" 1 "$P" sample --table users --jobs 1 --policy "$W/leaky.json" "${K1[@]}" --out "$W/leak"
t_eq "leak_check_same_report_for_jobs_1_and_default" "$(grep -v 'sampled\|rows/s' "$T_ERR" | sha1sum)" "$(sha1sum < "$W/leak.default.err")"
if diff -r "$W/c1" "$W/leak" >/dev/null; then t_pass "leak_check_leaves_the_previous_corpus"
else t_fail "leak_check_leaves_the_previous_corpus"; fi

# ---- atomic output: failures and connection loss leave the previous corpus -------------------------
cp -r "$W/c1" "$W/atom"
(cd "$W/atom" && find . -type f | sort | xargs sha1sum) >"$W/atom.before"
"$P" sample --table users --column nope "${K1[@]}" --out "$W/atom" 2>/dev/null
( sleep 1.5; "${PSQL[@]}" -Atc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prodfuzz' AND pid <> pg_backend_pid()" >/dev/null ) &
t_exit "connection_killed_mid_stream_is_exit_3" 3 "$P" sample --table big --where 'pg_sleep(0.0002) IS NOT NULL' "${K1[@]}" --out "$W/atom"
wait
t_grep "connection_loss_is_said" 'terminating connection|connection to the server lost|server closed' "$T_ERR"
(cd "$W/atom" && find . -type f | sort | xargs sha1sum) >"$W/atom.after"
if cmp -s "$W/atom.before" "$W/atom.after"; then t_pass "connection_loss_leaves_the_previous_corpus_intact"
else t_fail "connection_loss_leaves_the_previous_corpus_intact"; fi
t_eq "no_staging_folder_left_behind" "$(find "$W" -maxdepth 1 -name 'atom.prodfuzz-tmp*' | wc -l)" 0
echo previous >"$W/prev.jsonl"
"$P" sample --table big --where 'pg_sleep(0.0002) IS NOT NULL' "${K1[@]}" --out "$W/prev.jsonl" 2>"$W/sig.err" &
pid=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"; st=$?
t_eq "sigint_exits_130" "$st" 130
t_eq "sigint_leaves_the_previous_jsonl" "$(cat "$W/prev.jsonl")" previous
t_eq "sigint_leaves_no_temporary_file" "$(find "$W" -maxdepth 1 -name '*prev.jsonl*' | wc -l)" 1

echo previous >"$W/prev2.jsonl"
"$P" sample --table big --where 'pg_sleep(0.0002) IS NOT NULL' "${K1[@]}" --out "$W/prev2.jsonl" 2>/dev/null &
pid=$!
sleep 1.5
kill -TERM "$pid"
wait "$pid"; st=$?
t_eq "sigterm_exits_143" "$st" 143
t_eq "sigterm_leaves_the_previous_jsonl" "$(cat "$W/prev2.jsonl")" previous
t_eq "cancelled_query_leaves_no_backend_behind" "$(sleep 0.5; "${PSQL[@]}" -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prodfuzz'")" 0

# ---- progress on stderr only when it is a terminal ---------------------------------------------
t_exit "no_progress_when_stderr_is_not_a_terminal" 0 "$P" sample --table big --limit 20000 "${K1[@]}" --out "$W/np.jsonl"
t_nogrep "no_progress_line_in_a_pipe" 'rows/s' "$T_ERR"
if command -v script >/dev/null; then
    script -qec "'$P' sample --table big --percent 20 --seed 1 --key-file '$W/key1' --out '$W/tty.jsonl'" /dev/null >"$W/tty.out" 2>&1
    if tr '\r' '\n' <"$W/tty.out" | grep -aEq 'sample: big: [0-9]+ rows, [0-9]+ rows/s, [0-9.]+ MB, [0-9.]+s'; then
        t_pass "progress_on_a_terminal_shows_rows_rate_and_elapsed"
    else t_fail "progress_on_a_terminal_shows_rows_rate_and_elapsed" "$(head -c 400 "$W/tty.out")"; fi
else
    t_skip "progress_on_a_terminal_shows_rows_rate_and_elapsed" "script(1) not installed"
fi

mkdir -p "$W/notacorpus" && echo precious >"$W/notacorpus/thesis.tex"
t_exit "out_refuses_a_folder_that_is_not_a_corpus" 2 "$P" sample --table canary "${K1[@]}" --out "$W/notacorpus"
t_eq "the_foreign_folder_is_untouched" "$(cat "$W/notacorpus/thesis.tex")" precious
mkdir -p "$W/emptydir"
t_exit "out_accepts_an_empty_folder" 0 "$P" sample --table canary "${K1[@]}" --out "$W/emptydir"
t_exit "out_replaces_an_earlier_corpus" 0 "$P" sample --table canary "${K1[@]}" --out "$W/emptydir"

# ---- several tables come from one snapshot (--where applies to every table) ---------------------
( sleep 1; "${PSQL[@]}" -c "INSERT INTO canary VALUES (2)" ) &
t_exit "two_tables_exit_0_while_another_session_writes" 0 "$P" sample --table big --where 'CASE WHEN id % 1000 = 0 THEN pg_sleep(0.015) IS NOT NULL ELSE id < 10 END' --table canary --policy "$W/keepid.json" --no-verify "${K1[@]}" --out "$W/snap" --format jsonl
wait
cat "$W/snap/big.jsonl" "$W/snap/canary.jsonl" >"$W/snap.jsonl"
t_eq "the_insert_happened_during_the_run" "$("${PSQL[@]}" -Atc 'SELECT count(*) FROM canary')" 2
t_eq "rows_committed_during_the_run_are_not_in_the_sample" "$(grep -vc email "$W/snap.jsonl")" 1
"${PSQL[@]}" -c "DELETE FROM canary WHERE id = 2"

# ---- several tables, one snapshot; JSON summary --------------------------------------------------
t_exit "several_tables_in_one_run" 0 "$P" sample --table users --table orders --limit 5 "${K1[@]}" --out "$W/multi" --json
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); t=o["manifest"]["source"]["tables"]; assert o["ok"] and o["rows"]==10 and [x["table"] for x in t]==["users","orders"] and o["manifest"]["source"]["limit"]==5' "$T_OUT"; then
    t_pass "json_summary_lists_tables_rows_and_limit"
else t_fail "json_summary_lists_tables_rows_and_limit" "$(head -c 600 "$T_OUT")"; fi
# ---- one corpus per table ---------------------------------------------------------------------
t_exit "follow_fks_into_a_folder_exits_0" 0 "$P" sample --table orders --limit 40 --seed 3 --follow-fks "${K1[@]}" --out "$W/pt"
t_eq "follow_fks_gives_one_folder_per_table" "$(cd "$W/pt" && ls -d */ | tr '\n' ' ')" "orders/ users/ "
if python3 - "$W/pt" <<'PY'
import json, os, sys
d = sys.argv[1]
top = json.load(open(f"{d}/.prodfuzz/manifest.json"))
assert top["layout"] == "per-table", top
assert [(c["table"], c["path"], c["format"]) for c in top["corpora"]] == [("orders", "orders", "corpus"), ("users", "users", "corpus")], top["corpora"]
for c in top["corpora"]:
    m = json.load(open(f"{d}/{c['path']}/.prodfuzz/manifest.json"))
    files = sorted(f for f in os.listdir(f"{d}/{c['path']}") if not f.startswith("."))
    assert m["table"] == c["table"] and m["anonymized"] is True, m
    assert m["documents_sha1"] == files and m["files"] == len(files) == c["documents"], (c, len(files))
    docs = [json.load(open(f"{d}/{c['path']}/{f}")) for f in files]
    # each entry point gets the documents it parses: orders only in orders/
    key = "amount" if c["table"] == "orders" else "full_name"
    assert all(key in x for x in docs), c["table"]
assert top["corpora"][0]["documents"] == 40, top["corpora"]
PY
then t_pass "follow_fks_each_table_folder_has_its_manifest_and_only_its_rows"
else t_fail "follow_fks_each_table_folder_has_its_manifest_and_only_its_rows"; fi
t_exit "two_tables_give_one_folder_per_table" 0 "$P" sample --table users --table orders --limit 5 "${K1[@]}" --out "$W/pt2"
t_eq "two_tables_folders" "$(cd "$W/pt2" && ls -d */ | tr '\n' ' ')" "orders/ users/ "
t_exit "one_table_keeps_one_flat_corpus" 0 "$P" sample --table users --limit 5 "${K1[@]}" --out "$W/flat"
t_eq "one_table_layout_has_no_subfolder" "$(find "$W/flat" -mindepth 1 -maxdepth 1 -type d ! -name .prodfuzz | wc -l) $(find "$W/flat" -maxdepth 1 -type f | wc -l)" "0 5"
t_exit "several_tables_into_one_jsonl_file_is_refused" 2 "$P" sample --table orders --follow-fks "${K1[@]}" --out "$W/x.jsonl"
t_grep "the_refusal_says_what_to_use" '--out DIR --format jsonl' "$T_ERR"
t_exit "shape_of_a_per_table_folder_profiles_each_table" 0 "$P" shape "$W/pt" -o "$W/ptshape" --dict "$W/ptdict"
if python3 - "$W/ptshape" <<'PY'
import json, sys
o = json.load(open(f"{sys.argv[1]}/orders.shape.json"))
u = json.load(open(f"{sys.argv[1]}/users.shape.json"))
assert o["documents"] == 40 and "$.amount" in o["paths"] and "$.full_name" not in o["paths"], o["documents"]
assert "$.full_name" in u["paths"] and "$.amount" not in u["paths"]
# every document of a table has the table's columns: nothing "missing" from mixing
assert o["paths"]["$.amount"]["count"] == 40
PY
then t_pass "per_table_profiles_do_not_mix_tables"
else t_fail "per_table_profiles_do_not_mix_tables" "$(ls "$W/ptshape")"; fi
t_eq "per_table_dictionaries" "$(ls "$W/ptdict" | tr '\n' ' ')" "orders.dict users.dict "
t_exit "shape_of_a_per_table_folder_needs_an_output_folder" 2 "$P" shape "$W/pt"
t_grep "the_shape_refusal_names_a_table_folder" 'one corpus per table.*pt/orders' "$T_ERR"
t_exit "per_table_jsonl_exits_0" 0 "$P" sample --table orders --limit 40 --seed 3 --follow-fks "${K1[@]}" --out "$W/ptj" --format jsonl
t_exit "shape_of_a_listed_jsonl_needs_no_raw_ok" 0 "$P" shape "$W/ptj/orders.jsonl" -o "$W/ptj.json"
echo '{"amount":-6}' >>"$W/ptj/orders.jsonl"
t_exit "shape_refuses_a_jsonl_changed_after_sampling" 2 "$P" shape "$W/ptj/orders.jsonl" -o "$W/ptj.json"
t_grep "the_jsonl_refusal_names_the_option" 'changed since sampling.*--include-unlisted' "$T_ERR"

# ---- production and fuzzer data never mix ----------------------------------------------------
# libFuzzer writes its new inputs into the first folder it is given: a real
# run pointed at the sampled corpus leaves its mutants there.
FZ="$ROOT/build/fuzz/service_orders"
if [ -x "$FZ" ]; then
    n0=$(find "$W/pt/orders" -maxdepth 1 -type f | wc -l)
    "$FZ" -runs=3000 -seed=1 "$W/pt/orders" >"$W/lf.log" 2>&1
    nf=$(( $(find "$W/pt/orders" -maxdepth 1 -type f | wc -l) - n0 ))
    t_eq "libfuzzer_wrote_into_the_corpus_it_was_given_first" "$([ "$nf" -gt 0 ] && echo yes)" yes
    t_exit "shape_refuses_a_corpus_holding_fuzzer_inputs" 2 "$P" shape "$W/pt/orders" -o "$W/fz.json"
    t_grep "shape_names_how_many_and_how_to_proceed" "holds $nf documents its manifest does not list.*--include-unlisted" "$T_ERR"
    [ ! -e "$W/fz.json" ] && t_pass "shape_wrote_no_profile_of_fuzzer_inputs" || t_fail "shape_wrote_no_profile_of_fuzzer_inputs"
    t_exit "shape_of_the_parent_refuses_too" 2 "$P" shape "$W/pt" -o "$W/fzdir"
    t_exit "include_unlisted_profiles_them" 0 "$P" shape --include-unlisted "$W/pt/orders" -o "$W/fz.json"
    t_grep "the_profile_records_the_unlisted_documents" "\"unlisted_documents\": $nf," "$W/fz.json"
    t_exit "shape_show_of_it_exits_0" 0 "$P" shape --show "$W/fz.json"
    t_grep "shape_show_says_it_is_not_production_data_alone" "not production data alone: $nf of the documents" "$T_OUT"
    "$P" shape "$W/pt/users" -o "$W/u.json" 2>/dev/null
    t_nogrep "a_clean_profile_has_no_unlisted_field" 'unlisted_documents' "$W/u.json"
    t_exit "sample_refuses_to_replace_a_corpus_holding_fuzzer_inputs" 2 "$P" sample --table orders --limit 40 --seed 3 --follow-fks "${K1[@]}" --out "$W/pt"
    t_grep "sample_names_how_many_and_force" "holds $nf files its manifest does not list.*--force" "$T_ERR"
    t_eq "the_fuzzer_inputs_are_still_there" "$(find "$W/pt/orders" -maxdepth 1 -type f | wc -l)" "$((n0 + nf))"
    t_exit "sample_force_replaces_it" 0 "$P" sample --table orders --limit 40 --seed 3 --follow-fks --force "${K1[@]}" --out "$W/pt"
    t_eq "after_force_only_sampled_documents_remain" "$(find "$W/pt/orders" -maxdepth 1 -type f | wc -l)" "$n0"
    # the right way: a working folder first, the production corpus after it
    mkdir -p "$W/work"
    "$FZ" -runs=3000 -seed=1 "$W/work" "$W/pt/orders" >"$W/lf2.log" 2>&1
    t_eq "libfuzzer_with_a_working_folder_first_leaves_the_corpus_alone" "$(find "$W/pt/orders" -maxdepth 1 -type f | wc -l) $([ "$(find "$W/work" -type f | wc -l)" -gt 0 ] && echo wrote-work)" "$n0 wrote-work"
    t_exit "shape_accepts_the_untouched_corpus" 0 "$P" shape "$W/pt/orders" -o "$W/ok.json"
    t_exit "sample_rewrites_its_own_earlier_output" 0 "$P" sample --table orders --limit 40 --seed 3 --follow-fks "${K1[@]}" --out "$W/pt"
else
    t_skip "libfuzzer_wrote_into_the_corpus_it_was_given_first" "build/fuzz/service_orders not built (make fuzz)"
fi
echo '{"a":1}' >"$W/flat/hand-made"
t_exit "sample_refuses_to_replace_a_flat_corpus_holding_other_files" 2 "$P" sample --table users --limit 5 "${K1[@]}" --out "$W/flat"
t_grep "flat_refusal_names_the_file" 'holds 1 file its manifest does not list \(such as hand-made' "$T_ERR"

t_exit "sample_help_exits_0" 0 "$P" sample --help
t_grep "sample_help_has_an_example" 'prodfuzz sample --db' "$T_OUT"
t_done
