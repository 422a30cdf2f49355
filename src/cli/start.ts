import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { startApp, type RunningApp } from '../app/startApp.js';
import type { Config } from '../config.js';
import { describeDemo, seedDemo, writeDemoCredentials } from '../calls/demo.js';
import { PlanSource } from '../calls/planSource.js';
import { buildHttpServer } from '../http/server.js';
import { startCdr } from '../cdr/startCdr.js';
import { RedisLiveCalls } from '../calls/RedisLiveCalls.js';
import { buildProvisioningHttpsServer, type ProvisioningDeps } from '../provisioning/provisioningServer.js';
import { provisioningSite } from '../provisioning/site.js';
import { openMediaServer } from '../media/openMediaServer.js';
import type { Logger } from '../logger.js';
import { openStore } from '../store/openStore.js';
import { SecretBox, loadSecretKey } from '../store/secrets.js';
import type { Store } from '../store/Store.js';
import { registerEngineMetrics } from '../http/engineMetrics.js';
import { EngineProcess } from './EngineProcess.js';
import { waitForPort } from './waitForPort.js';
import { createMailOutbox } from '../mail/MailOutbox.js';
import { faxAvailability, loadFaxAddon } from '../fax/faxAddon.js';
import { FaxToEmail } from '../fax/FaxToEmail.js';
import { MessageWaiting } from '../voicemail/Mwi.js';
import { VoicemailService } from '../voicemail/VoicemailService.js';
import { InventoryService } from '../inventory/InventoryService.js';
import { BillingService } from '../billing/InvoiceRun.js';
import { loadPriceList } from '../billing/PriceList.js';
import { loadOperatorDetails } from '../billing/OperatorDetails.js';

/** How long the engine child may take to open its control port at start. */
const ENGINE_START_TIMEOUT_MS = 15_000;
const HTTP_HOST = '0.0.0.0';

export interface Running {
  /** One line saying what the process listens on. */
  summary: string;
  stop(): Promise<void>;
}

/**
 * `contactsuite start`: the embedded engine (a child process, see EngineProcess for why) unless
 * DRACHTIO_HOST names a drachtio-server, then the app against it, then the HTTP server. Whatever
 * was started is stopped again if a later step fails.
 */
