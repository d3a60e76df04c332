/*
 * prodfuzz anonymize: apply the anonymization engine (pf_anon) to JSON
 * Lines captured anywhere (API logs, queues), one document per line.
 *
 * Output goes to stdout, to a JSONL file (written under a temporary name
 * and renamed at the end) or to a corpus folder (pf_corpus, with a
 * manifest holding the policy digest and key fingerprint, never the key).
 * A leak found by --verify, a bad line without --skip-bad, or Ctrl-C leave
 * a file or folder output untouched.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pf_anon.h"
#include "pf_buf.h"
#include "pf_corpus.h"
#include "pf_fs.h"
#include "pf_jsonl.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_anonymize = {"anonymize",
    "anonymize JSON Lines (keyed, deterministic, shape-preserving, default-deny)",
    "usage: prodfuzz anonymize [--policy FILE] [--key-file FILE]\n"
    "                          [--verify | --no-verify] [--skip-bad]\n"
    "                          [--max-doc-size N] [--jobs N] [--json] [--force]\n"
    "                          [IN.jsonl ...] [-o OUT.jsonl | -o DIR/]\n"
    "\n"
    "Every string and number, at every depth, and object keys that hold\n"
    "data (e-mails, ids, UUIDs, numbers) are replaced by keyed, deterministic\n"
    "values of the same shape, unless the policy says keep. See\n"
    "docs/anonymize.md for the policy format and what each action does.\n"
    "\n"
    "  --policy FILE      policy JSON (default: scramble everything)\n"
    "  --key-file FILE    secret key (16+ bytes, mode 0600); default\n"
    "                     $PRODFUZZ_KEY_FILE; without one a random key is\n"
    "                     made for this run (output differs between runs)\n"
    "  --verify           check that no original string of 6+ characters\n"
    "                     survives outside keep paths (default); exit 1 if one does\n"
    "  --no-verify        skip that check\n"
    "  --skip-bad         count and skip lines that are not valid JSON\n"
    "                     (default: stop with exit 2 at the first one)\n"
    "  --max-doc-size N   longest line accepted (default 256M)\n"
    "  --jobs N           anonymizing threads (default: the online CPUs); the\n"
    "                     output and the leak check are the same for every N\n"
    "  -o, --output OUT   JSONL file (written atomically), or a corpus folder\n"
    "                     when OUT ends with / or is an existing folder;\n"
    "                     default stdout\n"
    "  --json             summary as one JSON object on stdout (needs -o)\n"
    "  --force            replace a corpus folder even when it holds files its\n"
    "                     manifest does not list (a fuzzer's inputs): they are\n"
    "                     deleted (default: refused, exit 2)\n"
    "\n"
    "Inputs default to stdin; '-' is stdin.\n"
    "Exit: 0 done, 1 a leak was found, 2 bad input/policy/key file, 3 I/O.\n"
    "\n"
    "Example:\n"
    "  printf '{\"email\":\"ann@example.com\",\"age\":42}\\n' > /tmp/in.jsonl\n"
    "  openssl rand -hex 32 > /tmp/pf.key && chmod 600 /tmp/pf.key\n"
    "  prodfuzz anonymize --key-file /tmp/pf.key /tmp/in.jsonl -o /tmp/out.jsonl\n",
    run};

enum { OPT_POLICY = CLI_OPT_FIRST_FREE, OPT_KEY, OPT_VERIFY, OPT_NO_VERIFY,
       OPT_SKIP_BAD, OPT_MAX_DOC, OPT_JSON, OPT_JOBS, OPT_FORCE };

static volatile sig_atomic_t interrupted;
static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct sink {
    int kind; /* 0 stdout, 1 file, 2 corpus */
    pf_tmpfile tf;
    pf_corpus corpus;
    FILE *fp;
} sink;

/* What the emit callback needs: where documents go, and the counts. */
typedef struct emitctx {
    sink *out;
    const char *outp;
    char **names; /* input names, by the index in a document's tag */
    int skip_bad;
    uint64_t docs, skipped;
    pf_buf line;
} emitctx;

#define TAG_LINE_BITS 44

