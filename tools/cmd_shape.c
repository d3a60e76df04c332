/*
 * prodfuzz shape: learn what production data looks like, per JSON path.
 *
 * Four modes over one library module (src/pf_shape.c):
 *   shape INPUT... [-o PROFILE] [--dict FILE]   build a profile
 *   shape --merge A B... -o PROFILE             exact merge of profiles
 *   shape --show PROFILE                        a summary for people
 *   shape --diff OLD NEW                        drift; exit 1 beyond limits
 * Profiles copy values (examples, enum values, the dictionary), so building
 * one refuses input that is not a corpus anonymize wrote, unless --raw-ok.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "cli.h"
#include "pf_anon.h"
#include "pf_buf.h"
#include "pf_corpus.h"
#include "pf_docs.h"
#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_shape.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_shape = {"shape", "learn the shape of production data per JSON path",
    "usage: prodfuzz shape INPUT... [-o PROFILE] [--dict FILE] [options]\n"
    "       prodfuzz shape --merge A.json B.json... -o PROFILE [--dict FILE]\n"
    "       prodfuzz shape --show PROFILE [--json] [--policy FILE [--table T]]\n"
    "       prodfuzz shape --diff OLD.json NEW.json [--json] [thresholds]\n"
    "\n"
    "Reads documents (corpus folders, JSONL files, single JSON files, '-' for\n"
    "JSONL on stdin) and writes a shape profile: per JSON path, presence,\n"
    "types, null counts, string lengths (min/max/p99), formats and character\n"
    "classes, number ranges with digits and decimals as written, array\n"
    "lengths, object keys, enums and rare legacy variants. The format is in\n"
    "docs/shape.md. Outputs are written atomically.\n"
    "\n"
    "A corpus folder is profiled only when it holds what sampling wrote: the\n"
    "documents its manifest lists. A folder of one corpus per table (sample\n"
    "of several tables) gives one profile per table: -o FOLDER receives\n"
    "TABLE.shape.json (and --dict FOLDER, TABLE.dict).\n"
    "\n"
    "Building:\n"
    "  -o, --output FILE     the profile (default: standard output)\n"
    "  --dict FILE           also write a libFuzzer/AFL++ dictionary\n"
    "  --include-unlisted    also profile documents a corpus folder's manifest\n"
    "                        does not list (a fuzzer's inputs, hand-made files;\n"
    "                        default: refused, exit 2); the profile records how\n"
    "                        many (\"unlisted_documents\", shown by --show)\n"
    "  --raw-ok              accept input that is not an anonymized corpus\n"
    "                        (JSONL files, stdin, folders without a manifest\n"
    "                        saying \"anonymized\"): the profile copies values\n"
    "  --max-examples N      examples kept per path (3)\n"
    "  --enum-cap N          distinct values beyond which a path is not an\n"
    "                        enum (32)\n"
    "  --rare-cutoff F       share of documents under which a type, key,\n"
    "                        format or value is rare (0.01)\n"
    "  --max-keys N          distinct keys under one object path before it\n"
    "                        is folded into {*} (1000)\n"
    "  --max-doc-size SIZE   longest document read (256M)\n"
    "  --jsonl               read every plain file as JSONL\n"
    "\n"
    "Diff thresholds (exit 1 when more drift items than --max-drift count):\n"
    "  --min-share F         ignore new paths, types and nulls seen in fewer\n"
    "                        than F of the new documents (paths gone: of the\n"
    "                        old); 0: everything counts. Length and number\n"
    "                        drift always counts unless ignored\n"
    "  --len-slack F         lengths up to old max * (1 + F) are not drift (0)\n"
    "  --ignore CLASSES      comma list of path,removed,type,null,length,\n"
    "                        number to report but not count\n"
    "  --max-drift N         drift items tolerated (0)\n"
    "  --json                print data (show, diff) as JSON\n"
    "\n"
    "Showing an anonymized profile: a number path the policy does not keep\n"
    "holds the scrambled values' range, not production's; --show says so.\n"
    "  --policy FILE         the policy the corpus was anonymized with: each\n"
    "                        number path is marked kept (real range) or\n"
    "                        scrambled\n"
    "  --table T             the table whose rules apply (rules naming a table)\n"
    "\n"
    "Exit: 0 ok (diff: no drift beyond thresholds), 1 drift, 2 bad option or\n"
    "input (unreadable file, not a profile, input not anonymized, documents\n"
    "the corpus manifest does not list), 3 I/O.\n"
    "Invalid documents are counted in the profile, not an error.\n"
    "\n"
    "Examples:\n"
    "  printf '{\"a\":1}\\n{\"a\":null}\\n' > /tmp/ex.jsonl\n"
    "  prodfuzz shape --raw-ok /tmp/ex.jsonl -o /tmp/shape.json --dict /tmp/shape.dict\n"
    "  prodfuzz shape --show /tmp/shape.json\n"
    "  prodfuzz shape --merge /tmp/shape.json /tmp/shape.json -o /tmp/all.json\n"
    "  prodfuzz shape --diff /tmp/shape.json /tmp/all.json\n", run};

enum {
    O_DICT = CLI_OPT_FIRST_FREE, O_RAW_OK, O_MAX_EX, O_ENUM_CAP, O_RARE, O_MAX_KEYS,
    O_MAX_DOC, O_JSONL, O_SHOW, O_MERGE, O_DIFF, O_JSON, O_MIN_SHARE, O_LEN_SLACK,
    O_IGNORE, O_MAX_DRIFT, O_INCLUDE_UNLISTED, O_POLICY, O_TABLE
};

/* ---- input checks --------------------------------------------------------- */

/* What the checks learned about each input, for the build. */
typedef struct input_info {
    pf_corpus_listing l; /* a folder whose manifest lists its documents */
    int checked;         /* l is filled: verify each document's content */
    int all_unlisted;    /* a JSONL file changed since sampling wrote it */
} input_info;

