/*
 * pf_report_html: report.html, one self-contained page (no network, no
 * external scripts, styles or fonts): the summary, findings with status,
 * class, explanation and repro command, the targets' outcome tables, and
 * charts drawn here in C as inline SVG: coverage and executions per second
 * over the run per target, findings by class, and findings by night from
 * the history.
 *
 * A few lines of inline script only check the page itself: they record
 * script errors and how many charts have a non-zero size in <body>'s data
 * attributes (data-errors, data-charts, data-charts-empty for charts with
 * nothing to draw, data-charts-drawn), which `make test-browser` reads from
 * headless Chromium.
 */
#include "pf_report.h"

#include <math.h>
#include <string.h>

#include "pf_report_int.h"

#define W 560.0
#define H 220.0
#define ML 56.0 /* margins: left, right, top, bottom */
#define MR 16.0
#define MT 28.0
#define MB 34.0

static const char *status_color(pf_status s)
{
    switch (s) {
    case PF_STATUS_NEW: return "#c62828";
    case PF_STATUS_OPEN: return "#ef6c00";
    case PF_STATUS_FIXED: return "#2e7d32";
    default: return "#607d8b";
    }
}

/* A round upper bound for an axis: the smallest of 1, 1.2, 1.5, 2, 2.5, 3,
 * 4, 5, 6, 8, 10 times a power of ten that holds v. */
static double nice_max(double v)
{
    static const double steps[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    if (!(v > 0) || !isfinite(v))
        return 1;
    double p = pow(10, floor(log10(v)));
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] * p >= v * 0.9999)
            return steps[i] * p;
    return 10 * p;
}

/* The axis top for counts: a multiple of the 4 grid steps, so every tick is
 * a whole number. */
static double count_max(uint64_t v)
{
    double step = ceil((double)(v < 4 ? 4 : v) / 4);
    if (step > 10)
        step = ceil(nice_max(step));
    return step * 4;
}

static void svg_open(pf_buf *b, const char *kind, const char *title, int empty)
{
    pf_buf_addf(b, "<figure class=\"chart-box\"><svg class=\"chart\" data-kind=\"%s\"%s "
                   "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
                   "aria-label=\"",
                kind, empty ? " data-empty=\"1\"" : "", W, H, W, H);
    pf_rep_xml(b, title);
    pf_buf_addf(b, "\"><text x=\"%.0f\" y=\"18\" class=\"ct\">", ML);
    pf_rep_xml(b, title);
    pf_buf_adds(b, "</text>");
}

static void svg_close(pf_buf *b)
{
    pf_buf_adds(b, "</svg></figure>\n");
}

/* y grid with 4 steps up to ymax, x axis line. */
static void y_axis(pf_buf *b, double ymax)
{
    for (int i = 0; i <= 4; i++) {
        double v = ymax * i / 4, y = H - MB - (H - MT - MB) * i / 4;
        pf_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>",
                    ML, y, W - MR, y, i ? "grid" : "axis");
        pf_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"yl\">", ML - 6, y + 4);
        pf_rep_num(b, v);
        pf_buf_adds(b, "</text>");
    }
}

static void duration(pf_buf *b, double s)
{
    if (s >= 3600)
        pf_buf_addf(b, "%.1fh", s / 3600);
    else if (s >= 120)
        pf_buf_addf(b, "%.0fm", s / 60);
    else
        pf_buf_addf(b, "%.0fs", s);
}

