/*
 * GET /api/v1/reports/outpayment and /reports/usage: the platform sees every customer, a
 * beheerder only its own (whatever customerId it asks for), a gebruiker nothing; CSV on request.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPlugin } from '../../src/api/apiPlugin.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';

const PLATFORM = 'platform-token-for-report-tests-0123';
const OCT = Date.parse('2026-10-07T10:00:00+02:00');
let app: FastifyInstance;
let dir: string;
let log: FileCdrLog;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};

async function call(url: string, token: string) {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, type: String(res.headers['content-type']), text: res.payload, json: () => JSON.parse(res.payload) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cs-cdr-api-'));
  const logger = silentLogger();
  const store = new MemoryStore();
  log = await FileCdrLog.open(dir, logger);
  const recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 't' });
  app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(apiPlugin({ store, secrets: new SecretBox(randomBytes(32)), platformToken: PLATFORM, logger, sip: { domain: 'x.test', port: 5060 }, cdr: log }), { prefix: '/api/v1' });
  await app.ready();
  for (const [name, number] of [['Infolijn BV', '+319091110001'], ['Sterren BV', '+319061110002']]) {
    const c = await store.customers.create({ name, status: 'active', creditLimitCents: 10_000 });
    ids[name] = c.id;
    const start = recorder.open({
      callId: `call-${name}`,
      direction: 'inbound',
      customerId: c.id,
      called: number,
      calledType: number.startsWith('+31909') ? '0909' : '0906',
      caller: { number: '0612345678', restricted: false },
      tariff: { perMinuteCents: 90 },
      startedAt: OCT,
    });
    await recorder.close(start, { endedAt: OCT + 607_000, answeredAt: OCT, disposition: 'answered', tariffAnnouncementEndedAt: OCT + 7000 });
  }
  await recorder.stop();
  const admin = await app.inject({ method: 'POST', url: `/api/v1/customers/${ids['Infolijn BV']}/tokens`, headers: { authorization: `Bearer ${PLATFORM}` }, payload: { role: 'beheerder', label: 'beheer' } });
  tokens.beheerder = (JSON.parse(admin.payload) as { token: string }).token;
  const acc = await store.accounts.create({ customerId: ids['Infolijn BV'], username: '301', displayName: 'x', passwordEnc: 'x', channelLimit: 2 });
  const user = await app.inject({ method: 'POST', url: `/api/v1/customers/${ids['Infolijn BV']}/tokens`, headers: { authorization: `Bearer ${PLATFORM}` }, payload: { role: 'gebruiker', label: 'user', accountId: acc.id } });
  tokens.gebruiker = (JSON.parse(user.payload) as { token: string }).token;
});

afterAll(async () => {
  await app?.close();
  await log?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('the outpayment report API', () => {
  it('gives the platform every customer, per number, with the figures of the calls', async () => {
    const r = await call('/api/v1/reports/outpayment?month=2026-10', PLATFORM);
    expect(r.status).toBe(200);
    const body = r.json() as { customers: Array<{ customerName: string; numbers: Array<Record<string, unknown>> }>; total: Record<string, unknown> };
    expect(body.customers.map((c) => c.customerName).sort()).toEqual(['Infolijn BV', 'Sterren BV']);
    expect(body.total).toMatchObject({ calls: 2, minutes: '20.00', revenueInclVatCents: 1800, outpaymentMilliCents: 2 * 642_502 });
  });

  it('gives a beheerder only its own customer, even when it names another', async () => {
    const r = await call(`/api/v1/reports/outpayment?month=2026-10&customerId=${ids['Sterren BV']}`, tokens.beheerder);
    expect(r.status).toBe(200);
    const body = r.json() as { customers: Array<{ customerId: string; numbers: Array<{ number: string }> }> };
    expect(body.customers.map((c) => c.customerId)).toEqual([ids['Infolijn BV']]);
    expect(body.customers[0].numbers.map((n) => n.number)).toEqual(['+319091110001']);
  });

  it('answers CSV with format=csv', async () => {
    const r = await call('/api/v1/reports/outpayment?month=2026-10&format=csv', tokens.beheerder);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv/);
    expect(r.text.split('\r\n')[0]).toBe('month,customer_id,customer,number,calls,minutes,revenue_incl_vat_eur,revenue_excl_vat_eur,costs_eur,outpayment_eur');
    expect(r.text).toContain(`2026-10,${ids['Infolijn BV']},Infolijn BV,+319091110001,1,10.00,9.00,7.44,1.01,6.43`);
  });

  it('refuses a gebruiker and names a wrong month', async () => {
    expect((await call('/api/v1/reports/outpayment?month=2026-10', tokens.gebruiker)).status).toBe(403);
    const bad = await call('/api/v1/reports/usage?month=2026-13', PLATFORM);
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ issues: [{ path: 'month' }] });
  });

  it('reports usage per number: attempts and minutes', async () => {
    const r = await call('/api/v1/reports/usage?month=2026-10', tokens.beheerder);
    expect(r.json()).toMatchObject({ lines: [{ line: '+319091110001', attempts: 1, answered: 1, minutes: '10.00' }] });
    expect((await call('/api/v1/reports/usage?month=2026-09', PLATFORM)).json()).toEqual({ month: '2026-09', lines: [] });
  });
});