/* Called in input order (pf_anon_pool) for each document. */
static int emit_doc(void *vc, const pf_anon_result *r, pf_err *err)
{
    emitctx *c = vc;
    if (r->rc < 0) {
        if (r->err->code == PF_E_INPUT && c->skip_bad) {
            c->skipped++;
            return 0;
        }
        *err = *r->err;
        return pf_err_prefix(err, "%s line %llu", c->names[r->tag >> TAG_LINE_BITS],
                             (unsigned long long)(r->tag & (((uintptr_t)1 << TAG_LINE_BITS) - 1)));
    }
    c->docs++;
    if (c->out->kind == 2) {
        if (pf_corpus_add(&c->out->corpus, r->out, r->out_len, NULL, err) < 0)
            return -1;
    } else {
        pf_buf_reset(&c->line);
        pf_buf_add(&c->line, r->out, r->out_len);
        pf_buf_addc(&c->line, '\n');
        if (pf_buf_ok(&c->line, err) < 0 ||
            pf_fs_fwrite(c->out->fp, c->line.data, c->line.len,
                         c->out->kind ? c->outp : "stdout", err) < 0)
            return -1;
    }
    if (pf_cli_g.progress && c->docs % 4096 == 0)
        cli_progress("%llu documents", (unsigned long long)c->docs);
    return 0;
}

/* The command line, parsed. */
typedef struct anon_opts {
    const char *policy_path, *key_path, *outp;
    int verify, skip_bad, json, jobs, force;
    size_t max_doc;
} anon_opts;

/* Step 1, options: -1 to go on, else the exit code (0 after --help). */
static int parse_options(int argc, char **argv, anon_opts *o)
{
    static const struct option opts[] = {
        {"policy", required_argument, 0, OPT_POLICY},
        {"key-file", required_argument, 0, OPT_KEY},
        {"verify", no_argument, 0, OPT_VERIFY},
        {"no-verify", no_argument, 0, OPT_NO_VERIFY},
        {"skip-bad", no_argument, 0, OPT_SKIP_BAD},
        {"max-doc-size", required_argument, 0, OPT_MAX_DOC},
        {"output", required_argument, 0, 'o'},
        {"json", no_argument, 0, OPT_JSON},
        {"jobs", required_argument, 0, OPT_JOBS},
        {"force", no_argument, 0, OPT_FORCE},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->verify = 1;
    o->jobs = pf_anon_default_jobs();
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_POLICY: o->policy_path = optarg; break;
        case OPT_KEY: o->key_path = optarg; break;
        case OPT_VERIFY: o->verify = 1; break;
        case OPT_NO_VERIFY: o->verify = 0; break;
        case OPT_SKIP_BAD: o->skip_bad = 1; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_FORCE: o->force = 1; break;
        case 'o': o->outp = optarg; break;
        case OPT_JOBS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 1 || v > PF_ANON_MAX_JOBS)
                return cli_usage(&pf_cmd_anonymize, "--jobs needs a number from 1 to 64");
            o->jobs = (int)v;
            break;
        }
        case OPT_MAX_DOC:
            if (cli_parse_size(&pf_cmd_anonymize, "--max-doc-size", optarg, &o->max_doc) < 0)
                return EXIT_USAGE;
            break;
        case '?':
            return cli_bad_option(&pf_cmd_anonymize);
        default: {
            int r = cli_common_opt(&pf_cmd_anonymize, c, optarg);
            if (r)
                return r > 0 ? 0 : EXIT_USAGE;
        }
        }
    }
    if (o->json && !o->outp)
        return cli_usage(&pf_cmd_anonymize, "--json prints on stdout: it needs -o FILE or -o DIR");
    if (o->outp && !*o->outp)
        return cli_usage(&pf_cmd_anonymize, "-o needs a file or folder name");
    if (!o->key_path) {
        const char *e = getenv("PRODFUZZ_KEY_FILE");
        if (e && *e)
            o->key_path = e;
    }
    return -1;
}

/* Step 3, report: the summary line on stderr, and with --json the figures
 * on stdout. */