static void line_chart(pf_buf *b, const char *title, const pf_point *p, size_t n,
                       const char *color)
{
    svg_open(b, "line", title, n == 0);
    if (!n) {
        pf_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"none\">no samples</text>",
                    W / 2, H / 2);
        svg_close(b);
        return;
    }
    double tmax = 0, vmax = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(p[i].t) && p[i].t > tmax)
            tmax = p[i].t;
        if (isfinite(p[i].value) && p[i].value > vmax)
            vmax = p[i].value;
    }
    if (tmax <= 0)
        tmax = 1;
    double ymax = nice_max(vmax);
    y_axis(b, ymax);
    for (int i = 0; i <= 4; i++) {
        double x = ML + (W - ML - MR) * i / 4;
        pf_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">", x, H - MB + 16);
        duration(b, tmax * i / 4);
        pf_buf_adds(b, "</text>");
    }
    pf_buf_addf(b, "<path class=\"series\" stroke=\"%s\" d=\"", color);
    /* a night sampled every second is 30000 points: one per pixel column
     * is enough (the last point always drawn) */
    size_t stride = n > 1000 ? n / 500 : 1;
    for (size_t i = 0; i < n; i = (i + stride < n || i == n - 1) ? i + stride : n - 1) {
        double t = isfinite(p[i].t) && p[i].t > 0 ? p[i].t : 0;
        double v = isfinite(p[i].value) && p[i].value > 0 ? p[i].value : 0;
        double x = ML + (W - ML - MR) * (t / tmax);
        double y = H - MB - (H - MT - MB) * (v / ymax);
        pf_buf_addf(b, "%s%.1f %.1f", i ? " L" : "M", x, y);
    }
    pf_buf_adds(b, "\"/>");
    if (n == 1) /* one sample: a dot, so it shows */
        pf_buf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
                    ML + (W - ML - MR) * (p[0].t > 0 ? p[0].t / tmax : 0),
                    H - MB - (H - MT - MB) * (p[0].value > 0 ? p[0].value / ymax : 0),
                    color);
    svg_close(b);
}

/* Findings by class: one bar per class, split by status. */
static void class_chart(pf_buf *b, const pf_report *r)
{
    const char *names[64];
    uint64_t counts[64][4];
    size_t n = 0;
    memset(counts, 0, sizeof(counts));
    for (size_t i = 0; i < r->nfindings; i++) {
        const pf_finding *f = &r->findings[i];
        const char *c = f->mclass ? f->mclass : "unknown";
        size_t k = 0;
        while (k < n && strcmp(names[k], c) != 0)
            k++;
        if (k == n) {
            if (n == 64)
                continue;
            names[n++] = c;
        }
        if ((unsigned)f->status < 4)
            counts[k][f->status]++;
    }
    svg_open(b, "bars", "Findings by class", n == 0);
    if (!n) {
        pf_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"none\">no findings</text>",
                    W / 2, H / 2);
        svg_close(b);
        return;
    }
    uint64_t max = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t s = counts[k][0] + counts[k][1] + counts[k][2] + counts[k][3];
        if (s > max)
            max = s;
    }
    double ymax = count_max(max);
    y_axis(b, ymax);
    double slot = (W - ML - MR) / (double)n, bw = slot * 0.6;
    for (size_t k = 0; k < n; k++) {
        double x = ML + slot * (double)k + (slot - bw) / 2, y = H - MB;
        for (int s = 0; s < 4; s++) {
            if (!counts[k][s])
                continue;
            double h = (H - MT - MB) * (double)counts[k][s] / ymax;
            y -= h;
            pf_buf_addf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\" fill=\"%s\"><title>",
                        x, y, bw, h, status_color((pf_status)s));
            pf_rep_xml(b, names[k]);
            pf_buf_addf(b, ": %llu %s</title></rect>", (unsigned long long)counts[k][s],
                        pf_status_name((pf_status)s));
        }
        pf_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">", x + bw / 2, H - MB + 16);
        pf_rep_xml(b, names[k]);
        pf_buf_adds(b, "</text>");
    }
    svg_close(b);
}

