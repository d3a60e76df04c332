/*
 * prodfuzz explain: say why a reproducer is unlike production, in
 * production terms, by comparing it with a shape profile and the nearest
 * corpus document (src/pf_explain.h). Loads the profile and the corpus
 * once, then explains every file given (folders: every file in them).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "pf_explain.h"
#include "pf_fs.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_explain = {"explain", "explain a crash in production terms",
    "usage: prodfuzz explain CRASHFILE... [--shape PROFILE] [--corpus DIR]\n"
    "                        [--json] [--top N]\n"
    "\n"
    "Compares each reproducer with the shape profile (per path: nulls, types,\n"
    "lengths, depth, number ranges, enums, keys, formats) and with the nearest\n"
    "corpus document, and prints what goes past production, furthest first:\n"
    "  null: $.customer.email is null; never null in 24,000 sampled documents\n"
    "A difference the nearest production document shares is never listed.\n"
    "Works with or without a profile or corpus (without a profile, one is made\n"
    "from the corpus), on files from libFuzzer, AFL++ and `prodfuzz mutate`, on\n"
    "input that is not JSON (where it stops being JSON) and on what cJSON takes\n"
    "(raw control bytes in strings, trailing text). Values are never printed:\n"
    "lengths, counts, types and formats stand for them.\n"
    "\n"
    "  CRASHFILE...         reproducers; a folder means every file in it\n"
    "  --shape PROFILE      a shape profile (prodfuzz shape)\n"
    "  --corpus DIR         production documents, one per file (the nearest is\n"
    "                       named; its shared differences are left out)\n"
    "  --top N              differences printed per file (5; 0: all)\n"
    "  --json               one JSON object: {\"explanations\": [{\"file\", \"items\":\n"
    "                       [{\"path\", \"class\", \"score\", \"text\"}], \"differences\",\n"
    "                       \"nearest\", \"nearest_diffs\"}]}\n"
    "\n"
    "Exit: 0 explained, 2 bad option, unreadable file or bad profile or corpus.\n"
    "\n"
    "Example:\n"
    "  sed 's/\"Mara Velden\"/\"\\xff\"/' corpus/service_orders/275870ae25ded96cbd111eca134fb582332cfffc >/tmp/crash-1\n"
    "  prodfuzz explain --corpus corpus/service_orders /tmp/crash-1\n", run};

enum { O_SHAPE = CLI_OPT_FIRST_FREE, O_CORPUS, O_JSON, O_TOP };

typedef struct files {
    char **v;
    size_t n, cap;
} files;

static int push(files *f, const char *s)
{
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 16;
        char **nv = realloc(f->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        f->v = nv;
        f->cap = nc;
    }
    return (f->v[f->n] = strdup(s)) ? (int)f->n++ * 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's regular files (not starting with '.'), sorted. */
static int expand(const char *dir, files *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    files tmp = {0};
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) && rc == 0) {
        if (de->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *p = malloc(n);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p, n, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            rc = push(&tmp, p);
        free(p);
    }
    closedir(d);
    if (tmp.n)
        qsort(tmp.v, tmp.n, sizeof *tmp.v, cmp_str);
    for (size_t i = 0; i < tmp.n; i++) {
        if (rc == 0)
            rc = push(out, tmp.v[i]);
        free(tmp.v[i]);
    }
    free(tmp.v);
    return rc;
}

static void print_text(const char *file, const pf_explanation *e, size_t top, int header)
{
    if (header)
        printf("== %s\n", file);
    size_t shown = top && e->n > top ? top : e->n;
    for (size_t i = 0; i < shown; i++)
        printf("%s: %s\n", e->items[i].cls, e->items[i].text);
    if (!e->n)
        printf("no difference from production found\n");
    if (e->n > 1)
        printf("%zu differences from production, furthest past it first%s\n", e->n,
               shown < e->n ? " (--top 0 lists all)" : "");
    if (e->nearest)
        printf("nearest production document: %s (%zu structural difference%s)\n", e->nearest,
               e->nearest_diffs, e->nearest_diffs == 1 ? "" : "s");
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"shape", required_argument, 0, O_SHAPE},
        {"corpus", required_argument, 0, O_CORPUS},
        {"json", no_argument, 0, O_JSON},
        {"top", required_argument, 0, O_TOP},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_explain;
    const char *shape = NULL, *corpus = NULL;
    uint64_t top = 5;
    int json = 0, c, r;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_SHAPE: shape = optarg; break;
        case O_CORPUS: corpus = optarg; break;
        case O_JSON: json = 1; break;
        case O_TOP:
            if (cli_parse_u64(cmd, "--top", optarg, &top) < 0)
                return EXIT_USAGE;
            break;
        default:
            if ((r = cli_rest_opt(cmd, c, optarg)) != CLI_GO_ON)
                return r;
        }
    }
    if (optind >= argc)
        return cli_usage(cmd, "no reproducer: give CRASHFILE... (files or folders)");
    if (corpus && !pf_fs_is_dir(corpus)) {
        cli_error("--corpus %s: not a folder", corpus);
        return EXIT_USAGE;
    }
    files fl = {0};
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        if (pf_fs_is_dir(argv[i])) {
            if (expand(argv[i], &fl) < 0) {
                cli_error("%s: cannot read the folder", argv[i]);
                rc = EXIT_USAGE;
            }
        } else if (push(&fl, argv[i]) < 0) {
            cli_error("out of memory");
            rc = EXIT_ENV;
        }
    }
    pf_err err = PF_ERR_INIT;
    pf_explainer *x = NULL;
    if (rc == 0 && pf_explainer_open(shape, corpus, &x, &err) < 0)
        rc = cli_fail(&err);
    if (x) {
        pf_buf data = PF_BUF_INIT, js = PF_BUF_INIT;
        if (json)
            pf_buf_adds(&js, "{\"explanations\":[");
        size_t done = 0;
        for (size_t i = 0; i < fl.n; i++) {
            pf_buf_reset(&data);
            pf_err_clear(&err);
            pf_explanation e;
            if (pf_fs_read_file(fl.v[i], (size_t)256 << 20, &data, &err) < 0 ||
                pf_explainer_explain_named(x, fl.v[i], (const uint8_t *)data.data,
                                           data.len, &e, &err) < 0) {
                /* this file's error; the others are still explained */
                int fr = cli_fail(&err);
                if (fr > rc)
                    rc = fr;
                continue;
            }
            if (json) {
                pf_buf_adds(&js, done ? ",{\"file\":" : "{\"file\":");
                pf_buf_add_json_str(&js, fl.v[i], strlen(fl.v[i]));
                pf_buf_adds(&js, ",\"explanation\":");
                pf_explanation_json(&e, &js);
                pf_buf_addc(&js, '}');
            } else {
                print_text(fl.v[i], &e, (size_t)top, fl.n > 1);
            }
            done++;
            pf_explanation_free(&e);
        }
        if (json) {
            pf_buf_adds(&js, "]}\n");
            if (pf_buf_ok(&js, &err) == 0)
                fwrite(js.data, 1, js.len, stdout);
            else
                rc = cli_fail(&err);
        }
        pf_buf_free(&data);
        pf_buf_free(&js);
        pf_explainer_close(x);
    }
    for (size_t i = 0; i < fl.n; i++)
        free(fl.v[i]);
    free(fl.v);
    if (fflush(stdout) != 0 && rc == 0) {
        cli_error("cannot write the output");
        rc = EXIT_ENV;
    }
    return rc;
}
