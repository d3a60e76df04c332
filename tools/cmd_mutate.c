/*
 * prodfuzz mutate: the mutation engine as a file generator, for any test
 * runner or language. Reads documents (corpus folders, JSONL, files),
 * writes COUNT mutants into a folder, each named by the class and path
 * that made it ("oversize-customer.name-3f2a91c0de"), with a manifest at
 * DIR/.prodfuzz/manifest.json listing every mutant's class, path, source
 * document and seed. The folder is staged and swapped in whole, so an
 * interrupted run leaves the previous one as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pf_corpus.h"
#include "pf_docs.h"
#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_mutate.h"
#include "pf_version.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_mutate = {"mutate", "write production-shaped mutants of documents into a folder",
    "usage: prodfuzz mutate INPUT... --out DIR [--shape PROFILE] [--count N]\n"
    "                       [--seed X] [--classes LIST] [--max-size SIZE]\n"
    "                       [--byte-share F] [--json]\n"
    "\n"
    "Mutates documents (corpus folders, JSONL files, single files) one value\n"
    "at a time past the boundaries production has shown, and writes the\n"
    "mutants into DIR, named CLASS-PATH-HASH so a test that fails says what\n"
    "broke it. Every byte a mutation does not touch stays as it was.\n"
    "The same inputs and seed give the same mutants.\n"
    "\n"
    "  -o, --out DIR         output folder (replaced as a whole, atomically)\n"
    "  --shape PROFILE       a shape profile (prodfuzz shape): values just past\n"
    "                        production's lengths, depths, numbers, rare variants\n"
    "  --count N             mutants to write (100)\n"
    "  --seed X              first seed (1); mutant i uses seed X+i\n"
    "  --classes LIST        comma list of null, missing, type, oversize,\n"
    "                        number, deep, legacy, unicode, dupkey, truncate,\n"
    "                        format, empty (default: all)\n"
    "  --max-size SIZE       largest mutant (1M)\n"
    "  --byte-share F        share of byte-level mutants (0)\n"
    "  --max-doc-size SIZE   longest input document read (256M)\n"
    "  --json                print a JSON summary on standard output\n"
    "\n"
    "Exit: 0 written, 2 bad option or input, 3 cannot write.\n"
    "\n"
    "Example:\n"
    "  prodfuzz mutate corpus/service_orders --count 50 --classes null,deep,oversize \\\n"
    "      --out /tmp/mutants && ls /tmp/mutants\n", run};

enum { O_SHAPE = CLI_OPT_FIRST_FREE, O_COUNT, O_SEED, O_CLASSES, O_MAX_SIZE,
       O_BYTE_SHARE, O_MAX_DOC, O_JSON };

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

typedef struct doc {
    char *data;
    size_t len;
    char *origin;
} doc;

static void free_docs(doc *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].data);
        free(d[i].origin);
    }
    free(d);
}

static int read_docs(char **in, int n, size_t max_doc, doc **out, size_t *nout,
                     pf_err *err)
{
    pf_docs d;
    if (pf_docs_open(&d, in, (size_t)n, max_doc, err) < 0)
        return -1;
    doc *v = NULL;
    size_t nv = 0;
    const char *text;
    size_t len;
    int r;
    while ((r = pf_docs_next(&d, &text, &len, err)) != 0) {
        if (r < 0) {
            pf_docs_close(&d);
            free_docs(v, nv);
            return -1;
        }
        doc *nvv = realloc(v, (nv + 1) * sizeof *v);
        if (!nvv) {
            pf_docs_close(&d);
            free_docs(v, nv);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        v = nvv;
        v[nv].data = malloc(len + 1);
        v[nv].origin = strdup(pf_docs_origin(&d));
        if (!v[nv].data || !v[nv].origin) {
            free(v[nv].data);
            free(v[nv].origin);
            pf_docs_close(&d);
            free_docs(v, nv);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        memcpy(v[nv].data, text, len);
        v[nv].data[len] = '\0';
        v[nv++].len = len;
    }
    pf_docs_close(&d);
    *out = v;
    *nout = nv;
    return 0;
}

static int run(int argc, char **argv)
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
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_mutate;
    const char *out = NULL, *shape_path = NULL, *classes = NULL;
    uint64_t count = 100, seed = 1;
    size_t max_size = 1u << 20, max_doc = 0;
    double byte_share = 0;
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_SHAPE: shape_path = optarg; break;
        case O_CLASSES: classes = optarg; break;
        case O_JSON: json = 1; break;
        case O_COUNT:
            if (cli_parse_u64(cmd, "--count", optarg, &count) < 0)
                return EXIT_USAGE;
            if (count < 1 || count > 100000000)
                return cli_usage(cmd, "--count must be between 1 and 100000000");
            break;
        case O_SEED:
            if (cli_parse_u64(cmd, "--seed", optarg, &seed) < 0)
                return EXIT_USAGE;
            break;
        case O_MAX_SIZE:
            if (cli_parse_size(cmd, "--max-size", optarg, &max_size) < 0)
                return EXIT_USAGE;
            if (max_size < 1)
                return cli_usage(cmd, "--max-size must be at least 1 byte");
            break;
        case O_MAX_DOC:
            if (cli_parse_size(cmd, "--max-doc-size", optarg, &max_doc) < 0)
                return EXIT_USAGE;
            break;
        case O_BYTE_SHARE:
            if (cli_parse_double(cmd, "--byte-share", optarg, &byte_share) < 0)
                return EXIT_USAGE;
            if (!(byte_share >= 0 && byte_share <= 1))
                return cli_usage(cmd, "--byte-share must be a number from 0 to 1");
            break;
        case '?':
            return cli_bad_option(cmd);
        default: {
            int r = cli_common_opt(cmd, c, optarg);
            if (r)
                return r > 0 ? 0 : EXIT_USAGE;
        }
        }
    }
    if (!out)
        return cli_usage(cmd, "--out DIR is required");
    if (optind >= argc)
        return cli_usage(cmd, "no input: give corpus folders, JSONL files or JSON files");

    pf_err err = PF_ERR_INIT;
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.byte_share = byte_share;
    if (classes && pf_mclass_parse(classes, &cfg.classes, &err) < 0)
        return cli_usage(cmd, "--classes: %s", err.msg);
    pf_shape *shape = NULL;
    if (shape_path && pf_shape_load(shape_path, &shape, &err) < 0)
        return cli_fail(&err);
    cfg.shape = shape;

    doc *docs = NULL;
    size_t ndocs = 0;
    if (read_docs(argv + optind, argc - optind, max_doc, &docs, &ndocs, &err) < 0) {
        pf_shape_free(shape);
        return cli_fail(&err);
    }
    if (ndocs == 0) {
        pf_shape_free(shape);
        cli_error("no documents in the inputs");
        return EXIT_USAGE;
    }
    pf_mutator *m = pf_mutator_new(&cfg, &err);
    pf_corpus corpus;
    if (!m || pf_corpus_open(&corpus, out, 0, &err) < 0) {
        pf_mutator_free(m);
        pf_shape_free(shape);
        free_docs(docs, ndocs);
        return cli_fail(&err);
    }
    uint64_t by_class[PF_M_NONE + 1] = {0}, written = 0, dups = 0;
    pf_buf mutant = PF_BUF_INIT, name = PF_BUF_INIT, path = PF_BUF_INIT,
           man = PF_BUF_INIT;
    pf_buf_addf(&man, "{\"tool\": \"prodfuzz mutate\", \"version\": \"%s\", ", PF_VERSION);
    pf_buf_addf(&man, "\"documents\": %zu, \"count\": %llu, \"seed\": %llu, "
                "\"max_size\": %zu, \"byte_share\": %g, \"shape\": ", ndocs,
                (unsigned long long)count, (unsigned long long)seed, max_size,
                byte_share);
    if (shape_path)
        pf_buf_add_json_str(&man, shape_path, strlen(shape_path));
    else
        pf_buf_adds(&man, "null");
    pf_buf_adds(&man, ",\n \"mutants\": [");
    int rc = 0;
    for (uint64_t i = 0; i < count && rc == 0; i++) {
        const doc *d = &docs[i % ndocs];
        pf_mutator_seed(m, seed + i);
        if (pf_mutate(m, d->data, d->len, max_size, &mutant, &err) < 0) {
            rc = -1;
            break;
        }
        file_name(m, mutant.data, mutant.len, &name);
        pf_buf_reset(&path);
        pf_buf_addf(&path, "%s/%s", corpus.stage, pf_buf_str(&name));
        if (access(pf_buf_str(&path), F_OK) == 0) {
            dups++;
            continue;
        }
        if (pf_buf_ok(&path, &err) < 0 ||
            pf_fs_write_atomic(pf_buf_str(&path), mutant.data, mutant.len, 0644,
                               &err) < 0) {
            rc = -1;
            break;
        }
        by_class[pf_mutator_last_class(m)]++;
        pf_buf_addf(&man, "%s\n  {\"file\": ", written ? "," : "");
        pf_buf_add_json_str(&man, name.data, name.len);
        pf_buf_addf(&man, ", \"class\": \"%s\", \"path\": ",
                    pf_mclass_name(pf_mutator_last_class(m)));
        pf_buf_add_json_str(&man, pf_mutator_last_path(m),
                            strlen(pf_mutator_last_path(m)));
        pf_buf_adds(&man, ", \"source\": ");
        pf_buf_add_json_str(&man, d->origin, strlen(d->origin));
        pf_buf_addf(&man, ", \"seed\": %llu, \"bytes\": %zu}",
                    (unsigned long long)(seed + i), mutant.len);
        written++;
        if (pf_cli_g.progress)
            cli_progress("mutate: %llu of %llu", (unsigned long long)i + 1,
                         (unsigned long long)count);
    }
    if (pf_cli_g.progress)
        cli_progress_done();
    pf_buf_addf(&man, "],\n \"written\": %llu, \"duplicates\": %llu}\n",
                (unsigned long long)written, (unsigned long long)dups);
    if (rc == 0 && pf_buf_ok(&man, &err) == 0 &&
        pf_corpus_commit(&corpus, man.data, &err) == 0) {
        if (json) {
            printf("{\"out\": ");
            pf_buf tmp = PF_BUF_INIT;
            pf_buf_add_json_str(&tmp, out, strlen(out));
            printf("%s, \"written\": %llu, \"duplicates\": %llu, \"classes\": {",
                   pf_buf_str(&tmp), (unsigned long long)written,
                   (unsigned long long)dups);
            pf_buf_free(&tmp);
            for (int k = 0, first = 1; k <= PF_M_NONE; k++)
                if (by_class[k]) {
                    printf("%s\"%s\": %llu", first ? "" : ", ",
                           pf_mclass_name((pf_mclass)k),
                           (unsigned long long)by_class[k]);
                    first = 0;
                }
            printf("}}\n");
        } else {
            printf("wrote %llu mutants to %s (", (unsigned long long)written, out);
            for (int k = 0, first = 1; k <= PF_M_NONE; k++)
                if (by_class[k]) {
                    printf("%s%s %llu", first ? "" : ", ",
                           pf_mclass_name((pf_mclass)k),
                           (unsigned long long)by_class[k]);
                    first = 0;
                }
            printf(")\n");
        }
    } else {
        if (corpus.stage)
            pf_corpus_abort(&corpus);
        rc = -1;
    }
    pf_buf_free(&mutant);
    pf_buf_free(&name);
    pf_buf_free(&path);
    pf_buf_free(&man);
    pf_mutator_free(m);
    pf_shape_free(shape);
    free_docs(docs, ndocs);
    return rc < 0 ? cli_fail(&err) : 0;
}
