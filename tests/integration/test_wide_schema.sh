#!/bin/bash
# The first stage (sample -> anonymize -> shape -> mutate) on a broad,
# production-like schema (tests/fixtures/wide_schema.sql): unusual types
# (money, bit strings, xml, text search, ranges and multiranges, composites
# and arrays of them, domains, enums, NaN/Infinity, 1000-digit numerics,
# BC and infinite dates, MAC addresses, geometry, citext/hstore when
# contrib has them), TOASTed and odd text, deep and huge JSON, and schema
# shapes (quoted and reserved names, two tables of one name, partitions,
# inheritance, views, generated columns, no primary key, empty and
# 400-column tables, denied tables and columns, row level security).
# Every table must sample without a crash, deterministically per key, with
# no planted raw value in any output, manifest, profile, dictionary, mutant
# or message; shape and mutate must take what sample and anonymize wrote.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/pg.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
: "${PGHOST:?integration tests need tests/run.sh to start PostgreSQL}"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PSQL=("$PG_BIN/psql" -qX -v ON_ERROR_STOP=1)
W=$(mktemp -d /tmp/pf-wide-test.XXXXXX)
trap 'rm -rf "$W"' EXIT

pg_fixture_db pf_wide "$ROOT/tests/fixtures/wide_schema.sql" "$W/fixture.log"
export PGDATABASE=pf_wide
CONTRIB=$("${PSQL[@]}" -Atc "SELECT count(*) FROM pg_extension WHERE extname IN ('citext', 'hstore')")
umask 077
printf 'prodfuzz-wide-test-key-one-32byt' >"$W/key1"
printf 'prodfuzz-wide-test-key-two-32byt' >"$W/key2"
umask 022
K1=(--key-file "$W/key1")
READER="dbname=pf_wide user=pf_wide_reader"
echo '{"format":"prodfuzz-policy","version":1,"default":"keep"}' >"$W/keep.json"

# The planted raw values: every "Zqv..." word of the fixture, and numbers
# and addresses too distinctive to come out of a scramble by chance.
grep -oE '[Zz]qv[A-Za-z0-9]+' "$ROOT/tests/fixtures/wide_schema.sql" | sort -u >"$W/planted"
cat >>"$W/planted" <<'EOF'
98,765,432.17
92,233,720,368,547,758.08
198.51.100.231
203.0.113.0/24
0a:1b:2c:3d:4e:5f
0a:1b:2c:ff:fe:3d:4e:5f
c0ffee00-dead-4bee-8f00-123456789abc
31415926535.8979
005a7176007a7176627974657300ff
12345678987654321
123456789012345678901234567890
2562047788
1.7976931348623157
3333333333333333333333333333333333333333
9999999999999999999999999999999999999999
Lorem ipsum dolor
مرحبا بالعالم
שלום עולם
EOF
# noleak NAME FILE...: no planted value in any of the files (recursively)
noleak() {
    name=$1; shift
    hits=$(grep -raoF -f "$W/planted" "$@" 2>/dev/null | sort -u | head -5)
    if [ -z "$hits" ]; then t_pass "$name"; else t_fail "$name" "raw values survive: $hits"; fi
}

# ---- every table samples, deterministically, with nothing planted escaping ----
TABLES=(wide.types wide.texts wide.docs wide.v_types wide.mv_docs wide.gen wide.empty
        wide.wide wide.many wide.events wide.events_2024 wide.parent wide.child dup wide.dup
        '"select"."order"' '"Odd ""Schema"".é"."Tab le ""q"".x ü😀"' wide.denied wide.colpriv wide.rls)
declare -A ROWS=([wide.types]=6 [wide.texts]=10 [wide.docs]=7 [wide.v_types]=6 [wide.mv_docs]=5
    [wide.gen]=53 [wide.empty]=0 [wide.wide]=20 [wide.many]=5000 [wide.events]=200
    [wide.events_2024]=94 [wide.parent]=2 [wide.child]=1 [dup]=1 [wide.dup]=1)
