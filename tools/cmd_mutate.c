/*
 * prodfuzz mutate: the mutation engine as a file generator, for any test
 * runner or language. Reads documents (corpus folders, JSONL, files),
 * writes COUNT mutants into a folder, each named by the class and path
 * that made it ("oversize-customer.name-3f2a91c0de"), with a manifest at
 * DIR/.prodfuzz/manifest.json (pf_corpus's format) listing every mutant's
 * class, path, source document and seed. The folder is staged and swapped
 * in whole, so an interrupted run leaves the previous one as it was.
 *
 * Three steps, as every command: options (parse_options), the run
 * (mutate_all: read, mutate, write, commit) and the report (report: what
 * was asked, what was written and why anything was not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pf_corpus.h"
#include "pf_inputs.h"
#include "pf_hash.h"
#include "pf_json.h"
#include "pf_mutate.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_mutate = {"mutate", "write production-shaped mutants of documents into a folder",
    "usage: prodfuzz mutate INPUT... --out DIR [--shape PROFILE] [--count N]\n"
    "                       [--seed X] [--classes LIST] [--max-size SIZE]\n"
    "                       [--byte-share F] [--json] [--force]\n"
    "\n"
    "Mutates documents (corpus folders, JSONL files, single files) one value\n"
    "at a time past the boundaries production has shown, and writes the\n"
    "mutants into DIR, named CLASS-PATH-HASH so a test that fails says what\n"
    "broke it. Every byte a mutation does not touch stays as it was.\n"
    "The same inputs and seed give the same mutants. A mutant identical to\n"
    "an earlier one (same class, path and bytes) is written once, so fewer\n"
    "than N files can come out; the summary says how many and why.\n"
    "\n"
    "  -o, --out DIR         output folder (replaced as a whole, atomically)\n"
    "  --shape PROFILE       a shape profile (prodfuzz shape): values just past\n"
    "                        production's lengths, depths, numbers, rare variants\n"
    "  --count N             mutants to make (100)\n"
    "  --seed X              first seed (1); mutant i uses seed X+i\n"
    "  --classes LIST        comma list of null, missing, type, oversize,\n"
    "                        number, deep, legacy, unicode, dupkey, truncate,\n"
    "                        format, empty (default: all)\n"
    "  --max-size SIZE       largest mutant (1M)\n"
    "  --byte-share F        share of byte-level mutants (0)\n"
    "  --max-doc-size SIZE   longest input document read (256M)\n"
    "  --json                print a JSON summary on standard output\n"
    "  --force               replace DIR even when it is a corpus holding files\n"
    "                        its manifest does not list (they are deleted)\n"
    "\n"
    "Exit: 0 written, 2 bad option or input, 3 cannot write.\n"
    "\n"
    "Example:\n"
    "  prodfuzz mutate corpus/service_orders --count 50 --classes null,deep,oversize \\\n"
    "      --out /tmp/mutants && ls /tmp/mutants\n", run};

enum { O_SHAPE = CLI_OPT_FIRST_FREE, O_COUNT, O_SEED, O_CLASSES, O_MAX_SIZE,
       O_BYTE_SHARE, O_MAX_DOC, O_JSON, O_FORCE };

/* ---- options --------------------------------------------------------------- */

typedef struct mutate_opts {
    const char *out, *shape_path, *classes;
    char **inputs;
    int ninputs;
    uint64_t count, seed;
    size_t max_size, max_doc;
    double byte_share;
    int json, force;
} mutate_opts;

