/*
 * pf_mutate_size: the size schedule and its text-only reduction. The engine
 * learns the typical size, value count and depth of its first inputs; a
 * grown parent (far bigger, wider or deeper than typical) is mostly cut
 * back towards typical before it is mutated, in passes over the text that
 * never call the tokenizer. pf_mutate.c calls it from pf_mutate and
 * pf_crossover.
 */
#include "pf_mutate_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- size schedule ---------------------------------------------------------
 *
 * In a fuzzing loop every execution pays for the size of its input, and a
 * grown input (a 64 KiB string, a thousand-element array, ten thousand
 * levels of nesting) that reached new coverage is picked as a parent again
 * and again. Its own execution already showed what its size does; its
 * mutants mostly go back towards the typical size, which the engine learns
 * from the sizes of its first inputs (the seeds, in practice). */

#define PF_GROWN_MIN 1024     /* never call an input this small grown */
#define PF_GROWN_DEPTH 32     /* nor one nested this little */
#define PF_GROWN_NODES 64     /* nor an input with this few values */

static int log2_bucket(uint64_t v)
{
    int b = 0;
    while (b < 62 && ((uint64_t)2 << b) <= v)
        b++;
    return b;
}

void pf_msize_learn(pf_mutator *m, size_t len, uint64_t nodes, int depth)
{
    if (m->size_seen >= PF_SIZE_LEARNED)
        return;
    m->size_hist[log2_bucket(len)]++;
    m->node_hist[log2_bucket(nodes)]++;
    m->depth_hist[log2_bucket((uint64_t)depth)]++;
    m->size_seen++;
}

/* The median of a histogram, rounded up to its power of two. (Not a
 * higher percentile: in a fuzzing loop even the first inputs include
 * the fuzzer's own grown ones.) */
static uint64_t median(const uint32_t *hist, uint32_t n)
{
    if (!n)
        return 0;
    uint32_t want = (n + 1) / 2, acc = 0;
    for (int b = 0; b < 63; b++)
        if ((acc += hist[b]) >= want)
            return (uint64_t)2 << b;
    return UINT64_MAX;
}

size_t pf_mutator_typical_size(const pf_mutator *m)
{
    uint64_t t = median(m->size_hist, m->size_seen);
    return t > SIZE_MAX ? SIZE_MAX : (size_t)t;
}

size_t pf_mutator_grown_size(const pf_mutator *m)
{
    size_t t = pf_mutator_typical_size(m);
    return t > PF_GROWN_MIN / 2 ? (t > SIZE_MAX / 2 ? SIZE_MAX : 2 * t)
                                : PF_GROWN_MIN;
}

uint64_t pf_msize_grown_nodes(const pf_mutator *m)
{
    uint64_t t = median(m->node_hist, m->size_seen);
    return t > PF_GROWN_NODES / 2 ? (t > UINT64_MAX / 2 ? UINT64_MAX : 2 * t)
                                  : PF_GROWN_NODES;
}

int pf_msize_grown_depth(const pf_mutator *m)
{
    int prof = m->cfg.shape ? pf_shape_max_depth(m->cfg.shape) : 0;
    uint64_t typ = median(m->depth_hist, m->size_seen);
    int d = PF_GROWN_DEPTH;
    if (prof * 2 > d)
        d = prof * 2;
    if (typ * 4 > (uint64_t)d)
        d = typ * 4 > 100000 ? 100000 : (int)(typ * 4);
    return d;
}

/* ---- growth credit --------------------------------------------------------
 *
 * What a fuzzing loop pays for is bytes executed: per byte, a 1 MiB
 * string, ten thousand levels of nesting and an ordinary order cost the
 * target about the same. Left to the classes' own odds, the few big
 * mutants (4 KiB and 64 KiB strings, 100,000 levels, a grown parent's
 * full-size mutants) took as many bytes as all the others together. The
 * credit bounds them, in two accounts, so that the many mid sizes (4 KiB
 * strings, 10,000 levels) never eat what a 64 KiB string needs: with one
 * account the 64 KiB ones came only from the starting credit, and `len16`
 * of app_invoices (an address past 65,535 bytes) went unfound in 20 s in
 * 5 of 15 runs. The mid sizes earn an eighth of the ordinary mutants'
 * bytes, the huge ones (64 KiB and up) a quarter. Each starts with some
 * (the bugs big mutants find are among the first production data finds)
 * but not with room for a 1 MiB mutant: those, and 100,000 levels, cost
 * 30 ms each and came in the first tenth of a second, when plain
 * libFuzzer finds the one-character bugs. */

size_t pf_msize_free(const pf_mutator *m)
{
    size_t t = pf_mutator_typical_size(m);
    return t > 512 ? (t > SIZE_MAX / 4 ? SIZE_MAX : 4 * t) : 2048;
}

static size_t with_credit(size_t f, int64_t credit)
{
    return credit > 0 && (uint64_t)credit < SIZE_MAX - f ? f + (size_t)credit : f;
}

