/*
 * cli_runopts: the run options check, diff and seed-tests share, and the
 * input set they make. See cli_runopts.h.
 */
#include "cli_runopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_fs.h"
#include "pf_mutate.h"

void cli_runopts_init(cli_runopts *o)
{
    memset(o, 0, sizeof *o);
    o->mutants = 10;
    o->mutants_max = 1000000;
    o->seed = 1;
    o->shard_k = o->shard_n = 1;
    o->lim = (pf_limits){.mem_bytes = 512ull << 20, .timeout_s = 2.0,
                         .fsize_bytes = 256ull << 20, .nofile = 1024};
}

void cli_runopts_free(cli_runopts *o)
{
    free(o->repro_own);
    o->repro_own = NULL;
}

int cli_runopts_opt(const pf_cmd *cmd, cli_runopts *o, int c, const char *arg)
{
    pf_err err = PF_ERR_INIT;
    switch (c) {
    case CLI_RUN_SHAPE: o->shape_path = arg; return 1;
    case CLI_RUN_CLASSES: o->classes = arg; return 1;
    case CLI_RUN_REPRO: o->repro_dir = arg; return 1;
    case CLI_RUN_REPORT: o->report_dir = arg; return 1;
    case CLI_RUN_FRESH: o->fresh = 1; return 1;
    case CLI_RUN_JSON: o->json = 1; return 1;
    case CLI_RUN_MUTANTS:
        if (cli_parse_u64(cmd, "--mutants", arg, &o->mutants) < 0)
            return -1;
        if (o->mutants > o->mutants_max) {
            cli_usage(cmd, "--mutants must be at most %llu",
                      (unsigned long long)o->mutants_max);
            return -1;
        }
        return 1;
    case CLI_RUN_SEED:
        return cli_parse_u64(cmd, "--seed", arg, &o->seed) < 0 ? -1 : 1;
    case CLI_RUN_MEM:
        if (pf_parse_size(arg, &o->lim.mem_bytes, &err) < 0) {
            cli_usage(cmd, "--mem: %s", err.msg);
            return -1;
        }
        return 1;
    case CLI_RUN_TIMEOUT:
        if (pf_parse_duration(arg, &o->lim.timeout_s, &err) < 0) {
            cli_usage(cmd, "--timeout: %s", err.msg);
            return -1;
        }
        return 1;
    case CLI_RUN_SHARD: {
        char tail;
        if (sscanf(arg, "%u/%u%c", &o->shard_k, &o->shard_n, &tail) != 2 ||
            o->shard_n < 1 || o->shard_k < 1 || o->shard_k > o->shard_n) {
            cli_usage(cmd, "--shard wants K/N with 1 <= K <= N, e.g. 2/4");
            return -1;
        }
        return 1;
    }
    case CLI_RUN_MAX_DOC:
        return cli_parse_size(cmd, "--max-doc-size", arg, &o->max_doc) < 0 ? -1 : 1;
    default:
        return 0;
    }
}

int cli_runopts_inputs(const pf_cmd *cmd, const cli_runopts *o, char **paths,
                       size_t n, pf_inputs *in, pf_shape **shape)
{
    pf_err err = PF_ERR_INIT;
    unsigned mask = PF_M_ALL;
    if (o->classes && pf_mclass_parse(o->classes, &mask, &err) < 0)
        return cli_usage(cmd, "--classes: %s", err.msg);
    if ((o->shape_path && pf_shape_load(o->shape_path, shape, &err) < 0) ||
        (n && pf_inputs_read(in, paths, n, o->max_doc, &err) < 0) ||
        pf_inputs_mutants(in, in->n, o->mutants, mask, *shape, o->seed, 1u << 20,
                          &err) < 0 ||
        (o->shard_n > 1 && pf_inputs_shard(in, o->shard_k, o->shard_n, &err) < 0))
        return cli_fail(&err);
    return 0;
}

const char *cli_runopts_repro_dir(cli_runopts *o, const char *dflt)
{
    if (o->repro_dir)
        return o->repro_dir;
    if (!o->report_dir)
        return dflt;
    if (!o->repro_own && asprintf(&o->repro_own, "%s/reproducers", o->report_dir) < 0) {
        o->repro_own = NULL;
        return NULL;
    }
    return o->repro_own;
}

int cli_runopts_explainer(const cli_runopts *o, const pf_input *docs, size_t ndocs,
                          pf_explainer **x, pf_err *err)
{
    if (pf_explainer_new(x, err) < 0)
        return -1;
    if (o->shape_path) {
        pf_buf text = PF_BUF_INIT;
        int r = pf_fs_read_file(o->shape_path, (size_t)256 << 20, &text, err);
        if (r == 0)
            r = pf_explainer_set_shape(*x, pf_buf_str(&text), text.len, o->shape_path, err);
        pf_buf_free(&text);
        if (r < 0)
            return -1;
    }
    for (size_t i = 0; i < ndocs; i++)
        if (pf_explainer_add_doc(*x, docs[i].origin, (const uint8_t *)docs[i].data,
                                 docs[i].len, err) < 0)
            return -1;
    return 0;
}

int cli_runopts_begin(const pf_cmd *cmd, cli_runopts *o, char **paths, size_t n,
                      const char *dflt, pf_inputs *in, pf_shape **shape,
                      const char **repro_dir, pf_report *rep)
{
    if (n < 1)
        return cli_usage(cmd, "no input: give corpus folders, JSONL files or files");
    int rc = cli_runopts_inputs(cmd, o, paths, n, in, shape);
    if (rc)
        return rc;
    if (!(*repro_dir = cli_runopts_repro_dir(o, dflt)))
        return cli_usage(cmd, "out of memory");
    char stamp[32];
    cli_iso_now(stamp, sizeof stamp);
    rep->started = strdup(stamp);
    return 0;
}

int cli_runopts_open(const cli_runopts *o, const cli_target *ct, pf_report *rep,
                     pf_report_target **tgt, pf_runner **runner, pf_err *err)
{
    if (!(*tgt = pf_report_add_target(rep, ct->name, ct->engine, err)))
        return -1;
    return pf_runner_open(&ct->t, &o->lim, runner, err);
}

int cli_runopts_end(const cli_runopts *o, pf_report *rep, pf_err *err)
{
    char stamp[32];
    cli_iso_now(stamp, sizeof stamp);
    rep->finished = strdup(stamp);
    if (!o->report_dir)
        return 0;
    if (pf_fs_mkdirs(o->report_dir, 0755, err) < 0 ||
        pf_report_write_all(rep, o->report_dir, err) < 0)
        return -1;
    if (!o->json)
        printf("reports: %s/report.{json,md,sarif,html}, %s/junit.xml\n", o->report_dir,
               o->report_dir);
    return 0;
}
