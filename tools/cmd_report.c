/*
 * prodfuzz report: render a report.json (written by check, diff,
 * seed-tests or nightly) again in any of the report formats: Markdown,
 * SARIF, JUnit XML, HTML, or JSON (normalized). For CI steps that want one
 * format somewhere else, and for `make test-browser`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pf_buf.h"
#include "pf_fs.h"
#include "pf_report.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_report = {"report", "render a report.json as Markdown, SARIF, JUnit or HTML",
    "usage: prodfuzz report REPORT.json --out DIR [--format LIST] [--src-root DIR]\n"
    "                       [--json]\n"
    "\n"
    "Reads a report.json (format \"prodfuzz-report\", see docs/reports.md) and\n"
    "writes the formats in LIST into DIR, each atomically: report.json,\n"
    "report.md, report.sarif, junit.xml, report.html (one self-contained page\n"
    "with charts).\n"
    "\n"
    "  --out DIR        where to write (created when missing)\n"
    "  --format LIST    comma-separated: json,md,sarif,junit,html (default: all)\n"
    "  --src-root DIR   SARIF locations are made relative to DIR (default: the\n"
    "                   current folder, which should be the repository root)\n"
    "  --json           print what was written as one JSON object on stdout\n"
    "\n"
    "Exit: 0 written, 2 bad option or not a prodfuzz report, 3 cannot write.\n"
    "The findings do not change the exit code: the command that made the\n"
    "report already decided it.\n"
    "\n"
    "Example:\n"
    "  echo '{\"format\":\"prodfuzz-report\",\"version\":1,\"targets\":[{\"name\":\"orders\"}]}' >/tmp/report.json\n"
    "  prodfuzz report /tmp/report.json --out /tmp/pf-report --format html,sarif\n",
    run};

enum { OPT_OUT = CLI_OPT_FIRST_FREE, OPT_FORMAT, OPT_SRC_ROOT, OPT_JSON };

static const struct {
    const char *name, *file;
    int (*write)(const pf_report *, const char *, pf_err *);
} formats[] = {
    {"json", "report.json", pf_report_write_json},
    {"md", "report.md", pf_report_write_md},
    {"sarif", "report.sarif", pf_report_write_sarif},
    {"junit", "junit.xml", pf_report_write_junit},
    {"html", "report.html", pf_report_write_html},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

static int parse_formats(const char *list, int *want)
{
    char *dup = strdup(list), *save = NULL;
    if (!dup)
        return -1;
    int any = 0;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (k < NFORMATS && strcmp(formats[k].name, t) != 0)
            k++;
        if (k == NFORMATS) {
            cli_usage(&pf_cmd_report, "--format: unknown format '%s' (json, md, sarif, junit, html)", t);
            free(dup);
            return -1;
        }
        want[k] = 1;
        any = 1;
    }
    free(dup);
    if (!any) {
        cli_usage(&pf_cmd_report, "--format: give at least one format");
        return -1;
    }
    return 0;
}

static int run(int argc, char **argv)
{
    static const struct option lo[] = {
        {"out", required_argument, 0, OPT_OUT},
        {"format", required_argument, 0, OPT_FORMAT},
        {"src-root", required_argument, 0, OPT_SRC_ROOT},
        {"json", no_argument, 0, OPT_JSON},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *out = NULL, *src_root = NULL;
    int want[NFORMATS] = {0}, all = 1, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_FORMAT:
            if (parse_formats(optarg, want) < 0)
                return EXIT_USAGE;
            all = 0;
            break;
        case OPT_SRC_ROOT:
            src_root = optarg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        default: {
            int r = cli_rest_opt(&pf_cmd_report, c, optarg);
            if (r != CLI_GO_ON)
                return r;
        }
        }
    }
    if (optind >= argc)
        return cli_usage(&pf_cmd_report, "give the report.json to render");
    if (optind + 1 < argc)
        return cli_usage(&pf_cmd_report, "unexpected argument '%s'", argv[optind + 1]);
    if (!out)
        return cli_usage(&pf_cmd_report, "--out DIR is required");
    pf_err err = PF_ERR_INIT;
    pf_report r;
    if (pf_report_load_json(argv[optind], &r, &err) < 0)
        return cli_fail(&err);
    if (src_root && !(r.src_root = strdup(src_root))) {
        pf_report_free(&r);
        pf_err_set(&err, PF_E_NOMEM, "out of memory");
        return cli_fail(&err);
    }
    if (pf_fs_mkdirs(out, 0755, &err) < 0) {
        pf_report_free(&r);
        return cli_fail(&err);
    }
    pf_buf line = PF_BUF_INIT;
    if (json) {
        pf_buf_adds(&line, "{\"out\":");
        pf_buf_add_json_str(&line, out, strlen(out));
        pf_buf_adds(&line, ",\"files\":[");
    }
    int n = 0;
    for (size_t k = 0; k < NFORMATS; k++) {
        if (!all && !want[k])
            continue;
        pf_buf p = PF_BUF_INIT;
        pf_buf_addf(&p, "%s/%s", out, formats[k].file);
        if (pf_buf_ok(&p, &err) < 0 || formats[k].write(&r, p.data, &err) < 0) {
            pf_buf_free(&p);
            pf_buf_free(&line);
            pf_report_free(&r);
            return cli_fail(&err);
        }
        if (json) {
            if (n)
                pf_buf_addc(&line, ',');
            pf_buf_add_json_str(&line, p.data, p.len);
        } else if (!pf_cli_g.quiet) {
            printf("%s\n", p.data);
        }
        n++;
        pf_buf_free(&p);
    }
    if (json) {
        pf_buf_addf(&line, "],\"findings\":%zu,\"failing\":%zu}", r.nfindings,
                    pf_report_count_failing(&r));
        printf("%s\n", pf_buf_str(&line));
    }
    pf_buf_free(&line);
    pf_report_free(&r);
    return 0;
}
