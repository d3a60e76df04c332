/*
 * mutate_speed: mutations per second of the prodfuzz engine alone, for
 * tools/bench/40_mutate.sh. Reads one JSON document per argument (or the
 * elements of a top-level "statuses" array with --statuses, for
 * twitter.json), then mutates them in turn for about SECONDS seconds.
 *
 *   mutate_speed [--statuses] [--parse-only] [--seconds S] [--max-size N] FILE...
 * Prints: "<mutations> mutations in <s> s: <rate>/s, <bytes>/s out".
 * --parse-only tokenizes each document instead (pf_json_parse): the
 * reference, since every mutation starts with one such parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_fs.h"
#include "pf_json.h"
#include "pf_mutate.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int statuses = 0, parse_only = 0;
    double seconds = 3;
    size_t max = 1u << 20;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--statuses"))
            statuses = 1;
        else if (!strcmp(argv[a], "--parse-only"))
            parse_only = 1;
        else if (!strcmp(argv[a], "--seconds") && a + 1 < argc)
            seconds = atof(argv[++a]);
        else if (!strcmp(argv[a], "--max-size") && a + 1 < argc)
            max = (size_t)atol(argv[++a]);
        else {
            fprintf(stderr, "usage: mutate_speed [--statuses] [--seconds S] "
                            "[--max-size N] FILE...\n");
            return 2;
        }
    }
    pf_buf *docs = NULL;
    size_t ndocs = 0;
    pf_err err = PF_ERR_INIT;
    for (; a < argc; a++) {
        pf_buf b = PF_BUF_INIT;
        if (pf_fs_read_file(argv[a], (size_t)1 << 30, &b, &err) < 0) {
            fprintf(stderr, "mutate_speed: %s\n", err.msg);
            return 2;
        }
        pf_json j = PF_JSON_INIT;
        if (statuses && pf_json_parse(&j, b.data, b.len, &err) == 0 &&
            j.tok[0].type == PF_JT_OBJECT) {
            for (int k = 1; k < j.ntok; k = j.next[k + 1]) {
                if (j.tok[k].end - j.tok[k].start == 8 &&
                    !memcmp(b.data + j.tok[k].start, "statuses", 8) &&
                    j.tok[k + 1].type == PF_JT_ARRAY) {
                    for (int e = k + 2; e < j.next[k + 1]; e = j.next[e]) {
                        size_t s, t;
                        pf_json_span(&j, e, &s, &t);
                        docs = realloc(docs, (ndocs + 1) * sizeof *docs);
                        pf_buf_init(&docs[ndocs]);
                        pf_buf_add(&docs[ndocs++], b.data + s, t - s);
                    }
                }
            }
            pf_buf_free(&b);
        } else {
            docs = realloc(docs, (ndocs + 1) * sizeof *docs);
            docs[ndocs++] = b;
        }
        pf_json_free(&j);
    }
    if (!ndocs) {
        fprintf(stderr, "mutate_speed: no documents\n");
        return 2;
    }
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.byte_share = 0; /* the engine's own classes only */
    pf_mutator *m = pf_mutator_new(&cfg, &err);
    pf_buf out = PF_BUF_INIT;
    pf_json pj = PF_JSON_INIT;
    unsigned long n = 0;
    double bytes = 0, t0 = now(), t = t0;
    while (t - t0 < seconds) {
        for (int k = 0; k < 256; k++, n++) {
            const pf_buf *d = &docs[n % ndocs];
            if (parse_only) {
                pf_json_parse(&pj, d->data, d->len, &err);
                bytes += (double)d->len;
                continue;
            }
            pf_mutator_seed(m, n);
            pf_mutate(m, d->data, d->len, max, &out, &err);
            bytes += (double)out.len;
        }
        t = now();
    }
    printf("%lu %s in %.2f s: %.0f/s, %.1f MB/s %s (%zu documents)\n", n,
           parse_only ? "parses" : "mutations", t - t0, n / (t - t0),
           bytes / (t - t0) / 1e6, parse_only ? "in" : "out", ndocs);
    pf_json_free(&pj);
    pf_buf_free(&out);
    pf_mutator_free(m);
    for (size_t k = 0; k < ndocs; k++)
        pf_buf_free(&docs[k]);
    free(docs);
    return 0;
}
