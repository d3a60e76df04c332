/*
 * pf_report_sarif: report.sarif, SARIF 2.1.0 as GitHub code scanning
 * accepts it: one run, tool.driver "prodfuzz" with a rule per error kind,
 * a result per finding that is not fixed (ruleId, level, message = the
 * explanation, one location at the top own frame with a repo-relative uri
 * and startLine, partialFingerprints from the signature); suppressed
 * findings carry a SARIF suppression with the reason. Built with cJSON.
 */
#include "pf_report.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_hash.h"
#include "pf_report_int.h"
#include "pf_version.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *rule_id(const pf_finding *f)
{
    return f->kind && f->kind[0] ? f->kind : pf_outcome_name(f->outcome);
}

static const char *level(const pf_finding *f)
{
    switch (f->outcome) {
    case PF_OUT_CRASH:
    case PF_OUT_OOM:
    case PF_OUT_TIMEOUT:
        return "error";
    default:
        return "warning";
    }
}

static cJSON *str(const char *s)
{
    pf_buf b = PF_BUF_INIT;
    pf_rep_clean(&b, s ? s : "", 1);
    cJSON *v = b.oom ? NULL : cJSON_CreateString(pf_buf_str(&b));
    pf_buf_free(&b);
    return v;
}

static int put(cJSON *o, const char *k, cJSON *v)
{
    if (!v)
        return -1;
    if (cJSON_IsArray(o) ? !cJSON_AddItemToArray(o, v) : !cJSON_AddItemToObject(o, k, v)) {
        cJSON_Delete(v);
        return -1;
    }
    return 0;
}

