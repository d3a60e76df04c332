#!/bin/bash
# 10_sample: `prodfuzz sample` (+ anonymize, leak check on) throughput and
# peak RSS against the physical reference measured in the same run:
#   COPY (SELECT row_to_json(t) FROM t) TO STDOUT  read by psql into /dev/null
# on a throwaway PostgreSQL (tests/lib/pg.sh) with realistic rows (e-mails,
# names in several scripts, phones, IPs, timestamps, numeric(12,2), a jsonb
# payload with nested personal data). Throughput on PF_BENCH_ROWS rows
# (default 200000; reference and prodfuzz alternate three times, medians);
# peak RSS at 100k and 1M rows (PF_BENCH_BIG, default
# 1000000) must stay flat. Prints figures and ratios; never fails on speed.
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN_RELEASE:-$ROOT/build/bin/prodfuzz}
ROWS=${PF_BENCH_ROWS:-200000}
BIG=${PF_BENCH_BIG:-1000000}
[ -x "$P" ] || { echo "10_sample: $P missing (make first)"; exit 3; }
command -v python3 >/dev/null || { echo "10_sample: python3 needed to measure peak RSS; skipped"; exit 0; }
. "$ROOT/tests/lib/pg.sh"
pg_start || { echo "10_sample: could not start PostgreSQL; skipped"; exit 0; }
W=$(mktemp -d /tmp/pf-bench-sample.XXXXXX)
trap 'rm -rf "$W"; pg_stop' EXIT
PSQL=("$PG_BIN/psql" -qX -v ON_ERROR_STOP=1)
umask 077; head -c 32 /dev/urandom >"$W/key"; umask 022

make_table() { # NAME ROWS
    "${PSQL[@]}" <<SQL
CREATE UNLOGGED TABLE $1 (
  id bigint PRIMARY KEY, email text, full_name text, phone text, last_ip inet,
  status text, amount numeric(12,2), active boolean, created_at timestamptz,
  payload jsonb);
INSERT INTO $1
SELECT g,
       'user' || g || '.' || substr(md5(g::text), 1, 12) || '@mail' || (g % 13) || '.example.com',
       (ARRAY['Amélie Durand','Иван Петров','Νίκος Παπαδόπουλος','王小明','فاطمة الزهراء','John Smith'])[g % 6 + 1] || ' ' || g,
       '+1 555 ' || lpad((g * 7919 % 10000000)::text, 7, '0'),
       ('10.' || (g % 256) || '.' || (g / 256 % 256) || '.' || (g % 200 + 1))::inet,
       (ARRAY['active','suspended','closed'])[g % 3 + 1],
       (g * 13.37 % 100000)::numeric(12,2),
       g % 3 <> 0,
       timestamptz '2022-01-01 00:00:00+00' + g * interval '37 seconds',
       jsonb_build_object('customer', jsonb_build_object('email', substr(md5('c' || g), 1, 10) || '@example.org',
                                                         'name', 'Customer ' || g),
                          'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (g % 997), 'qty', g % 5),
                                                     jsonb_build_object('sku', 'SKU-' || (g % 89), 'qty', 1)),
                          'note', CASE WHEN g % 4 = 0 THEN NULL ELSE 'deliver after ' || (g % 12 + 8) || 'h' END)
FROM generate_series(1::bigint, $2) AS g;
ANALYZE $1;
SQL
}

# Runs a command, prints "seconds peak_rss_kib" (children's max RSS).
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
el = time.monotonic() - t
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode(errors="replace"))
    sys.exit(r.returncode)
