/*
 * pf_inputs: production documents plus mutants per class, sharded by
 * content hash. See pf_inputs.h.
 */
#include "pf_inputs.h"

#include <stdlib.h>
#include <string.h>

#include "pf_buf.h"
#include "pf_docs.h"
#include "pf_hash.h"
#include "pf_mutate.h"

void pf_inputs_init(pf_inputs *s)
{
    memset(s, 0, sizeof *s);
}

static void input_free(pf_input *i)
{
    free(i->data);
    free(i->origin);
    free(i->path);
}

void pf_inputs_free(pf_inputs *s)
{
    for (size_t i = 0; i < s->n; i++)
        input_free(&s->in[i]);
    free(s->in);
    memset(s, 0, sizeof *s);
}

const char *pf_inputs_row_name(int row)
{
    return row == 0 ? "production" : pf_mclass_name((pf_mclass)(row - 1));
}

int pf_inputs_add(pf_inputs *s, const void *data, size_t len,
                  const char *origin, const char *path, int row, pf_err *err)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        pf_input *p = realloc(s->in, nc * sizeof *p);
        if (!p)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        s->in = p;
        s->cap = nc;
    }
    pf_input *i = &s->in[s->n];
    i->data = malloc(len + 1);
    i->origin = strdup(origin ? origin : "");
    i->path = path && *path ? strdup(path) : NULL;
    if (!i->data || !i->origin || (path && *path && !i->path)) {
        input_free(i);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    memcpy(i->data, data, len);
    i->data[len] = '\0';
    i->len = len;
    i->row = row;
    s->n++;
    if (row == 0)
        s->ndocs++;
    return 0;
}

int pf_inputs_read(pf_inputs *s, char **paths, size_t n, size_t max_doc,
                   pf_err *err)
{
    pf_docs d;
    if (pf_docs_open(&d, paths, n, max_doc, err) < 0)
        return -1;
    const char *text;
    size_t len;
    int r;
    while ((r = pf_docs_next(&d, &text, &len, err)) == 1)
        if (pf_inputs_add(s, text, len, pf_docs_origin(&d), NULL, 0, err) < 0) {
            r = -1;
            break;
        }
    pf_docs_close(&d);
    return r;
}

int pf_inputs_mutants(pf_inputs *s, size_t ndocs, uint64_t per_class,
                      unsigned mask, const pf_shape *shape, uint64_t seed,
                      size_t max_len, pf_err *err)
{
    if (!per_class || !ndocs)
        return 0;
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.shape = shape;
    cfg.classes = mask;
    cfg.byte_share = 0;
    pf_mutator *m = pf_mutator_new(&cfg, err);
    if (!m)
        return -1;
    pf_buf out = PF_BUF_INIT, origin = PF_BUF_INIT;
    int rc = 0;
    for (int k = 0; k < PF_M_NCLASSES && rc == 0; k++) {
        if (!(mask & (1u << k)))
            continue;
        for (uint64_t i = 0; i < per_class && rc == 0; i++) {
            for (size_t tries = 0; tries < ndocs && tries < 16; tries++) {
                /* s->in may move when a mutant is added: index, not pointer */
                size_t src = (size_t)((i + tries) % ndocs);
                pf_mutator_seed(m, seed * 1000003u + (uint64_t)k * 7919u + i * 31u + tries);
                int r = pf_mutate_class(m, (pf_mclass)k, s->in[src].data,
                                        s->in[src].len, max_len, &out, err);
                if (r < 0) {
                    rc = -1;
                    break;
                }
                if (r == 0)
                    continue;
                pf_buf_reset(&origin);
                pf_buf_addf(&origin, "%s <- %s", pf_mutator_describe(m),
                            s->in[src].origin);
                if (pf_buf_ok(&origin, err) < 0 ||
                    pf_inputs_add(s, out.data, out.len, origin.data,
                                  pf_mutator_last_path(m), 1 + k, err) < 0)
                    rc = -1;
                break;
            }
        }
    }
    pf_buf_free(&out);
    pf_buf_free(&origin);
    pf_mutator_free(m);
    return rc;
}

int pf_inputs_shard(pf_inputs *s, unsigned k, unsigned n, pf_err *err)
{
    if (n < 1 || k < 1 || k > n)
        return pf_err_set(err, PF_E_USAGE, "shard %u/%u: want 1 <= K <= N", k, n);
    size_t keep = 0, docs = 0;
    for (size_t i = 0; i < s->n; i++) {
        char hex[41];
        if (pf_sha1_hex(s->in[i].data, s->in[i].len, hex, err) < 0)
            return -1;
        char head[17];
        memcpy(head, hex, 16);
        head[16] = '\0';
        uint64_t h = strtoull(head, NULL, 16);
        if (h % n == k - 1) {
            docs += s->in[i].row == 0;
            s->in[keep++] = s->in[i];
        } else {
            input_free(&s->in[i]);
        }
    }
    s->n = keep;
    s->ndocs = docs;
    return 0;
}
