/*
 * prodfuzz harness init: write a ready fuzz target around a user's own
 * parse (and optionally serialize) function, on the harness kit
 * (harnesses/kit/prodfuzz_harness.h, installed with the headers), and
 * print the lines that build and run it.
 *
 * The file is a handful of #defines and one #include: the kit turns them
 * into LLVMFuzzerTestOneInput with the adapter the parse function's
 * signature needs, the round-trip check, the heap cap and time limit. The
 * command only checks that the names it is given are C identifiers (they
 * are pasted into C), so what it writes always compiles when they exist.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "pf_buf.h"
#include "pf_fs.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_harness = {"harness", "write a fuzz target around your own parse function (the harness kit)",
    "usage: prodfuzz harness init NAME --parse FUNCTION [options]\n"
    "\n"
    "Writes NAME_fuzz.c: a libFuzzer/AFL++ target on the harness kit\n"
    "(prodfuzz_harness.h) around your parse function, with the prodfuzz\n"
    "mutator's shape profile, an optional round trip (serialize(parse(x))\n"
    "must parse back equal), a heap cap per input (512 MiB: one 2 GiB\n"
    "malloc is a finding, as in a 512 MiB container) and a time limit per\n"
    "input. Then prints the lines that build it (libFuzzer and AFL++) and\n"
    "run it. The kit's settings are documented in the header itself.\n"
    "\n"
    "Options:\n"
    "  --parse FUNCTION      the parse function (required); returns 0 when it\n"
    "                        accepts the input\n"
    "  --signature KIND      its arguments: len (const char *, size_t[, T *]),\n"
    "                        bytes (const uint8_t *, size_t[, T *]),\n"
    "                        str (const char *[, T *], NUL-terminated) or\n"
    "                        file (FILE *[, T *]); default len\n"
    "  --type TYPE           T, what parse fills ('struct order'); without\n"
    "                        it parse takes no output argument\n"
    "  --serialize FUNCTION  char *f(const T *): turns on the round trip\n"
    "  --equal FUNCTION      int f(const T *, const T *), non-zero when equal;\n"
    "                        without it the serialized text is compared\n"
    "  --release FUNCTION    void f(T *): frees what parse allocated in T\n"
    "  --include HEADER      header declaring them (repeatable)\n"
    "  --source FILE         C file to compile with it, for the printed\n"
    "                        build line (repeatable)\n"
    "  --shape PROFILE       compiled-in shape profile (PRODFUZZ_SHAPE wins)\n"
    "  --heap-mb N           heap cap per input in MiB (512; 0 off)\n"
    "  --timeout-ms N        time limit per input (5000; 0 off)\n"
    "  -o, --output FILE     the file to write (default NAME_fuzz.c)\n"
    "  --force               replace an existing file\n"
    "  --json                print the file and the lines as JSON\n"
    "\n"
    "Exit: 0 written, 2 bad option or the file exists (without --force),\n"
    "3 cannot write.\n"
    "\n"
    "Example:\n"
    "  cd /tmp && prodfuzz harness init orders --parse parse_order --type 'struct order' \\\n"
    "      --include order.h --source order.c --serialize order_to_json --force\n", run};

enum { O_PARSE = CLI_OPT_FIRST_FREE, O_SIG, O_TYPE, O_SER, O_EQ, O_REL, O_INC, O_SRC,
       O_SHAPE, O_HEAP, O_TIMEOUT, O_FORCE, O_JSON };

#define MAX_LIST 16

typedef struct opts {
    const char *name, *parse, *sig, *type, *ser, *eq, *rel, *shape, *out;
    const char *inc[MAX_LIST], *src[MAX_LIST];
    int ninc, nsrc, force, json;
    uint64_t heap_mb, timeout_ms;
} opts;

static int is_ident(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

/* a C type name: identifiers, spaces and '*' ("struct order", "order_t") */
static int is_type(const char *s)
{
    if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == ' ' || *s == '*'))
            return 0;
    return 1;
}

/* a path pasted into "..." in C and into a shell line: no quotes,
 * backslashes, newlines or shell metacharacters */
static int is_plain_path(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || strchr("/._-+@%,=:", *s)))
            return 0;
    return 1;
}