print("%.3f %d" % (el, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

echo "building tables: t ($ROWS rows), t100k, tbig ($BIG rows) ..."
make_table t "$ROWS" || exit 3
make_table t100k 100000 || exit 3
make_table tbig "$BIG" || exit 3

bytes=$("$PG_BIN/psql" -XAtc "COPY (SELECT row_to_json(t) FROM t) TO STDOUT" | wc -c)
# Reference and prodfuzz alternate three times; the median of each is the
# figure (one run alone moves by 10-20% with what else the machine does).
refs= pfs= pf_rss=0
for k in 1 2 3; do
    read -r s _ < <(measure "$PG_BIN/psql" -XAtc "COPY (SELECT row_to_json(t) FROM t) TO STDOUT" -o /dev/null) || exit 3
    refs="$refs $s"
    read -r s r < <(measure "$P" sample --table t --key-file "$W/key" --out "$W/t.jsonl") || exit 3
    pfs="$pfs $s"
    [ "$r" -gt "$pf_rss" ] && pf_rss=$r
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ref_s=$(median $refs) pf_s=$(median $pfs)
echo "runs (s): reference$refs; prodfuzz$pfs"
# The sampling side alone: a keep-everything policy, no leak check (the
# rows still go through the engine's parser and walk).
echo '{"format":"prodfuzz-policy","version":1,"default":"keep"}' >"$W/keep.json"
read -r keep_s keep_rss < <(measure "$P" sample --table t --policy "$W/keep.json" --no-verify --key-file "$W/key" --out "$W/tk.jsonl") || exit 3
read -r r1_s r1_rss < <(measure "$P" sample --table t100k --key-file "$W/key" --out "$W/t100k.jsonl") || exit 3
read -r r2_s r2_rss < <(measure "$P" sample --table tbig --key-file "$W/key" --out "$W/tbig.jsonl") || exit 3
# Without the leak check (whose two fingerprint sets grow up to a fixed
# bound of 2 x 8 MiB), what streaming itself holds:
read -r n1_s n1_rss < <(measure "$P" sample --table t100k --no-verify --key-file "$W/key" --out "$W/t100k.jsonl") || exit 3
read -r n2_s n2_rss < <(measure "$P" sample --table tbig --no-verify --key-file "$W/key" --out "$W/tbig.jsonl") || exit 3

python3 - "$ROWS" "$bytes" "$ref_s" "$pf_s" "$r1_rss" "$r2_rss" "$r1_s" "$r2_s" "$BIG" "$keep_s" "$pf_rss" "$n1_rss" "$n2_rss" <<'PY'
import sys
rows, nbytes = int(sys.argv[1]), int(sys.argv[2])
ref_s, pf_s = float(sys.argv[3]), float(sys.argv[4])
r1, r2 = int(sys.argv[5]) / 1024.0, int(sys.argv[6]) / 1024.0
r1_s, r2_s, big = float(sys.argv[7]), float(sys.argv[8]), int(sys.argv[9])
keep_s, pf_rss = float(sys.argv[10]), int(sys.argv[11]) / 1024.0
n1, n2 = int(sys.argv[12]) / 1024.0, int(sys.argv[13]) / 1024.0
mb = nbytes / 1e6
print("table: %d rows, %.1f MB of row_to_json text" % (rows, mb))
print("reference  COPY (SELECT row_to_json(t) FROM t) | psql > /dev/null: %.2fs  %.0f rows/s  %.1f MB/s"
      % (ref_s, rows / ref_s, mb / ref_s))
print("prodfuzz sample (anonymize + leak check, JSONL):             %.2fs  %.0f rows/s  %.1f MB/s"
      % (pf_s, rows / pf_s, mb / pf_s))
print("prodfuzz sample, keep-everything policy, no leak check:     %.2fs  %.0f rows/s  %.1f MB/s  (%.2fx the reference)"
      % (keep_s, rows / keep_s, mb / keep_s, ref_s / keep_s))
ratio = ref_s / pf_s
print("throughput ratio prodfuzz/reference: %.2fx (target >= 0.5x: %s)"
      % (ratio, "met" if ratio >= 0.5 else "NOT met"))
print("peak RSS of the %d-row run: %.1f MiB" % (rows, pf_rss))
print("peak RSS with the leak check: 100k rows %.1f MiB (%.1fs), %d rows %.1f MiB (%.1fs); "
      "growth %.2fx up to the check's fixed 2 x 8 MiB bound (target < 64 MiB: %s)"
      % (r1, r1_s, big, r2, r2_s, r2 / r1 if r1 else 0, "met" if r2 < 64 else "NOT met"))
print("peak RSS without the leak check: 100k rows %.1f MiB, %d rows %.1f MiB; growth %.2fx (flat: %s)"
      % (n1, big, n2, n2 / n1 if n1 else 0, "met" if n2 < n1 * 1.15 + 1 else "NOT met"))
PY