static void report(const anon_opts *o, int rc, const pf_anon_stats *st, double dt,
                   uint64_t docs, uint64_t skipped, const char *fpr, int random_key,
                   const char *digest, int kind)
{
    double mb = (double)st->bytes_in / 1e6;
    cli_info("%llu documents, %.1f MB in, %.1f MB out, %.2f s, %.1f MB/s; "
             "%llu skipped; %llu leaks; key %s; policy %.16s",
             (unsigned long long)docs, mb, (double)st->bytes_out / 1e6, dt,
             dt > 0 ? mb / dt : 0.0, (unsigned long long)skipped,
             (unsigned long long)st->leaks, fpr, digest);
    if (o->json && kind)
        printf("{\"ok\":%s,\"documents\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
               "\"seconds\":%.3f,\"mb_per_s\":%.1f,\"skipped\":%llu,\"leaks\":%llu,"
               "\"strings\":%llu,\"numbers\":%llu,\"keys\":%llu,\"kept\":%llu,"
               "\"cache_hits\":%llu,\"cache_misses\":%llu,\"hmac_calls\":%llu,\"aes_calls\":%llu,\"untracked\":%llu,"
               "\"key_fingerprint\":\"%s\",\"key_random\":%s,\"policy_digest\":\"%s\","
               "\"output\":\"%s\"}\n",
               rc ? "false" : "true", (unsigned long long)docs,
               (unsigned long long)st->bytes_in, (unsigned long long)st->bytes_out, dt,
               dt > 0 ? mb / dt : 0.0, (unsigned long long)skipped,
               (unsigned long long)st->leaks, (unsigned long long)st->strings,
               (unsigned long long)st->numbers, (unsigned long long)st->keys,
               (unsigned long long)st->kept, (unsigned long long)st->cache_hits,
               (unsigned long long)st->cache_misses, (unsigned long long)st->prf_calls,
               (unsigned long long)st->aes_calls,
               (unsigned long long)st->untracked,
               fpr, random_key ? "true" : "false", digest,
               kind == 2 ? "corpus" : "jsonl");
}

/* Step 2, run: key and policy, inputs through the pool, the output swapped
 * in; then report. */
