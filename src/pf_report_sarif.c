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

static cJSON *text_obj(const char *s)
{
    cJSON *o = cJSON_CreateObject();
    if (o && pf_rep_jput(o, "text", pf_rep_jstr(s)) < 0) {
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
    /* each object is created where it is attached, so a failure on the
     * way leaves nothing unattached (the region leaked when the uri ran
     * out of memory) */
    cJSON *loc = cJSON_CreateObject(), *phys = NULL, *art = NULL, *reg = NULL;
    int bad = !loc ||
              pf_rep_jput(loc, "physicalLocation", phys = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(phys, "artifactLocation", art = cJSON_CreateObject()) < 0 ||
              uri.oom || pf_rep_jput(art, "uri", cJSON_CreateString(pf_buf_str(&uri))) < 0 ||
              pf_rep_jput(phys, "region", reg = cJSON_CreateObject()) < 0 ||
              !cJSON_AddNumberToObject(reg, "startLine", line);
    pf_buf_free(&uri);
    return pf_rep_jdone(loc, bad);
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
    int bad = pf_rep_jput(o, "ruleId", pf_rep_jstr(rule_id(f))) < 0 ||
              !cJSON_AddNumberToObject(o, "ruleIndex", rule_index) ||
              pf_rep_jput(o, "level", cJSON_CreateString(level(f))) < 0 ||
              pf_rep_jput(o, "message", message(f)) < 0 ||
              pf_rep_jput(o, "locations", locs = cJSON_CreateArray()) < 0 ||
              pf_rep_jput(locs, NULL, location(r, f)) < 0 ||
              pf_sha1_hex(sig, strlen(sig), sha, NULL) < 0 ||
              pf_rep_jput(o, "partialFingerprints", fp = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(fp, "prodfuzzSignature/v1", cJSON_CreateString(sha)) < 0 ||
              pf_rep_jput(o, "baselineState",
                  cJSON_CreateString(f->status == PF_STATUS_NEW ? "new" : "unchanged")) < 0 ||
              pf_rep_jput(o, "properties", props = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(props, "id", pf_rep_jstr(f->id)) < 0 || pf_rep_jput(props, "target", pf_rep_jstr(f->target)) < 0 ||
              pf_rep_jput(props, "outcome", pf_rep_jstr(pf_outcome_name(f->outcome))) < 0 ||
              pf_rep_jput(props, "status", pf_rep_jstr(pf_status_name(f->status))) < 0 ||
              pf_rep_jput(props, "signature", pf_rep_jstr(sig)) < 0 ||
              !cJSON_AddNumberToObject(props, "count", (double)f->count);
    if (!bad && f->mclass)
        bad = pf_rep_jput(props, "class", pf_rep_jstr(f->mclass)) < 0;
    if (!bad && f->path)
        bad = pf_rep_jput(props, "path", pf_rep_jstr(f->path)) < 0;
    if (!bad && f->reproducer)
        bad = pf_rep_jput(props, "reproducer", pf_rep_jstr(f->reproducer)) < 0;
    if (!bad && f->status == PF_STATUS_SUPPRESSED) {
        cJSON *sup = NULL, *s = NULL;
        bad = pf_rep_jput(o, "suppressions", sup = cJSON_CreateArray()) < 0 ||
              pf_rep_jput(sup, NULL, s = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(s, "kind", cJSON_CreateString("external")) < 0 ||
              pf_rep_jput(s, "justification", pf_rep_jstr(f->suppress_reason ? f->suppress_reason
                                                            : "suppressed")) < 0;
    }
    return pf_rep_jdone(o, bad);
}

static cJSON *rule(const pf_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    pf_buf d = PF_BUF_INIT;
    pf_buf_addf(&d, "%s (%s found by prodfuzz on production-shaped input)",
                rule_id(f), pf_outcome_name(f->outcome));
    cJSON *cfg = NULL;
    int bad = !o || pf_rep_jput(o, "id", pf_rep_jstr(rule_id(f))) < 0 ||
              pf_rep_jput(o, "name", pf_rep_jstr(rule_id(f))) < 0 ||
              pf_rep_jput(o, "shortDescription", text_obj(rule_id(f))) < 0 ||
              d.oom || pf_rep_jput(o, "fullDescription", text_obj(d.data)) < 0 ||
              pf_rep_jput(o, "defaultConfiguration", cfg = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(cfg, "level", cJSON_CreateString(level(f))) < 0;
    pf_buf_free(&d);
    return pf_rep_jdone(o, bad);
}

int pf_report_write_sarif(const pf_report *r, const char *path, pf_err *err)
{
    cJSON *root = cJSON_CreateObject(), *runs = NULL, *run = NULL, *tool = NULL,
          *drv = NULL, *rules = NULL, *results = NULL;
    int bad = !root || pf_rep_jput(root, "$schema", cJSON_CreateString(SARIF_SCHEMA)) < 0 ||
              pf_rep_jput(root, "version", cJSON_CreateString("2.1.0")) < 0 ||
              pf_rep_jput(root, "runs", runs = cJSON_CreateArray()) < 0 ||
              pf_rep_jput(runs, NULL, run = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(run, "tool", tool = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(tool, "driver", drv = cJSON_CreateObject()) < 0 ||
              pf_rep_jput(drv, "name", cJSON_CreateString("prodfuzz")) < 0 ||
              pf_rep_jput(drv, "version", cJSON_CreateString(PF_VERSION)) < 0 ||
              pf_rep_jput(drv, "semanticVersion", cJSON_CreateString(PF_VERSION)) < 0 ||
              pf_rep_jput(drv, "rules", rules = cJSON_CreateArray()) < 0 ||
              pf_rep_jput(run, "results", results = cJSON_CreateArray()) < 0;
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
            bad = pf_rep_jput(rules, NULL, rule(f)) < 0;
        }
        bad = bad || pf_rep_jput(results, NULL, result(r, f, (int)k)) < 0;
    }
    /* no automationDetails.id: GitHub takes it as the analysis category,
     * and a per-run id would keep every earlier alert open forever */
    free(ids);
    return pf_rep_commit_json(pf_rep_jdone(root, bad), path, err);
}