/* CLI_GO_ON when the options are good, else the exit status. */
static int parse_options(int argc, char **argv, mutate_opts *o)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},
        {"shape", required_argument, 0, O_SHAPE},
        {"count", required_argument, 0, O_COUNT},
        {"seed", required_argument, 0, O_SEED},
        {"classes", required_argument, 0, O_CLASSES},
        {"max-size", required_argument, 0, O_MAX_SIZE},
        {"byte-share", required_argument, 0, O_BYTE_SHARE},
        {"max-doc-size", required_argument, 0, O_MAX_DOC},
        {"json", no_argument, 0, O_JSON},
        {"force", no_argument, 0, O_FORCE},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_mutate;
    *o = (mutate_opts){.count = 100, .seed = 1, .max_size = 1u << 20};
    int c, r;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case O_SHAPE: o->shape_path = optarg; break;
        case O_CLASSES: o->classes = optarg; break;
        case O_JSON: o->json = 1; break;
        case O_FORCE: o->force = 1; break;
        case O_COUNT:
            if (cli_parse_u64(cmd, "--count", optarg, &o->count) < 0)
                return EXIT_USAGE;
            if (o->count < 1 || o->count > 100000000)
                return cli_usage(cmd, "--count must be between 1 and 100000000");
            break;
        case O_SEED:
            if (cli_parse_u64(cmd, "--seed", optarg, &o->seed) < 0)
                return EXIT_USAGE;
            break;
        case O_MAX_SIZE:
            if (cli_parse_size(cmd, "--max-size", optarg, &o->max_size) < 0)
                return EXIT_USAGE;
            if (o->max_size < 1)
                return cli_usage(cmd, "--max-size must be at least 1 byte");
            break;
        case O_MAX_DOC:
            if (cli_parse_size(cmd, "--max-doc-size", optarg, &o->max_doc) < 0)
                return EXIT_USAGE;
            break;
        case O_BYTE_SHARE:
            if (cli_parse_double(cmd, "--byte-share", optarg, &o->byte_share) < 0)
                return EXIT_USAGE;
            if (!(o->byte_share >= 0 && o->byte_share <= 1))
                return cli_usage(cmd, "--byte-share must be a number from 0 to 1");
            break;
        default:
            if ((r = cli_rest_opt(cmd, c, optarg)) != CLI_GO_ON)
                return r;
        }
    }
    if (!o->out)
        return cli_usage(cmd, "--out DIR is required");
    if (optind >= argc)
        return cli_usage(cmd, "no input: give corpus folders, JSONL files or JSON files");
    o->inputs = argv + optind;
    o->ninputs = argc - optind;
    return CLI_GO_ON;
}

/* ---- the run --------------------------------------------------------------- */

/* The input documents (pf_inputs: pf_docs's rules, as check reads them),
 * and which of them the engine can tokenize: class mutants are possible
 * only there. */
typedef struct docs {
    pf_inputs set;
    char *is_json;
} docs;

static void free_docs(docs *d)
{
    pf_inputs_free(&d->set);
    free(d->is_json);
    d->is_json = NULL;
}

