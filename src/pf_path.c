/*
 * pf_path: JSON paths as a push/pop stack over canonical text (pf_path.h).
 */
#include "pf_path.h"
#include "pf_json.h"

#include <stdlib.h>
#include <string.h>

void pf_path_init(pf_path *p)
{
    pf_buf_init(&p->text);
    pf_buf_addc(&p->text, '$');
    p->marks = NULL;
    p->depth = 0;
    p->cap = 0;
}

void pf_path_free(pf_path *p)
{
    pf_buf_free(&p->text);
    free(p->marks);
    p->marks = NULL;
    p->depth = p->cap = 0;
}

void pf_path_reset(pf_path *p)
{
    pf_buf_truncate(&p->text, 1);
    p->depth = 0;
}

static int plain_key_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c >= 0x80;
}

void pf_path_add_key(pf_buf *out, const char *key, size_t n)
{
    int plain = n > 0;
    for (size_t i = 0; plain && i < n; i++)
        plain = plain_key_byte((unsigned char)key[i]);
    if (plain) {
        pf_buf_addc(out, '.');
        pf_buf_add(out, key, n);
    } else {
        pf_buf_addc(out, '[');
        pf_buf_add_json_bytes(out, key, n); /* a path names the key exactly */
        pf_buf_addc(out, ']');
    }
}

static void mark(pf_path *p)
{
    if (p->depth == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        size_t *m = realloc(p->marks, cap * sizeof *m);
        if (!m) {
            p->text.oom = 1;
            return;
        }
        p->marks = m;
        p->cap = cap;
    }
    p->marks[p->depth++] = p->text.len;
}

void pf_path_push_key(pf_path *p, const char *key, size_t n)
{
    mark(p);
    pf_path_add_key(&p->text, key, n);
}

void pf_path_push_index(pf_path *p)
{
    mark(p);
    pf_buf_add(&p->text, "[*]", 3);
}

void pf_path_push_map(pf_path *p)
{
    mark(p);
    pf_buf_add(&p->text, "{*}", 3);
}

void pf_path_pop(pf_path *p)
{
    if (p->depth == 0)
        return;
    pf_buf_truncate(&p->text, p->marks[--p->depth]);
}

const char *pf_path_str(const pf_path *p) { return pf_buf_str(&p->text); }
size_t pf_path_len(const pf_path *p) { return p->text.len; }
int pf_path_ok(const pf_path *p, pf_err *err) { return pf_buf_ok(&p->text, err); }

/* Read a quoted key ("..." or '...') at s[*i], JSON escapes allowed, into
 * key. Returns 0 or -1. */
static int read_quoted(const char *s, size_t n, size_t *i, pf_buf *key)
{
    char q = s[*i];
    size_t j = *i + 1;
    while (j < n && s[j] != q) {
        if (s[j] == '\\') {
            if (j + 1 >= n)
                return -1;
            char e = s[j + 1];
            j += 2;
            switch (e) {
            case 'n': pf_buf_addc(key, '\n'); break;
            case 't': pf_buf_addc(key, '\t'); break;
            case 'r': pf_buf_addc(key, '\r'); break;
            case 'b': pf_buf_addc(key, '\b'); break;
            case 'f': pf_buf_addc(key, '\f'); break;
            case 'u': {
                if (j + 4 > n)
                    return -1;
                long u = pf_json_read_u4(s + j);
                if (u < 0)
                    return -1;
                unsigned v = (unsigned)u;
                j += 4;
                /* Only the BMP; a key with astral characters can be
                 * written raw in UTF-8. */
                if (v < 0x80) {
                    pf_buf_addc(key, (char)v);
                } else if (v < 0x800) {
                    pf_buf_addc(key, (char)(0xC0 | (v >> 6)));
                    pf_buf_addc(key, (char)(0x80 | (v & 0x3F)));
                } else {
                    pf_buf_addc(key, (char)(0xE0 | (v >> 12)));
                    pf_buf_addc(key, (char)(0x80 | ((v >> 6) & 0x3F)));
                    pf_buf_addc(key, (char)(0x80 | (v & 0x3F)));
                }
                break;
            }
            default: pf_buf_addc(key, e); break;
            }
            continue;
        }
        pf_buf_addc(key, s[j++]);
    }
    if (j >= n)
        return -1;
    *i = j + 1;
    return 0;
}