size_t pf_msize_allowed(const pf_mutator *m)
{
    size_t f = pf_msize_free(m);
    size_t mid = with_credit(f, m->credit[0]), huge = with_credit(f, m->credit[1]);
    if (mid >= PF_CREDIT_HUGE && f < PF_CREDIT_HUGE)
        mid = PF_CREDIT_HUGE - 1;
    return huge >= PF_CREDIT_HUGE && huge > mid ? huge : mid;
}

int pf_msize_affords(const pf_mutator *m, size_t n)
{
    size_t f = pf_msize_free(m);
    return n <= f || n <= with_credit(f, m->credit[n >= PF_CREDIT_HUGE]);
}

void pf_msize_spend(pf_mutator *m, size_t n)
{
    static const int64_t most[2] = {PF_CREDIT_MID_MAX, PF_CREDIT_HUGE_MAX};
    if (n > pf_msize_free(m)) {
        int k = n >= PF_CREDIT_HUGE;
        m->credit[k] -= n > (size_t)most[k] ? most[k] : (int64_t)n;
    } else {
        for (int k = 0; k < 2; k++) {
            m->credit[k] += (int64_t)(n / (k ? 4 : 8));
            if (m->credit[k] > most[k])
                m->credit[k] = most[k];
        }
    }
}

/* Length of the nesting "unit" at s[i]: '[' or '{' "key" ':' (a single
 * member opening an object), with the whitespace after it, when what
 * follows is another value; 0 when s[i] opens nothing of the kind. */
static size_t unit_len(const char *s, size_t n, size_t i)
{
    size_t k = i;
    if (k < n && s[k] == '[') {
        k++;
    } else if (k < n && s[k] == '{') {
        k++;
        while (k < n && pf_json_is_ws(s[k]))
            k++;
        if (k >= n || s[k] != '"')
            return 0;
        k = pf_json_str_end(s, n, k);
        if (k >= n)
            return 0;
        k++;
        while (k < n && pf_json_is_ws(s[k]))
            k++;
        if (k >= n || s[k] != ':')
            return 0;
        k++;
    } else {
        return 0;
    }
    while (k < n && pf_json_is_ws(s[k]))
        k++;
    return k < n && s[k] != ']' && s[k] != '}' ? k - i : 0;
}

/* Remove all but `keep` levels of the longest run of nesting units, with
 * the brackets that close them: one pass over the text, no tokenizer
 * (whose cost grows with the square of the depth). Returns the levels
 * removed; 0 when there is no run longer than keep. */
static uint64_t denest(const char *s, size_t n, uint64_t keep, pf_buf *out)
{
    size_t best_at = 0;
    uint64_t best = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '"') {
            i = pf_json_str_end(s, n, i) + 1;
            continue;
        }
        uint64_t units = 0;
        size_t j = i, u;
        while ((u = unit_len(s, n, j)) > 0) {
            j += u;
            units++;
        }
        if (units > best) {
            best = units;
            best_at = i;
        }
        i = units ? j : i + 1;
    }
    if (best <= keep)
        return 0;
    uint64_t cut = best - keep;
    size_t from = best_at;
    for (uint64_t k = 0; k < cut; k++)
        from += unit_len(s, n, from);
    pf_buf_reset(out);
    pf_buf_add(out, s, best_at);
    /* inside the run: depth relative to its start; a closer that brings
     * it below cut closes one of the removed levels */
    uint64_t d = cut;
    size_t i = from, copy = from;
    for (; i < n && d > 0; i++) {
        char ch = s[i];
        if (ch == '"') {
            i = pf_json_str_end(s, n, i);
        } else if (ch == '[' || ch == '{') {
            d++;
        } else if (ch == ']' || ch == '}') {
            if (--d < cut) {
                pf_buf_add(out, s + copy, i - copy);
                copy = i + 1;
            }
        }
    }
    if (copy < n)
        pf_buf_add(out, s + copy, n - copy);
    return cut;
}

/* What one pass over a grown document finds to cut: the container with the
 * most children (its closing bracket and its first separators), and the
 * longest string that is not a key (its content's span). */
#define PF_REDUCE_KEEP 4
typedef struct cut_plan {
    uint64_t nodes; /* values, counted as pf_json_scan_depth counts them */
    uint64_t kids;
    size_t close, sep[PF_REDUCE_KEEP];
    size_t s_from, s_to;
} cut_plan;

typedef struct open_container {
    size_t open;
    uint64_t commas;
    size_t sep[PF_REDUCE_KEEP];
    int nonempty;
} open_container;