export async function startContactSuite(config: Config, logger: Logger): Promise<Running> {
  const stops: Array<() => Promise<void>> = [];
  let engine: EngineProcess | undefined;
  const stopAll = async (): Promise<void> => {
    engine?.holdRestarts();
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'error while stopping');
      }
    }
    stops.length = 0;
  };

  try {
    await mkdir(config.dataDir, { recursive: true });
    // Read before anything starts: a bad price list stops the process before it takes calls.
    const priceList = await loadPriceList(config.billing.priceListFile);
    // OPERATOR_DETAILS_FILE, else (DEMO=on) demo details marked on every document, else invoice runs refuse.
    const operator = await loadOperatorDetails(config.billing.operatorDetailsFile, config.demo);
    if (!operator) logger.warn('OPERATOR_DETAILS_FILE is not set: invoice and outpayment runs will refuse until it is');
    else if (operator.demo) logger.warn('invoices carry the demo operator details (OPERATOR_DETAILS_FILE unset, DEMO=on): not valid invoices');
    let drachtio = config.drachtio;
    let controlText: string;
    if (!drachtio) {
      engine = new EngineProcess({ command: process.execPath, args: engineArgs(config), logger });
      const child = engine;
      const firstExit = child.nextExit();
      child.start();
      stops.push(() => child.stop());
      drachtio = { host: config.engine.controlHost, port: config.engine.controlPort, secret: config.engine.secret };
      await waitForPort(drachtio.host, drachtio.port, ENGINE_START_TIMEOUT_MS, firstExit).catch((err: Error) => {
        throw new Error(`the embedded engine did not start: ${err.message}`);
      });
      controlText = `control ${drachtio.host}:${drachtio.port} (embedded engine, pid ${child.pid})`;
      registerEngineMetrics(() => child.stats);
    } else {
      controlText = `drachtio-server ${drachtio.host}:${drachtio.port}`;
    }

    const store: Store = await openStore(config.redisUrl, logger);
    stops.push(() => store.close());

    const secretKey = await loadSecretKey({ keyHex: config.secretsKey, dataDir: config.dataDir, logger });
    const secrets = new SecretBox(secretKey);
    const sipSettings = {
      domain: config.sipDomain,
      register: config.register,
      authThrottle: config.authThrottle,
      ...(config.trunk ? { trunk: config.trunk } : {}),
    };
    // Calls to service numbers: plans from the store and from dialplans/, audio from the embedded media engine.
    const plans = new PlanSource({ plans: store.plans, logger, dialplansDir: config.dialplansDir });
    await plans.start();
    stops.push(async () => plans.close());
    // Uploaded prompts (API) live under DATA_DIR/prompts/custom/<customer>/; plans name them 'custom/…'.
    const customPromptsDir = join(config.dataDir, 'prompts');
    // MEDIA_SERVER: the embedded RTP engine, or FreeSWITCH (connected once the app's srf is up).
    const { media, attach: attachMedia } = openMediaServer({
      media: config.media,
      rtp: { host: config.sip.host, advertisedHost: mediaAddress(config.sip.host), min: config.rtp.min, max: config.rtp.max },
      promptsDir: config.promptsDir,
      dataDir: config.dataDir,
      customPromptDir: customPromptsDir,
      defaultOutboundHost: mediaAddress('0.0.0.0'),
      logger: logger.child({ component: 'media' }),
    });
    stops.push(() => media.close());
    const demo = config.demo ? await seedDemo(store, secrets, { logger, ...(config.demoPassword !== undefined ? { password: config.demoPassword } : {}) }) : undefined;

    // Outgoing mail (voicemail, fax): queued on disk under DATA_DIR/outbox, sent in the background.
    const mailOutbox = createMailOutbox({
      ...(config.mail.smtpUrl !== undefined ? { smtpUrl: config.mail.smtpUrl } : {}),
      from: config.mail.from,
      dir: join(config.dataDir, 'outbox'),
      logger,
      deadLetterAfter: config.mail.deadLetterAfter,
    });
    stops.push(() => mailOutbox.close());
    const voicemail = new VoicemailService({ store, dataDir: config.dataDir, outbox: mailOutbox, logger });
    const mwi = new MessageWaiting({ store, domain: config.sipDomain, logger });
    voicemail.onBoxChanged(mwi);
    await voicemail.pruneDeletedBoxes();
    // Stopped after the app has hung up its calls: messages being recorded are still stored (and queued).
    stops.push(() => voicemail.drain(5_000));
    // Fax-to-email (fax nodes): faxes kept under DATA_DIR/fax; without the addon, fax is reported unavailable.
    loadFaxAddon(logger);
    const fax = new FaxToEmail({ dir: join(config.dataDir, 'fax'), outbox: mailOutbox, logger, ident: 'ContactSuite' });

    // CDRs: Redis Stream with REDIS_URL, else DATA_DIR/cdr/*.jsonl; closes what a crash left open.
    const cdr = await startCdr({ settings: config.cdr, redisUrl: config.redisUrl, dataDir: config.dataDir, store, media, logger });
    stops.push(() => cdr.stop());
    // Number inventory, orders, contracts: a schedule each minute (reservations lapse, contracts end,
    // quarantines end, tariff changes apply); calls hear a due tariff change at once (resolveTariff),
    // and the first call to a number may date its contract's start (recordTraffic).
    const inventory = new InventoryService({ store, outbox: mailOutbox, options: config.inventory, logger });
    await inventory.adoptServiceNumbers();
    inventory.start();
    stops.push(() => inventory.stop());
    const inventoryHooks = {
      resolveTariff: (n: Parameters<InventoryService['tariffAt']>[0], at: number) => inventory.tariffAt(n, at),
      onCallStarted: (...args: Parameters<typeof cdr.numberCalls.onCallStarted>) => {
        cdr.numberCalls.onCallStarted(...args);
        inventory.recordTraffic(args[1], args[2]).catch((err: Error) => logger.warn({ err: err.message }, 'first traffic not recorded'));
      },
    };
    const app: RunningApp = await startApp({ drachtio, logger, store, secrets, secretKey, sip: sipSettings, numberCalls: { media, plans, voicemail, fax, ringBeforeAnswer: config.ringBeforeAnswer, ...cdr.numberCalls, ...inventoryHooks }, phoneCalls: cdr.phoneCalls, mwi });
    stops.push(() => app.stop());
    attachMedia(app.srf);
    // Live calls: with Redis every instance's calls are listed by any instance's API.
    const sharedCalls = config.redisUrl ? new RedisLiveCalls(config.redisUrl, config.cdr.instanceId, logger) : undefined;
    sharedCalls?.follow(app.liveCalls);
    if (sharedCalls) stops.push(() => sharedCalls.stop());

    // Phones fetch their configuration under /provisioning (and over HTTPS when a certificate is set).
    const site = provisioningSite(config);
    const provisioning: ProvisioningDeps = { store, secrets, secretKey, site, logger, throttle: config.authThrottle };
    const http: FastifyInstance = buildHttpServer({
      isEngineConnected: app.isConnected,
      store,
      logger,
      fax: faxAvailability,
      mail: async () => ({ pending: await mailOutbox.pending(), dead: await mailOutbox.dead() }),
      provisioning,
      // The admin web app at /app/, built by scripts/start.sh (npm run build → build:web).
      web: true,
      trustProxy: config.trustProxy,
      api: {
        store,
        secrets,
        platformToken: config.adminToken,
        logger,
        sip: { domain: config.sipDomain, port: config.sip.port },
        promptsDir: customPromptsDir,
        cdr: cdr.log,
        liveCalls: sharedCalls ?? app.liveCalls,
        provisioning: site,
        voicemail,
        inventory,
        // Invoices and outpayment statements from the CDRs' monthly totals (PRICE_LIST_FILE, PAYMENT_TERM_DAYS).
        billing: new BillingService({ store, monthTotals: (m) => cdr.log.month(m), options: { priceList, paymentTermDays: config.billing.paymentTermDays, ...(operator ? { operator } : {}) }, logger }),
        faxDir: join(config.dataDir, 'fax'),
        signIn: { sessionMinutes: config.webSessionMinutes },
      },
    });
    await http.listen({ host: HTTP_HOST, port: config.httpPort });
    stops.push(() => http.close());
    if (config.provisioning.https) {
      const https = buildProvisioningHttpsServer(provisioning, config.provisioning.https);
      await https.listen({ host: HTTP_HOST, port: config.provisioning.https.port });
      stops.push(() => https.close());
    }

    const sip = app.sipHostports().join(', ') || '(none announced)';
    const storeText = config.redisUrl ? 'redis' : 'memory';
    const faxText = faxAvailability().available ? 'fax available' : 'fax unavailable';
    const lines = [`contactsuite listening: sip ${sip}; ${controlText}; http ${HTTP_HOST}:${config.httpPort}; store ${storeText}; ${faxText}`];
    if (demo) {
      const credentials = join(config.dataDir, 'demo-accounts.txt');
      if (demo.createdAccounts.length) await writeDemoCredentials(demo, credentials, config.sipDomain);
      // With DRACHTIO_HOST, callers reach the drachtio server's SIP address, not SIP_PORT.
      const demoSip = config.drachtio ? (app.sipHostports()[0]?.replace(/^\w+\//, '') ?? config.drachtio.host) : `${mediaAddress(config.sip.host)}:${config.sip.port}`;
      lines.push(...describeDemo(demo, demoSip, credentials));
    }
    const summary = lines.join('\n');
    logger.info(
      { sip: app.sipHostports(), control: `${drachtio.host}:${drachtio.port}`, http: `${HTTP_HOST}:${config.httpPort}`, store: storeText, fax: faxAvailability() },
      'contactsuite started',
    );
    // SIGTERM: out of the INVITE rotation, calls in progress get SHUTDOWN_GRACE_SECONDS, then everything stops.
    const stop = async (): Promise<void> => {
      // An engine child that a process-group signal ended is not restarted during the drain.
      engine?.holdRestarts();
      await app.drain(config.shutdownGraceSeconds * 1000).catch((err: Error) => logger.warn({ err: err.message }, 'draining failed'));
      await stopAll();
    };
    return { summary, stop };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The address written in SDP: the SIP host, or for a wildcard bind this machine's first external IPv4 address. */
function mediaAddress(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const addrs of Object.values(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

/** The command line of the engine child: this same CLI (and, under tsx, the same loader flags). */
function engineArgs(config: Config): string[] {
  const host = config.sip.host.includes(':') ? `[${config.sip.host}]` : config.sip.host;
  return [
    ...process.execArgv,
    process.argv[1],
    'engine',
    '--sip',
    `udp:${host}:${config.sip.port}`,
    '--sip',
    `tcp:${host}:${config.sip.port}`,
    '--control',
    `${config.engine.controlHost}:${config.engine.controlPort}`,
    '--secret',
    config.engine.secret,
    '--log-level',
    config.logLevel,
  ];
}
