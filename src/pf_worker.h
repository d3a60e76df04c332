/*
 * pf_worker: the in-process side of pf_run's PF_TARGET_WORKER.
 *
 * Linked into every target that links libprodfuzz_libfuzzer.a (or uses the
 * harness kit). When the environment has PRODFUZZ_WORKER_FD=N, a
 * constructor takes over before libFuzzer's main: it calls
 * LLVMFuzzerInitialize when the target defines one, then serves requests
 * on fd N (read) and N+1 (write) until end of file (pf_run gives it two
 * pipes, and writes requests ahead: the worker answers them in order,
 * one reply per request, so a reply's place says whose it is):
 *
 *   request:  u32 length (little endian), then the input bytes
 *   reply:    u32 status: the entry point's return value (0 ok, non-zero a
 *             clean rejection), then u32 length and that many bytes of
 *             output the target gave the kit (round trip), else 0
 *
 * A crash kills the worker with its sanitizer report on stderr; pf_run
 * reads the report and starts a new worker. With PRODFUZZ_WORKER_FORK=1
 * each request is served by a forked copy (fresh process per input,
 * initialization paid once). With PRODFUZZ_WORKER_THREADS=N each input
 * is run by N threads at once (races show up under -fsanitize=thread).
 *
 * Targets built without libFuzzer (a sanitizer build with no
 * -fsanitize=fuzzer, a TSan build) link build/lib/libprodfuzz_runner.a,
 * which adds a main(): as a worker when PRODFUZZ_WORKER_FD is set,
 * otherwise it runs LLVMFuzzerTestOneInput once on each file argument (or
 * on stdin), the way a libFuzzer binary replays a reproducer.
 *
 * This file is libc only (no cJSON, no pf_buf) so it links anywhere.
 */
#ifndef PF_WORKER_H
#define PF_WORKER_H

#define PF_WORKER_ENV "PRODFUZZ_WORKER_FD"
#define PF_WORKER_FORK_ENV "PRODFUZZ_WORKER_FORK"
#define PF_WORKER_THREADS_ENV "PRODFUZZ_WORKER_THREADS"

#include <stddef.h>
#include <stdint.h>

typedef int (*pf_worker_fn)(const uint8_t *data, size_t len);

/* Serve requests read from rfd with fn, replies to wfd, until end of
 * file: returns 0 then, -1 when the protocol breaks (short read or
 * write). fork_each: serve each input in a forked child (a child that
 * dies takes the server down with the same status, so the crash is seen
 * as the worker's). threads > 1: run fn on that many threads per input.
 * Used by the worker's constructor and by pf_run's PF_TARGET_LIB. */
int pf_worker_serve(int rfd, int wfd, pf_worker_fn fn, int fork_each,
                    int threads);

/* For the harness kit's round trip: the bytes the target serialized for
 * the current input (copied; sent back with the reply; the last call per
 * input wins). A no-op outside a worker. */
void pf_worker_output(const void *data, size_t len);

/* 1 when this process is serving as a worker. */
int pf_worker_active(void);

#endif
