/*
 * pf_worker: the in-process side of pf_run's PF_TARGET_WORKER.
 *
 * Linked into every target that links libprodfuzz_libfuzzer.a (or uses the
 * harness kit). When the environment has PRODFUZZ_WORKER_FD=N, a
 * constructor takes over before libFuzzer's main: it calls
 * LLVMFuzzerInitialize when the target defines one, then serves requests
 * on fd N (read) and N+1 (write) until end of file:
 *
 *   request:  u32 length (little endian), then the input bytes
 *   reply:    u32 status: the entry point's return value (0 ok, non-zero a
 *             clean rejection), then u32 length and that many bytes of
 *             output the target gave the kit (round trip), else 0
 *
 * A crash kills the worker with its sanitizer report on stderr; pf_run
 * reads the report and starts a new worker. With PRODFUZZ_WORKER_FORK=1
 * each request is served by a forked copy (fresh process per input,
 * initialization paid once).
 */
#ifndef PF_WORKER_H
#define PF_WORKER_H

#define PF_WORKER_ENV "PRODFUZZ_WORKER_FD"
#define PF_WORKER_FORK_ENV "PRODFUZZ_WORKER_FORK"

#endif