i=0
for t in "${TABLES[@]}"; do
    i=$((i + 1)); n=t$i
    t_exit "sample_${t}_exits_0" 0 "$P" sample --table "$t" "${K1[@]}" --out "$W/$n.jsonl"
    cat "$T_ERR" >>"$W/all.err"
    [ -n "${ROWS[$t]:-}" ] && t_eq "sample_${t}_has_every_row" "$(wc -l <"$W/$n.jsonl")" "${ROWS[$t]}"
    "$P" sample --table "$t" "${K1[@]}" --out "$W/$n.again.jsonl" 2>>"$W/all.err"
    if cmp -s "$W/$n.jsonl" "$W/$n.again.jsonl"; then t_pass "sample_${t}_is_deterministic"
    else t_fail "sample_${t}_is_deterministic"; fi
    t_exit "sample_${t}_corpus_exits_0" 0 "$P" sample --table "$t" "${K1[@]}" --out "$W/$n.c"
    cat "$T_ERR" >>"$W/all.err"
    # what anonymize makes of the raw rows is what sample wrote
    "$P" sample --table "$t" --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/$n.raw.jsonl" 2>/dev/null
    t_exit "anonymize_${t}_exits_0" 0 "$P" anonymize "${K1[@]}" "$W/$n.raw.jsonl" -o "$W/$n.anon.jsonl"
    cat "$T_ERR" >>"$W/all.err"
    if cmp -s "$W/$n.jsonl" "$W/$n.anon.jsonl"; then t_pass "anonymize_${t}_equals_sample"
    else t_fail "anonymize_${t}_equals_sample"; fi
    rm -f "$W/$n.raw.jsonl"
done
noleak "no_planted_value_in_any_sampled_output_or_manifest" "$W"/t*.jsonl "$W"/t*.c
noleak "no_planted_value_in_any_message" "$W/all.err"
"$P" sample --table wide.types --key-file "$W/key2" --out "$W/types.k2.jsonl" 2>/dev/null
if cmp -s "$W/t1.jsonl" "$W/types.k2.jsonl"; then t_fail "another_key_gives_other_values"
else t_pass "another_key_gives_other_values"; fi
# anonymized MAC addresses, networks and times of day are still values of
# their type: PostgreSQL casts every one back (no macaddr with hex letters
# past f, no cidr with octets past 255 or host bits, no timetz at 52:65)
python3 - "$W/t1.jsonl" >"$W/typed.sql" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    for col, ty in (("tt", "timetz"), ("net", "cidr"), ("mac", "macaddr"), ("mac8", "macaddr8")):
        v = r.get(col)
        if isinstance(v, str):
            print("SELECT '%s'::%s;" % (v.replace("'", "''"), ty))
PY
t_eq "anonymized_timetz_cidr_macaddr_values_are_all_there" "$(wc -l <"$W/typed.sql")" 9
t_exit "anonymized_timetz_cidr_macaddr_macaddr8_cast_back" 0 "${PSQL[@]}" -f "$W/typed.sql"
t_nogrep "anonymized_timetz_is_not_the_original" "13:14:15.161718" "$W/t1.jsonl"

# ---- shape and mutate take what sample and anonymize wrote --------------------
for n in t1 t2 t3 t8 t9 t17; do
    t_exit "shape_of_${n}_corpus_exits_0" 0 "$P" shape "$W/$n.c" -o "$W/$n.shape.json" --dict "$W/$n.dict"
    t_exit "mutate_${n}_with_its_shape_exits_0" 0 "$P" mutate "$W/$n.c" --shape "$W/$n.shape.json" --count 150 --out "$W/$n.m"
    nm=$(find "$W/$n.m" -maxdepth 1 -type f | wc -l)
    t_eq "mutate_${n}_wrote_mutants" "$([ "$nm" -ge 50 ] && echo yes)" yes
