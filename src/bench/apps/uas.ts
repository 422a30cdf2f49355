import { BENCH_SDP, runBenchApp } from './benchApp.js';

/** Benchmark app: answers every INVITE with 200 and SDP; the caller's BYE ends the call. */
runBenchApp('bench-uas', (srf, _args, logger) => {
  srf.invite((req, res) => {
    srf.createUAS(req, res, { localSdp: BENCH_SDP }).catch((err: Error) => logger.warn({ err: err.message }, 'createUAS failed'));
  });
});
