/*
 * fuzz_manifest: a corpus folder's manifest under libFuzzer. The manifest
 * is outside input (a folder a user hands to shape, sample or nightly):
 * any bytes in .prodfuzz/manifest.json must give a listing or a clean
 * PF_E_INPUT error, never a crash or leak, and a "corpora" entry must
 * never name anything outside the folder.
 *
 * The folder is fixed: one listed document, one unlisted file, a dot file
 * and a subfolder "orders" holding a corpus with its own manifest, so a
 * per-table manifest naming "orders" is followed into it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_corpus.h"
#include "pf_fs.h"

static char g_dir[64];
static char g_man[128];

static void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", g_dir, rel);
    FILE *f = fopen(p, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

static void cleanup(void) { pf_fs_remove_tree(g_dir, NULL); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(g_dir, sizeof g_dir, "/tmp/pf-fuzz-manifest.XXXXXX");
    if (!mkdtemp(g_dir))
        abort();
    atexit(cleanup);
    char p[256];
    snprintf(p, sizeof p, "%s/.prodfuzz", g_dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/orders/.prodfuzz", g_dir);
    pf_err e = PF_ERR_INIT;
    if (pf_fs_mkdirs(p, 0755, &e) < 0)
        abort();
    put("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", "hello");
    put("crash-1", "x");
    put(".lock", "");
    put("orders/7c211433f02071597741e6ff5a8ea34789abbf43", "world");
    put("orders/.prodfuzz/manifest.json",
        "{\"documents_sha1\":[\"7c211433f02071597741e6ff5a8ea34789abbf43\"]}");
    snprintf(g_man, sizeof g_man, "%s/%s", g_dir, PF_MANIFEST_REL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(g_man, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    pf_err err = PF_ERR_INIT;
    pf_corpus_listing l;
    if (pf_corpus_listing_read(g_dir, &l, &err) < 0) {
        if (err.code != PF_E_INPUT && err.code != PF_E_NOMEM)
            abort();
    } else {
        if (!size && l.manifest)
            abort(); /* an empty manifest file is no manifest */
        for (size_t i = 0; i < l.ntables; i++) {
            const char *p = l.tables[i].path;
            if (!*p || *p == '.' || strchr(p, '/'))
                abort(); /* a table outside the folder */
        }
        /* the folder holds 2 files, a dot file and a subfolder: without
         * per-table entries each file is listed or not, counted once */
        if (l.listed && !l.per_table && l.unlisted + l.documents != 2)
            abort();
        pf_corpus_listing_free(&l);
    }
    pf_err_clear(&err);
    pf_manifest m;
    if (pf_manifest_read(g_dir, &m, &err) < 0 && err.code != PF_E_INPUT &&
        err.code != PF_E_NOMEM)
        abort();
    pf_manifest_free(&m);
    pf_err_clear(&err);
    if (pf_corpus_check_target(g_dir, 0, &err) < 0 && err.code != PF_E_INPUT &&
        err.code != PF_E_NOMEM)
        abort();
    return 0;
}
