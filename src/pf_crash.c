/*
 * pf_crash: parse sanitizer and libFuzzer reports into an error kind and
 * frames, and sign them the way ClusterFuzz's crash state does (pf_crash.h).
 *
 * Reading a report is three steps:
 *   1. find the first report header in the text (ASan/LSan/TSan/MSan
 *      "ERROR:"/"WARNING:" lines, UBSan "runtime error:" lines, libFuzzer's
 *      own "ERROR: libFuzzer: ..." lines, glibc assertion messages, and a
 *      shell's "Segmentation fault"-style death notes) and derive the kind;
 *   2. read the first stack after the header (ASan's "#N 0xADDR in f
 *      file:line:col" and "(module+0xoff)" forms, TSan's "#N f file:line"
 *      form) and mark which frames are the target's own code;
 *   3. sign: kind plus the top three own frames, each "function
 *      file:line" with the folder stripped and no column, so the signature
 *      survives ASLR, another build folder and a recompile that moves
 *      columns.
 *
 * Nothing here runs a program; pf_run hands the captured stderr in.
 */
#include "pf_crash.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_crash_init(pf_crash *c)
{
    memset(c, 0, sizeof(*c));
}

void pf_crash_free(pf_crash *c)
{
    for (int i = 0; i < c->nframes; i++) {
        free(c->frames[i].func);
        free(c->frames[i].file);
        free(c->frames[i].module);
    }
    free(c->signature);
    pf_crash_init(c);
}

/* ---- small text helpers ---------------------------------------------- */

typedef struct line {
    const char *p;
    size_t n;
} line;

static int next_line(const char *text, size_t len, size_t *pos, line *out)
{
    if (*pos >= len)
        return 0;
    const char *s = text + *pos;
    const char *e = memchr(s, '\n', len - *pos);
    size_t n = e ? (size_t)(e - s) : len - *pos;
    *pos += n + (e ? 1 : 0);
    if (n && s[n - 1] == '\r')
        n--;
    out->p = s;
    out->n = n;
    return 1;
}

/* memmem for a line */
static const char *lfind(line l, const char *needle)
{
    size_t k = strlen(needle);
    if (k > l.n)
        return NULL;
    for (size_t i = 0; i + k <= l.n; i++)
        if (memcmp(l.p + i, needle, k) == 0)
            return l.p + i;
    return NULL;
}

/* Decimal digits at p (before end), without reading past end. */
static unsigned long long num_at(const char *p, const char *end)
{
    unsigned long long v = 0;
    while (p < end && isdigit((unsigned char)*p) && v < 100000000000ULL)
        v = v * 10 + (unsigned)(*p++ - '0');
    return v;
}

/* Does [p, end) start with word? */
static int has_at(const char *p, const char *end, const char *word)
{
    size_t k = strlen(word);
    return (size_t)(end - p) >= k && memcmp(p, word, k) == 0;
}

static char *dupn(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Copy a kind token: lowercase letters, digits and '-' ("SEGV" keeps its
 * case, as sanitizers print it). Stops at space, '(' or ':'. */
static void set_kind(pf_crash *c, const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof(c->kind); i++) {
        char ch = p[i];
        if (ch == ' ' || ch == '(' || ch == ':' || ch == '\t' || ch == ';')
            break;
        if (!(isalnum((unsigned char)ch) || ch == '-' || ch == '_'))
            continue;
        c->kind[k++] = ch;
    }
    c->kind[k] = '\0';
}

static void set_kind_s(pf_crash *c, const char *s)
{
    snprintf(c->kind, sizeof(c->kind), "%s", s);
}

/* "Write of size 4" / "READ of size 1" -> access and size */
static void parse_access(pf_crash *c, line l)
{
    static const char *const words[] = {"READ", "WRITE", "Read", "Write"};
    for (size_t w = 0; w < 4; w++) {
        size_t k = strlen(words[w]);
        const char *at = lfind(l, words[w]);
        if (!at || (size_t)(l.p + l.n - at) < k + 9)
            continue;
        if (memcmp(at + k, " of size ", 9) != 0)
            continue;
        snprintf(c->access, sizeof(c->access), "%s", w % 2 ? "WRITE" : "READ");
        c->access_size = (size_t)num_at(at + k + 9, l.p + l.n);
        return;
    }
    const char *m = lfind(l, "caused by a ");
    if (m && lfind(l, "memory access")) {
        if (has_at(m + 12, l.p + l.n, "READ"))
            snprintf(c->access, sizeof(c->access), "READ");
        else if (has_at(m + 12, l.p + l.n, "WRITE"))
            snprintf(c->access, sizeof(c->access), "WRITE");
    }
}