static int read_docs(const mutate_opts *o, docs *out, pf_err *err)
{
    pf_inputs_init(&out->set);
    out->is_json = NULL;
    if (pf_inputs_read(&out->set, o->inputs, (size_t)o->ninputs, o->max_doc, err) < 0)
        return -1;
    out->is_json = calloc(out->set.n ? out->set.n : 1, 1);
    if (!out->is_json)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    pf_json j = PF_JSON_INIT;
    int rc = 0;
    for (size_t i = 0; i < out->set.n && rc == 0; i++) {
        pf_err perr = PF_ERR_INIT;
        out->is_json[i] = pf_json_parse(&j, out->set.in[i].data, out->set.in[i].len, &perr) == 0;
        if (perr.code == PF_E_NOMEM)
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    pf_json_free(&j);
    return rc;
}

/* What a run asked for and what came of it. Every mutant asked for is
 * either written or a duplicate; the byte-level and shrunk ones are
 * written, but are not the class mutants the user may expect. */
typedef struct mutate_result {
    size_t inputs;
    uint64_t asked, written, duplicates;
    uint64_t by_class[PF_M_NONE + 1];
    uint64_t bytes_not_json;  /* byte-level: the input is not JSON */
    uint64_t bytes_no_class;  /* byte-level: no selected class applied, or --byte-share */
    uint64_t shrunk;          /* the input was over --max-size and was shrunk */
} mutate_result;

/* "oversize-customer.name-" + 10 hex of the content's SHA-1 */
static void file_name(const pf_mutator *m, const void *data, size_t len,
                      pf_buf *out)
{
    pf_buf_reset(out);
    pf_buf_adds(out, pf_mclass_name(pf_mutator_last_class(m)));
    const char *p = pf_mutator_last_path(m);
    if (p[0] == '$')
        p++;
    if (p[0] == '.')
        p++;
    if (*p) {
        pf_buf_addc(out, '-');
        for (size_t k = 0; p[k] && k < 96; k++) {
            char ch = p[k];
            int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '.' || ch == '_';
            pf_buf_addc(out, ok ? ch : '_');
        }
    }
    char hex[41];
    if (pf_sha1_hex(data, len, hex, NULL) < 0)
        memset(hex, 0, sizeof hex);
    pf_buf_addf(out, "-%.10s", hex);
}

/* The manifest's own members: the run's settings, then one entry per
 * mutant written (appended as they come) and the counts. */
static void manifest_head(pf_manifest *man, const mutate_opts *o, size_t inputs)
{
    pf_buf *b = &man->body;
    pf_buf_addf(b, "\"input_documents\":%zu,\"asked\":%llu,\"seed\":%llu,"
                "\"max_size\":%zu,\"byte_share\":%g,\"shape\":", inputs,
                (unsigned long long)o->count, (unsigned long long)o->seed,
                o->max_size, o->byte_share);
    if (o->shape_path)
        pf_buf_add_json_str(b, o->shape_path, strlen(o->shape_path));
    else
        pf_buf_adds(b, "null");
    pf_buf_adds(b, ",\"mutants\":[");
}

static void manifest_entry(pf_manifest *man, const pf_mutator *m, const pf_buf *name,
                           const pf_input *d, uint64_t seed, size_t bytes, int first)
{
    pf_buf *b = &man->body;
    const char *path = pf_mutator_last_path(m);
    pf_buf_adds(b, first ? "{\"file\":" : ",{\"file\":");
    pf_buf_add_json_str(b, name->data, name->len);
    pf_buf_addf(b, ",\"class\":\"%s\",\"path\":", pf_mclass_name(pf_mutator_last_class(m)));
    pf_buf_add_json_str(b, path, strlen(path));
    pf_buf_adds(b, ",\"source\":");
    pf_buf_add_json_str(b, d->origin, strlen(d->origin));
    pf_buf_addf(b, ",\"seed\":%llu,\"bytes\":%zu}", (unsigned long long)seed, bytes);
}

static void manifest_tail(pf_manifest *man, const mutate_result *r)
{
    pf_buf_addf(&man->body, "],\"written\":%llu,\"not_written\":{\"duplicates\":%llu},"
                "\"byte_level\":{\"input_not_json\":%llu,\"no_class_applied\":%llu},"
                "\"shrunk_to_max_size\":%llu",
                (unsigned long long)r->written, (unsigned long long)r->duplicates,
                (unsigned long long)r->bytes_not_json, (unsigned long long)r->bytes_no_class,
                (unsigned long long)r->shrunk);
}

/* Make o->count mutants of ds round-robin into corpus c, recording them
 * in man and r. */
static int mutate_into(const mutate_opts *o, const docs *ds, pf_mutator *m,
                       pf_corpus *c, pf_manifest *man, mutate_result *r,
                       pf_err *err)
{
    pf_buf mutant = PF_BUF_INIT, name = PF_BUF_INIT;
    int rc = 0;
    for (uint64_t i = 0; i < o->count; i++) {
        size_t k = i % ds->set.n;
        const pf_input *d = &ds->set.in[k];
        pf_mutator_seed(m, o->seed + i);
        if (pf_mutate(m, d->data, d->len, o->max_size, &mutant, err) < 0) {
            rc = -1;
            break;
        }
        file_name(m, mutant.data, mutant.len, &name);
        int added = pf_buf_ok(&name, err) < 0 ? -1
                    : pf_corpus_add_named(c, pf_buf_str(&name), mutant.data,
                                          mutant.len, err);
        if (added < 0) {
            rc = -1;
            break;
        }
        if (added == 0) {
            r->duplicates++;
            continue;
        }
        pf_mclass cls = pf_mutator_last_class(m);
        r->by_class[cls]++;
        if (cls == PF_M_BYTES && ds->is_json[k])
            r->bytes_no_class++;
        else if (cls == PF_M_BYTES)
            r->bytes_not_json++;
        else if (cls == PF_M_SHRINK)
            r->shrunk++;
        manifest_entry(man, m, &name, d, o->seed + i, mutant.len, r->written == 0);
        r->written++;
        if (pf_cli_g.progress)
            cli_progress("mutate: %llu of %llu", (unsigned long long)i + 1,
                         (unsigned long long)o->count);
    }
    if (pf_cli_g.progress)
        cli_progress_done();
    pf_buf_free(&mutant);
    pf_buf_free(&name);
    return rc;
}

static int mutate_all(const mutate_opts *o, mutate_result *r, pf_err *err)
{
    memset(r, 0, sizeof *r);
    r->asked = o->count;
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.byte_share = o->byte_share;
    if (o->classes && pf_mclass_parse(o->classes, &cfg.classes, err) < 0)
        return pf_err_prefix(err, "--classes");
    pf_shape *shape = NULL;
    if (o->shape_path && pf_shape_load(o->shape_path, &shape, err) < 0)
        return -1;
    cfg.shape = shape;
    docs ds;
    if (read_docs(o, &ds, err) < 0) {
        free_docs(&ds);
        pf_shape_free(shape);
        return -1;
    }
    int rc = -1;
    pf_mutator *m = NULL;
    pf_manifest man;
    pf_manifest_init(&man, "mutate");
    pf_corpus c;
    if (ds.set.n == 0) {
        pf_err_set(err, PF_E_INPUT, "no documents in the inputs");
    } else if ((m = pf_mutator_new(&cfg, err)) != NULL &&
               pf_corpus_open(&c, o->out, o->force ? PF_CORPUS_FORCE : 0, err) == 0) {
        r->inputs = ds.set.n;
        manifest_head(&man, o, ds.set.n);
        if (mutate_into(o, &ds, m, &c, &man, r, err) < 0) {
            pf_corpus_abort(&c);
        } else {
            manifest_tail(&man, r);
            rc = pf_corpus_commit_manifest(&c, &man, err); /* aborts on error */
        }
    }
    pf_manifest_free(&man);
    pf_mutator_free(m);
    pf_shape_free(shape);
    free_docs(&ds);
    return rc;
}

/* ---- the report ------------------------------------------------------------ */

static void class_counts(pf_buf *b, const mutate_result *r, int json)
{
    for (int k = 0, first = 1; k <= PF_M_NONE; k++)
        if (r->by_class[k]) {
            pf_buf_addf(b, json ? "%s\"%s\": %llu" : "%s%s %llu", first ? "" : ", ",
                        pf_mclass_name((pf_mclass)k), (unsigned long long)r->by_class[k]);
            first = 0;
        }
}

static void report_json(const mutate_opts *o, const mutate_result *r, pf_buf *b)
{
    pf_buf_adds(b, "{\"out\": ");
    pf_buf_add_json_str(b, o->out, strlen(o->out));
    pf_buf_addf(b, ", \"inputs\": %zu, \"asked\": %llu, \"written\": %llu, "
                "\"duplicates\": %llu, \"classes\": {", r->inputs,
                (unsigned long long)r->asked, (unsigned long long)r->written,
                (unsigned long long)r->duplicates);
    class_counts(b, r, 1);
    pf_buf_addf(b, "}, \"not_written\": {\"duplicates\": %llu}, \"byte_level\": "
                "{\"input_not_json\": %llu, \"no_class_applied\": %llu}, "
                "\"shrunk_to_max_size\": %llu}\n",
                (unsigned long long)r->duplicates, (unsigned long long)r->bytes_not_json,
                (unsigned long long)r->bytes_no_class, (unsigned long long)r->shrunk);
}

static void report_text(const mutate_opts *o, const mutate_result *r, pf_buf *b)
{
    pf_buf_addf(b, "wrote %llu of %llu mutants to %s (", (unsigned long long)r->written,
                (unsigned long long)r->asked, o->out);
    class_counts(b, r, 0);
    pf_buf_adds(b, ")\n");
    if (r->duplicates)
        pf_buf_addf(b, "%llu not written: identical to an earlier mutant (same class, "
                    "path and bytes); more input documents, more --classes or a "
                    "--shape profile give more distinct mutants\n",
                    (unsigned long long)r->duplicates);
    if (r->bytes_not_json)
        pf_buf_addf(b, "%llu byte-level: their input is not JSON the engine can "
                    "tokenize, so no class applies\n", (unsigned long long)r->bytes_not_json);
    if (r->bytes_no_class)
        pf_buf_addf(b, "%llu byte-level: %s\n", (unsigned long long)r->bytes_no_class,
                    o->byte_share > 0 ? "--byte-share chose bytes, or none of the "
                                        "selected classes applied to the input"
                                      : "none of the selected classes applied to the input");
    if (r->shrunk)
        pf_buf_addf(b, "%llu shrunk: their input was over --max-size %zu, so it was "
                    "cut down to fit instead of mutated\n", (unsigned long long)r->shrunk,
                    o->max_size);
}

static int report(const mutate_opts *o, const mutate_result *r)
{
    pf_buf b = PF_BUF_INIT;
    if (o->json)
        report_json(o, r, &b);
    else
        report_text(o, r, &b);
    pf_err err = PF_ERR_INIT;
    int rc = 0;
    if (pf_buf_ok(&b, &err) < 0)
        rc = cli_fail(&err);
    else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
        cli_error("cannot write the summary");
        rc = EXIT_ENV;
    }
    pf_buf_free(&b);
    return rc;
}

static int run(int argc, char **argv)
{
    mutate_opts o;
    int rc = parse_options(argc, argv, &o);
    if (rc != CLI_GO_ON)
        return rc;
    mutate_result r;
    pf_err err = PF_ERR_INIT;
    if (mutate_all(&o, &r, &err) < 0) {
        if (err.code == PF_E_USAGE)
            return cli_usage(&pf_cmd_mutate, "%s", err.msg);
        return cli_fail(&err);
    }
    return report(&o, &r);
}
