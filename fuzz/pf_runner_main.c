/*
 * pf_runner_main: main() for targets built without libFuzzer, collected
 * in build/lib/libprodfuzz_runner.a with the worker (src/pf_worker.c).
 *
 *   clang -fsanitize=address,undefined -g app_entry.c \
 *         build/lib/libprodfuzz_runner.a -o app_check
 *   prodfuzz check ./app_check corpus/     # served as a worker
 *   ./app_check crash-1234                 # replays one input
 *
 * Under `prodfuzz check` the worker's constructor takes over before this
 * main runs. Run by hand, it calls LLVMFuzzerTestOneInput once per file
 * argument (stdin when there is none) and exits with the last non-zero
 * return value, so a reproducer replays the way a libFuzzer binary
 * replays one. Uses libc only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* keeps the worker's member in the link */
void *pf_runner_keep_worker = (void *)pf_worker_serve;

static int run_stream(FILE *f, const char *name)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return 3;
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                return 3;
            }
            buf = p;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: read error\n", name);
        free(buf);
        return 2;
    }
    /* exactly len bytes, as libFuzzer hands an input */
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        free(buf);
        return 3;
    }
    memcpy(data, buf, len);
    free(buf);
    int st = LLVMFuzzerTestOneInput(data, len);
    free(data);
    return st;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2)
        return run_stream(stdin, "stdin") ? 1 : 0;
    int last = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            return 2;
        }
        int st = run_stream(f, argv[i]);
        fclose(f);
        if (st)
            last = 1;
    }
    return last;
}
