/*
 * check_target: the in-process target of tools/bench/50_check.sh, a
 * service's parse step: parse a JSON document with cJSON, serialize it
 * back, free both. Built two ways from this file:
 *   - linked with libprodfuzz_runner.a: the worker `prodfuzz check` drives;
 *   - with -DBENCH_LOOP: the reference, the same function called in a
 *     plain loop over the documents of a JSONL file in one process
 *     (prints inputs per second);
 * and, with -DBENCH_CMD, the black-box command: main() parses the file
 * named by argv[1] once and exits. With -DBENCH_OUTPUT the worker hands
 * its serialized text to the worker's reply (pf_worker_output), the
 * output `prodfuzz diff` compares (tools/bench/50_diff.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#ifdef BENCH_OUTPUT
void pf_worker_output(const void *data, size_t len);
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    cJSON *v = cJSON_ParseWithLength((const char *)data, len);
    if (!v)
        return 1;
    char *s = cJSON_PrintUnformatted(v);
    int bad = s == NULL;
#ifdef BENCH_OUTPUT
    if (s)
        pf_worker_output(s, strlen(s));
#endif
    free(s);
    cJSON_Delete(v);
    return bad;
}

#if defined(BENCH_LOOP) || defined(BENCH_CMD)
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + len, 1, cap - len, f)) > 0)
        if ((len += r) == cap)
            b = realloc(b, cap *= 2);
    fclose(f);
    *n = len;
    return b;
}
#endif

#ifdef BENCH_LOOP
int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    size_t n;
    char *all = slurp(argv[1], &n);
    if (!all)
        return 2;
    /* every line copied into its own exactly sized buffer, as check
     * hands inputs to the target */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t count = 0;
    for (char *p = all; p < all + n;) {
        char *e = memchr(p, '\n', (size_t)(all + n - p));
        size_t l = e ? (size_t)(e - p) : (size_t)(all + n - p);
        uint8_t *in = malloc(l ? l : 1);
        memcpy(in, p, l);
        LLVMFuzzerTestOneInput(in, l);
        free(in);
        count++;
        p += l + 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.0f\n", (double)count / s);
    free(all);
    return 0;
}
#endif

#ifdef BENCH_CMD
int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    size_t n;
    char *d = slurp(argv[1], &n);
    if (!d)
        return 2;
    int r = LLVMFuzzerTestOneInput((const uint8_t *)d, n);
    free(d);
    return r;
}
#endif