/* The per-table entry of a JSONL file's folder that names it, if any:
 * 1 found (sha1 set, anonymized from the folder's manifest), 0 none. */
static int jsonl_entry(const char *file, char sha1[41], int *anonymized, pf_err *e)
{
    char *dir = strdup(file);
    if (!dir)
        return pf_err_set(e, PF_E_NOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : file;
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    pf_corpus_listing l;
    int found = 0;
    if (pf_corpus_listing_manifest(dir, &l, e) == 0) {
        for (size_t i = 0; i < l.ntables && !found; i++)
            if (l.tables[i].jsonl && !strcmp(l.tables[i].path, base)) {
                memcpy(sha1, l.tables[i].sha1, 41);
                found = 1;
            }
        pf_corpus_listing_free(&l);
        if (found) {
            pf_manifest m;
            if (pf_manifest_read(dir, &m, e) < 0)
                found = -1;
            else
                *anonymized = m.anonymized;
            pf_manifest_free(&m);
        }
    } else {
        pf_err_clear(e); /* not a prodfuzz folder: the file stands alone */
    }
    free(dir);
    return found;
}

static void say_unlisted(const char *what, uint64_t n, const char *example)
{
    cli_error("%s holds %llu document%s its manifest does not list (such as %s): files "
              "a fuzzer or a person added after sampling (libFuzzer writes new inputs "
              "into the first folder it is given). A profile of them would take the "
              "fuzzer's mutants for production's shape. Move them out (give libFuzzer a "
              "working folder first and this corpus after it, as read-only seeds), or "
              "pass --include-unlisted to profile them too (the profile records how many)",
              what, (unsigned long long)n, n == 1 ? "" : "s", example);
}

static int check_inputs(char **in, int n, int raw_ok, int include_unlisted,
                        input_info *info, uint64_t *unlisted)
{
    const char *first = NULL; /* the first anonymized corpus */
    pf_manifest first_m;
    pf_manifest_init(&first_m, "");
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (!strcmp(in[i], "-")) {
            if (!raw_ok) {
                cli_error("standard input is not an anonymized corpus: a profile copies "
                          "values (examples, enums, dictionary); anonymize first "
                          "('prodfuzz anonymize') or pass --raw-ok");
                rc = EXIT_USAGE;
            }
            continue;
        }
        struct stat st;
        if (stat(in[i], &st) != 0) {
            pf_err e = PF_ERR_INIT;
            pf_err_errno(&e, errno, "cannot read input %s", in[i]);
            e.code = PF_E_INPUT;
            rc = cli_fail(&e);
            break;
        }
        pf_err e = PF_ERR_INIT;
        if (!S_ISDIR(st.st_mode)) {
            /* a JSONL file of a per-table output: its folder's manifest
             * has its SHA-1, so it is known to be what sampling wrote */
            char sha1[41] = "", h[41];
            int anon = 0;
            int found = jsonl_entry(in[i], sha1, &anon, &e);
            if (found < 0) {
                rc = cli_fail(&e);
                break;
            }
            if (found && sha1[0]) {
                if (pf_sha1_file_hex(in[i], h, &e) < 0) {
                    rc = cli_fail(&e);
                    break;
                }
                if (strcmp(h, sha1)) {
                    if (!include_unlisted) {
                        cli_error("%s changed since sampling wrote it (its SHA-1 is not the "
                                  "one its folder's manifest records): profile only what "
                                  "sampling wrote, or pass --include-unlisted to profile it "
                                  "anyway (the profile records its documents as unlisted)",
                                  in[i]);
                        rc = EXIT_USAGE;
                        break;
                    }
                    info[i].all_unlisted = 1;
                }
                if (anon)
                    continue;
            }
            if (raw_ok)
                continue;
            /* a JSONL file carries no record of how it was made, even
             * when 'prodfuzz anonymize -o x.jsonl' wrote it: say how to
             * get one that does, not "anonymize it" again */
            cli_error("%s is a plain file, not an anonymized corpus folder: a profile "
                      "copies values (examples, enums, dictionary), and a plain file "
                      "carries no record that it was anonymized; write a folder, which "
                      "does ('prodfuzz anonymize IN -o DIR/', 'prodfuzz sample --out DIR', "
                      "or --out DIR --format jsonl), or pass --raw-ok if it holds no "
                      "personal data", in[i]);
            rc = EXIT_USAGE;
            break;
        }
        pf_corpus_listing *l = &info[i].l;
        if (pf_corpus_listing_read(in[i], l, &e) < 0) {
            rc = cli_fail(&e);
            break;
        }
        if (l->per_table) {
            cli_error("%s holds one corpus per table (%s/%s, ...): profile it alone (one "
                      "profile per table into -o FOLDER) or give one table's corpus",
                      in[i], in[i], l->ntables ? l->tables[0].path : "TABLE");
            rc = EXIT_USAGE;
            break;
        }
        if (!l->manifest) {
            if (raw_ok) {
                cli_warn("%s has no manifest (%s): nothing guarantees its documents are "
                         "production data", in[i], PF_MANIFEST_REL);
                continue;
            }
        } else if (l->listed) {
            if (l->unlisted && !include_unlisted) {
                say_unlisted(in[i], l->unlisted, l->first_unlisted);
                rc = EXIT_USAGE;
                break;
            }
            *unlisted += l->unlisted;
            info[i].checked = 1;
            if (l->missing)
                cli_warn("%s: %llu document%s its manifest lists %s missing (deleted after "
                         "sampling?)", in[i], (unsigned long long)l->missing,
                         l->missing == 1 ? "" : "s", l->missing == 1 ? "is" : "are");
        } else {
            cli_warn("%s: its manifest lists no documents (written by an older prodfuzz or "
                     "not by sample/anonymize): nothing tells production documents from "
                     "others", in[i]);
        }
        if (raw_ok)
            continue;
        pf_manifest m;
        int found = pf_manifest_read(in[i], &m, &e);
        if (found < 0) {
            rc = cli_fail(&e);
        } else if (!found || !m.anonymized) {
            cli_error("%s is not an anonymized corpus (its %s is missing or does not "
                      "say \"anonymized\"): a profile copies values (examples, enums, "
                      "dictionary); anonymize it first ('prodfuzz anonymize') or pass "
                      "--raw-ok", in[i], PF_MANIFEST_REL);
            rc = EXIT_USAGE;
        } else if (!first) {
            first = in[i];
            first_m = m;
            pf_buf_init(&m.body); /* moved into first_m */
            pf_buf_init(&m.corpora);
        } else if (pf_manifest_check_join(&first_m, first, &m, in[i], &e) < 0) {
            rc = cli_fail(&e);
        }
        pf_manifest_free(&m);
    }
    pf_manifest_free(&first_m);
    return rc;
}

