/*
 * prodfuzz doctor: check what the other subcommands rely on and say how to
 * fix each gap. Exit 0 when everything required is there, 3 otherwise
 * (warnings alone do not fail).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pf_buf.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_doctor = {"doctor", "check the tools and system settings prodfuzz needs",
    "usage: prodfuzz doctor [--json]\n"
    "\n"
    "Checks clang and libFuzzer, AFL++ and the kernel's core_pattern,\n"
    "llvm-symbolizer, the PostgreSQL server binaries and cgroup v2, and\n"
    "says how to fix each gap.\n"
    "\n"
    "  --json        one JSON object: {\"ok\": bool, \"checks\": [...]}\n"
    "\n"
    "Exit: 0 all required checks pass, 3 something required is missing.\n"
    "\n"
    "Example:\n"
    "  prodfuzz doctor\n", run};

typedef struct check {
    const char *name;
    int required;
    int ok;
    char detail[256];
    char fix[256];
} check;

/* Run a shell command, capture the first line of its output. */
static int capture(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    out[0] = '\0';
    if (!fgets(out, (int)n, p))
        out[0] = '\0';
    char drain[256];
    while (fgets(drain, sizeof drain, p))
        ;
    int st = pclose(p);
    out[strcspn(out, "\n")] = '\0';
    return st;
}

static int in_path(const char *prog, char *where, size_t n)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s 2>/dev/null", prog);
    return capture(cmd, where, n) == 0 && where[0];
}

