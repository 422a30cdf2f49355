import { z } from 'zod';
import { LOG_LEVELS } from '../config.js';
import { createLogger } from '../logger.js';
import { hostPortSchema, sipEndpointSchema } from './endpoints.js';

export interface EngineCommandOptions {
  sip: string[];
  control: string;
  secret: string;
  logLevel: string;
  cdrs?: boolean;
}

const engineOptionsSchema = z.object({
  sip: z.array(sipEndpointSchema).min(1, 'at least one --sip udp:HOST:PORT or tcp:HOST:PORT is required'),
  control: hostPortSchema,
  secret: z.string().regex(/^[^|\s]+$/, 'expected a non-empty secret without "|" or whitespace'),
  logLevel: z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`),
});

/** Checks the `engine` command's options; returns messages naming each bad option, or the parsed options. */
export function parseEngineOptions(
  raw: EngineCommandOptions,
): { ok: true; value: z.output<typeof engineOptionsSchema> } | { ok: false; problems: string[] } {
  const result = engineOptionsSchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const flag: Record<string, string> = { sip: '--sip', control: '--control', secret: '--secret', logLevel: '--log-level' };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${flag[String(i.path[0])] ?? String(i.path[0])} ${i.message}`),
  };
}

/**
 * `contactsuite engine`: only the SIP engine, a drop-in for drachtio-server. Returns a function
 * that stops it.
 */
export async function runEngine(raw: EngineCommandOptions): Promise<() => Promise<void>> {
  const parsed = parseEngineOptions(raw);
  if (!parsed.ok) {
    process.stderr.write(`contactsuite engine: invalid options:\n  ${parsed.problems.join('\n  ')}\n`);
    process.exit(1);
  }
  const opts = parsed.value;
  const logger = createLogger(opts.logLevel, 'contactsuite-engine');
  // Loaded here so that `config` and `start` do not pay for the engine's modules in the app process.
  const { Engine } = await import('../engine/Engine.js');
  const engine = new Engine({
    sip: opts.sip,
    control: { ...opts.control, secret: opts.secret },
    logger,
    cdrs: raw.cdrs === true,
  });
  await engine.start();
  const { sip, control } = engine.listening;
  process.stdout.write(`contactsuite engine listening: sip ${sip.join(', ')}; control ${control}\n`);
  const stop = (): Promise<void> => engine.stop();
  if (process.send) {
    // Started by `contactsuite start` (EngineProcess): the IPC channel closes when the supervisor
    // dies, however it dies; an orphaned engine would hold the SIP ports.
    // Counters for the supervisor's /metrics (the engine serves no HTTP of its own).
    const send = (): void => void process.send?.({ type: 'stats', stats: engine.stats() });
    send();
    const report = setInterval(send, 2_000);
    report.unref();
    process.on('disconnect', () => {
      logger.warn('supervisor gone; stopping the engine');
      stop().finally(() => process.exit(0));
    });
  }
  return stop;
}