/* ---- writing outputs ------------------------------------------------------ */

static int write_out(const char *path, const pf_buf *b)
{
    pf_err e = PF_ERR_INIT;
    if (!path || !strcmp(path, "-")) {
        if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
            pf_err_errno(&e, errno, "cannot write standard output");
            return cli_fail(&e);
        }
        return 0;
    }
    if (pf_fs_write_atomic(path, b->data, b->len, 0644, &e) < 0)
        return cli_fail(&e);
    return 0;
}

static int finish(pf_shape_builder *b, const char *out, const char *dict)
{
    pf_err e = PF_ERR_INIT;
    pf_buf t = PF_BUF_INIT;
    int rc = 0;
    if (dict) {
        if (pf_shape_builder_dict(b, &t, &e) < 0)
            rc = cli_fail(&e);
        else
            rc = write_out(dict, &t);
    }
    if (!rc) {
        if (pf_shape_builder_write(b, &t, &e) < 0)
            rc = cli_fail(&e);
        else
            rc = write_out(out, &t);
    }
    pf_buf_free(&t);
    return rc;
}

/* ---- build ---------------------------------------------------------------- */

/* Is any input a corpus folder whose manifest says anonymized? Then a
 * number path the policy did not keep holds scrambled values' range, and
 * the profile says so ("anonymized"). */