static void write_file(const opts *o, pf_buf *b)
{
    pf_buf_addf(b, "/*\n * %s_fuzz: a fuzz target for %s() on the prodfuzz harness kit\n"
                   " * (prodfuzz_harness.h documents every setting). Written by\n"
                   " * `prodfuzz harness init`; edit freely.\n */\n",
                o->name, o->parse);
    pf_buf_adds(b, "#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n");
    for (int i = 0; i < o->ninc; i++)
        pf_buf_addf(b, "#include \"%s\"\n", o->inc[i]);
    pf_buf_adds(b, "\n");
    if (o->type)
        pf_buf_addf(b, "#define PF_KIT_TYPE %s\n", o->type);
    const char *sig = !strcmp(o->sig, "len") ? "LEN" : !strcmp(o->sig, "bytes") ? "BYTES"
                      : !strcmp(o->sig, "str") ? "STR" : "FILE";
    pf_buf_addf(b, "#define PF_KIT_PARSE_%s %s\n", sig, o->parse);
    if (o->ser)
        pf_buf_addf(b, "#define PF_KIT_SERIALIZE %s\n", o->ser);
    if (o->eq)
        pf_buf_addf(b, "#define PF_KIT_EQUAL %s\n", o->eq);
    if (o->rel)
        pf_buf_addf(b, "#define PF_KIT_RELEASE %s\n", o->rel);
    if (o->shape)
        pf_buf_addf(b, "#define PF_KIT_SHAPE \"%s\"\n", o->shape);
    if (o->heap_mb != 512)
        pf_buf_addf(b, "#define PF_KIT_HEAP_MB %llu\n", (unsigned long long)o->heap_mb);
    if (o->timeout_ms != 5000)
        pf_buf_addf(b, "#define PF_KIT_TIMEOUT_MS %llu\n", (unsigned long long)o->timeout_ms);
    pf_buf_adds(b, "#include <prodfuzz_harness.h>\n");
}

static void lines(const opts *o, pf_buf *build, pf_buf *afl, pf_buf *runl)
{
    pf_buf srcs = PF_BUF_INIT;
    for (int i = 0; i < o->nsrc; i++)
        pf_buf_addf(&srcs, " %s", o->src[i]);
    pf_buf_addf(build, "clang -g -O1 -fsanitize=fuzzer,address,undefined %s%s "
                       "$(pkg-config --cflags --libs prodfuzz-libfuzzer) -o %s_fuzz",
                o->out, pf_buf_str(&srcs), o->name);
    /* the mutator runs inside afl-fuzz (prodfuzz_afl.so): the target
     * gets AFL++'s driver and the plain library (for -lcjson and the rest) */
    pf_buf_addf(afl, "afl-clang-fast -g -O1 -fsanitize=address %s%s "
                     "/usr/lib/afl/libAFLDriver.a $(pkg-config --cflags --libs prodfuzz) "
                     "-o %s_afl",
                o->out, pf_buf_str(&srcs), o->name);
    /* libFuzzer writes new inputs into the first folder: a working folder
     * first, the production corpus after it as read-only seeds */
    pf_buf_addf(runl, "mkdir -p work corpus && %s./%s_fuzz -max_len=1048576 -timeout=10 "
                      "work/ corpus/",
                o->shape ? "" : "PRODFUZZ_SHAPE=shape.json ", o->name);
    pf_buf_free(&srcs);
}