done
"$P" sample --table wide.types --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/types.raw.jsonl" 2>/dev/null
t_exit "anonymize_into_a_corpus_folder_exits_0" 0 "$P" anonymize "${K1[@]}" "$W/types.raw.jsonl" -o "$W/types.anon/"
t_exit "shape_takes_anonymize_corpus_folder" 0 "$P" shape "$W/types.anon" -o "$W/types.anon.shape.json"
t_exit "shape_refuses_a_plain_jsonl" 2 "$P" shape "$W/t1.anon.jsonl" -o "$W/x.json"
t_nogrep "shape_refusal_does_not_send_anonymize_output_back_to_anonymize" "anonymize it first" "$T_ERR"
t_grep "shape_refusal_says_how_to_keep_the_record" "anonymize -o DIR/|--out DIR" "$T_ERR"
t_exit "shape_raw_ok_takes_the_anonymized_jsonl" 0 "$P" shape --raw-ok "$W/t1.anon.jsonl" -o "$W/t1.anon.shape.json"
rm -f "$W/types.raw.jsonl"
noleak "no_planted_value_in_profiles_dictionaries_or_mutants" "$W"/*.shape.json "$W"/*.dict "$W"/*.m

# ---- types: the rows as PostgreSQL prints them (keep policy, no leak check) ---------
"$P" sample --table wide.types --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/k.jsonl" 2>/dev/null
"$P" sample --table wide.docs --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/kd.jsonl" 2>/dev/null
if python3 - "$W/k.jsonl" "$W/kd.jsonl" "$CONTRIB" <<'PY'
import json, sys
rows = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
r1, r2, r3, r4 = rows[1], rows[2], rows[3], rows[4]
assert r1["m"] == "$98,765,432.17" and r1["b"] == "101101110011", r1["b"]
assert r1["who"]["home"]["zip"] == "75011" and r1["who"]["tags"] == ["Zqvtagone", None]
assert r1["crowd"][1]["home"] == {"street": None, "zip": "13008", "geo": None}
assert r1["grid"] == [[1, 2, 3], [4, 5, 6]] and r2["grid"] == [[[1], [2]], [[3], [4]]]
assert r1["holes"] == ["Zqvholeone", None, "", None]
assert r2["n"] == "NaN" and r3["n"] == "Infinity" and r4["n"] == "-Infinity"
assert r2["f4"] == "NaN" and r3["f8"] == "NaN" and r2["d"] == "infinity" and r2["ts"] == "-infinity"
assert r4["d"] == "0001-01-01 BC", r4["d"]
assert str(rows[5]["n"]).startswith("7333") and len(str(rows[5]["n"])) == 1000
if sys.argv[3] == "2":
    # hstore keys are data: the text form, one string (sample.md)
    assert r1["ci"] == "ZqvCitextValue" and r1["hs"] == '"other"=>NULL, "zqvhkey"=>"Zqvhvalue"', r1["hs"]
    assert r1["hsa"] == ['"zqvhakey"=>"1"', None], r1["hsa"]
raw = open(sys.argv[2]).read()
assert '"a": "Zqvdupfirst", "a": "Zqvdupsecond"' in raw      # json keeps duplicate keys
assert '"n": 1e400' in raw and '"z": -0' in raw and '"Zqv\\u0000nul"' in raw
d = [json.loads(l) for l in open(sys.argv[2])]
deep = d[5]["j"]
for _ in range(500):
    deep = deep[0]
assert deep == "Zqvdeeparray"
assert len(d[6]["j"]) == 200000
PY
then t_pass "types_come_through_as_documented"
else t_fail "types_come_through_as_documented"; fi
rm -f "$W/kd.jsonl"

# text of every Unicode plane, RTL, emoji, combining marks, escapes and
# whitespace: the same code points and bytes per value as the original
"$P" sample --table wide.texts --policy "$W/keep.json" --no-verify "${K1[@]}" --out "$W/kt.jsonl" 2>/dev/null
if python3 - "$W/t2.jsonl" "$W/kt.jsonl" <<'PY'
import json, sys
for a, k in zip(map(json.loads, open(sys.argv[1])), map(json.loads, open(sys.argv[2]))):
    for c in ("t", "v"):
        if k[c] is None:
            assert a[c] is None
            continue
        assert (len(a[c]), len(a[c].encode())) == (len(k[c]), len(k[c].encode())), (k["id"], c)
        assert a[c] == k[c] or k[c].strip() != "", (k["id"], c)   # only blank text stays as it is
PY
then t_pass "text_keeps_code_points_and_bytes_in_every_plane"
else t_fail "text_keeps_code_points_and_bytes_in_every_plane"; fi
rm -f "$W/kt.jsonl"

# ---- types after the default policy: valid where the value's form matters -----------
if python3 - "$W/t1.jsonl" "$W/t3.jsonl" "$W/t2.jsonl" "$W/k.jsonl" <<'PY'
import json, sys
# ids are scrambled too: a row is known by its place, the same as in the
# keep-policy run of the same query
ids = [json.loads(l)["id"] for l in open(sys.argv[4])]
rows = dict(zip(ids, map(json.loads, open(sys.argv[1]))))
r1, r2, r3, r4 = rows[1], rows[2], rows[3], rows[4]
# structure survives: composites, arrays of composites, multi-dimensional arrays
assert set(r1["who"]) == {"name", "home", "tags"} and r1["who"]["tags"][1] is None
assert len(r1["crowd"]) == 2 and r1["crowd"][0]["home"] is None
assert [len(x) for x in r1["grid"]] == [3, 3] and r1["holes"][1::2] == [None, None] and r1["holes"][2] == ""
assert len(str(rows[5]["n"])) == 1000 and str(rows[6]["n"]).startswith("-0.")
assert r1["u"].count("-") == 4 and len(r1["u"]) == 36
assert len(r1["ch"]) == 12 and r1["ch"].endswith("      ")
d = [json.loads(l) for l in open(sys.argv[2])]
deep = d[5]["j"]
for _ in range(500):
    deep = deep[0]
assert isinstance(deep, str) and len(deep) == len("Zqvdeeparray")
assert len(d[6]["j"]) == 200000 and len(d[6]["jb"]) == 20000
t = dict(enumerate(map(json.loads, open(sys.argv[3])), 1))
assert t[1]["t"] == "" and t[2]["t"] == "   " and t[2]["v"] == "\t\n\r "
assert len(t[9]["t"]) > 1_500_000 and len(t[10]["t"]) == 3_200_000
for k in (4, 5, 6, 7):   # every Unicode plane, RTL, emoji, combining marks: same code point count
    assert len(t[k]["t"]) > 10
PY
then t_pass "default_policy_keeps_structure_lengths_and_nesting"
else t_fail "default_policy_keeps_structure_lengths_and_nesting"; fi
if python3 - "$W/t1.jsonl" "$W/k.jsonl" <<'PY'
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[2])]
rows = dict(zip(ids, map(json.loads, open(sys.argv[1]))))
# NaN, Infinity and infinite dates hold no personal data and are what
# parsers trip on: a scramble keeps them as they are
assert rows[2]["n"] == "NaN" and rows[3]["n"] == "Infinity" and rows[4]["n"] == "-Infinity", (rows[2]["n"], rows[3]["n"])
assert rows[2]["f4"] == "NaN" and rows[2]["f8"] == "-Infinity" and rows[3]["f8"] == "NaN"
assert rows[2]["d"] == "infinity" and rows[2]["ts"] == "-infinity" and rows[3]["tstz"] == "-infinity"
assert rows[2]["i4r"] == "empty"
PY
then t_pass "default_policy_keeps_nan_infinity_and_empty"
else t_fail "default_policy_keeps_nan_infinity_and_empty"; fi

# ---- the wide table, partitions, inheritance, two tables of one name ----------------
t_eq "wide_table_keeps_401_columns" "$(head -1 "$W/t8.jsonl" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 401
t_eq "partitioned_parent_reads_every_partition" "$(wc -l <"$W/t10.jsonl")" 200
t_eq "inheritance_parent_includes_child_rows_in_parent_columns" "$(python3 -c 'import json,sys; print(sorted({len(json.loads(l)) for l in open(sys.argv[1])}))' "$W/t12.jsonl")" "[2]"
t_exit "two_tables_of_one_name_in_one_run" 0 "$P" sample --table dup --table wide.dup "${K1[@]}" --out "$W/dups"
t_eq "two_tables_of_one_name_get_two_folders" "$(cd "$W/dups" && ls -d */ | tr '\n' ' ')" "dup/ wide.dup/ "
t_eq "each_folder_holds_its_own_table" "$(cat "$W"/dups/dup/[0-9a-f]* | grep -c '"who"') $(cat "$W"/dups/wide.dup/[0-9a-f]* | grep -c '"what"')" "1 1"
t_exit "odd_names_in_one_run" 0 "$P" sample --table '"select"."order"' --table '"Odd ""Schema"".é"."Tab le ""q"".x ü😀"' "${K1[@]}" --out "$W/odd"
t_eq "odd_names_give_two_safe_folders" "$(find "$W/odd" -mindepth 1 -maxdepth 1 -type d ! -name .prodfuzz | wc -l)" 2
t_exit "shape_of_odd_names_exits_0" 0 "$P" shape "$W/odd" -o "$W/oddshape"
t_eq "shape_of_odd_names_writes_two_profiles" "$(ls "$W/oddshape" | wc -l)" 2
t_exit "a_table_without_columns_exits_0" 0 "$P" sample --table wide.nocols "${K1[@]}" --out "$W/nocols.jsonl"
t_eq "a_row_without_columns_is_an_empty_object" "$(sort -u "$W/nocols.jsonl") $(wc -l <"$W/nocols.jsonl")" "{} 2"
t_exit "limit_on_a_table_without_columns_exits_0" 0 "$P" sample --table wide.nocols --limit 1 "${K1[@]}" --out "$W/nocols1.jsonl"
# a rule for public.dup is not a rule for wide.dup (same name, other schema)
echo '{"format":"prodfuzz-policy","version":1,"rules":[{"table":"dup","path":"$.**","action":"keep"},{"path":"dup.what","action":"keep"}]}' >"$W/dup.json"
t_exit "a_policy_for_public_dup_samples_wide_dup" 0 "$P" sample --table wide.dup --policy "$W/dup.json" "${K1[@]}" --out "$W/dup2.jsonl"
noleak "a_rule_for_one_table_does_not_keep_values_of_its_namesake" "$W/dup2.jsonl"
"$P" sample --table dup --policy "$W/dup.json" "${K1[@]}" --no-verify --out "$W/dup1.jsonl" 2>/dev/null
t_grep "the_rule_still_keeps_its_own_table" '"who":"Zqvpublicdup"' "$W/dup1.jsonl"
rm -f "$W/dup1.jsonl"
# an empty table beside others: the others are still profiled
t_exit "empty_and_full_tables_in_one_run" 0 "$P" sample --table wide.empty --table wide.dup "${K1[@]}" --out "$W/emp"
t_exit "shape_of_a_per_table_folder_with_an_empty_table_exits_0" 0 "$P" shape "$W/emp" -o "$W/empshape"
t_eq "the_full_table_gets_its_profile" "$(ls "$W/empshape" | tr '\n' ' ')" "wide.dup.shape.json "
t_grep "the_empty_table_is_named" 'table wide.empty has no documents' "$T_ERR"
"$P" sample --table wide.empty --table wide.dup --format jsonl "${K1[@]}" --out "$W/empj" 2>/dev/null
t_exit "shape_of_per_table_jsonl_with_an_empty_table_exits_0" 0 "$P" shape "$W/empj" -o "$W/empjshape"
t_exit "shape_of_an_empty_corpus_is_exit_2" 2 "$P" shape "$W/t7.c" -o "$W/x.json"
t_grep "shape_of_an_empty_corpus_says_so" 'no documents in the input' "$T_ERR"
t_exit "mutate_of_an_empty_corpus_is_exit_2" 2 "$P" mutate "$W/t7.c" --out "$W/x.m"
noleak "no_planted_value_in_multi_table_outputs" "$W/dups" "$W/odd" "$W/oddshape"
t_exit "jobs_1_on_composites" 0 "$P" sample --table wide.many --jobs 1 "${K1[@]}" --out "$W/j1.jsonl"
t_exit "jobs_3_on_composites" 0 "$P" sample --table wide.many --jobs 3 "${K1[@]}" --out "$W/j3.jsonl"
t_eq "jobs_1_and_3_byte_identical" "$(sha1sum <"$W/j1.jsonl")" "$(sha1sum <"$W/j3.jsonl")"
t_exit "limit_on_a_table_without_primary_key" 0 "$P" sample --table wide.gen --limit 10 --seed 4 "${K1[@]}" --out "$W/g1.jsonl"
"$P" sample --table wide.gen --limit 10 --seed 4 "${K1[@]}" --out "$W/g2.jsonl" 2>/dev/null
t_eq "limit_without_primary_key_is_reproducible" "$(sha1sum <"$W/g1.jsonl")" "$(sha1sum <"$W/g2.jsonl")"
t_exit "limit_on_a_composite_primary_key" 0 "$P" sample --table wide.events --limit 10 --seed 4 "${K1[@]}" --out "$W/e1.jsonl"
t_eq "limit_on_a_composite_primary_key_gives_n_rows" "$(wc -l <"$W/e1.jsonl")" 10

