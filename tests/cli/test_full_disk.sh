#!/bin/bash
# full_disk: commands that write into a file system that fills up (a small
# tmpfs, mounted in a private mount namespace) stop with a clear error and
# exit 3, leave the previous output as it was and no staging folder or
# temporary file behind. The library's side of this (every write call
# failing in turn) is tests/fault/test_fault_enospc.c; this is what a user
# sees. Skips when the machine allows no mount namespace.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
SEEDS="$ROOT/corpus/service_orders"

if [ "${PF_FULL_DISK_INNER:-}" != 1 ]; then
    # root needs only a mount namespace; others a user namespace too
    if [ "$(id -u)" = 0 ]; then ns=(unshare -m); else ns=(unshare -rm); fi
    if ! "${ns[@]}" sh -c 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"' 2>/dev/null; then
        t_skip "a command on a full disk exits 3 and keeps its previous output" \
            "no mount namespace here (unshare -m / -rm refused)"
        t_done
    fi
    exec "${ns[@]}" env PF_FULL_DISK_INNER=1 bash "$0"
fi

# inside the namespace: a 1 MiB tmpfs that only this test sees
D=$(mktemp -d /tmp/pf-full-disk.XXXXXX)
trap 'umount "$D" 2>/dev/null; rm -rf "$D"' EXIT
mount -t tmpfs -o size=1m tmpfs "$D" || { t_fail "mount a tmpfs" "mount failed"; t_done; }

# fill DIR's file system, leaving about KB kilobytes free
fill() {
    rm -f "$D/filler"
    local free_kb
    free_kb=$(df -k --output=avail "$D" | tail -1 | tr -d ' ')
    [ "$free_kb" -gt "$2" ] && dd if=/dev/zero of="$D/filler" bs=1k count=$((free_kb - $2)) 2>/dev/null
}

# ---- mutate: a corpus folder ----
t_exit "mutate writes its first folder" 0 "$PF" mutate "$SEEDS" --count 20 --seed 1 --out "$D/mutants"
before=$(cd "$D/mutants" && ls -A && sha1sum .prodfuzz/manifest.json $(ls))
fill "$D" 40 # room for a few mutants (a page each), not for 300
t_exit "mutate on a full disk exits 3" 3 "$PF" mutate "$SEEDS" --count 300 --seed 7 --out "$D/mutants"
t_grep "and says the disk is full" 'prodfuzz: error: .*no space left on device \(ENOSPC\)' "$T_ERR"
t_nogrep "without a crash or sanitizer report" 'Sanitizer|SUMMARY|Segmentation' "$T_ERR"
t_eq "the previous mutants and manifest are intact" \
    "$(cd "$D/mutants" && ls -A && sha1sum .prodfuzz/manifest.json $(ls))" "$before"
t_eq "no staging folder is left" "$(ls -A "$D" | grep -cv '^\(mutants\|filler\)$')" 0

# ---- shape: one atomic file ----
rm -f "$D/filler"
t_exit "shape writes its first profile" 0 "$PF" shape "$SEEDS" --raw-ok -o "$D/profile.json"
before=$(sha1sum <"$D/profile.json")
fill "$D" 0
t_exit "shape on a full disk exits 3" 3 "$PF" shape "$SEEDS" --raw-ok -o "$D/profile.json"
t_grep "and says the disk is full" 'prodfuzz: error: .*no space left on device \(ENOSPC\)' "$T_ERR"
t_eq "the previous profile is intact" "$(sha1sum <"$D/profile.json")" "$before"
t_eq "no temporary file is left" "$(ls -A "$D" | grep -cv '^\(mutants\|filler\|profile.json\)$')" 0
t_done
