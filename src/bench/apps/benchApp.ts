import Srf from 'drachtio-srf';
import { createLogger, type Logger } from '../../logger.js';

/*
 * The shared start of a benchmark app: a plain drachtio-srf app in its own process, started by
 * src/bench/sip.ts with `--control HOST:PORT --secret S [--target URI]`. It tells its parent over
 * the IPC channel when it is connected, and exits when the parent goes away.
 */

export interface BenchAppArgs {
  host: string;
  port: number;
  secret: string;
  target?: string;
}

/** The answer the apps give; one codec, no media behind it (SIPp sends no RTP in the benchmark). */
export const BENCH_SDP = [
  'v=0',
  'o=contactsuite-bench 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 8',
  'a=rtpmap:8 PCMA/8000',
  '',
].join('\r\n');

export function parseBenchAppArgs(argv: string[]): BenchAppArgs {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const control = value('--control') ?? '';
  const m = /^([^:]+):(\d+)$/.exec(control);
  if (!m) throw new Error(`--control: expected HOST:PORT, got "${control}"`);
  return { host: m[1], port: Number(m[2]), secret: value('--secret') ?? 'cymru', target: value('--target') };
}

/** Connects srf, installs the app, and reports 'ready' to the parent process. */
export function runBenchApp(name: string, install: (srf: Srf, args: BenchAppArgs, logger: Logger) => void): void {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', name);
  const args = parseBenchAppArgs(process.argv.slice(2));
  const srf = new Srf();
  install(srf, args, logger);
  srf.on('error', (err: Error) => logger.error({ err: err.message }, 'control connection error'));
  srf.on('connect', (err: Error | null) => {
    if (err) {
      logger.fatal({ err: err.message }, 'could not connect to the engine');
      process.exit(1);
    }
    process.send?.({ type: 'ready' });
  });
  srf.connect({ host: args.host, port: args.port, secret: args.secret });
  process.on('disconnect', () => process.exit(0));
}
