#!/bin/bash
# prodfuzz policy init / explain against a real PostgreSQL 15: a starting
# policy from the catalog (keeps booleans, small enums, measures, amounts, counts and
# timestamps; e-mail action for e-mail columns; PostgreSQL Anonymizer
# labels honoured) that sample accepts, and a dry run that prints paths and
# actions but never a value.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/pg.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
: "${PGHOST:?integration tests need tests/run.sh to start PostgreSQL}"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PSQL=("$PG_BIN/psql" -qX -v ON_ERROR_STOP=1)
W=$(mktemp -d /tmp/pf-policy-test.XXXXXX)
trap 'rm -rf "$W"' EXIT

pg_fixture_db pf_policy "$ROOT/tests/fixtures/sample_schema.sql" "$W/fixture.log"
export PGDATABASE=pf_policy
# A PostgreSQL Anonymizer label, as the extension would store it (the
# provider itself is not installed here).
"${PSQL[@]}" -c "SET allow_system_table_mods = on" \
    -c "INSERT INTO pg_seclabel VALUES ('orders'::regclass, 'pg_class'::regclass, 4, 'anon', 'MASKED WITH VALUE NULL')" >/dev/null
umask 077; printf 'prodfuzz-policy-test-key-32bytes' >"$W/key"; umask 022

t_exit "policy_init_exits_0" 0 "$P" policy init --table users --table orders -o "$W/policy.json"
t_grep "policy_init_keeps_booleans" '"table": "users", "path": "\$\.active", "action": "keep"' "$W/policy.json"
t_grep "policy_init_keeps_small_enums" '"path": "\$\.status", "action": "keep"' "$W/policy.json"
t_grep "policy_init_keeps_timestamps" '"path": "\$\.created_at", "action": "keep"' "$W/policy.json"
t_grep "policy_init_keeps_quantities" '"path": "\$\.amount", "action": "keep"' "$W/policy.json"
t_grep "policy_init_email_column_gets_email_action" '"path": "\$\.email", "action": "email"' "$W/policy.json"
t_grep "policy_init_transforms_names" '"path": "\$\.full_name", "action": "scramble"' "$W/policy.json"
t_grep "policy_init_covers_json_payloads" '"path": "\$\.payload\.\*\*", "action": "scramble"' "$W/policy.json"
t_grep "policy_init_honours_anon_security_labels" '"path": "\$\.quantity", "action": "null"' "$W/policy.json"
t_grep "policy_init_explains_on_stderr" 'status +text +keep +small enum' "$T_ERR"
t_exit "policy_init_refuses_to_overwrite" 2 "$P" policy init --table users -o "$W/policy.json"
t_exit "policy_init_missing_table_is_exit_2" 2 "$P" policy init --table nope
t_exit "policy_init_needs_a_table" 2 "$P" policy init

t_exit "sample_accepts_the_generated_policy" 0 "$P" sample --table users --policy "$W/policy.json" --key-file "$W/key" --out "$W/u.jsonl"
t_grep "kept_enum_values_survive_as_they_are" '"status":"suspended"' "$W/u.jsonl"
t_grep "kept_timestamps_survive" '"created_at":"2021-01-02T03:04:05.678901\+00:00"' "$W/u.jsonl"
t_nogrep "emails_do_not_survive" 'amelie\.durand|ivan\.petrov' "$W/u.jsonl"
t_exit "sample_honours_the_anon_label" 0 "$P" sample --table orders --limit 3 --policy "$W/policy.json" --key-file "$W/key" --out "$W/o.jsonl"
t_grep "anon_label_null_applied" '"quantity":null' "$W/o.jsonl"

t_exit "policy_explain_table_exits_0" 0 "$P" policy explain --policy "$W/policy.json" --table orders --rows 5
t_grep "policy_explain_prints_paths_and_actions" '^\$\.payload\.customer\.email -> ' "$T_OUT"
t_grep "policy_explain_shows_keep" '^\$\.amount -> keep' "$T_OUT"
t_nogrep "policy_explain_never_prints_values" '@example|SKU-|Durand|[0-9]{4}-[0-9]{2}-[0-9]{2}' "$T_OUT"
"${PSQL[@]}" -Atc "SELECT payload FROM orders ORDER BY id LIMIT 5" >"$W/in.jsonl"
t_exit "policy_explain_jsonl_exits_0" 0 "$P" policy explain --policy "$W/policy.json" --json "$W/in.jsonl"
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); p=[x["path"] for x in o["paths"]]; assert o["rows"]==5 and "$.customer.email" in p, p' "$T_OUT"; then
    t_pass "policy_explain_json_lists_paths"