int pf_path_canon(const char *s, size_t n, int allow_bare, pf_buf *out,
                  pf_err *err)
{
    size_t i = 0;
    pf_buf key = PF_BUF_INIT;
    pf_buf_reset(out);
    pf_buf_addc(out, '$');
    if (n > 0 && s[0] == '$') {
        i = 1;
    } else if (!allow_bare) {
        return pf_err_set(err, PF_E_INPUT, "path must start with '$'");
    } else if (n > 0 && s[0] != '.' && s[0] != '[') {
        /* bare "a.b": read as ".a.b" */
        size_t j = 0;
        while (j < n && s[j] != '.' && s[j] != '[')
            j++;
        if (j == 1 && s[0] == '*')
            pf_buf_add(out, ".*", 2);
        else if (j == 2 && s[0] == '*' && s[1] == '*')
            pf_buf_add(out, ".**", 3);
        else
            pf_path_add_key(out, s, j);
        i = j;
    }
    while (i < n) {
        size_t at = i;
        if (s[i] == '.') {
            i++;
            size_t j = i;
            while (j < n && s[j] != '.' && s[j] != '[' && s[j] != '{')
                j++;
            if (j == i) {
                pf_buf_free(&key);
                return pf_err_set(err, PF_E_INPUT,
                                  "empty key after '.' at byte %zu", at);
            }
            if (j - i == 1 && s[i] == '*')
                pf_buf_add(out, ".*", 2);
            else if (j - i == 2 && s[i] == '*' && s[i + 1] == '*')
                pf_buf_add(out, ".**", 3);
            else
                pf_path_add_key(out, s + i, j - i);
            i = j;
        } else if (s[i] == '[') {
            i++;
            if (i + 1 < n && s[i] == '*' && s[i + 1] == ']') {
                pf_buf_add(out, "[*]", 3);
                i += 2;
            } else if (i < n && (s[i] == '"' || s[i] == '\'')) {
                pf_buf_reset(&key);
                if (read_quoted(s, n, &i, &key) < 0 || i >= n || s[i] != ']') {
                    int oom = key.oom; /* not a bad path */
                    pf_buf_free(&key);
                    if (oom)
                        return pf_err_set(err, PF_E_NOMEM, "out of memory");
                    return pf_err_set(err, PF_E_INPUT,
                                      "unterminated quoted key at byte %zu", at);
                }
                i++;
                pf_path_add_key(out, pf_buf_str(&key), key.len);
            } else if (i < n && s[i] >= '0' && s[i] <= '9') {
                /* a concrete index means any element: paths do not
                 * tell elements apart */
                while (i < n && s[i] >= '0' && s[i] <= '9')
                    i++;
                if (i >= n || s[i] != ']') {
                    pf_buf_free(&key);
                    return pf_err_set(err, PF_E_INPUT,
                                      "bad array index at byte %zu", at);
                }
                i++;
                pf_buf_add(out, "[*]", 3);
            } else {
                pf_buf_free(&key);
                return pf_err_set(err, PF_E_INPUT,
                                  "expected '*', a number or a quoted key "
                                  "after '[' at byte %zu", at);
            }
        } else if (s[i] == '{') {
            if (i + 2 < n && s[i + 1] == '*' && s[i + 2] == '}') {
                pf_buf_add(out, "{*}", 3);
                i += 3;
            } else {
                pf_buf_free(&key);
                return pf_err_set(err, PF_E_INPUT,
                                  "expected '{*}' at byte %zu", at);
            }
        } else {
            pf_buf_free(&key);
            return pf_err_set(err, PF_E_INPUT,
                              "expected '.', '[' or '{*}' at byte %zu", at);
        }
    }
    pf_buf_free(&key);
    return pf_buf_ok(out, err);
}

/* Length of the canonical segment starting at s (s[0] is '.', '[' or '{'). */
static size_t seg_len(const char *s)
{
    size_t i = 1;
    if (s[0] == '.') {
        while (s[i] && s[i] != '.' && s[i] != '[' && s[i] != '{')
            i++;
        return i;
    }
    if (s[0] == '{')
        return 3;
    if (s[1] == '*')
        return 3;
    /* ["..."] with JSON escapes */
    i = 2;
    while (s[i] && s[i] != '"') {
        if (s[i] == '\\' && s[i + 1])
            i++;
        i++;
    }
    return s[i] ? i + 2 : i;
}

static int match_from(const char *pat, const char *path)
{
    while (*pat) {
        size_t pl = seg_len(pat);
        if (pl == 3 && pat[0] == '.' && pat[1] == '*' && pat[2] == '*') {
            /* "**": any run of segments, including none */
            const char *rest = pat + 3;
            for (const char *q = path;; q += seg_len(q)) {
                if (match_from(rest, q))
                    return 1;
                if (!*q)
                    return 0;
            }
        }
        if (!*path)
            return 0;
        size_t sl = seg_len(path);
        int is_key = path[0] == '.' || (path[0] == '[' && path[1] == '"');
        if (pl == 2 && pat[0] == '.' && pat[1] == '*') {
            if (!is_key && path[0] != '{')
                return 0;
        } else if (pl != sl || memcmp(pat, path, pl) != 0) {
            return 0;
        }
        pat += pl;
        path += sl;
    }
    return *path == '\0';
}

int pf_path_match(const char *pattern, const char *path)
{
    if (pattern[0] != '$' || path[0] != '$')
        return 0;
    return match_from(pattern + 1, path + 1);
}
