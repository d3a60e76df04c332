#!/bin/bash
# prodfuzz policy init / explain against a real PostgreSQL 15: a starting
# policy from the catalog (keeps booleans, small enums, quantities and
# timestamps; e-mail action for e-mail columns; PostgreSQL Anonymizer
# labels honoured) that sample accepts, and a dry run that prints paths and
# actions but never a value.
. "$(dirname "$0")/../lib/assert.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
: "${PGHOST:?integration tests need tests/run.sh to start PostgreSQL}"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PSQL=("$PG_BIN/psql" -qX -v ON_ERROR_STOP=1)
W=$(mktemp -d /tmp/pf-policy-test.XXXXXX)
trap 'rm -rf "$W"' EXIT

"${PSQL[@]}" -c "DROP DATABASE IF EXISTS pf_policy" -c "CREATE DATABASE pf_policy" >/dev/null 2>&1
export PGDATABASE=pf_policy
if ! "${PSQL[@]}" -f "$ROOT/tests/fixtures/sample_schema.sql" >"$W/fixture.log" 2>&1; then
    t_fail "fixture schema loads" "$(cat "$W/fixture.log")"; exit 1
fi
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
t_done
