/*
 * CDRs and the monthly credit limit of calls from phones: a SIPp phone authenticates (407) and
 * dials out; a SIPp trunk answers. The CDR hooks get a scripted clock (start, answer, end), so
 * the charged seconds are exact. Once the customer's outbound charges reach its credit limit,
 * the next call hears "Uw belegtegoed voor deze maand is op." and never reaches the trunk; 112
 * still goes through.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSipServices } from '../../src/app/sipServices.js';
import { phoneCallHooks } from '../../src/cdr/callRecords.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { Cdr } from '../../src/cdr/CdrTypes.js';
import { CREDIT_LIMIT_PROMPT, CreditLimit } from '../../src/cdr/CreditLimit.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { registry } from '../../src/http/metrics.js';
import { silentLogger } from '../../src/logger.js';
import { EmbeddedMediaServer } from '../../src/media/embedded/EmbeddedMediaServer.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { CallerAudio, expectedAudio, PROMPT_DIR } from '../calls/rig.js';
import { startEngineWithApp, type EngineWithApp } from '../support/engine.js';
import { freePort } from '../support/ports.js';
import { describeRun, killAllSipp, runSipp, scenario, startSipp } from '../support/sipp.js';
import { disconnect } from '../support/srf.js';

const CALLS = new URL('../scenarios/calls/', import.meta.url).pathname;
const CDR = new URL('../scenarios/cdr/', import.meta.url).pathname;
const T0 = Date.parse('2026-10-07T10:00:00+02:00');
const PASSWORD = 'phone-password-201';
const PASSWORD_202 = 'phone-password-202';

let app: EngineWithApp;
let store: MemoryStore;
let media: EmbeddedMediaServer;
let log: FileCdrLog;
let recorder: CdrRecorder;
let dir: string;
let trunkPort: number;
let customerId: string;
/** The times the CDR hooks read next (start, answer, end); T0 + 1 h once empty. */
const clock: number[] = [];

beforeAll(async () => {
  app = await startEngineWithApp({ secret: 'cdr-phones' });
  trunkPort = await freePort();
  const logger = silentLogger();
  store = new MemoryStore();
  const secretKey = randomBytes(32);
  const secrets = new SecretBox(secretKey);
  dir = mkdtempSync(join(tmpdir(), 'cs-cdr-phones-'));
  log = await FileCdrLog.open(dir, logger);
  recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'test', now: () => T0 });
  media = new EmbeddedMediaServer({ host: '127.0.0.1', portMin: 48600, portMax: 48698, logger, promptDir: PROMPT_DIR });
  const credit = new CreditLimit({ store, recorder, logger, media });
  const services = buildSipServices({
    store,
    secrets,
    secretKey,
    settings: {
      domain: 'contactsuite.test',
      register: { minExpires: 60, maxExpires: 3600 },
      authThrottle: { maxFailures: 10, blockSeconds: 300 },
      trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
    },
    logger,
    phoneCalls: phoneCallHooks(recorder, credit, logger, () => clock.shift() ?? T0 + 3_600_000),
  });
  app.srf.use('register', services.register);
  app.srf.use('invite', services.invite);
  const customer = await store.customers.create({ name: 'Bakkerij De Vries', status: 'active', creditLimitCents: 10_000 });
  customerId = customer.id;
  await store.accounts.create({ customerId, username: '201', displayName: 'Balie', passwordEnc: secrets.encrypt(PASSWORD), channelLimit: 2 });
  await store.accounts.create({ customerId, username: '202', displayName: 'Bakkerij', passwordEnc: secrets.encrypt(PASSWORD_202), channelLimit: 2 });
}, 30_000);