static int init(opts *o)
{
    if (!is_ident(o->name))
        return cli_usage(&pf_cmd_harness, "NAME must be a C identifier (letters, digits, _)");
    if (!o->parse)
        return cli_usage(&pf_cmd_harness, "--parse FUNCTION is required");
    const char *fns[] = {o->parse, o->ser, o->eq, o->rel};
    const char *what[] = {"--parse", "--serialize", "--equal", "--release"};
    for (int i = 0; i < 4; i++)
        if (fns[i] && !is_ident(fns[i]))
            return cli_usage(&pf_cmd_harness, "%s: a function name is a C identifier", what[i]);
    if (strcmp(o->sig, "len") && strcmp(o->sig, "bytes") && strcmp(o->sig, "str") &&
        strcmp(o->sig, "file"))
        return cli_usage(&pf_cmd_harness, "--signature: len, bytes, str or file");
    if (o->type && !is_type(o->type))
        return cli_usage(&pf_cmd_harness, "--type: a C type name such as 'struct order'");
    if ((o->ser || o->eq || o->rel) && !o->type)
        return cli_usage(&pf_cmd_harness, "--serialize, --equal and --release need --type "
                                          "(the value parse fills)");
    if (o->eq && !o->ser)
        return cli_usage(&pf_cmd_harness, "--equal compares round trips: it needs --serialize");
    for (int i = 0; i < o->ninc; i++)
        if (!is_plain_path(o->inc[i]))
            return cli_usage(&pf_cmd_harness, "--include: a plain file name (no quotes or spaces)");
    for (int i = 0; i < o->nsrc; i++)
        if (!is_plain_path(o->src[i]))
            return cli_usage(&pf_cmd_harness, "--source: a plain file name (no quotes or spaces)");
    if (o->shape && !is_plain_path(o->shape))
        return cli_usage(&pf_cmd_harness, "--shape: a plain file name (no quotes or spaces)");

    char deflt[256];
    if (!o->out) {
        snprintf(deflt, sizeof deflt, "%s_fuzz.c", o->name);
        o->out = deflt;
    }
    if (!is_plain_path(o->out))
        return cli_usage(&pf_cmd_harness, "--output: a plain file name (no quotes or spaces)");
    struct stat st;
    if (!o->force && stat(o->out, &st) == 0) {
        cli_error("%s exists; pass --force to replace it", o->out);
        return EXIT_USAGE;
    }

    pf_buf file = PF_BUF_INIT, build = PF_BUF_INIT, afl = PF_BUF_INIT, runl = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    write_file(o, &file);
    lines(o, &build, &afl, &runl);
    int rc = 0;
    if (pf_buf_ok(&file, &err) < 0 || pf_buf_ok(&build, &err) < 0 || pf_buf_ok(&afl, &err) < 0 ||
        pf_buf_ok(&runl, &err) < 0 || pf_fs_write_atomic(o->out, file.data, file.len, 0644, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (o->json) {
        pf_buf j = PF_BUF_INIT;
        pf_buf_adds(&j, "{\"file\":");
        pf_buf_add_json_str(&j, o->out, strlen(o->out));
        pf_buf_adds(&j, ",\"build\":");
        pf_buf_add_json_str(&j, build.data, build.len);
        pf_buf_adds(&j, ",\"build_afl\":");
        pf_buf_add_json_str(&j, afl.data, afl.len);
        pf_buf_adds(&j, ",\"run\":");
        pf_buf_add_json_str(&j, runl.data, runl.len);
        pf_buf_adds(&j, "}\n");
        fputs(pf_buf_str(&j), stdout);
        pf_buf_free(&j);
    } else {
        printf("# wrote %s; build it for libFuzzer with the prodfuzz mutator:\n%s\n"
               "# run it (make a shape profile first: prodfuzz shape CORPUS -o shape.json);\n"
               "# new inputs go to work/, corpus/ (prodfuzz sample --out corpus) is only read:\n%s\n"
               "# or for AFL++ (run with AFL_CUSTOM_MUTATOR_LIBRARY=.../prodfuzz_afl.so):\n%s\n",
               o->out, build.data, runl.data, afl.data);
    }
out:
    pf_buf_free(&file);
    pf_buf_free(&build);
    pf_buf_free(&afl);
    pf_buf_free(&runl);
    return rc;
}

static int run(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_COMMON_LONGOPTS,
        {"parse", required_argument, 0, O_PARSE},
        {"signature", required_argument, 0, O_SIG},
        {"type", required_argument, 0, O_TYPE},
        {"serialize", required_argument, 0, O_SER},
        {"equal", required_argument, 0, O_EQ},
        {"release", required_argument, 0, O_REL},
        {"include", required_argument, 0, O_INC},
        {"source", required_argument, 0, O_SRC},
        {"shape", required_argument, 0, O_SHAPE},
        {"heap-mb", required_argument, 0, O_HEAP},
        {"timeout-ms", required_argument, 0, O_TIMEOUT},
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, O_FORCE},
        {"json", no_argument, 0, O_JSON},
        {0, 0, 0, 0}};
    opts o;
    memset(&o, 0, sizeof o);
    o.sig = "len";
    o.heap_mb = 512;
    o.timeout_ms = 5000;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case O_PARSE: o.parse = optarg; break;
        case O_SIG: o.sig = optarg; break;
        case O_TYPE: o.type = optarg; break;
        case O_SER: o.ser = optarg; break;
        case O_EQ: o.eq = optarg; break;
        case O_REL: o.rel = optarg; break;
        case O_SHAPE: o.shape = optarg; break;
        case 'o': o.out = optarg; break;
        case O_FORCE: o.force = 1; break;
        case O_JSON: o.json = 1; break;
        case O_INC:
        case O_SRC: {
            int *n = c == O_INC ? &o.ninc : &o.nsrc;
            if (*n >= MAX_LIST)
                return cli_usage(&pf_cmd_harness, "at most %d --include and --source each", MAX_LIST);
            (c == O_INC ? o.inc : o.src)[(*n)++] = optarg;
            break;
        }
        case O_HEAP:
            if (cli_parse_u64(&pf_cmd_harness, "--heap-mb", optarg, &o.heap_mb) < 0)
                return EXIT_USAGE;
            break;
        case O_TIMEOUT:
            if (cli_parse_u64(&pf_cmd_harness, "--timeout-ms", optarg, &o.timeout_ms) < 0)
                return EXIT_USAGE;
            break;
        default: {
            int r = cli_rest_opt(&pf_cmd_harness, c, optarg);
            if (r != CLI_GO_ON)
                return r;
        }
        }
    }
    if (optind >= argc)
        return cli_usage(&pf_cmd_harness, "say what to do: prodfuzz harness init NAME --parse FUNCTION");
    if (strcmp(argv[optind], "init"))
        return cli_usage(&pf_cmd_harness, "unknown action '%s' (known: init)", argv[optind]);
    if (optind + 1 >= argc)
        return cli_usage(&pf_cmd_harness, "init needs a NAME");
    if (optind + 2 < argc)
        return cli_usage(&pf_cmd_harness, "one NAME only");
    o.name = argv[optind + 1];
    return init(&o);
}