/* Findings by night: new, open and fixed stacked per earlier run. */
static void night_chart(pf_buf *b, const pf_report *r)
{
    svg_open(b, "nights", "Findings by night", r->nhistory == 0);
    if (!r->nhistory) {
        pf_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"none\">no history yet</text>",
                    W / 2, H / 2);
        svg_close(b);
        return;
    }
    uint64_t max = 0;
    for (size_t i = 0; i < r->nhistory; i++) {
        const pf_night *h = &r->history[i];
        uint64_t s = h->new_findings + h->open_findings + h->fixed_findings;
        if (s > max)
            max = s;
    }
    double ymax = count_max(max);
    y_axis(b, ymax);
    double slot = (W - ML - MR) / (double)r->nhistory, bw = slot * 0.6;
    size_t every = r->nhistory > 10 ? (r->nhistory + 9) / 10 : 1;
    for (size_t i = 0; i < r->nhistory; i++) {
        const pf_night *h = &r->history[i];
        uint64_t v[3] = {h->new_findings, h->open_findings, h->fixed_findings};
        pf_status st[3] = {PF_STATUS_NEW, PF_STATUS_OPEN, PF_STATUS_FIXED};
        double x = ML + slot * (double)i + (slot - bw) / 2, y = H - MB;
        for (int s = 0; s < 3; s++) {
            if (!v[s])
                continue;
            double hh = (H - MT - MB) * (double)v[s] / ymax;
            y -= hh;
            pf_buf_addf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\" fill=\"%s\"><title>",
                        x, y, bw, hh, status_color(st[s]));
            pf_rep_xml(b, h->date);
            pf_buf_addf(b, ": %llu %s</title></rect>", (unsigned long long)v[s],
                        pf_status_name(st[s]));
        }
        if (i % every == 0) {
            /* the date part of an RFC 3339 time, as MM-DD */
            char d[6] = "";
            if (h->date && strlen(h->date) >= 10)
                memcpy(d, h->date + 5, 5);
            pf_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">", x + bw / 2,
                        H - MB + 16);
            pf_rep_xml(b, d);
            pf_buf_adds(b, "</text>");
        }
    }
    svg_close(b);
}

