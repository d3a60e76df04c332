/*
 * pf_report_util: cleaning and escaping of report text, the cJSON helpers
 * of the JSON and SARIF writers, and the atomic write every report writer
 * ends with (pf_report_int.h).
 */
#include "pf_report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pf_fs.h"

#define REPLACEMENT "\xef\xbf\xbd"

void pf_rep_clean(pf_buf *out, const char *s, int keep_nl)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c == '\n' || c == '\r') {
            pf_buf_addc(out, keep_nl ? '\n' : ' ');
            i += (c == '\r' && i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (c == '\t') {
            pf_buf_addc(out, keep_nl ? '\t' : ' ');
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            pf_buf_adds(out, REPLACEMENT);
            i++;
            continue;
        }
        size_t k;
        if (pf_utf8_next(s + i, n - i, &k) == 1)
            pf_buf_add(out, p + i, k);
        else
            pf_buf_adds(out, REPLACEMENT);
        i += k;
    }
}

void pf_rep_xml(pf_buf *out, const char *s)
{
    pf_buf c = PF_BUF_INIT;
    pf_rep_clean(&c, s, 1);
    for (size_t i = 0; i < c.len; i++) {
        char ch = c.data[i];
        switch (ch) {
        case '&': pf_buf_adds(out, "&amp;"); break;
        case '<': pf_buf_adds(out, "&lt;"); break;
        case '>': pf_buf_adds(out, "&gt;"); break;
        case '"': pf_buf_adds(out, "&quot;"); break;
        case '\'': pf_buf_adds(out, "&#39;"); break;
        default: pf_buf_addc(out, ch);
        }
    }
    if (c.oom)
        out->oom = 1;
    pf_buf_free(&c);
}

void pf_rep_md(pf_buf *out, const char *s)
{
    pf_buf c = PF_BUF_INIT;
    pf_rep_clean(&c, s, 0);
    for (size_t i = 0; i < c.len; i++) {
        char ch = c.data[i];
        if (ch == '<')
            pf_buf_adds(out, "&lt;");
        else if (ch == '>')
            pf_buf_adds(out, "&gt;");
        else if (ch == '&')
            pf_buf_adds(out, "&amp;");
        else if (strchr("\\`*_[]|~", ch)) {
            pf_buf_addc(out, '\\');
            pf_buf_addc(out, ch);
        } else
            pf_buf_addc(out, ch);
    }
    if (c.oom)
        out->oom = 1;
    pf_buf_free(&c);
}

void pf_rep_md_code(pf_buf *out, const char *s)
{
    pf_buf c = PF_BUF_INIT;
    pf_rep_clean(&c, s, 0);
    pf_buf_addc(out, '`');
    for (size_t i = 0; i < c.len; i++)
        pf_buf_addc(out, c.data[i] == '`' ? '\'' : c.data[i]);
    pf_buf_addc(out, '`');
    if (c.oom)
        out->oom = 1;
    pf_buf_free(&c);
}

int pf_rep_commit(const pf_buf *b, const char *path, pf_err *err)
{
    if (pf_buf_ok(b, err) < 0)
        return pf_err_prefix(err, "%s", path);
    return pf_fs_write_atomic(path, b->data, b->len, 0644, err);
}

void pf_rep_num(pf_buf *out, double v)
{
    if (!isfinite(v))
        pf_buf_adds(out, "0");
    else if (fabs(v) >= 1e9)
        pf_buf_addf(out, "%.1fG", v / 1e9);
    else if (fabs(v) >= 1e6)
        pf_buf_addf(out, "%.1fM", v / 1e6);
    else if (fabs(v) >= 1e4)
        pf_buf_addf(out, "%.1fk", v / 1e3);
    else if (v == floor(v))
        pf_buf_addf(out, "%.0f", v);
    else
        pf_buf_addf(out, "%.1f", v);
}

void pf_rep_status_counts(const pf_report *r, uint64_t counts[4])
{
    memset(counts, 0, 4 * sizeof(counts[0]));
    for (size_t i = 0; i < r->nfindings; i++)
        if ((unsigned)r->findings[i].status < 4)
            counts[r->findings[i].status]++;
}

cJSON *pf_rep_jstr(const char *s)
{
    pf_buf b = PF_BUF_INIT;
    pf_rep_clean(&b, s ? s : "", 1);
    cJSON *v = b.oom ? NULL : cJSON_CreateString(pf_buf_str(&b));
    pf_buf_free(&b);
    return v;
}

int pf_rep_jput(cJSON *o, const char *k, cJSON *v)
{
    if (!v)
        return -1;
    if (cJSON_IsArray(o) ? !cJSON_AddItemToArray(o, v) : !cJSON_AddItemToObject(o, k, v)) {
        cJSON_Delete(v);
        return -1;
    }
    return 0;
}

cJSON *pf_rep_jdone(cJSON *o, int bad)
{
    if (!bad)
        return o;
    cJSON_Delete(o);
    return NULL;
}

int pf_rep_commit_json(cJSON *root, const char *path, pf_err *err)
{
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return pf_err_set(err, PF_E_NOMEM, "%s: out of memory", path);
    /* cJSON escapes control characters but passes other bytes through;
     * they can only be inside strings, so making the text valid UTF-8 is
     * making each string valid, the way pf_buf_add_json_str does */
    pf_buf b = PF_BUF_INIT;
    pf_buf_add_utf8(&b, text, strlen(text));
    pf_buf_addc(&b, '\n');
    free(text);
    int rc = pf_rep_commit(&b, path, err);
    pf_buf_free(&b);
    return rc;
}