else t_fail "policy_explain_json_lists_paths" "$(head -c 400 "$T_OUT")"; fi
t_exit "policy_explain_column_mode" 0 "$P" policy explain --policy "$W/policy.json" --table events --column body
t_grep "policy_explain_text_value_at_root" '^\$ -> ' "$T_OUT"
t_exit "policy_explain_needs_a_policy" 2 "$P" policy explain --table users
t_exit "policy_explain_bad_policy_is_exit_2" 2 "$P" policy explain --policy /dev/null --table users
t_exit "policy_unknown_subcommand_is_exit_2" 2 "$P" policy frob
# Numbers: measures, amounts and counts are kept (their real ranges make the
# shape's boundaries real), ids and numbers about a person are not, and each
# suggestion gives its own reason. Once from a bounded count (no ANALYZE
# yet), once from pg_stats: the same actions.
"${PSQL[@]}" >/dev/null <<'SQL'
CREATE TABLE readings (
    id          bigserial PRIMARY KEY,
    user_id     bigint REFERENCES users (id),
    sensor_no   integer,          -- an identifier by its name
    floor       smallint,         -- whole numbers that repeat: a count
    ticket      bigint,           -- whole numbers, all distinct: could be an id
    reading     double precision, -- fractional: a measure
    latitude    double precision, -- a location
    age         integer,          -- a personal attribute
    paid_amount numeric(10,2),    -- an amount ("paid" is not "id")
    width_mm    integer,          -- a measure by its name
    tax_amount  numeric(10,2),    -- an amount, though "tax"
    tax_number  bigint            -- an identifier by its name
);
INSERT INTO readings (user_id, sensor_no, floor, ticket, reading, latitude, age, paid_amount,
                      width_mm, tax_amount, tax_number)
SELECT 101 + g % 50, g, g % 5, 700000 + g * 13, g * 0.37, 48.1 + g / 1000.0, 20 + g % 60,
       g * 1.25, 10 + g % 7, g * 0.19, 990000000 + g
FROM generate_series(1, 200) AS g;
SQL
for pass in sample stats; do
    [ "$pass" = stats ] && "${PSQL[@]}" -c "ANALYZE readings" >/dev/null
    t_exit "policy_init_numbers_${pass}_exits_0" 0 "$P" policy init --table readings -o "$W/num-$pass.json"
    for keep in floor reading paid_amount width_mm tax_amount; do
        t_grep "policy_init_keeps_measure_${keep}_${pass}" "\"path\": \"\\\$\\.$keep\", \"action\": \"keep\"" "$W/num-$pass.json"
    done
    for tr in id user_id sensor_no ticket latitude age tax_number; do
        t_grep "policy_init_transforms_${tr}_${pass}" "\"path\": \"\\\$\\.$tr\", \"action\": \"scramble\"" "$W/num-$pass.json"
    done
    t_grep "policy_init_reason_primary_key_${pass}" '^  id +bigint +scramble +primary key: a surrogate id' "$T_ERR"
    t_grep "policy_init_reason_foreign_key_${pass}" '^  user_id +bigint +scramble +foreign key' "$T_ERR"
    t_grep "policy_init_reason_repeating_count_${pass}" '^  floor +smallint +keep +a count or measure \(whole numbers, 5 distinct' "$T_ERR"
    t_grep "policy_init_reason_distinct_whole_numbers_${pass}" '^  ticket +bigint +scramble +whole numbers, nearly all distinct' "$T_ERR"
    t_grep "policy_init_reason_fractional_measure_${pass}" '^  reading +double precision +keep +a measure or amount' "$T_ERR"
    t_grep "policy_init_reason_location_${pass}" '^  latitude .* scramble +a location' "$T_ERR"
    t_grep "policy_init_reason_person_attribute_${pass}" '^  age .* scramble +a personal attribute' "$T_ERR"
done
t_exit "policy_init_users_reasons" 0 "$P" policy init --table users --table orders
t_nogrep "policy_init_surrogate_ids_are_not_called_personal" '^  (id|user_id) .*name suggests personal' "$T_ERR"
t_grep "policy_init_never_keeps_names" '^  full_name .* scramble +a name' "$T_ERR"
t_grep "policy_init_never_keeps_contacts" '^  phone .* scramble +a phone number' "$T_ERR"
t_grep "policy_init_never_keeps_free_text" '^  note .* scramble +free text' "$T_ERR"
t_grep "policy_init_never_keeps_uuids" '^  external_id .* scramble +an identifier' "$T_ERR"
t_done