static int split_location(const char *p, size_t n, char **file, int *lineno);

/* ---- step 1: the header ------------------------------------------------ */

/* The specific UBSan check from a "runtime error:" message, so two kinds of
 * undefined behaviour on one line stay two findings. */
static const char *ubsan_kind(line l)
{
    static const struct {
        const char *needle, *kind;
    } map[] = {
        {"signed integer overflow", "integer-overflow"},
        {"unsigned integer overflow", "integer-overflow"},
        {"negation of", "integer-overflow"},
        {"out of bounds for type", "index-out-of-bounds"},
        {"null pointer", "null-dereference"},
        {"shift exponent", "invalid-shift"},
        {"left shift of", "invalid-shift"},
        {"division by zero", "divide-by-zero"},
        {"misaligned address", "misaligned-address"},
        {"pointer overflow", "pointer-overflow"},
        {"applying non-zero offset", "pointer-overflow"},
        {"applying zero offset", "pointer-overflow"},
        {"is not a valid value for type", "invalid-enum-or-bool"},
        {"implicit conversion", "implicit-conversion"},
        {"is outside the range of representable values", "float-cast-overflow"},
        {"unreachable program point", "unreachable"},
        {"control flow integrity", "cfi"},
        {"non-positive value", "vla-bound"},
        {"function type", "function-type-mismatch"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (lfind(l, map[i].needle))
            return map[i].kind;
    return "undefined-behavior";
}

/* A location "file.c:12:5: runtime error: ..." as a frame (UBSan prints the
 * stack only with print_stacktrace=1). Returns 0 or -1 on allocation. */
static int ubsan_location(pf_crash *c, line l, const char *re)
{
    const char *p = l.p, *end = re;
    /* file:line:col — find the first ':' followed by a digit */
    const char *fileend = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == ':' && q + 1 < end && isdigit((unsigned char)q[1])) {
            fileend = q;
            break;
        }
    if (!fileend || fileend == p)
        return 0;
    pf_frame *f = &c->frames[c->nframes];
    memset(f, 0, sizeof(*f));
    f->file = dupn(p, (size_t)(fileend - p));
    if (!f->file)
        return -1;
    f->line = (int)num_at(fileend + 1, end);
    c->nframes++;
    return 0;
}

/* glibc's "prog: file.c:12: int f(int): Assertion `x' failed." as a frame
 * (when no stack follows). Returns 0 or -1 on allocation failure. */
static int assert_location(pf_crash *c, line l)
{
    const char *a = lfind(l, "Assertion `");
    const char *p = l.p;
    const char *s1 = NULL, *s2 = NULL;
    /* the first ": " after a ":digits" is the end of file:line */
    for (const char *q = p; q + 1 < a; q++) {
        if (q[0] == ':' && q[1] == ' ' && !s1 && q > p &&
            isdigit((unsigned char)q[-1]))
            s1 = q;
        else if (q[0] == ':' && q[1] == ' ' && s1 && !s2)
            s2 = q;
    }
    if (!s1)
        return 0;
    const char *fs = s1;
    while (fs > p && fs[-1] != ' ')
        fs--;
    pf_frame *f = &c->frames[c->nframes];
    memset(f, 0, sizeof(*f));
    if (split_location(fs, (size_t)(s1 - fs), &f->file, &f->line) < 0)
        return -1;
    if (s2) {
        /* "int main(int, char **)" -> "main" */
        const char *fe = memchr(s1 + 2, '(', (size_t)(s2 - s1 - 2));
        if (!fe)
            fe = s2;
        const char *fb = fe;
        while (fb > s1 + 2 && fb[-1] != ' ' && fb[-1] != '*')
            fb--;
        if (fe > fb && !(f->func = dupn(fb, (size_t)(fe - fb)))) {
            free(f->file);
            f->file = NULL;
            return -1;
        }
    }
    f->own = 1;
    c->nframes++;
    return 0;
}

typedef enum hdr {
    H_NONE = 0,
    H_SAN,       /* ASan/LSan/TSan/MSan/HWASan: stack follows */
    H_UBSAN,     /* runtime error: stack follows when enabled */
    H_LIBFUZZER, /* libFuzzer's own error */
    H_ASSERT,    /* glibc assertion message */
    H_SIGNAL     /* a shell's note of a signal death, no stack */
} hdr;

static const char *after(line l, const char *needle)
{
    const char *p = lfind(l, needle);
    return p ? p + strlen(needle) : NULL;
}

/* The shell's words for a signal death ("Segmentation fault (core
 * dumped)", "bash: line 3:  1104 Aborted  ./t"), matched at the start of a
 * line or after a process id so program output rarely matches. */
static const char *signal_note(line l)
{
    static const struct {
        const char *words, *kind;
    } map[] = {
        {"Segmentation fault", "SEGV"},
        {"Aborted", "abort"},
        {"Bus error", "bus-error"},
        {"Floating point exception", "fpe"},
        {"Illegal instruction", "illegal-instruction"},
        {"Killed", "killed"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        const char *w = lfind(l, map[i].words);
        if (!w)
            continue;
        if (w == l.p)
            return map[i].kind;
        /* preceded by "<digits><spaces>" */
        const char *q = w;
        while (q > l.p && q[-1] == ' ')
            q--;
        if (q < w && q > l.p && isdigit((unsigned char)q[-1]))
            return map[i].kind;
    }
    return NULL;
}

static hdr classify(pf_crash *c, line l, pf_err *err)
{
    const char *k;
    (void)err;
    if ((k = after(l, "ERROR: AddressSanitizer: ")) ||
        (k = after(l, "ERROR: HWAddressSanitizer: ")) ||
        /* a UBSan-only build's deadly signal: "SEGV on unknown address" */
        (k = after(l, "ERROR: UndefinedBehaviorSanitizer: ")) ||
        (k = after(l, "WARNING: MemorySanitizer: ")) ||
        (k = after(l, "ERROR: MemorySanitizer: "))) {
        size_t n = (size_t)(l.p + l.n - k);
        if (n >= 10 && strncmp(k, "attempting", 10) == 0) {
            /* "attempting double-free", "attempting free on address which
             * was not malloc()-ed" */
            if (n >= 22 && strncmp(k + 11, "double-free", 11) == 0)
                set_kind_s(c, "double-free");
            else
                set_kind_s(c, "bad-free");
        } else if (n >= 9 && strncmp(k, "requested", 9) == 0) {
            set_kind_s(c, "allocation-size-too-big");
        } else if (lfind(l, "out of memory") || lfind(l, "out-of-memory") ||
                   lfind(l, "rss limit")) {
            set_kind_s(c, "oom");
        } else if (n >= 4 && strncmp(k, "ABRT", 4) == 0) {
            set_kind_s(c, "abort");
        } else {
            set_kind(c, k, n);
        }
        return H_SAN;
    }
    if ((k = after(l, "ERROR: LeakSanitizer: "))) {
        set_kind_s(c, "memory-leak");
        return H_SAN;
    }
    if ((k = after(l, "WARNING: ThreadSanitizer: ")) ||
        (k = after(l, "ERROR: ThreadSanitizer: "))) {
        /* "data race", "lock-order-inversion (potential deadlock)" */
        size_t n = (size_t)(l.p + l.n - k), j = 0;
        char tmp[64];
        for (size_t i = 0; i < n && j + 1 < sizeof(tmp); i++) {
            if (k[i] == '(')
                break;
            tmp[j++] = k[i] == ' ' ? '-' : k[i];
        }
        while (j && tmp[j - 1] == '-')
            j--;
        tmp[j] = '\0';
        set_kind(c, tmp, j);
        return H_SAN;
    }
    if ((k = after(l, "ERROR: libFuzzer: "))) {
        size_t n = (size_t)(l.p + l.n - k);
        if (n >= 7 && strncmp(k, "timeout", 7) == 0)
            set_kind_s(c, "timeout");
        else if (n >= 13 && strncmp(k, "out-of-memory", 13) == 0)
            set_kind_s(c, "oom");
        else if (n >= 13 && strncmp(k, "deadly signal", 13) == 0)
            set_kind_s(c, "deadly-signal");
        else {
            /* "fuzz target exited", "fuzz target overwrites its const
             * input": words joined by '-' */
            char tmp[64];
            size_t j = 0;
            for (size_t i = 0; i < n && j + 1 < sizeof(tmp); i++) {
                if (k[i] == '(')
                    break;
                tmp[j++] = k[i] == ' ' ? '-' : k[i];
            }
            while (j && tmp[j - 1] == '-')
                j--;
            set_kind(c, tmp, j);
        }
        return H_LIBFUZZER;
    }
    if (lfind(l, "runtime error: ")) {
        set_kind_s(c, ubsan_kind(l));
        return H_UBSAN;
    }
    if (lfind(l, "Assertion `") && lfind(l, "' failed")) {
        set_kind_s(c, "assert");
        return H_ASSERT;
    }
    const char *sig = signal_note(l);
    if (sig) {
        set_kind_s(c, sig);
        return H_SIGNAL;
    }
    return H_NONE;
}

/* ---- step 2: frames ---------------------------------------------------- */

/* Is this line a stack frame ("#N ...")? Returns the text after "#N ". */
static const char *frame_body(line l, size_t *n)
{
    size_t i = 0;
    while (i < l.n && (l.p[i] == ' ' || l.p[i] == '\t'))
        i++;
    if (i >= l.n || l.p[i] != '#')
        return NULL;
    i++;
    size_t d = i;
    while (i < l.n && isdigit((unsigned char)l.p[i]))
        i++;
    if (i == d || i >= l.n || l.p[i] != ' ')
        return NULL;
    while (i < l.n && l.p[i] == ' ')
        i++;
    *n = l.n - i;
    return l.p + i;
}

static int is_hex_addr(const char *p, size_t n)
{
    if (n < 3 || p[0] != '0' || p[1] != 'x')
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!isxdigit((unsigned char)p[i]))
            return 0;
    return 1;
}

/* Trim a trailing "(BuildId: ...)" and spaces. */
static size_t trim_buildid(const char *p, size_t n)
{
    while (n && p[n - 1] == ' ')
        n--;
    if (n && p[n - 1] == ')') {
        for (size_t i = n; i-- > 0;)
            if (p[i] == '(') {
                if (n - i > 9 && strncmp(p + i, "(BuildId:", 9) == 0) {
                    n = i;
                    while (n && p[n - 1] == ' ')
                        n--;
                }
                break;
            }
    }
    return n;
}

/* "(module+0xoff)" at the end of p[0..n): sets *module, returns new n. */
static size_t take_module(const char *p, size_t n, char **module, int *oom)
{
    if (!n || p[n - 1] != ')')
        return n;
    size_t i = n - 1;
    while (i > 0 && p[i] != '(')
        i--;
    if (p[i] != '(')
        return n;
    const char *m = p + i + 1;
    size_t mn = n - 1 - (i + 1);
    const char *plus = memchr(m, '+', mn);
    if (!plus)
        return n; /* a C++ signature "(char const*)", not a module */
    *module = dupn(m, (size_t)(plus - m));
    if (!*module)
        *oom = 1;
    n = i;
    while (n && p[n - 1] == ' ')
        n--;
    return n;
}

/* "file.c:12:5" or "file.c:12" or "file.c" → file and line. */
static int split_location(const char *p, size_t n, char **file, int *lineno)
{
    /* strip up to two trailing ":digits" */
    size_t end = n;
    int nums[2] = {0, 0}, k = 0;
    while (k < 2) {
        size_t j = end;
        while (j > 0 && isdigit((unsigned char)p[j - 1]))
            j--;
        if (j == end || j == 0 || p[j - 1] != ':')
            break;
        nums[k++] = (int)num_at(p + j, p + end);
        end = j - 1;
    }
    *lineno = k == 2 ? nums[1] : k == 1 ? nums[0] : 0;
    *file = dupn(p, end);
    return *file ? 0 : -1;
}

static int looks_like_location(const char *p, size_t n)
{
    /* a path: has '/' or ends in ":digits" or has a '.' extension */
    if (!n || p[0] == '<')
        return 0;
    if (memchr(p, '/', n))
        return 1;
    size_t j = n;
    while (j > 0 && isdigit((unsigned char)p[j - 1]))
        j--;
    return j < n && j > 0 && p[j - 1] == ':';
}

/* Parse one frame body into f. Returns 0, or -1 on allocation failure. */
static int parse_frame(const char *p, size_t n, pf_frame *f)
{
    int oom = 0;
    memset(f, 0, sizeof(*f));
    n = trim_buildid(p, n);
    /* ASan: "0xADDR in func loc" / "0xADDR  (module+0xoff)" */
    size_t sp = 0;
    while (sp < n && p[sp] != ' ')
        sp++;
    if (is_hex_addr(p, sp)) {
        p += sp;
        n -= sp;
        while (n && *p == ' ')
            p++, n--;
        if (n >= 3 && strncmp(p, "in ", 3) == 0)
            p += 3, n -= 3;
    }
    n = take_module(p, n, &f->module, &oom);
    if (oom)
        return -1;
    /* last token: a location? */
    size_t ls = n;
    while (ls > 0 && p[ls - 1] != ' ')
        ls--;
    if (ls > 0 && looks_like_location(p + ls, n - ls)) {
        if (split_location(p + ls, n - ls, &f->file, &f->line) < 0)
            return -1;
        n = ls;
        while (n && p[n - 1] == ' ')
            n--;
    } else if (n - ls >= 6 && strncmp(p + ls, "<null>", 6) == 0) {
        n = ls;
        while (n && p[n - 1] == ' ')
            n--;
    }
    if (n) {
        /* "func+0x1f" (unsymbolized offset) */
        size_t fn = n;
        for (size_t i = 0; i + 3 < n; i++)
            if (p[i] == '+' && p[i + 1] == '0' && p[i + 2] == 'x') {
                fn = i;
                break;
            }
        f->func = dupn(p, fn);
        if (!f->func)
            return -1;
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Frames that are not the target's own code, in the spirit of
 * ClusterFuzz's crash-state ignore list: the sanitizer runtimes (their
 * entry points, their interceptors and the helpers the interceptors call,
 * such as printf_common), libc and the loader, libFuzzer, AFL++, the C++
 * runtime, and prodfuzz's own mutator and worker. A bug the sanitizer
 * reports from inside snprintf's interceptor is the caller's bug: the
 * signature and the top frame start at the first frame below these. */

/* Function names that begin so. */
static const char *const ign_func_prefix[] = {
    /* sanitizer runtimes and their interceptors */
    "__asan", "__lsan", "__ubsan", "__tsan", "__msan", "__hwasan",
    "__sanitizer", "__interceptor", "___interceptor", "__interception",
    "_asan_", "asan_", "printf_common", "scanf_common",
    "MemcmpInterceptorCommon", "StrstrCheck", "CharCmpX",
    /* libFuzzer, AFL++, the C++ runtime, prodfuzz's own hooks */
    "fuzzer::", "__afl", "afl_", "std::", "__cxa", "__gnu_cxx::",
    "__cxxabiv1", "operator new", "operator delete",
    "LLVMFuzzerCustom", "LLVMFuzzerInitialize", "pf_worker", "pf_mutate",
    "pf_mtok", "pf_run",
    /* glibc: internal names, the start-up code, the optimized string
     * functions (__strlen_avx2, __memcpy_evex_unaligned_erms, ...) and
     * stdio's internals */
    "__libc", "__GI", "__pthread", "pthread_", "_start", "__assert",
    "__stack_chk", "__fortify", "__chk_fail", "_dl_", "__clone",
    "start_thread", "__tls_", "__memcpy", "__memmove", "__memset",
    "__memchr", "__memrchr", "__memcmp", "__mempcpy", "__rawmemchr",
    "__strlen", "__strnlen", "__strcmp", "__strncmp", "__strcasecmp",
    "__strchr", "__strrchr", "__strcpy", "__strncpy", "__stpcpy",
    "__strcat", "__strncat", "__strstr", "__strspn", "__strcspn",
    "__strpbrk", "__strtol", "__strtoul", "__strtod", "____strto",
    "__wcs", "__wmem", "__vfprintf", "__vsnprintf", "__vsprintf",
    "__vfwprintf", "__printf", "__fprintf", "__sprintf", "__snprintf",
    "__isoc99_", "__vfscanf", "__vsscanf", "_IO_", "__run_exit_handlers",
};
/* Function names that are exactly these (libc entry points and their
 * interceptors, as ASan names them when it has no file for the frame). */
static const char *const ign_func_exact[] = {
    "malloc", "calloc", "realloc", "free", "memcpy", "memmove", "memset",
    "memcmp", "bcmp", "memchr", "memrchr", "memmem", "mempcpy", "strlen",
    "strnlen", "strcpy", "strncpy", "stpcpy", "strcmp", "strncmp",
    "strcasecmp", "strncasecmp", "strcat", "strncat", "strdup", "strndup",
    "strchr", "strrchr", "strstr", "strcasestr", "strspn", "strcspn",
    "strpbrk", "strtok", "strtok_r", "strtol", "strtoll", "strtoul",
    "strtoull", "strtod", "strtof", "atoi", "atol", "atoll", "atof",
    "wcslen", "wcsnlen", "abort", "raise", "exit", "_exit",
    "posix_memalign", "aligned_alloc", "valloc", "memalign", "sprintf",
    "snprintf", "vsprintf", "vsnprintf", "asprintf", "vasprintf", "printf",
    "vprintf", "fprintf", "vfprintf", "dprintf", "sscanf", "vsscanf",
    "scanf", "fscanf", "puts", "fputs", "fwrite", "fread", "fgets",
    "getline", "getdelim", "read", "write", "clone", "gsignal", "tgkill",
    "pthread_kill", "__assert_fail", "kill", "main_loop", "qsort",
    "bsearch",
};
/* Source folders of the sanitizer runtimes, libFuzzer, AFL++ and the C++
 * library, anywhere in the path. */
static const char *const ign_file_part[] = {
    "/compiler-rt/", "/sanitizer_common/", "/lib/asan/", "/lib/ubsan/",
    "/lib/lsan/", "/lib/tsan/", "/lib/msan/", "/libfuzzer/",
    "/fuzzer/Fuzzer", "/include/c++/", "libstdc++", "/glibc", "/AFLplusplus/",
    "fuzz/pf_libfuzzer.c", "fuzz/pf_afl.c",
};
/* glibc's source folders, as Debian's glibc debug information names
 * them: relative, and the folder followed by "./" or "../"
 * ("string/../sysdeps/x86_64/multiarch/strlen-evex.S",
 * "stdio-common/./stdio-common/snprintf.c", "csu/../csu/libc-start.c").
 * The target's own "src/string/x.c" or "io/reader.c" is not libc. */
static const char *const ign_glibc_dir[] = {
    "string/", "stdio-common/", "libio/", "stdlib/", "sysdeps/", "csu/",
    "nptl/", "malloc/", "posix/", "elf/", "misc/", "wcsmbs/", "iconv/",
    "locale/", "time/", "signal/", "io/", "assert/", "debug/", "setjmp/",
    "dlfcn/", "resolv/",
};
static const char *const ign_file_base[] = {
    "pf_libfuzzer.c", "pf_afl.c", "pf_worker.c", "pf_run.c",
    "pf_mutate.c", "pf_mutate_classes.c",
};
static const char *const ign_module_part[] = {
    "libc.so", "ld-linux", "libstdc++", "libm.so", "libpthread",
    "libgcc_s", "libclang_rt", "libasan", "libubsan", "libtsan",
    "ld.so", "libdl.so", "afl-", "prodfuzz_afl.so", "linux-vdso",
};

static int in_list(const char *s, const char *const *list, size_t n,
                   int (*match)(const char *, const char *))
{
    for (size_t i = 0; i < n; i++)
        if (match(s, list[i]))
            return 1;
    return 0;
}

static int eq(const char *s, const char *x) { return strcmp(s, x) == 0; }
static int has(const char *s, const char *x) { return strstr(s, x) != NULL; }
#define IN(s, list, how) in_list((s), (list), sizeof(list) / sizeof(*(list)), (how))

static int ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A "file" that is an object of a runtime built without line tables:
 * Debian's ASan prints "printf_common(...) asan_interceptors.cpp.o". The
 * target's own code has a source file or only a module offset. */
static int runtime_object(const char *base)
{
    return ends(base, ".cpp.o") || ends(base, ".cc.o") ||
           ((starts(base, "asan_") || starts(base, "sanitizer_") ||
             starts(base, "ubsan_") || starts(base, "lsan_") ||
             starts(base, "tsan_") || starts(base, "msan_") ||
             starts(base, "interception_") || starts(base, "Fuzzer")) &&
            ends(base, ".o"));
}

static int glibc_source(const char *file)
{
    for (size_t i = 0; i < sizeof(ign_glibc_dir) / sizeof(*ign_glibc_dir); i++) {
        const char *d = ign_glibc_dir[i];
        if (starts(file, d)) {
            const char *rest = file + strlen(d);
            if (starts(rest, "./") || starts(rest, "../"))
                return 1;
        }
    }
    return 0;
}

static int is_own(const pf_frame *f)
{
    if (!f->func && !f->file)
        return 0; /* only a module offset: not stable, not symbolized */
    if (f->func) {
        if (IN(f->func, ign_func_prefix, starts) || IN(f->func, ign_func_exact, eq))
            return 0;
        if (!f->file && strcmp(f->func, "main") == 0)
            return 0; /* libFuzzer's or AFL's main, not symbolized */
    }
    if (f->file) {
        const char *b = base_name(f->file);
        if (IN(f->file, ign_file_part, has) || glibc_source(f->file) ||
            runtime_object(b) || IN(b, ign_file_base, eq) || starts(b, "pf_mutate"))
            return 0;
    }
    if (f->module && IN(f->module, ign_module_part, has))
        return 0;
    return 1;
}

/* ---- step 3: signature ------------------------------------------------- */

static void add_frame_key(pf_buf *b, const pf_frame *f)
{
    if (f->func)
        pf_buf_adds(b, f->func);
    if (f->file) {
        if (f->func)
            pf_buf_addc(b, ' ');
        pf_buf_adds(b, base_name(f->file));
        if (f->line > 0)
            pf_buf_addf(b, ":%d", f->line);
    }
}

static int make_signature(pf_crash *c, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_adds(&b, c->kind);
    int used = 0;
    for (int i = 0; i < c->nframes && used < 3; i++) {
        if (!c->frames[i].own)
            continue;
        pf_buf_addc(&b, '|');
        add_frame_key(&b, &c->frames[i]);
        used++;
    }
    if (pf_buf_ok(&b, err) < 0) {
        pf_buf_free(&b);
        return -1;
    }
    c->signature = pf_buf_detach(&b, NULL);
    return c->signature ? 0 : pf_err_set(err, PF_E_NOMEM, "out of memory");
}

const pf_frame *pf_crash_top_frame(const pf_crash *c)
{
    for (int i = 0; i < c->nframes; i++)
        if (c->frames[i].own)
            return &c->frames[i];
    return NULL;
}

int pf_crash_is_oom(const pf_crash *c)
{
    static const char *const kinds[] = {
        "oom", "allocation-size-too-big", "calloc-overflow",
        "pvalloc-overflow", "rss-limit-exceeded", "malloc-limit",
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
        if (strcmp(c->kind, kinds[i]) == 0)
            return 1;
    return 0;
}

/* ---- the parser -------------------------------------------------------- */

static int read_frames(pf_crash *c, const char *text, size_t len, size_t pos)
{
    line l;
    int started = 0;
    while (next_line(text, len, &pos, &l)) {
        size_t n;
        const char *body = frame_body(l, &n);
        if (!body) {
            if (started)
                break;
            if (!c->access[0])
                parse_access(c, l);
            /* a later report header before any frame: stop */
            if (lfind(l, "SUMMARY: "))
                break;
            continue;
        }
        started = 1;
        if (c->nframes >= PF_CRASH_MAX_FRAMES)
            continue;
        pf_frame *f = &c->frames[c->nframes];
        if (parse_frame(body, n, f) < 0) {
            free(f->func);
            free(f->file);
            free(f->module);
            memset(f, 0, sizeof(*f));
            return -1;
        }
        f->own = is_own(f);
        c->nframes++;
    }
    return 0;
}

/* libFuzzer's "deadly signal" and ASan's "ABRT" name the signal only;
 * the frames say whether it was abort() or an assertion. */
static void refine_signal_kind(pf_crash *c, int saw_assert)
{
    if (strcmp(c->kind, "deadly-signal") != 0 && strcmp(c->kind, "abort") != 0)
        return;
    if (saw_assert) {
        set_kind_s(c, "assert");
        return;
    }
    for (int i = 0; i < c->nframes; i++) {
        const char *fn = c->frames[i].func;
        if (!fn)
            continue;
        if (strcmp(fn, "__assert_fail") == 0 || starts(fn, "__assert_fail")) {
            set_kind_s(c, "assert");
            return;
        }
        if (strcmp(fn, "abort") == 0) {
            set_kind_s(c, "abort");
            return;
        }
    }
}

int pf_crash_parse(const char *text, size_t len, pf_crash *out, pf_err *err)
{
    pf_crash_free(out);
    if (!text)
        return 0;
    size_t pos = 0, hdr_end = 0;
    line l, hl = {NULL, 0};
    hdr h = H_NONE;
    int saw_assert = 0;
    pf_crash tmp;
    pf_crash_init(&tmp);
    while (next_line(text, len, &pos, &l)) {
        pf_crash_init(&tmp);
        hdr got = classify(&tmp, l, err);
        if (got == H_NONE)
            continue;
        if (got == H_ASSERT) {
            /* remember it; a libFuzzer or ASan header usually follows */
            saw_assert = 1;
            if (h == H_NONE) {
                h = got;
                hl = l;
                hdr_end = pos;
                memcpy(out->kind, tmp.kind, sizeof(out->kind));
            }
            continue;
        }
        if (h == H_NONE || h == H_ASSERT || (h == H_SIGNAL && got != H_SIGNAL)) {
            h = got;
            hl = l;
            hdr_end = pos;
            memcpy(out->kind, tmp.kind, sizeof(out->kind));
            if (got != H_SIGNAL)
                break;
        }
    }
    if (h == H_NONE)
        return 0;
    parse_access(out, hl);
    if (h == H_UBSAN) {
        const char *re = lfind(hl, "runtime error: ");
        if (read_frames(out, text, len, hdr_end) < 0)
            goto nomem;
        if (out->nframes == 0 && ubsan_location(out, hl, re) < 0)
            goto nomem;
        if (out->nframes == 1 && !out->frames[0].func)
            out->frames[0].own = is_own(&out->frames[0]);
    } else if (h == H_ASSERT) {
        if (assert_location(out, hl) < 0)
            goto nomem;
    } else if (h != H_SIGNAL) {
        if (read_frames(out, text, len, hdr_end) < 0)
            goto nomem;
    }
    refine_signal_kind(out, saw_assert);
    if (make_signature(out, err) < 0) {
        pf_crash_free(out);
        return -1;
    }
    return 1;
nomem:
    pf_crash_free(out);
    return pf_err_set(err, PF_E_NOMEM, "out of memory reading a crash report");
}

const char *pf_crash_signal_kind(int sig, char *buf, size_t n)
{
    const char *k = sig == SIGSEGV ? "SEGV"
                    : sig == SIGABRT ? "abort"
                    : sig == SIGBUS ? "bus-error"
                    : sig == SIGFPE ? "fpe"
                    : sig == SIGILL ? "illegal-instruction"
                    : sig == SIGKILL ? "killed"
                                     : NULL;
    if (k)
        snprintf(buf, n, "%s", k);
    else
        snprintf(buf, n, "signal-%d", sig);
    return buf;
}

void pf_crash_title(const pf_crash *c, pf_buf *out)
{
    pf_buf_adds(out, c->kind[0] ? c->kind : "unknown");
    if (c->access[0]) {
        pf_buf_addf(out, " %s", c->access);
        if (c->access_size)
            pf_buf_addf(out, " %zu", c->access_size);
    }
    const pf_frame *f = pf_crash_top_frame(c);
    if (!f)
        return;
    if (f->func)
        pf_buf_addf(out, " in %s", f->func);
    if (f->file) {
        pf_buf_addf(out, f->func ? " (%s" : " at %s", base_name(f->file));
        if (f->line > 0)
            pf_buf_addf(out, ":%d", f->line);
        if (f->func)
            pf_buf_addc(out, ')');
    }
}