static int inputs_anonymized(char **in, int n)
{
    int anon = 0;
    for (int i = 0; i < n && !anon; i++) {
        struct stat st;
        pf_err e = PF_ERR_INIT;
        pf_manifest m;
        if (!strcmp(in[i], "-") || stat(in[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (pf_manifest_read(in[i], &m, &e) == 1) {
                anon = m.anonymized;
                pf_manifest_free(&m);
            }
        } else {
            /* a JSONL file of a per-table output: its folder's manifest */
            char sha1[41] = "";
            int a = 0;
            if (jsonl_entry(in[i], sha1, &a, &e) == 1)
                anon = a;
        }
    }
    return anon;
}

/* A document of a listed folder must still be what sampling wrote: its
 * SHA-1 is its name. 1 listed and intact, 0 not (unlisted), -1 error. */
static int doc_listed(const input_info *ii, const char *origin, const char *doc, size_t len,
                      pf_err *e)
{
    const char *name = strrchr(origin, '/');
    name = name ? name + 1 : origin;
    if (!pf_corpus_listing_has(&ii->l, name))
        return 0;
    char h[41];
    if (pf_sha1_hex(doc, len, h, e) < 0)
        return -1;
    return strcmp(h, name) == 0;
}

static int build(char **in, int n, const pf_shape_opts *o, size_t max_doc, int jsonl,
                 const char *out, const char *dict, const input_info *info,
                 int include_unlisted, uint64_t unlisted)
{
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(o, &e);
    if (!b)
        return cli_fail(&e);
    pf_shape_builder_set_anonymized(b, inputs_anonymized(in, n));
    pf_shape_builder_add_unlisted(b, unlisted);
    pf_docs d;
    if (pf_docs_open(&d, in, (size_t)n, max_doc, &e) < 0) {
        pf_shape_builder_free(b);
        return cli_fail(&e);
    }
    d.force_jsonl = jsonl;
    const char *doc;
    size_t len;
    int r, rc = 0;
    uint64_t seen = 0;
    double t0 = cli_now();
    while ((r = pf_docs_next(&d, &doc, &len, &e)) != 0) {
        if (r < 0) {
            /* a bad JSONL line, or a folder file too large or unreadable,
             * is an invalid document; a read error of the stream is not */
            if ((d.mode == 1 && !d.jl.io_error) || (d.mode == 2 && e.code == PF_E_INPUT)) {
                const char *org = pf_docs_origin(&d), *why = e.msg;
                size_t ol = strlen(org);
                if (!strncmp(why, org, ol) && why[ol] == ':' && why[ol + 1] == ' ')
                    why += ol + 2; /* the message names the file already */
                /* a JSONL error names file and line; the origin is stale */
                pf_shape_add_invalid(b, d.mode == 1 ? NULL : org, why);
                pf_err_clear(&e);
                continue;
            }
            rc = cli_fail(&e);
            break;
        }
        /* d.cur is the input being read while in a folder or JSONL file */
        if (d.cur < (size_t)n && ((d.mode == 2 && info[d.cur].checked) ||
                                  (d.mode == 1 && info[d.cur].all_unlisted))) {
            int ok = info[d.cur].all_unlisted ? 0
                                              : doc_listed(&info[d.cur], pf_docs_origin(&d),
                                                           doc, len, &e);
            if (ok < 0) {
                rc = cli_fail(&e);
                break;
            }
            /* unlisted names were counted by the check; here the listed
             * names whose content changed, and changed JSONL files */
            if (!ok && (info[d.cur].all_unlisted ||
                        pf_corpus_listing_has(&info[d.cur].l,
                                              strrchr(pf_docs_origin(&d), '/') + 1))) {
                if (!include_unlisted) {
                    cli_error("%s changed after sampling wrote it (its content no longer "
                              "has the SHA-1 its name and manifest record): profile only "
                              "what sampling wrote, or pass --include-unlisted",
                              pf_docs_origin(&d));
                    rc = EXIT_USAGE;
                    break;
                }
                pf_shape_builder_add_unlisted(b, 1);
            }
        }
        if (pf_shape_add_doc(b, doc, len, pf_docs_origin(&d), &e) < 0) {
            rc = cli_fail(&e);
            break;
        }
        if ((++seen & 1023) == 0)
            cli_progress("shape: %llu documents", (unsigned long long)seen);
    }
    cli_progress_done();
    pf_docs_close(&d);
    if (!rc && pf_shape_builder_documents(b) == 0) {
        if (pf_shape_builder_invalid(b))
            cli_error("no valid JSON document in the input (%llu invalid)",
                      (unsigned long long)pf_shape_builder_invalid(b));
        else
            cli_error("no documents in the input: nothing to profile (a corpus sampled "
                      "from an empty table, or one no row matched, is empty)");
        rc = EXIT_USAGE;
    }
    if (!rc)
        rc = finish(b, out, dict);
    if (!rc) {
        uint64_t inv = pf_shape_builder_invalid(b);
        if (pf_shape_builder_unlisted(b))
            cli_warn("%llu of the documents are not listed in their corpus manifest "
                     "(--include-unlisted): the profile says so (\"unlisted_documents\")",
                     (unsigned long long)pf_shape_builder_unlisted(b));
        cli_info("profiled %llu documents%s in %.1f s -> %s",
                 (unsigned long long)pf_shape_builder_documents(b),
                 inv ? " (some invalid: see \"invalid_at\" in the profile)" : "",
                 cli_now() - t0, out ? out : "standard output");
        if (inv)
            cli_warn("%llu invalid documents counted, not profiled", (unsigned long long)inv);
    }
    pf_shape_builder_free(b);
    return rc;
}

/* shape DIR, where DIR holds one corpus (or JSONL file) per table: one
 * profile per table, OUT/TABLE.shape.json (and DICT/TABLE.dict). Every
 * table is checked before any profile is written. */
static int build_tables(const char *dir, const pf_shape_opts *so, size_t max_doc, int jsonl,
                        const char *out, const char *dict, int raw_ok, int include_unlisted)
{
    pf_err e = PF_ERR_INIT;
    pf_corpus_listing l;
    if (pf_corpus_listing_manifest(dir, &l, &e) < 0)
        return cli_fail(&e);
    if (!out || !strcmp(out, "-")) {
        cli_error("%s holds one corpus per table (%s/%s, ...): give -o FOLDER for one "
                  "profile per table (FOLDER/TABLE.shape.json), or profile one table's "
                  "corpus", dir, dir, l.ntables ? l.tables[0].path : "TABLE");
        pf_corpus_listing_free(&l);
        return EXIT_USAGE;
    }
    size_t nt = l.ntables;
    char **child = calloc(nt ? nt : 1, sizeof *child);
    input_info *info = calloc(nt ? nt : 1, sizeof *info);
    uint64_t *unl = calloc(nt ? nt : 1, sizeof *unl);
    int rc = 0;
    if (!child || !info || !unl) {
        pf_err_set(&e, PF_E_NOMEM, "out of memory");
        rc = cli_fail(&e);
    }
    for (size_t i = 0; i < nt && !rc; i++) {
        pf_buf p = PF_BUF_INIT;
        pf_buf_addf(&p, "%s/%s", dir, l.tables[i].path);
        child[i] = pf_buf_detach(&p, NULL);
        if (!child[i]) {
            pf_err_set(&e, PF_E_NOMEM, "out of memory");
            rc = cli_fail(&e);
            break;
        }
        rc = check_inputs(&child[i], 1, raw_ok, include_unlisted, &info[i], &unl[i]);
    }
    if (!rc && (pf_fs_mkdirs(out, 0755, &e) < 0 || (dict && pf_fs_mkdirs(dict, 0755, &e) < 0)))
        rc = cli_fail(&e);
    size_t skipped = 0;
    for (size_t i = 0; i < nt && !rc; i++) {
        /* an empty table (production has them, and a --where may match no
         * row) has no shape: it gets no profile, and the other tables
         * still get theirs */
        if (l.tables[i].documents == 0) {
            cli_warn("%s/%s: table %s has no documents (an empty table, or no row "
                     "matched): no profile for it", dir, l.tables[i].path,
                     l.tables[i].table);
            skipped++;
            continue;
        }
        char base[256];
        snprintf(base, sizeof base, "%s", l.tables[i].path);
        size_t bl = strlen(base);
        if (l.tables[i].jsonl && bl > 6 && !strcmp(base + bl - 6, ".jsonl"))
            base[bl - 6] = '\0';
        pf_buf po = PF_BUF_INIT, pd = PF_BUF_INIT;
        pf_buf_addf(&po, "%s/%s.shape.json", out, base);
        if (dict)
            pf_buf_addf(&pd, "%s/%s.dict", dict, base);
        if (pf_buf_ok(&po, &e) < 0 || pf_buf_ok(&pd, &e) < 0)
            rc = cli_fail(&e);
        else
            rc = build(&child[i], 1, so, max_doc, jsonl, po.data, dict ? pd.data : NULL,
                       &info[i], include_unlisted, unl[i]);
        pf_buf_free(&po);
        pf_buf_free(&pd);
    }
    if (!rc && skipped == nt) {
        cli_error("%s: no table has documents: nothing to profile", dir);
        rc = EXIT_USAGE;
    } else if (!rc && skipped) {
        cli_info("one profile per table (%zu) in %s; %zu empty table%s skipped", nt - skipped,
                 out, skipped, skipped == 1 ? "" : "s");
    } else if (!rc) {
        cli_info("one profile per table (%zu) in %s", nt, out);
    }
    for (size_t i = 0; i < nt; i++) {
        if (child)
            free(child[i]);
        if (info)
            pf_corpus_listing_free(&info[i].l);
    }
    free(child);
    free(info);
    free(unl);
    pf_corpus_listing_free(&l);
    return rc;
}

static int merge(char **in, int n, const char *out, const char *dict)
{
    pf_err e = PF_ERR_INIT;
    pf_shape_opts o;
    if (pf_shape_opts_from_file(in[0], &o, &e) < 0)
        return cli_fail(&e);
    pf_shape_builder *b = pf_shape_builder_new(&o, &e);
    if (!b)
        return cli_fail(&e);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        if (pf_shape_builder_merge_file(b, in[i], &e) < 0)
            rc = cli_fail(&e);
    if (!rc)
        rc = finish(b, out, dict);
    pf_shape_builder_free(b);
    return rc;
}

/* ---- show ----------------------------------------------------------------- */

static const char *tnames[7] = {"null", "bool", "int", "float", "string", "object", "array"};

static double pct(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0; }

/* Length of the parent of a member path ("$.a.b" -> 3), 0 when the last
 * segment is not an object key ([*], {*}, or the root). */
static size_t key_parent_len(const char *p)
{
    size_t i = 1, last = 0, n = strlen(p);
    int key = 0;
    while (i < n) {
        last = i;
        if (p[i] == '.') {
            i++;
            while (i < n && p[i] != '.' && p[i] != '[' && p[i] != '{')
                i++;
            key = 1;
        } else if (p[i] == '[' && i + 1 < n && p[i + 1] == '"') {
            i += 2;
            while (i < n && p[i] != '"')
                i += p[i] == '\\' ? 2 : 1;
            i += 2;
            key = 1;
        } else {
            i += 3; /* [*] or {*} */
            key = 0;
        }
    }
    return key ? last : 0;
}

/* Whose range a number path shows: "input" (not anonymized), "kept"
 * (anonymized, the policy keeps the path: production's real range),
 * "scrambled" (the policy transforms it: the scrambled values' range) or
 * "unknown" (anonymized, no policy given). */
static const char *range_source(const pf_shape *s, const pf_policy *pol, const char *table,
                                const char *path, const char **action)
{
    *action = NULL;
    if (!pf_shape_anonymized(s))
        return "input";
    if (!pol)
        return "unknown";
    *action = pf_policy_action_at(pol, table, path);
    return !strcmp(*action, "keep") ? "kept" : "scrambled";
}

static int show(const char *path, int json, const char *polpath, const char *table)
{
    pf_err e = PF_ERR_INIT;
    pf_shape *s;
    pf_policy *pol = NULL;
    if (polpath && pf_policy_load(polpath, &pol, &e) < 0)
        return cli_fail(&e);
    if (pf_shape_load(path, &s, &e) < 0) {
        pf_policy_free(pol);
        return cli_fail(&e);
    }
    uint64_t docs = pf_shape_documents(s);
    int anon = pf_shape_anonymized(s);
    const char *act;
    pf_buf o = PF_BUF_INIT;
    if (json) {
        pf_buf_addf(&o, "{\"documents\": %llu, \"invalid\": %llu, \"unlisted_documents\": "
                    "%llu, \"max_depth\": %d, \"max_bytes\": %llu, \"anonymized\": %s, "
                    "\"paths\": [",
                    (unsigned long long)docs, (unsigned long long)pf_shape_invalid(s),
                    (unsigned long long)pf_shape_unlisted(s),
                    pf_shape_max_depth(s), (unsigned long long)pf_shape_max_bytes(s),
                    anon ? "true" : "false");
        for (size_t i = 0; i < pf_shape_npaths(s); i++) {
            const pf_shape_path *p = pf_shape_at(s, i);
            pf_buf_adds(&o, i ? ",\n  {\"path\": " : "\n  {\"path\": ");
            pf_buf_add_json_str(&o, p->path, strlen(p->path));
            pf_buf_addf(&o, ", \"count\": %llu, \"nulls\": %llu, \"rare\": %zu, \"enum\": %zu",
                        (unsigned long long)p->count, (unsigned long long)p->types[PF_J_NULL],
                        p->nrare, p->nenum);
            if (p->has_number)
                pf_buf_addf(&o, ", \"number_range\": \"%s\"",
                            range_source(s, pol, table, p->path, &act));
            pf_buf_addc(&o, '}');
        }
        pf_buf_adds(&o, "]}\n");
    } else {
        pf_buf_addf(&o, "%s: %llu documents, %llu invalid, %zu paths, max depth %d, "
                    "largest document %llu bytes\n",
                    path, (unsigned long long)docs, (unsigned long long)pf_shape_invalid(s),
                    pf_shape_npaths(s), pf_shape_max_depth(s),
                    (unsigned long long)pf_shape_max_bytes(s));
        if (pf_shape_unlisted(s))
            pf_buf_addf(&o, "not production data alone: %llu of the documents are not listed "
                        "in their corpus manifest (profiled with --include-unlisted: a "
                        "fuzzer's inputs or hand-made files)\n",
                        (unsigned long long)pf_shape_unlisted(s));
        if (anon)
            pf_buf_adds(&o, "anonymized corpus: a number path the policy does not keep shows "
                        "the range of its scrambled\nvalues, not production's (ids 1..412 can "
                        "read 1..999). Keep numbers that are not\npersonal (measures, amounts, "
                        "counts) in the policy to keep their real ranges;\n`prodfuzz policy "
                        "init` suggests it. docs/shape.md, \"Ranges of anonymized numbers\".\n");
        for (size_t i = 0; i < pf_shape_npaths(s); i++) {
            const pf_shape_path *p = pf_shape_at(s, i);
            pf_buf_addf(&o, "\n%s  in %llu docs (%.1f%%)", p->path,
                        (unsigned long long)p->count, pct(p->count, docs));
            size_t pl = key_parent_len(p->path);
            if (pl) {
                char *par = strndup(p->path, pl);
                const pf_shape_path *q = par ? pf_shape_find(s, par) : NULL;
                uint64_t objs = q ? q->types[PF_J_OBJECT] : 0;
                if (objs > p->count)
                    pf_buf_addf(&o, ", missing in %llu of %llu docs with %s",
                                (unsigned long long)(objs - p->count),
                                (unsigned long long)objs, par);
                free(par);
            }
            pf_buf_adds(&o, "\n  types:");
            for (int k = 0; k < 7; k++)
                if (p->types[k])
                    pf_buf_addf(&o, " %s %.1f%%", tnames[k], pct(p->types[k], p->count));
            pf_buf_addc(&o, '\n');
            if (p->has_string) {
                pf_buf_addf(&o, "  string length: min %llu, p99 %llu, max %llu",
                            (unsigned long long)p->str_min_len,
                            (unsigned long long)p->str_p99_len,
                            (unsigned long long)p->str_max_len);
                const char *fn[16];
                uint64_t fc[16];
                size_t nf = pf_shape_formats(s, p, fn, fc, 16);
                for (size_t f = 0; f < nf; f++)
                    pf_buf_addf(&o, "%s%s %.1f%%", f ? ", " : "; formats: ", fn[f],
                                pct(fc[f], p->types[PF_J_STRING]));
                pf_buf_addc(&o, '\n');
            }
            if (p->has_number) {
                pf_buf_addf(&o, "  numbers: %s .. %s, up to %d digits and %d decimals",
                            p->num_min_text, p->num_max_text, p->max_digits, p->max_decimals);
                const char *src = range_source(s, pol, table, p->path, &act);
                if (!strcmp(src, "kept"))
                    pf_buf_adds(&o, " (kept by the policy: production's real range)");
                else if (!strcmp(src, "scrambled"))
                    pf_buf_addf(&o, " (the scrambled values' range, not production's: "
                                "the policy's action here is %s)", act);
                else if (!strcmp(src, "unknown"))
                    pf_buf_adds(&o, " (anonymized: the scrambled values' range unless the "
                                "policy keeps this path; --policy FILE tells)");
                pf_buf_addc(&o, '\n');
            }
            if (p->has_array)
                pf_buf_addf(&o, "  array length: %llu .. %llu\n",
                            (unsigned long long)p->arr_min_len,
                            (unsigned long long)p->arr_max_len);
            if (p->nenum) {
                pf_buf_adds(&o, "  enum:");
                for (size_t k = 0; k < p->nenum; k++)
                    pf_buf_addf(&o, " %s", p->enum_values[k]);
                pf_buf_addc(&o, '\n');
            }
            for (size_t k = 0; k < p->nrare; k++) {
                const pf_shape_rare *r = &p->rare[k];
                pf_buf_addf(&o, "  rare %s %s in %llu docs", r->kind, r->what,
                            (unsigned long long)r->count);
                if (r->example)
                    pf_buf_addf(&o, ", e.g. %s", r->example);
                pf_buf_addc(&o, '\n');
            }
        }
    }
    int rc = pf_buf_ok(&o, &e) < 0 ? cli_fail(&e) : write_out(NULL, &o);
    pf_buf_free(&o);
    pf_shape_free(s);
    pf_policy_free(pol);
    return rc;
}

/* ---- diff ----------------------------------------------------------------- */

typedef struct diffopt {
    double min_share, len_slack;
    uint64_t max_drift;
    unsigned ignore; /* bit per class */
    int json;
} diffopt;

static const char *dclass[] = {"path", "removed", "type", "null", "length", "number"};
enum { D_PATH, D_REMOVED, D_TYPE, D_NULL, D_LENGTH, D_NUMBER, ND };

typedef struct diffst {
    const diffopt *o;
    uint64_t docs; /* new documents */
    uint64_t old_docs;
    uint64_t counted, total;
    pf_buf out;
    int first;
} diffst;

static void drift(diffst *d, int cls, const char *path, uint64_t docs, const char *held,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* What the document count of a drift item counted, in words: for paths,
 * types and nulls the documents that show the change; for lengths and
 * ranges only the documents holding such a value at the path (a profile
 * keeps the extremes, not how many values went past them). */
static void counted(pf_buf *o, int cls, uint64_t docs, uint64_t base, const char *held)
{
    unsigned long long n = (unsigned long long)docs, b = (unsigned long long)base;
    switch (cls) {
    case D_PATH:
        pf_buf_addf(o, "present in %llu of %llu new documents", n, b);
        break;
    case D_REMOVED:
        pf_buf_addf(o, "was in %llu of %llu old documents, in no new one", n, b);
        break;
    case D_TYPE:
        pf_buf_addf(o, "%llu of %llu new documents have type %s here", n, b, held);
        break;
    case D_NULL:
        pf_buf_addf(o, "null in %llu of %llu new documents", n, b);
        break;
    default:
        pf_buf_addf(o, "%llu of %llu new documents hold %s here; how many of them went "
                    "past is not counted", n, b, held);
    }
}

static void drift(diffst *d, int cls, const char *path, uint64_t docs, const char *held,
                  const char *fmt, ...)
{
    uint64_t base = cls == D_REMOVED ? d->old_docs : d->docs;
    double share = base ? (double)docs / (double)base : 0;
    /* a profile keeps exact document counts for paths, types and nulls;
     * for lengths and ranges it knows only that some value went past */
    int exact = cls != D_LENGTH && cls != D_NUMBER;
    int counts = !((d->o->ignore >> cls) & 1u) && (!exact || share >= d->o->min_share);
    d->total++;
    d->counted += counts;
    pf_buf msg = PF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pf_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    pf_buf what = PF_BUF_INIT;
    counted(&what, cls, docs, base, held);
    if (d->o->json) {
        pf_buf_adds(&d->out, d->first ? "\n  {\"class\": \"" : ",\n  {\"class\": \"");
        pf_buf_adds(&d->out, dclass[cls]);
        pf_buf_adds(&d->out, "\", \"path\": ");
        pf_buf_add_json_str(&d->out, path, strlen(path));
        pf_buf_addf(&d->out, ", \"documents\": %llu, \"counts\": %s, \"detail\": ",
                    (unsigned long long)docs, counts ? "true" : "false");
        pf_buf_add_json_str(&d->out, msg.data ? msg.data : "", msg.len);
        pf_buf_adds(&d->out, ", \"documents_counted\": ");
        pf_buf_add_json_str(&d->out, what.data ? what.data : "", what.len);
        pf_buf_adds(&d->out, "}");
    } else {
        pf_buf_addf(&d->out, "%s %-7s %s: %s (%s)\n", counts ? "drift" : "note ",
                    dclass[cls], path, pf_buf_str(&msg), pf_buf_str(&what));
    }
    d->first = 0;
    pf_buf_free(&msg);
    pf_buf_free(&what);
}

static int diff(const char *a, const char *b, const diffopt *o)
{
    pf_err e = PF_ERR_INIT;
    pf_shape *old = NULL, *nw = NULL;
    if (pf_shape_load(a, &old, &e) < 0)
        return cli_fail(&e);
    if (pf_shape_load(b, &nw, &e) < 0) {
        pf_shape_free(old);
        return cli_fail(&e);
    }
    diffst d = {o, pf_shape_documents(nw), pf_shape_documents(old), 0, 0, PF_BUF_INIT, 1};
    if (o->json)
        pf_buf_adds(&d.out, "{\"drift\": [");
    for (size_t i = 0; i < pf_shape_npaths(nw); i++) {
        const pf_shape_path *p = pf_shape_at(nw, i);
        const pf_shape_path *q = pf_shape_find(old, p->path);
        if (!q) {
            drift(&d, D_PATH, p->path, p->count, NULL, "new path");
            continue;
        }
        for (int k = 0; k < 7; k++)
            if (p->types[k] && !q->types[k]) {
                if (k == PF_J_NULL)
                    drift(&d, D_NULL, p->path, p->types[k], NULL, "null, never null before");
                else
                    drift(&d, D_TYPE, p->path, p->types[k], tnames[k], "new type %s",
                          tnames[k]);
            }
        double slack = 1.0 + o->len_slack;
        if (p->has_string && q->has_string &&
            (double)p->str_max_len > (double)q->str_max_len * slack)
            drift(&d, D_LENGTH, p->path, p->types[PF_J_STRING], "a string",
                  "string length %llu past the old max %llu",
                  (unsigned long long)p->str_max_len, (unsigned long long)q->str_max_len);
        if (p->has_array && q->has_array &&
            (double)p->arr_max_len > (double)q->arr_max_len * slack)
            drift(&d, D_LENGTH, p->path, p->types[PF_J_ARRAY], "an array",
                  "array length %llu past the old max %llu",
                  (unsigned long long)p->arr_max_len, (unsigned long long)q->arr_max_len);
        if (p->has_number && q->has_number) {
            uint64_t nd = p->types[PF_J_INT] + p->types[PF_J_FLOAT];
            if (nd > p->count) /* an array path can hold both in one document */
                nd = p->count;
            if (p->num_max > q->num_max || p->num_min < q->num_min)
                drift(&d, D_NUMBER, p->path, nd, "a number", "range %s..%s outside the old %s..%s",
                      p->num_min_text, p->num_max_text, q->num_min_text, q->num_max_text);
            else if (p->max_digits > q->max_digits || p->max_decimals > q->max_decimals)
                drift(&d, D_NUMBER, p->path, nd, "a number",
                      "up to %d digits and %d decimals, old %d and %d", p->max_digits,
                      p->max_decimals, q->max_digits, q->max_decimals);
        }
    }
    for (size_t i = 0; i < pf_shape_npaths(old); i++) {
        const pf_shape_path *q = pf_shape_at(old, i);
        if (!pf_shape_find(nw, q->path))
            drift(&d, D_REMOVED, q->path, q->count, NULL, "path gone");
    }
    int fail = d.counted > o->max_drift;
    if (o->json)
        pf_buf_addf(&d.out, "%s], \"items\": %llu, \"counted\": %llu, \"drift\": %s}\n",
                    d.first ? "" : "\n", (unsigned long long)d.total,
                    (unsigned long long)d.counted, fail ? "true" : "false");
    else
        pf_buf_addf(&d.out, "%llu drift items, %llu counted (tolerated: %llu): %s\n",
                    (unsigned long long)d.total, (unsigned long long)d.counted,
                    (unsigned long long)o->max_drift,
                    fail ? "production changed shape" : "no drift beyond thresholds");
    int rc = pf_buf_ok(&d.out, &e) < 0 ? cli_fail(&e) : write_out(NULL, &d.out);
    pf_buf_free(&d.out);
    pf_shape_free(old);
    pf_shape_free(nw);
    return rc ? rc : fail ? EXIT_FINDINGS : 0;
}

/* ---- options -------------------------------------------------------------- */

static int parse_ignore(const char *s, unsigned *mask)
{
    char *dup = strdup(s), *save = NULL;
    if (!dup)
        return -1;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (int c = 0; c < ND; c++)
            if (!strcmp(t, dclass[c])) {
                *mask |= 1u << c;
                found = 1;
            }
        if (!found) {
            cli_usage(&pf_cmd_shape, "--ignore: unknown class '%s' (path, removed, "
                      "type, null, length, number)", t);
            free(dup);
            return -1;
        }
    }
    free(dup);
    return 0;
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"dict", required_argument, 0, O_DICT},
        {"raw-ok", no_argument, 0, O_RAW_OK},
        {"include-unlisted", no_argument, 0, O_INCLUDE_UNLISTED},
        {"max-examples", required_argument, 0, O_MAX_EX},
        {"enum-cap", required_argument, 0, O_ENUM_CAP},
        {"rare-cutoff", required_argument, 0, O_RARE},
        {"max-keys", required_argument, 0, O_MAX_KEYS},
        {"max-doc-size", required_argument, 0, O_MAX_DOC},
        {"jsonl", no_argument, 0, O_JSONL},
        {"show", no_argument, 0, O_SHOW},
        {"merge", no_argument, 0, O_MERGE},
        {"diff", no_argument, 0, O_DIFF},
        {"json", no_argument, 0, O_JSON},
        {"min-share", required_argument, 0, O_MIN_SHARE},
        {"len-slack", required_argument, 0, O_LEN_SLACK},
        {"ignore", required_argument, 0, O_IGNORE},
        {"max-drift", required_argument, 0, O_MAX_DRIFT},
        {"policy", required_argument, 0, O_POLICY},
        {"table", required_argument, 0, O_TABLE},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    const pf_cmd *cmd = &pf_cmd_shape;
    pf_shape_opts so;
    pf_shape_opts_default(&so);
    diffopt dopt = {0, 0, 0, 0, 0};
    const char *out = NULL, *dict = NULL, *polpath = NULL, *table = NULL;
    int raw_ok = 0, jsonl = 0, mode = 0, include_unlisted = 0, c;
    size_t max_doc = 0;
    uint64_t u;
    double f;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_DICT: dict = optarg; break;
        case O_POLICY: polpath = optarg; break;
        case O_TABLE: table = optarg; break;
        case O_RAW_OK: raw_ok = 1; break;
        case O_INCLUDE_UNLISTED: include_unlisted = 1; break;
        case O_JSONL: jsonl = 1; break;
        case O_JSON: dopt.json = 1; break;
        case O_SHOW:
        case O_MERGE:
        case O_DIFF:
            if (mode && mode != c)
                return cli_usage(cmd, "--show, --merge and --diff exclude each other");
            mode = c;
            break;
        case O_MAX_EX:
            if (cli_parse_u64(cmd, "--max-examples", optarg, &u) < 0)
                return EXIT_USAGE;
            if (u > 1000)
                return cli_usage(cmd, "--max-examples is at most 1000");
            so.max_examples = (unsigned)u;
            break;
        case O_ENUM_CAP:
            if (cli_parse_u64(cmd, "--enum-cap", optarg, &u) < 0)
                return EXIT_USAGE;
            if (u > 4096)
                return cli_usage(cmd, "--enum-cap is at most 4096");
            so.enum_cap = (unsigned)u;
            break;
        case O_MAX_KEYS:
            if (cli_parse_u64(cmd, "--max-keys", optarg, &u) < 0)
                return EXIT_USAGE;
            if (u < 1 || u > 100000000)
                return cli_usage(cmd, "--max-keys must be between 1 and 100000000");
            so.max_keys = (unsigned)u;
            break;
        case O_RARE:
            if (cli_parse_double(cmd, "--rare-cutoff", optarg, &f) < 0)
                return EXIT_USAGE;
            if (!(f >= 0 && f <= 1))
                return cli_usage(cmd, "--rare-cutoff must be between 0 and 1");
            so.rare_cutoff = f;
            break;
        case O_MAX_DOC:
            if (cli_parse_size(cmd, "--max-doc-size", optarg, &max_doc) < 0)
                return EXIT_USAGE;
            break;
        case O_MIN_SHARE:
        case O_LEN_SLACK:
            if (cli_parse_double(cmd, c == O_MIN_SHARE ? "--min-share" : "--len-slack",
                                 optarg, &f) < 0)
                return EXIT_USAGE;
            if (!(f >= 0) || (c == O_MIN_SHARE && f > 1))
                return cli_usage(cmd, "%s must be a number from 0%s",
                                 c == O_MIN_SHARE ? "--min-share" : "--len-slack",
                                 c == O_MIN_SHARE ? " to 1" : "");
            if (c == O_MIN_SHARE)
                dopt.min_share = f;
            else
                dopt.len_slack = f;
            break;
        case O_IGNORE:
            if (parse_ignore(optarg, &dopt.ignore) < 0)
                return EXIT_USAGE;
            break;
        case O_MAX_DRIFT:
            if (cli_parse_u64(cmd, "--max-drift", optarg, &dopt.max_drift) < 0)
                return EXIT_USAGE;
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
    char **in = argv + optind;
    int n = argc - optind;
    if (mode == O_SHOW) {
        if (n != 1)
            return cli_usage(cmd, "--show takes one profile");
        return show(in[0], dopt.json, polpath, table);
    }
    if (polpath || table)
        return cli_usage(cmd, "--policy and --table go with --show");
    if (mode == O_DIFF) {
        if (n != 2)
            return cli_usage(cmd, "--diff takes two profiles: OLD NEW");
        return diff(in[0], in[1], &dopt);
    }
    if (mode == O_MERGE) {
        if (n < 1)
            return cli_usage(cmd, "--merge takes one or more profiles");
        return merge(in, n, out, dict);
    }
    if (n < 1)
        return cli_usage(cmd, "no input: give corpus folders, JSONL files or '-'");
    for (int i = 0; i < n; i++) {
        int per_table = 0;
        if (strcmp(in[i], "-") && pf_fs_is_dir(in[i])) {
            pf_manifest m;
            pf_err e = PF_ERR_INIT;
            per_table = pf_manifest_read(in[i], &m, &e) == 1 && m.per_table;
            pf_manifest_free(&m); /* an unreadable one: check_inputs says so */
        }
        if (per_table && n == 1)
            return build_tables(in[0], &so, max_doc, jsonl, out, dict, raw_ok,
                                include_unlisted);
        /* n > 1 with a per-table folder: check_inputs says what to do */
    }
    input_info *info = calloc((size_t)n, sizeof *info);
    if (!info)
        return EXIT_ENV;
    uint64_t unlisted = 0;
    int rc = check_inputs(in, n, raw_ok, include_unlisted, info, &unlisted);
    if (!rc)
        rc = build(in, n, &so, max_doc, jsonl, out, dict, info, include_unlisted, unlisted);
    for (int i = 0; i < n; i++)
        pf_corpus_listing_free(&info[i].l);
    free(info);
    return rc;
}
