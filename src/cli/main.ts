#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ConfigError, describeConfig, loadConfig, LOG_LEVELS, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { runEngine } from './engine.js';

/** The `contactsuite` command. Errors for people go to stderr as plain text; logs are pino JSON on stdout. */

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`contactsuite: ${err.message}`);
    throw err;
  }
}

/** Stops cleanly on SIGINT/SIGTERM (or `signals`); a second signal while stopping exits at once. */
function onShutdownSignal(logger: Logger, stop: () => Promise<void>, signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, handler);
}

const program = new Command('contactsuite')
  .description('ContactSuite: telephony control plane for Dutch business numbers')
  .showHelpAfterError();

program
  .command('start')
  .description('run the app, the HTTP server and (unless DRACHTIO_HOST is set) the embedded SIP engine')
  .action(async () => {
    const config = configOrExit();
    const logger = createLogger(config.logLevel);
    try {
      const { startContactSuite } = await import('./start.js');
      const running = await startContactSuite(config, logger);
      onShutdownSignal(logger, running.stop);
      process.stdout.write(`${running.summary}\n`);
    } catch (err) {
      logger.fatal({ err: (err as Error).message }, 'start failed');
      fail(`contactsuite: start failed: ${(err as Error).message}`);
    }
  });

program
  .command('engine')
  .description('run only the embedded SIP engine, a drop-in for drachtio-server')
  .option('--sip <proto:host:port>', 'SIP listen address, udp:HOST:PORT or tcp:HOST:PORT (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .requiredOption('--control <host:port>', 'drachtio control port address')
  .requiredOption('--secret <secret>', 'shared secret apps authenticate with')
  .addOption(new Option('--log-level <level>', 'pino log level').choices(LOG_LEVELS).default('info'))
  .option('--cdrs', 'send cdr:attempt/start/stop events to apps that subscribe (drachtio <cdrs>true</cdrs>)', false)
  .action(async (opts: { sip: string[]; control: string; secret: string; logLevel: string; cdrs: boolean }) => {
    const stop = await runEngine(opts);
    const logger = createLogger(opts.logLevel, 'contactsuite-engine');
    // Under `contactsuite start` (IPC channel) a terminal's Ctrl-C reaches the whole process group:
    // the engine must outlive the app's drain, so only the supervisor (or SIGTERM) stops it.
    if (process.send) process.on('SIGINT', () => logger.debug('SIGINT ignored: the supervising app stops the engine'));
    onShutdownSignal(logger, stop, process.send ? ['SIGTERM'] : ['SIGINT', 'SIGTERM']);
  });

program
  .command('config')
  .description('print the effective configuration (secrets masked)')
  .action(() => {
    const config = configOrExit();
    const rows = describeConfig(config);
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${(r.value || '-').padEnd(24)}  (${r.source})\n`);
  });

// `contactsuite engine` runs as a process of its own (beside the app, in the benchmarks): it
// loads only the engine, about 60 instead of 145 MiB resident, so the other commands' modules
// (the app, stores, PDF and report code) are imported only when another command may run.
if (process.argv[2] !== 'engine') {
  const [plan, report, inventory, invoice] = await Promise.all([import('./plan.js'), import('./report.js'), import('./inventory.js'), import('./invoice.js')]);
  plan.registerPlanCommand(program);
  report.registerReportCommand(program);
  inventory.registerInventoryCommand(program);
  invoice.registerInvoiceCommand(program);
}

program.parseAsync(process.argv).catch((err: unknown) => fail(`contactsuite: ${(err as Error).message}`));