afterAll(async () => {
  killAllSipp();
  disconnect(app.srf);
  await recorder?.stop();
  await log?.shutdown();
  await media?.close();
  await app?.engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cdrFor(called: string, nth = 0): Promise<Cdr> {
  for (let i = 0; i < 150; i++) {
    const found = (await log.readAll()).filter((c) => c.called === called)[nth];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no CDR for a call to ${called}`);
}

async function refusals(): Promise<number> {
  const metric = await registry.getSingleMetric('cdr_credit_limit_refusals_total')?.get();
  return metric?.values.find((v) => v.labels.customer === customerId)?.value ?? 0;
}

const dial = async (number: string, scenarioFile = `${CALLS}caller-call.xml`, vars: Record<string, string> = {}) =>
  runSipp({
    scenario: scenarioFile,
    remote: `127.0.0.1:${app.sipPort}`,
    localPort: await freePort(),
    calls: 1,
    timeoutMs: 20_000,
    vars: { caller: '201', ...vars },
    extra: ['-s', number, '-au', '201', '-ap', PASSWORD],
  });

describe('calls from phones', () => {
  it('are charged per second at the destination\'s rate from the answer', async () => {
    clock.push(T0, T0 + 4000, T0 + 94_000); // start, answer, end: 90 s of conversation
    const trunk = await startSipp({ scenario: scenario('uas-answer'), localPort: trunkPort, calls: 1, timeoutMs: 20_000 });
    const call = await dial('0612345678');
    expect(call.successful, describeRun(call)).toBe(1);
    await trunk.done;
    const cdr = await cdrFor('+31612345678');
    expect(cdr).toMatchObject({
      direction: 'outbound',
      customerId,
      caller: { number: '201', restricted: false },
      calledType: 'nl-mobile',
      disposition: 'answered',
      answeredBy: { number: '+31612345678' },
      startedAt: T0,
      answeredAt: T0 + 4000,
      durationSeconds: 94,
      talkSeconds: 90,
      billableSeconds: 90,
      chargeExclVatMilliCents: 4500, // 3 ct a minute
      chargeInclVatCents: 5,
    });
    expect(await recorder.outboundSpendMilliCents(customerId)).toBe(4500);
  }, 40_000);

  it('stop at the credit limit with a Dutch announcement, without reaching the trunk', async () => {
    await store.customers.update(customerId, { creditLimitCents: 4 });
    const before = await refusals();
    const audio = await CallerAudio.open();
    try {
      const call = await dial('0201234567', `${CDR}phone-wait-bye-rtp.xml`, { rtp: String(audio.port) });
      expect(call.successful, describeRun(call)).toBe(1);
      const prompt = await expectedAudio([CREDIT_LIMIT_PROMPT]);
      expect(audio.audio().subarray(0, prompt.length).equals(prompt)).toBe(true);
    } finally {
      await audio.close();
    }
    const cdr = await cdrFor('+31201234567');
    expect(cdr).toMatchObject({ disposition: 'refused-credit-limit', calledType: 'nl-fixed', billableSeconds: 0, chargeInclVatCents: 0 });
    expect(cdr.answeredAt).toBeUndefined();
    expect(await refusals()).toBe(before + 1);
  }, 40_000);

  it('112 always goes through, free of charge', async () => {
    clock.push(T0 + 100_000, T0 + 101_000, T0 + 161_000);
    const trunk = await startSipp({ scenario: scenario('uas-answer'), localPort: trunkPort, calls: 1, timeoutMs: 20_000 });
    const call = await dial('112');
    expect(call.successful, describeRun(call)).toBe(1);
    const atTrunk = await trunk.done;
    expect(atTrunk.successful, describeRun(atTrunk)).toBe(1);
    const cdr = await cdrFor('112');
    expect(cdr).toMatchObject({ calledType: 'emergency', disposition: 'answered', billableSeconds: 60, chargeExclVatMilliCents: 0 });
  }, 40_000);

  it('between extensions are recorded with the account that answered, free of charge', async () => {
    const phonePort = await freePort();
    const reg = await runSipp({ scenario: `${CALLS}phone-register.xml`, remote: `127.0.0.1:${app.sipPort}`, localPort: phonePort, timeoutMs: 10_000, extra: ['-s', '202', '-au', '202', '-ap', PASSWORD_202] });
    expect(reg.successful, describeRun(reg)).toBe(1);
    clock.push(T0 + 200_000, T0 + 202_000, T0 + 232_000);
    const phone = await startSipp({ scenario: scenario('uas-answer'), localPort: phonePort, calls: 1, timeoutMs: 20_000 });
    const call = await dial('202');
    expect(call.successful, describeRun(call)).toBe(1);
    expect((await phone.done).successful).toBe(1);
    const cdr = await cdrFor('202');
    expect(cdr).toMatchObject({ direction: 'extension', calledType: 'extension', disposition: 'answered', answeredBy: { account: '202' }, talkSeconds: 30, chargeInclVatCents: 0 });
    expect((await log.month('2026-10')).get(customerId, 'extension')).toMatchObject({ attempts: 1, answered: 1, billableSeconds: 30 });
  }, 40_000);
});
