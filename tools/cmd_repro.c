/*
 * prodfuzz repro: replay a nightly finding's reproducer with the
 * environment recorded with it (sanitizer options, limits, PRODFUZZ_*
 * settings, the target's own variables) and exit with the target's
 * verdict: 0 it no longer fails, 1 it still fails. The finding comes from
 * the state folder's findings database (pf_nightly_db).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pf_crash.h"
#include "pf_nightly.h"
#include "pf_version.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_repro = {"repro", "replay a nightly finding as the night ran it",
    "usage: prodfuzz repro --state DIR [--target BIN] [--show-output] [--json]\n"
    "                      FINDING\n"
    "\n"
    "Replays the reproducer of FINDING (an id from a nightly report) on its\n"
    "target with the environment recorded with it: the sanitizer options,\n"
    "the limits, PRODFUZZ_* settings and the target's own variables. Says\n"
    "when the target was rebuilt since (its build id differs) or the\n"
    "reproducer was recorded by another prodfuzz version.\n"
    "\n"
    "  --state DIR       the nightly state folder\n"
    "  --target BIN      replay on this binary instead of the recorded one\n"
    "  --show-output     print the target's output (sanitizer report)\n"
    "  --json            print the verdict as JSON on standard output\n"
    "\n"
    "Exit: 0 the target no longer fails, 1 it still fails, 2 unknown\n"
    "finding or bad option, 3 the target cannot be run.\n"
    "\n"
    "Example:\n"
    "  printf '#include <stddef.h>\\n#include <stdint.h>\\n#include <stdlib.h>\\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { if (n && d[0] == 0x7b) abort(); return 0; }\\n' >/tmp/c.c\n"
    "  clang -fsanitize=fuzzer,address /tmp/c.c $(prodfuzz nightly --link-flags) -o /tmp/c\n"
    "  prodfuzz nightly --target /tmp/c --corpus corpus/service_orders --budget 3s \\\n"
    "      --state /tmp/s --out /tmp/o || [ $? -eq 1 ]\n"
    "  prodfuzz repro --state /tmp/s $(ls /tmp/s/findings) || [ $? -eq 1 ]\n",
    run};

enum { O_STATE = CLI_OPT_FIRST_FREE, O_TARGET, O_SHOW, O_JSON };

static int run(int argc, char **argv)
{
    static const struct option lo[] = {
        {"state", required_argument, 0, O_STATE},
        {"target", required_argument, 0, O_TARGET},
        {"show-output", no_argument, 0, O_SHOW},
        {"json", no_argument, 0, O_JSON},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_repro;
    const char *state = NULL, *target = NULL;
    int show = 0, json = 0, c, r;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_STATE: state = optarg; break;
        case O_TARGET: target = optarg; break;
        case O_SHOW: show = 1; break;
        case O_JSON: json = 1; break;
        default:
            if ((r = cli_rest_opt(cmd, c, optarg)) != CLI_GO_ON)
                return r;
        }
    }
    if (!state)
        return cli_usage(cmd, "--state DIR is required (the nightly state folder)");
    if (optind + 1 != argc)
        return cli_usage(cmd, "give one finding id");
    const char *id = argv[optind];
    pf_err err = PF_ERR_INIT;
    pf_ndb db;
    pf_buf path = PF_BUF_INIT, out = PF_BUF_INIT, repro = PF_BUF_INIT;
    pf_crash crash;
    pf_crash_init(&crash);
    int rc = EXIT_ENV;
    pf_buf_addf(&path, "%s/findings.json", state);
    if (pf_buf_ok(&path, &err) < 0 || pf_ndb_load(path.data, &db, &err) < 0)
        return cli_fail(&err);
    pf_nfinding *f = NULL;
    size_t idlen = strlen(id);
    for (size_t i = 0; idlen >= 4 && i < db.n; i++)
        if (!strncmp(db.f[i].id, id, idlen)) {
            if (f) {
                rc = cli_usage(cmd, "'%s' names more than one finding: give "
                               "more of the id", id);
                goto out;
            }
            f = &db.f[i];
        }
    if (!f) {
        cli_error("no finding '%s' in %s", id, path.data);
        rc = EXIT_USAGE;
        goto out;
    }
    if (!f->reproducer) {
        cli_error("finding %s has no reproducer", f->id);
        goto out;
    }
    pf_buf_addf(&repro, "%s/%s", state, f->reproducer);
    const char *bin = target ? target : f->binary;
    if (pf_buf_ok(&repro, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (!bin) {
        cli_error("finding %s records no target binary: give --target", f->id);
        goto out;
    }
    if (access(bin, X_OK) < 0) {
        cli_error("cannot run the target %s", bin);
        goto out;
    }
    char bid[65];
    if (pf_binary_build_id(bin, bid, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (f->build_id && strcmp(bid, f->build_id))
        cli_info("the target was rebuilt since finding %s was recorded (build "
                 "%.12s, now %.12s): replaying on the current build", f->id,
                 f->build_id, bid);
    if (f->version && strcmp(f->version, PF_VERSION))
        cli_info("finding %s was recorded by prodfuzz %s (this is %s)", f->id,
                 f->version, PF_VERSION);
    int failed = 0;
    char **env = f->env;
    char *none[] = {NULL};
    if (pf_engine_replay(bin, env ? env : none, &f->lim, repro.data, &failed,
                         &out, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    int same = 0;
    if (failed && pf_crash_parse(out.data, out.len, &crash, &err) > 0 &&
        crash.signature)
        same = !strcmp(crash.signature, f->signature);
    if (show)
        fwrite(out.data, 1, out.len, stderr);
    if (json) {
        pf_buf j = PF_BUF_INIT;
        pf_buf_addf(&j, "{\"id\":\"%s\",\"fails\":%s,\"same_signature\":%s,"
                    "\"signature\":", f->id, failed ? "true" : "false",
                    same ? "true" : "false");
        const char *sig = crash.signature ? crash.signature : "";
        pf_buf_add_json_str(&j, sig, strlen(sig));
        pf_buf_addf(&j, ",\"rebuilt\":%s}\n",
                    f->build_id && strcmp(bid, f->build_id) ? "true" : "false");
        fwrite(j.data, 1, j.len, stdout);
        pf_buf_free(&j);
    } else if (failed) {
        printf("%s still fails%s: %s\n", f->id,
               same ? "" : " (another failure than recorded)",
               crash.signature ? crash.signature : "no sanitizer report");
    } else {
        printf("%s no longer fails\n", f->id);
    }
    rc = failed ? EXIT_FINDINGS : 0;
out:
    pf_crash_free(&crash);
    pf_ndb_free(&db);
    pf_buf_free(&path);
    pf_buf_free(&out);
    pf_buf_free(&repro);
    return rc;
}