static int pg_bindir(char *out, size_t n)
{
    char d[256];
    if (capture("pg_config --bindir 2>/dev/null", d, sizeof d) == 0 && d[0]) {
        char p[300];
        snprintf(p, sizeof p, "%s/initdb", d);
        if (access(p, X_OK) == 0) {
            snprintf(out, n, "%s", d);
            return 1;
        }
    }
    DIR *dp = opendir("/usr/lib/postgresql");
    struct dirent *e;
    int found = 0;
    while (dp && (e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[300];
        snprintf(p, sizeof p, "/usr/lib/postgresql/%s/bin/initdb", e->d_name);
        if (access(p, X_OK) == 0) {
            snprintf(out, n, "/usr/lib/postgresql/%s/bin", e->d_name);
            found = 1;
        }
    }
    if (dp)
        closedir(dp);
    return found;
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
        if (c == 'j') {
            json = 1;
            continue;
        }
        int r = cli_common_opt(&pf_cmd_doctor, c, optarg);
        if (r)
            return r > 0 ? 0 : EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage(&pf_cmd_doctor, "unexpected argument '%s'", argv[optind]);

    check ck[8];
    int n = 0;
    char buf[256];
    memset(ck, 0, sizeof ck);

    check *k = &ck[n++];
    k->name = "clang";
    k->required = 1;
    if (in_path("clang", buf, sizeof buf)) {
        char v[256];
        capture("clang --version 2>/dev/null", v, sizeof v);
        k->ok = 1;
        snprintf(k->detail, sizeof k->detail, "%s", v);
    } else {
        snprintf(k->fix, sizeof k->fix, "apt-get install clang");
    }

    k = &ck[n++];
    k->name = "libfuzzer";
    k->required = 1;
    if (capture("clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null",
                buf, sizeof buf) == 0 && buf[0] == '/' && access(buf, R_OK) == 0) {
        k->ok = 1;
        snprintf(k->detail, sizeof k->detail, "%s", buf);
    } else if (capture("ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a "
                       "2>/dev/null", buf, sizeof buf) == 0 && buf[0]) {
        k->ok = 1;
        snprintf(k->detail, sizeof k->detail, "%s", buf);
    } else {
        snprintf(k->detail, sizeof k->detail, "libclang_rt.fuzzer not found");
        snprintf(k->fix, sizeof k->fix, "apt-get install libclang-rt-14-dev");
    }

    k = &ck[n++];
    k->name = "afl-fuzz";
    k->required = 1;
    if (in_path("afl-fuzz", buf, sizeof buf) && in_path("afl-clang-fast", buf, sizeof buf)) {
        k->ok = 1;
        snprintf(k->detail, sizeof k->detail, "afl-fuzz and afl-clang-fast found");
    } else {
        snprintf(k->fix, sizeof k->fix, "apt-get install afl++");
    }

    k = &ck[n++];
    k->name = "core_pattern";
    k->required = 0;
    FILE *cp = fopen("/proc/sys/kernel/core_pattern", "r");
    if (cp && fgets(buf, sizeof buf, cp)) {
        buf[strcspn(buf, "\n")] = '\0';
        snprintf(k->detail, sizeof k->detail, "%s", buf);
        k->ok = buf[0] != '|';
        if (!k->ok)
            snprintf(k->fix, sizeof k->fix,
                     "AFL++ wants crashes not piped to a handler: as root, "
                     "echo core > /proc/sys/kernel/core_pattern (or set "
                     "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1)");
    } else {
        snprintf(k->detail, sizeof k->detail, "cannot read /proc/sys/kernel/core_pattern");
    }
    if (cp)
        fclose(cp);

    k = &ck[n++];
    k->name = "llvm-symbolizer";
    k->required = 0;
    if (in_path("llvm-symbolizer", buf, sizeof buf)) {
        k->ok = 1;
        snprintf(k->detail, sizeof k->detail, "%s", buf);
    } else {
        snprintf(k->detail, sizeof k->detail, "stack traces will show addresses only");
        snprintf(k->fix, sizeof k->fix, "apt-get install llvm");
    }

    k = &ck[n++];
    k->name = "postgresql";
    k->required = 1;
    if (pg_bindir(buf, sizeof buf)) {
        k->ok = 1;
        snprintf(k->detail, sizeof k->detail, "initdb, pg_ctl and postgres in %s", buf);
    } else {
        snprintf(k->detail, sizeof k->detail, "initdb not found (needed by tests and the demo)");
        snprintf(k->fix, sizeof k->fix, "apt-get install postgresql");
    }

    k = &ck[n++];
    k->name = "cgroup-v2";
    k->required = 0;
    struct stat st;
    if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
        k->ok = 1;
        FILE *cg = fopen("/sys/fs/cgroup/cgroup.controllers", "r");
        buf[0] = '\0';
        if (cg) {
            if (!fgets(buf, sizeof buf, cg))
                buf[0] = '\0';
            fclose(cg);
        }
        buf[strcspn(buf, "\n")] = '\0';
        snprintf(k->detail, sizeof k->detail, "controllers: %s", buf[0] ? buf : "(none)");
    } else {
        snprintf(k->detail, sizeof k->detail, "no unified cgroup hierarchy; "
                 "memory limits fall back to RLIMIT_AS");
        snprintf(k->fix, sizeof k->fix, "boot with systemd.unified_cgroup_hierarchy=1");
    }

    int all_ok = 1;
    for (int i = 0; i < n; i++)
        if (ck[i].required && !ck[i].ok)
            all_ok = 0;
    if (json) {
        pf_buf b = PF_BUF_INIT;
        pf_buf_addf(&b, "{\"ok\":%s,\"checks\":[", all_ok ? "true" : "false");
        for (int i = 0; i < n; i++) {
            pf_buf_addf(&b, "%s{\"name\":\"%s\",\"required\":%s,\"ok\":%s,\"detail\":",
                        i ? "," : "", ck[i].name, ck[i].required ? "true" : "false",
                        ck[i].ok ? "true" : "false");
            pf_buf_add_json_str(&b, ck[i].detail, strlen(ck[i].detail));
            pf_buf_adds(&b, ",\"fix\":");
            pf_buf_add_json_str(&b, ck[i].fix, strlen(ck[i].fix));
            pf_buf_addc(&b, '}');
        }
        pf_buf_adds(&b, "]}\n");
        fwrite(b.data, 1, b.len, stdout);
        pf_buf_free(&b);
    } else {
        for (int i = 0; i < n; i++) {
            const char *mark = ck[i].ok ? "ok  " : (ck[i].required ? "FAIL" : "warn");
            printf("%s %-16s %s\n", mark, ck[i].name, ck[i].detail);
            if (!ck[i].ok && ck[i].fix[0])
                printf("     %-16s fix: %s\n", "", ck[i].fix);
        }
        printf("%s\n", all_ok ? "prodfuzz doctor: everything required is in place"
                              : "prodfuzz doctor: something required is missing (see FAIL above)");
    }
    return all_ok ? 0 : EXIT_ENV;
}