static const char *CSS =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "margin:0;color:#1f2328;background:#f6f8fa}"
    "main{max-width:1200px;margin:0 auto;padding:24px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}"
    "h3{font-size:15px;margin:18px 0 8px}"
    ".meta{color:#57606a}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}"
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;"
    "min-width:110px}.card b{display:block;font-size:22px}"
    "table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}"
    "th,td{padding:6px 10px;border-bottom:1px solid #eaeef2;text-align:left;"
    "vertical-align:top}th{background:#f6f8fa;font-weight:600}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    ".badge{display:inline-block;border-radius:10px;padding:1px 8px;color:#fff;"
    "font-size:12px;font-weight:600}"
    "code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    "pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px;"
    "overflow:auto;white-space:pre-wrap;word-break:break-all}"
    "details{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px 14px;"
    "margin:8px 0}summary{cursor:pointer;font-weight:600}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px}"
    ".chart-box{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;"
    "padding:6px}"
    "svg.chart{display:block;max-width:100%;height:auto}"
    "svg .ct{font-size:13px;font-weight:600;fill:#1f2328}"
    "svg .yl{font-size:11px;fill:#57606a;text-anchor:end}"
    "svg .xl{font-size:11px;fill:#57606a;text-anchor:middle}"
    "svg .none{font-size:13px;fill:#8c959f;text-anchor:middle}"
    "svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}"
    "svg .series{fill:none;stroke-width:2}"
    ".legend span{margin-right:14px}.legend i{display:inline-block;width:10px;"
    "height:10px;border-radius:2px;margin-right:4px}";

/* Records script errors and measures the charts (see the file comment). */
static const char *SCRIPT =
    "(function(){var d=document.body.dataset;d.errors='0';"
    "window.addEventListener('error',function(){d.errors=String(+d.errors+1);});"
    "window.addEventListener('load',function(){var n=0,c=document.querySelectorAll("
    "'svg.chart'),e=0;for(var i=0;i<c.length;i++){var r=c[i].getBoundingClientRect();"
    "if(c[i].hasAttribute('data-empty'))e++;"
    "else if(r.width>0&&r.height>0&&c[i].querySelector('path.series,rect.bar'))n++;}"
    "d.charts=String(c.length);d.chartsEmpty=String(e);d.chartsDrawn=String(n);});})();";

static void badge(pf_buf *b, pf_status s)
{
    pf_buf_addf(b, "<span class=\"badge\" style=\"background:%s\">%s</span>",
                status_color(s), pf_status_name(s));
}

static void legend(pf_buf *b)
{
    pf_buf_adds(b, "<p class=\"legend\">");
    for (int s = 0; s < 4; s++)
        pf_buf_addf(b, "<span><i style=\"background:%s\"></i>%s</span>",
                    status_color((pf_status)s), pf_status_name((pf_status)s));
    pf_buf_adds(b, "</p>\n");
}

static void findings(pf_buf *b, const pf_report *r)
{
    pf_buf_adds(b, "<h2>Findings</h2>\n");
    if (!r->nfindings) {
        pf_buf_adds(b, "<p>No findings.</p>\n");
        return;
    }
    pf_buf_adds(b, "<table><thead><tr><th>Status</th><th>Id</th><th>Target</th>"
                   "<th>Outcome</th><th>Class</th><th>Title</th><th>Inputs</th>"
                   "</tr></thead><tbody>\n");
    for (size_t i = 0; i < r->nfindings; i++) {
        const pf_finding *f = &r->findings[i];
        pf_buf_adds(b, "<tr><td>");
        badge(b, f->status);
        pf_buf_adds(b, "</td><td><a href=\"#f-");
        pf_rep_xml(b, f->id);
        pf_buf_adds(b, "\"><code>");
        pf_rep_xml(b, f->id);
        pf_buf_adds(b, "</code></a></td><td>");
        pf_rep_xml(b, f->target);
        pf_buf_addf(b, "</td><td>%s</td><td>", pf_outcome_name(f->outcome));
        pf_rep_xml(b, f->mclass ? f->mclass : "");
        pf_buf_adds(b, "</td><td>");
        pf_rep_xml(b, f->title ? f->title : f->kind);
        pf_buf_addf(b, "</td><td class=\"n\">%llu</td></tr>\n",
                    (unsigned long long)f->count);
    }
    pf_buf_adds(b, "</tbody></table>\n");
    for (size_t i = 0; i < r->nfindings; i++) {
        const pf_finding *f = &r->findings[i];
        pf_buf_adds(b, "<details id=\"f-");
        pf_rep_xml(b, f->id);
        pf_buf_addf(b, "\"%s><summary>", f->status == PF_STATUS_NEW ? " open" : "");
        badge(b, f->status);
        pf_buf_adds(b, " <code>");
        pf_rep_xml(b, f->id);
        pf_buf_adds(b, "</code> ");
        pf_rep_xml(b, f->title ? f->title : f->kind);
        pf_buf_adds(b, "</summary>\n<p>");
        pf_buf_addf(b, "Outcome <b>%s</b>, %llu input%s", pf_outcome_name(f->outcome),
                    (unsigned long long)f->count, f->count == 1 ? "" : "s");
        if (f->mclass) {
            pf_buf_adds(b, ", class <code>");
            pf_rep_xml(b, f->mclass);
            pf_buf_adds(b, "</code>");
        }
        if (f->path) {
            pf_buf_adds(b, " at <code>");
            pf_rep_xml(b, f->path);
            pf_buf_adds(b, "</code>");
        }
        if (f->first_seen) {
            pf_buf_adds(b, "; first seen ");
            pf_rep_xml(b, f->first_seen);
        }
        if (f->last_seen) {
            pf_buf_adds(b, ", last seen ");
            pf_rep_xml(b, f->last_seen);
        }
        pf_buf_adds(b, ".</p>\n");
        if (f->status == PF_STATUS_SUPPRESSED) {
            pf_buf_adds(b, "<p>Suppressed: ");
            pf_rep_xml(b, f->suppress_reason ? f->suppress_reason : "no reason given");
            if (f->suppress_until) {
                pf_buf_adds(b, " (until ");
                pf_rep_xml(b, f->suppress_until);
                pf_buf_adds(b, ")");
            }
            pf_buf_adds(b, "</p>\n");
        }
        if (f->nexplain) {
            pf_buf_adds(b, "<ul class=\"explain\">");
            for (size_t k = 0; k < f->nexplain; k++) {
                pf_buf_adds(b, "<li>");
                pf_rep_xml(b, f->explain[k]);
                pf_buf_adds(b, "</li>");
            }
            pf_buf_adds(b, "</ul>\n");
        }
        if (f->repro_cmd) {
            pf_buf_adds(b, "<p>Reproduce:</p><pre><code>");
            pf_rep_xml(b, f->repro_cmd);
            pf_buf_adds(b, "</code></pre>\n");
        }
        if (f->reproducer) {
            pf_buf_adds(b, "<p>Reproducer <code>");
            pf_rep_xml(b, f->reproducer);
            pf_buf_addf(b, "</code> (%llu bytes)", (unsigned long long)f->repro_bytes);
            if (f->top_file) {
                pf_buf_adds(b, "; top frame <code>");
                pf_rep_xml(b, f->top_file);
                if (f->top_line > 0)
                    pf_buf_addf(b, ":%d", f->top_line);
                pf_buf_adds(b, "</code>");
            }
            pf_buf_adds(b, ".</p>\n");
        }
        pf_buf_adds(b, "<p class=\"meta\">Signature <code>");
        pf_rep_xml(b, f->signature);
        pf_buf_adds(b, "</code></p>\n");
        if (f->stack) {
            pf_buf_adds(b, "<pre class=\"stack\">");
            pf_rep_xml(b, f->stack);
            pf_buf_adds(b, "</pre>\n");
        }
        pf_buf_adds(b, "</details>\n");
    }
}

static void targets(pf_buf *b, const pf_report *r)
{
    pf_buf_adds(b, "<h2>Targets</h2>\n");
    if (!r->ntargets) {
        pf_buf_adds(b, "<p>No targets.</p>\n");
        return;
    }
    pf_buf_adds(b, "<table><thead><tr><th>Target</th><th>Engine</th><th>Inputs</th>"
                   "<th>Seconds</th><th>Execs/s</th><th>Line coverage</th>");
    for (int o = 0; o < PF_OUT__COUNT; o++)
        pf_buf_addf(b, "<th>%s</th>", pf_outcome_name((pf_outcome)o));
    pf_buf_adds(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < r->ntargets; i++) {
        const pf_report_target *t = &r->targets[i];
        pf_buf_adds(b, "<tr><td>");
        pf_rep_xml(b, t->name);
        if (t->error) {
            pf_buf_adds(b, " <span class=\"badge\" style=\"background:#c62828\">error</span> ");
            pf_rep_xml(b, t->error_msg ? t->error_msg : "could not be built or run");
        }
        pf_buf_adds(b, "</td><td>");
        pf_rep_xml(b, t->engine);
        pf_buf_adds(b, "</td><td class=\"n\">");
        pf_rep_num(b, (double)t->inputs);
        pf_buf_addf(b, "</td><td class=\"n\">%.1f</td><td class=\"n\">", t->seconds);
        pf_rep_num(b, t->seconds > 0 ? (double)t->inputs / t->seconds : 0);
        pf_buf_adds(b, "</td><td class=\"n\">");
        if (t->line_coverage >= 0)
            pf_buf_addf(b, "%.1f%%", t->line_coverage);
        else
            pf_buf_adds(b, "&ndash;");
        pf_buf_adds(b, "</td>");
        for (int o = 0; o < PF_OUT__COUNT; o++)
            pf_buf_addf(b, "<td class=\"n\">%llu</td>", (unsigned long long)t->outcomes[o]);
        pf_buf_adds(b, "</tr>\n");
    }
    pf_buf_adds(b, "</tbody></table>\n");
    for (size_t i = 0; i < r->ntargets; i++) {
        const pf_report_target *t = &r->targets[i];
        if (!t->nclasses)
            continue;
        pf_buf_adds(b, "<h3>Outcomes by mutation class: ");
        pf_rep_xml(b, t->name);
        pf_buf_adds(b, "</h3><table><thead><tr><th>Class</th>");
        for (int o = 0; o < PF_OUT__COUNT; o++)
            pf_buf_addf(b, "<th>%s</th>", pf_outcome_name((pf_outcome)o));
        pf_buf_adds(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < t->nclasses; k++) {
            pf_buf_adds(b, "<tr><td>");
            pf_rep_xml(b, t->classes[k]);
            pf_buf_adds(b, "</td>");
            for (int o = 0; o < PF_OUT__COUNT; o++)
                pf_buf_addf(b, "<td class=\"n\">%llu</td>",
                            (unsigned long long)t->by_class[k][o]);
            pf_buf_adds(b, "</tr>\n");
        }
        pf_buf_adds(b, "</tbody></table>\n");
    }
}

static void charts(pf_buf *b, const pf_report *r)
{
    pf_buf_adds(b, "<h2>Charts</h2>\n");
    legend(b);
    pf_buf_adds(b, "<div class=\"charts\">\n");
    class_chart(b, r);
    night_chart(b, r);
    pf_buf_adds(b, "</div>\n");
    for (size_t i = 0; i < r->ntargets; i++) {
        const pf_report_target *t = &r->targets[i];
        if (!t->ncoverage && !t->nexecs_per_s)
            continue;
        pf_buf_adds(b, "<h3>");
        pf_rep_xml(b, t->name);
        pf_buf_adds(b, "</h3><div class=\"charts\">\n");
        pf_buf cov = PF_BUF_INIT, eps = PF_BUF_INIT;
        pf_buf_adds(&cov, "Coverage (edges) over the run: ");
        pf_buf_adds(&cov, t->name);
        pf_buf_adds(&eps, "Executions per second: ");
        pf_buf_adds(&eps, t->name);
        line_chart(b, pf_buf_str(&cov), t->coverage, t->ncoverage, "#1565c0");
        line_chart(b, pf_buf_str(&eps), t->execs_per_s, t->nexecs_per_s, "#6a1b9a");
        if (cov.oom || eps.oom)
            b->oom = 1;
        pf_buf_free(&cov);
        pf_buf_free(&eps);
        pf_buf_adds(b, "</div>\n");
    }
}

int pf_report_write_html(const pf_report *r, const char *path, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    uint64_t st[4];
    pf_rep_status_counts(r, st);
    size_t failing = pf_report_count_failing(r);
    pf_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                    "<title>prodfuzz ");
    pf_rep_xml(&b, r->tool ? r->tool : "run");
    pf_buf_adds(&b, " report</title><style>");
    pf_buf_adds(&b, CSS);
    pf_buf_adds(&b, "</style></head>\n<body><main>\n<h1>prodfuzz ");
    pf_rep_xml(&b, r->tool ? r->tool : "run");
    pf_buf_adds(&b, " report</h1>\n<p class=\"meta\">");
    if (r->run_id) {
        pf_buf_adds(&b, "Run <code>");
        pf_rep_xml(&b, r->run_id);
        pf_buf_adds(&b, "</code>");
    }
    if (r->started) {
        pf_buf_adds(&b, ", ");
        pf_rep_xml(&b, r->started);
        if (r->finished) {
            pf_buf_adds(&b, " to ");
            pf_rep_xml(&b, r->finished);
        }
    }
    pf_buf_adds(&b, "</p>\n<div class=\"cards\">");
    pf_buf_addf(&b, "<div class=\"card\" style=\"border-color:%s\"><b>%zu</b>failing</div>",
                failing ? "#c62828" : "#2e7d32", failing);
    for (int s = 0; s < 4; s++)
        pf_buf_addf(&b, "<div class=\"card\"><b style=\"color:%s\">%llu</b>%s</div>",
                    status_color((pf_status)s), (unsigned long long)st[s],
                    pf_status_name((pf_status)s));
    pf_buf_addf(&b, "<div class=\"card\"><b>%zu</b>targets</div></div>\n", r->ntargets);
    findings(&b, r);
    charts(&b, r);
    targets(&b, r);
    pf_buf_adds(&b, "</main>\n<script>");
    pf_buf_adds(&b, SCRIPT);
    pf_buf_adds(&b, "</script>\n</body></html>\n");
    int rc = pf_rep_commit(&b, path, err);
    pf_buf_free(&b);
    return rc;
}