t_exit "percent_on_a_view_is_exit_2" 2 "$P" sample --table wide.v_types --percent 50 "${K1[@]}" --out "$W/pv.jsonl"
t_grep "percent_on_a_view_says_to_use_limit" 'wide.v_types is a view: use --limit' "$T_ERR"
t_exit "limit_on_a_view_exits_0" 0 "$P" sample --table wide.v_types --limit 3 "${K1[@]}" --out "$W/lv.jsonl"
t_exit "percent_on_a_materialized_view_exits_0" 0 "$P" sample --table wide.mv_docs --percent 50 "${K1[@]}" --out "$W/pmv.jsonl"
t_exit "percent_on_a_partitioned_table_exits_0" 0 "$P" sample --table wide.events --percent 50 --seed 1 "${K1[@]}" --out "$W/pp.jsonl"

# ---- column mode on odd types ---------------------------------------------------------
for c in who crowd x tsv nmr bin grid; do
    t_exit "column_mode_${c}_exits_0" 0 "$P" sample --table wide.types --column "$c" "${K1[@]}" --out "$W/col_$c"
    cat "$T_ERR" >>"$W/col.err"
done
t_exit "column_mode_deep_json_exits_0" 0 "$P" sample --table wide.docs --column jb "${K1[@]}" --out "$W/col_jb"
t_exit "column_mode_toasted_text_exits_0" 0 "$P" sample --table wide.texts --column t "${K1[@]}" --out "$W/col_t"
noleak "no_planted_value_in_column_mode" "$W"/col_* "$W/col.err"