static int run(int argc, char **argv)
{
    anon_opts o;
    int done = parse_options(argc, argv, &o);
    if (done >= 0)
        return done;
    const char *policy_path = o.policy_path, *key_path = o.key_path, *outp = o.outp;
    int verify = o.verify, skip_bad = o.skip_bad, jobs = o.jobs;
    size_t max_doc = o.max_doc;

    pf_err err = PF_ERR_INIT;
    pf_key key;
    memset(&key, 0, sizeof key);
    if (key_path) {
        if (pf_key_load(key_path, &key, &err) < 0)
            return cli_fail(&err);
    } else {
        if (pf_key_random(&key, &err) < 0)
            return cli_fail(&err);
        cli_warn("no --key-file or PRODFUZZ_KEY_FILE: using a random key for this run "
                 "(fingerprint %s); the output will not match other runs", key.fingerprint);
    }
    pf_policy *pol = NULL;
    if (policy_path ? pf_policy_load(policy_path, &pol, &err) < 0
                    : pf_policy_default(&pol, &err) < 0) {
        pf_key_wipe(&key);
        return cli_fail(&err);
    }
    sink out;
    memset(&out, 0, sizeof out);
    out.fp = stdout;
    const char *stdin_only[] = {"-"};
    char **inputs = optind < argc ? argv + optind : (char **)stdin_only;
    int ninputs = optind < argc ? argc - optind : 1;
    emitctx ec = {&out, outp, NULL, skip_bad, 0, 0, PF_BUF_INIT};
    char **names = calloc((size_t)ninputs, sizeof *names);
    if (!names) {
        pf_key_wipe(&key);
        pf_policy_free(pol);
        pf_err_set(&err, PF_E_NOMEM, "out of memory");
        return cli_fail(&err);
    }
    for (int i = 0; i < ninputs; i++)
        names[i] = strcmp(inputs[i], "-") ? inputs[i] : (char *)"stdin";
    ec.names = names;
    pf_anon_pool *pool = NULL;
    if (pf_anon_pool_new(&pool, &key, pol, verify, jobs, emit_doc, &ec, &err) < 0) {
        free(names);
        pf_key_wipe(&key);
        pf_policy_free(pol);
        return cli_fail(&err);
    }
    char digest[65], fpr[17];
    pf_policy_digest(pol, digest);
    memcpy(fpr, key.fingerprint, sizeof fpr);
    int random_key = key.random;
    pf_key_wipe(&key); /* the engines hold their own derived state */

    int rc = 0;
    if (outp) {
        size_t ol = strlen(outp);
        if (outp[ol - 1] == '/' || pf_fs_is_dir(outp)) {
            out.kind = 2;
            if (pf_corpus_open(&out.corpus, outp, o.force ? PF_CORPUS_FORCE : 0, &err) < 0)
                rc = cli_fail(&err);
        } else {
            out.kind = 1;
            if (pf_tmpfile_open(&out.tf, outp, 0644, &err) < 0)
                rc = cli_fail(&err);
            else
                out.fp = out.tf.fp;
        }
    }
    if (rc) {
        pf_anon_pool_free(pool);
        pf_policy_free(pol);
        free(names);
        return rc;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    uint64_t skipped = 0;
    double t0 = cli_now();
    for (int i = 0; i < ninputs && !rc && !interrupted; i++) {
        pf_jsonl r;
        const char *in = inputs[i];
        if (pf_jsonl_open(&r, in, max_doc, &err) < 0) {
            rc = cli_fail(&err);
            break;
        }
        for (;;) {
            if (interrupted)
                break;
            const char *d;
            size_t dl;
            int g = pf_jsonl_next(&r, &d, &dl, &err);
            if (g == 0)
                break;
            char label[300];
            snprintf(label, sizeof label, "%s:%llu", names[i], (unsigned long long)r.lineno);
            if (g < 0) {
                if (r.io_error || !skip_bad) {
                    /* the lines before it first: one of them may be the
                     * first error, as it is on one thread */
                    pf_err perr = PF_ERR_INIT;
                    rc = cli_fail(pf_anon_pool_flush(pool, &perr) < 0 ? &perr : &err);
                    break;
                }
                skipped++;
                continue;
            }
            uintptr_t tag = (uintptr_t)i << TAG_LINE_BITS | (uintptr_t)r.lineno;
            if (pf_anon_pool_put(pool, 0, NULL, label, d, dl, tag, &err) < 0) {
                rc = cli_fail(&err);
                break;
            }
        }
        pf_jsonl_close(&r);
    }
    if (!rc && !interrupted && pf_anon_pool_flush(pool, &err) < 0)
        rc = cli_fail(&err);
    pf_anon *a = pf_anon_pool_engine(pool);
    uint64_t docs = ec.docs;
    skipped += ec.skipped;
    cli_progress_done();
    pf_buf_free(&ec.line);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    double dt = cli_now() - t0;
    pf_anon_stats st;
    pf_anon_get_stats(a, &st);
    if (!rc && interrupted) {
        cli_error("interrupted: %s", out.kind ? "the output was not written" : "output is incomplete");
        rc = EXIT_ENV;
    }
    if (!rc && out.kind == 0 && fflush(stdout) != 0) {
        pf_err_errno(&err, errno, "writing stdout");
        rc = cli_fail(&err);
    }
    if (!rc && st.leaks) {
        fputs(pf_anon_leak_report(a), stderr);
        cli_error("leak check: %llu value(s) survive verbatim outside keep paths%s",
                  (unsigned long long)st.leaks,
                  out.kind ? "; the output was not written" : "");
        rc = EXIT_FINDINGS;
    }
    if (!rc && out.kind == 1 && pf_tmpfile_commit(&out.tf, &err) < 0)
        rc = cli_fail(&err);
    if (!rc && out.kind == 2) {
        char now[32];
        cli_iso_now(now, sizeof now);
        pf_manifest m;
        pf_manifest_init(&m, "anonymize");
        pf_buf_addf(&m.body, "\"created\":\"%s\",\"sources\":[", now);
        for (int i = 0; i < ninputs; i++) {
            if (i)
                pf_buf_addc(&m.body, ',');
            pf_buf_add_json_str(&m.body, inputs[i], strlen(inputs[i]));
        }
        const char *pol = policy_path ? policy_path : "(default)";
        pf_buf_addf(&m.body, "],\"documents\":%llu,\"skipped\":%llu,\"policy\":",
                    (unsigned long long)docs, (unsigned long long)skipped);
        pf_buf_add_json_str(&m.body, pol, strlen(pol));
        pf_manifest_set_anon(&m, fpr, digest, PF_ANON_TRANSFORM_VERSION, random_key,
                             verify);
        if (pf_corpus_commit_manifest(&out.corpus, &m, &err) < 0)
            rc = cli_fail(&err);
        pf_manifest_free(&m);
    }
    if (rc) {
        if (out.kind == 1)
            pf_tmpfile_abort(&out.tf);
        if (out.kind == 2)
            pf_corpus_abort(&out.corpus);
    }
    if (rc == 0 || rc == EXIT_FINDINGS)
        report(&o, rc, &st, dt, docs, skipped, fpr, random_key, digest, out.kind);
    pf_anon_pool_free(pool);
    pf_policy_free(pol);
    free(names);
    return rc;
}