static cJSON *text_obj(const char *s)
{
    cJSON *o = cJSON_CreateObject();
    if (o && put(o, "text", str(s)) < 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* A URI reference for a source file: relative to the source root when the
 * file is under it, "file://" + path for other absolute paths,
 * percent-encoded outside RFC 3986's unreserved characters and '/'. */
static void file_uri(pf_buf *out, const pf_report *r, const char *file)
{
    char cwd[4096];
    const char *root = r->src_root;
    if (!root && getcwd(cwd, sizeof(cwd)))
        root = cwd;
    const char *p = file;
    size_t rl = root ? strlen(root) : 0;
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (file[0] == '/' && rl && strncmp(file, root, rl) == 0 && file[rl] == '/')
        p = file + rl + 1;
    else if (file[0] == '/')
        pf_buf_adds(out, "file://");
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    for (const unsigned char *q = (const unsigned char *)p; *q; q++) {
        if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
            (*q >= '0' && *q <= '9') || strchr("-._~/", *q))
            pf_buf_addc(out, (char)*q);
        else
            pf_buf_addf(out, "%%%02X", *q);
    }
}

static cJSON *location(const pf_report *r, const pf_finding *f)
{
    pf_buf uri = PF_BUF_INIT;
    int line = 1;
    if (f->top_file && f->top_file[0]) {
        file_uri(&uri, r, f->top_file);
        if (f->top_line > 0)
            line = f->top_line;
    } else {
        /* no frame (a timeout without a stack, a divergence): the target */
        file_uri(&uri, r, f->target && f->target[0] ? f->target : "target");
    }
    cJSON *loc = cJSON_CreateObject(), *phys = cJSON_CreateObject();
    cJSON *art = cJSON_CreateObject(), *reg = cJSON_CreateObject();
    int bad = !loc || put(loc, "physicalLocation", phys) < 0 ||
              put(phys, "artifactLocation", art) < 0 ||
              uri.oom || put(art, "uri", cJSON_CreateString(pf_buf_str(&uri))) < 0 ||
              put(phys, "region", reg) < 0 ||
              !cJSON_AddNumberToObject(reg, "startLine", line);
    pf_buf_free(&uri);
    if (bad) {
        if (!loc)
            cJSON_Delete(phys);
        cJSON_Delete(loc);
        return NULL;
    }
    return loc;
}

static cJSON *message(const pf_finding *f)
{
    pf_buf m = PF_BUF_INIT;
    pf_buf_adds(&m, f->title ? f->title : rule_id(f));
    if (f->nexplain) {
        pf_buf_adds(&m, ": ");
        for (size_t i = 0; i < f->nexplain; i++) {
            if (i)
                pf_buf_adds(&m, "; ");
            pf_buf_adds(&m, f->explain[i]);
        }
    }
    if (f->repro_cmd) {
        pf_buf_adds(&m, ". Reproduce: ");
        pf_buf_adds(&m, f->repro_cmd);
    }
    cJSON *o = m.oom ? NULL : text_obj(m.data);
    pf_buf_free(&m);
    return o;
}

static cJSON *result(const pf_report *r, const pf_finding *f, int rule_index)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char sha[41];
    const char *sig = f->signature ? f->signature : "";
    cJSON *fp = NULL, *locs = NULL, *props = NULL;
    int bad = put(o, "ruleId", str(rule_id(f))) < 0 ||
              !cJSON_AddNumberToObject(o, "ruleIndex", rule_index) ||
              put(o, "level", cJSON_CreateString(level(f))) < 0 ||
              put(o, "message", message(f)) < 0 ||
              put(o, "locations", locs = cJSON_CreateArray()) < 0 ||
              put(locs, NULL, location(r, f)) < 0 ||
              pf_sha1_hex(sig, strlen(sig), sha, NULL) < 0 ||
              put(o, "partialFingerprints", fp = cJSON_CreateObject()) < 0 ||
              put(fp, "prodfuzzSignature/v1", cJSON_CreateString(sha)) < 0 ||
              put(o, "baselineState",
                  cJSON_CreateString(f->status == PF_STATUS_NEW ? "new" : "unchanged")) < 0 ||
              put(o, "properties", props = cJSON_CreateObject()) < 0 ||
              put(props, "id", str(f->id)) < 0 || put(props, "target", str(f->target)) < 0 ||
              put(props, "outcome", str(pf_outcome_name(f->outcome))) < 0 ||
              put(props, "status", str(pf_status_name(f->status))) < 0 ||
              put(props, "signature", str(sig)) < 0 ||
              !cJSON_AddNumberToObject(props, "count", (double)f->count);
    if (!bad && f->mclass)
        bad = put(props, "class", str(f->mclass)) < 0;
    if (!bad && f->path)
        bad = put(props, "path", str(f->path)) < 0;
    if (!bad && f->reproducer)
        bad = put(props, "reproducer", str(f->reproducer)) < 0;
    if (!bad && f->status == PF_STATUS_SUPPRESSED) {
        cJSON *sup = cJSON_CreateArray(), *s = cJSON_CreateObject();
        bad = put(o, "suppressions", sup) < 0 || put(sup, NULL, s) < 0 ||
              put(s, "kind", cJSON_CreateString("external")) < 0 ||
              put(s, "justification", str(f->suppress_reason ? f->suppress_reason
                                                            : "suppressed")) < 0;
    }
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *rule(const pf_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    pf_buf d = PF_BUF_INIT;
    pf_buf_addf(&d, "%s (%s found by prodfuzz on production-shaped input)",
                rule_id(f), pf_outcome_name(f->outcome));
    cJSON *cfg = NULL;
    int bad = !o || put(o, "id", str(rule_id(f))) < 0 ||
              put(o, "name", str(rule_id(f))) < 0 ||
              put(o, "shortDescription", text_obj(rule_id(f))) < 0 ||
              d.oom || put(o, "fullDescription", text_obj(d.data)) < 0 ||
              put(o, "defaultConfiguration", cfg = cJSON_CreateObject()) < 0 ||
              put(cfg, "level", cJSON_CreateString(level(f))) < 0;
    pf_buf_free(&d);
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int pf_report_write_sarif(const pf_report *r, const char *path, pf_err *err)
{
    cJSON *root = cJSON_CreateObject(), *runs = NULL, *run = NULL, *tool = NULL,
          *drv = NULL, *rules = NULL, *results = NULL;
    int bad = !root || put(root, "$schema", cJSON_CreateString(SARIF_SCHEMA)) < 0 ||
              put(root, "version", cJSON_CreateString("2.1.0")) < 0 ||
              put(root, "runs", runs = cJSON_CreateArray()) < 0 ||
              put(runs, NULL, run = cJSON_CreateObject()) < 0 ||
              put(run, "tool", tool = cJSON_CreateObject()) < 0 ||
              put(tool, "driver", drv = cJSON_CreateObject()) < 0 ||
              put(drv, "name", cJSON_CreateString("prodfuzz")) < 0 ||
              put(drv, "version", cJSON_CreateString(PF_VERSION)) < 0 ||
              put(drv, "semanticVersion", cJSON_CreateString(PF_VERSION)) < 0 ||
              put(drv, "rules", rules = cJSON_CreateArray()) < 0 ||
              put(run, "results", results = cJSON_CreateArray()) < 0;
    /* rules: one per distinct rule id, in order of first appearance */
    const char **ids = calloc(r->nfindings + 1, sizeof(char *));
    size_t nids = 0;
    if (!ids)
        bad = 1;
    for (size_t i = 0; !bad && i < r->nfindings; i++) {
        const pf_finding *f = &r->findings[i];
        if (f->status == PF_STATUS_FIXED)
            continue;
        size_t k = 0;
        while (k < nids && strcmp(ids[k], rule_id(f)) != 0)
            k++;
        if (k == nids) {
            ids[nids++] = rule_id(f);
            bad = put(rules, NULL, rule(f)) < 0;
        }
        bad = bad || put(results, NULL, result(r, f, (int)k)) < 0;
    }
    /* no automationDetails.id: GitHub takes it as the analysis category,
     * and a per-run id would keep every earlier alert open forever */
    free(ids);
    char *text = bad ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return pf_err_set(err, PF_E_NOMEM, "%s: out of memory", path);
    pf_buf b = PF_BUF_INIT;
    pf_buf_adds(&b, text);
    pf_buf_addc(&b, '\n');
    free(text);
    int rc = pf_rep_commit(&b, path, err);
    pf_buf_free(&b);
    return rc;
}