# ---- JSON nested past the parser's limit: a clear error, exit 2, no value ------------------
t_exit "json_nested_past_the_limit_is_exit_2" 2 "$P" sample --table wide.deeper "${K1[@]}" --out "$W/deeper.jsonl"
t_grep "json_nested_past_the_limit_is_said" 'nesting deeper than 10000 levels' "$T_ERR"
cp "$T_ERR" "$W/deeper.err"
t_exit "json_nested_past_the_limit_jobs_1_is_exit_2" 2 "$P" sample --table wide.deeper --jobs 1 "${K1[@]}" --out "$W/deeper.jsonl"
t_exit "json_nested_past_the_limit_column_mode_is_exit_2" 2 "$P" sample --table wide.deeper --column j "${K1[@]}" --out "$W/deeperc"
cat "$T_ERR" >>"$W/deeper.err"
[ ! -e "$W/deeper.jsonl" ] && [ ! -e "$W/deeperc" ] && t_pass "nothing_written_for_a_row_that_cannot_be_parsed" || t_fail "nothing_written_for_a_row_that_cannot_be_parsed"
noleak "no_planted_value_in_the_nesting_error" "$W/deeper.err"

# ---- access control: clear errors, the documented exit code, no value -----------------
t_exit "denied_table_is_exit_3" 3 "$P" sample --db "$READER" --table wide.denied "${K1[@]}" --out "$W/den.jsonl"
t_grep "denied_table_is_said" 'permission denied for table denied' "$T_ERR"
cat "$T_ERR" >"$W/acl.err"
t_exit "unreadable_column_is_exit_3" 3 "$P" sample --db "$READER" --table wide.colpriv "${K1[@]}" --out "$W/cp.jsonl"
t_grep "unreadable_column_is_named_with_the_way_out" 'cannot read column "hidden".*--column' "$T_ERR"
cat "$T_ERR" >>"$W/acl.err"
t_exit "a_readable_column_of_a_partly_readable_table_samples" 0 "$P" sample --db "$READER" --table wide.colpriv --column visible "${K1[@]}" --out "$W/cpv"
t_eq "the_readable_column_has_its_row" "$(find "$W/cpv" -maxdepth 1 -type f | wc -l)" 1
t_exit "row_level_security_exits_0" 0 "$P" sample --db "$READER" --table wide.rls "${K1[@]}" --out "$W/rls.jsonl"
t_eq "row_level_security_gives_only_the_visible_rows" "$(wc -l <"$W/rls.jsonl")" 1
t_grep "row_level_security_is_said" 'row level security' "$T_ERR"
cat "$T_ERR" >>"$W/acl.err"
t_exit "policy_init_with_an_unreadable_column_exits_0" 0 "$P" policy init --db "$READER" --table wide.colpriv
noleak "no_planted_value_in_access_errors" "$W/acl.err" "$W/rls.jsonl" "$W/cpv"