static int find_cuts(pf_mutator *m, const char *s, size_t n, cut_plan *f)
{
    memset(f, 0, sizeof *f);
    f->nodes = 1;
    size_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '"') {
            size_t from = i + 1, k = pf_json_str_end(s, n, i);
            size_t after = k + 1;
            while (after < n && pf_json_is_ws(s[after]))
                after++;
            int key = after < n && s[after] == ':';
            if (!key && k - from > f->s_to - f->s_from) {
                f->s_from = from;
                f->s_to = k;
            }
            if (depth)
                ((open_container *)m->stack)[depth - 1].nonempty = 1;
            i = k;
            continue;
        }
        if (ch == '[' || ch == '{') {
            f->nodes++;
            if (depth)
                ((open_container *)m->stack)[depth - 1].nonempty = 1;
            if (depth == m->stack_cap) {
                size_t cap = m->stack_cap ? 2 * m->stack_cap : 64;
                void *ns = realloc(m->stack, cap * sizeof(open_container));
                if (!ns)
                    return -1;
                m->stack = ns;
                m->stack_cap = cap;
            }
            open_container *t = &((open_container *)m->stack)[depth++];
            t->open = i;
            t->commas = 0;
            t->nonempty = 0;
        } else if ((ch == ']' || ch == '}') && depth) {
            open_container *t = &((open_container *)m->stack)[--depth];
            uint64_t kids = t->nonempty ? t->commas + 1 : 0;
            if (kids > f->kids) {
                f->kids = kids;
                f->close = i;
                memcpy(f->sep, t->sep, sizeof f->sep);
            }
        } else if (ch == ',' && depth) {
            f->nodes++;
            open_container *t = &((open_container *)m->stack)[depth - 1];
            if (t->commas < PF_REDUCE_KEEP)
                t->sep[t->commas] = i;
            t->commas++;
        } else if (depth && ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' &&
                   ch != ':') {
            ((open_container *)m->stack)[depth - 1].nonempty = 1;
        }
    }
    return 0;
}

/* The mutant of a grown parent: its nesting cut back to under half the
 * grown depth, its biggest container back to one to four children, its
 * longest string back to a prefix of up to 64 bytes, until it is no
 * longer grown; each step one pass over the text, no tokenizer (a grown
 * parent is picked again and again, and tokenizing 100 KB each time
 * would cost more than running the target on its reduction). Not JSON
 * and nothing to cut: its head and its tail. */
int pf_msize_reduce(pf_mutator *m, const char *in, size_t len, int depth,
                        size_t max, pf_buf *out, pf_err *err)
{
    m->amount = 0;
    if (depth > pf_msize_grown_depth(m)) {
        /* what is left stays under the grown depth, so it is mutated as
         * a document again */
        uint64_t cut = denest(in, len, 1 + pf_mbelow(m, (uint64_t)pf_msize_grown_depth(m) / 2),
                              out);
        if (cut) {
            pf_mset_last(m, PF_M_SHRINK, 0);
            m->amount = cut;
            return pf_buf_ok(out, err);
        }
    }
    /* each step reads src and writes the other buffer: no copy back, no
     * allocation once the two have grown (a grown parent keeps coming) */
    pf_buf *bufs[2] = {out, &m->tmp};
    const char *src = in;
    size_t slen = len;
    int steps = 0;
    for (; steps < 8; steps++) {
        cut_plan f;
        if (find_cuts(m, src, slen, &f) < 0)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        int by_nodes = f.nodes > pf_msize_grown_nodes(m);
        if (!by_nodes && slen <= pf_mutator_grown_size(m))
            break;
        uint64_t keep = 1 + pf_mbelow(m, PF_REDUCE_KEEP);
        pf_buf *dst = bufs[steps & 1];
        pf_buf_reset(dst);
        if (f.kids > keep && (by_nodes || f.s_to == f.s_from)) {
            /* drop the children after the keep-th, with their separator */
            pf_buf_add(dst, src, f.sep[keep - 1]);
            pf_buf_add(dst, src + f.close, slen - f.close);
        } else if (f.s_to - f.s_from > 64) {
            const char *s = src + f.s_from;
            size_t want = 1 + pf_mbelow(m, 64), k = 0, safe = 0;
            while (k < want) {
                k += s[k] == '\\' ? (s[k + 1] == 'u' ? 6 : 2) : 1;
                if (k <= want)
                    safe = k;
            }
            while (safe > 0 && ((unsigned char)s[safe] & 0xC0) == 0x80)
                safe--; /* not inside a UTF-8 character */
            pf_buf_add(dst, src, f.s_from + safe);
            pf_buf_add(dst, src + f.s_to, slen - f.s_to);
        } else {
            break;
        }
        if (dst->oom)
            return pf_buf_ok(dst, err);
        src = dst->data;
        slen = dst->len;
    }
    size_t typ = pf_mutator_typical_size(m);
    if (steps == 0 && slen > typ) {
        size_t head = pf_mbelow(m, typ + 1);
        pf_buf_reset(out);
        pf_buf_add(out, src, head);
        pf_buf_add(out, src + slen - (typ - head), typ - head);
    } else if (src != out->data) {
        pf_buf_reset(out);
        pf_buf_add(out, src, slen);
    }
    if (out->len > max)
        pf_buf_truncate(out, max); /* keeps the NUL */
    pf_mset_last(m, PF_M_SHRINK, 0);
    m->amount = (uint64_t)steps;
    return pf_buf_ok(out, err);
}