# ---- policy init and explain over every kind of table ---------------------------------
t_exit "policy_init_over_the_wide_schema_exits_0" 0 "$P" policy init --table wide.types --table wide.wide --table wide.many --table '"Odd ""Schema"".é"."Tab le ""q"".x ü😀"' -o "$W/pol.json"
t_exit "policy_explain_over_types_exits_0" 0 "$P" policy explain --policy "$W/pol.json" --table wide.types
cat "$T_OUT" "$T_ERR" >"$W/explain.out"
t_exit "sample_with_the_init_policy_exits_0" 0 "$P" sample --table wide.types --policy "$W/pol.json" "${K1[@]}" --out "$W/pol.jsonl"
# (the init policy keeps quantities and timestamps by design: pol.jsonl is not grepped)
noleak "no_planted_value_in_policy_outputs" "$W/pol.json" "$W/explain.out"
# ---- a SQL_ASCII database holding names in legacy encodings ---------------------------
# (what old systems carry: bytes the server never checked; cp1251 and Latin-1
# names are not valid UTF-8, and must not be kept as if they were punctuation)
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS pf_ascii" \
    -c "CREATE DATABASE pf_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null 2>&1
if PGDATABASE=pf_ascii "${PSQL[@]}" -c "CREATE TABLE people (id int PRIMARY KEY, name text, city text)" \
    -c "INSERT INTO people VALUES (1, E'\\xC8\\xE2\\xE0\\xED\\xEE\\xE2 \\xC8\\xE2\\xE0\\xED', E'Jos\\xE9 Garc\\xEDa'), (2, E'\\xD1\\xE8\\xE4\\xEE\\xF0\\xEE\\xE2', E'M\\xFCnchen')" >/dev/null 2>"$W/ascii.log"; then
    t_exit "sample_of_a_sql_ascii_database_exits_0" 0 "$P" sample --db "dbname=pf_ascii" --table people "${K1[@]}" --out "$W/ascii.jsonl"
    t_eq "sql_ascii_rows_all_sampled" "$(wc -l <"$W/ascii.jsonl")" 2
    # no three raw bytes of a legacy-encoded name survive
    hits=$(LC_ALL=C grep -c -e $'\xC8\xE2\xE0' -e $'\xD1\xE8\xE4' -e $'Garc\xED' -e $'\xFCnchen' "$W/ascii.jsonl")
    t_eq "legacy_encoded_names_are_scrambled_not_kept" "$hits" 0
    t_exit "shape_takes_the_sql_ascii_corpus" 0 "$P" shape "$W/ascii.jsonl" --raw-ok -o "$W/ascii.shape.json"
else
    t_skip "sql_ascii_database" "cannot create one: $(head -c 200 "$W/ascii.log")"
fi
t_done
