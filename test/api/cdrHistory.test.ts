/*
 * GET /api/v1/cdrs (history with filters, pages, CSV), /reports/revenue (090x per day and month)
 * and /calls/live: what each role sees, from CDRs written through the recorder.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPlugin } from '../../src/api/apiPlugin.js';
import { LiveCallList } from '../../src/calls/LiveCallList.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { CdrStart } from '../../src/cdr/CdrTypes.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';

const PLATFORM = 'platform-token-for-cdr-history-0123';
const OCT5 = Date.parse('2026-10-05T10:00:00+02:00');
const OCT7 = Date.parse('2026-10-07T10:00:00+02:00');
const NOV2 = Date.parse('2026-11-02T09:00:00+01:00');
let app: FastifyInstance;
let dir: string;
let log: FileCdrLog;
const live = new LiveCallList();
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};

async function get(url: string, token: string) {
  const res = await app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, type: String(res.headers['content-type']), text: res.payload, json: <T = Record<string, unknown>>() => JSON.parse(res.payload) as T };
}

interface Page {
  total: number;
  items: Array<{ caller: string; called: string; disposition: string; startedAt: string; answeredBy?: string }>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cs-cdr-history-'));
  const logger = silentLogger();
  const store = new MemoryStore();
  log = await FileCdrLog.open(dir, logger);
  const recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 't' });
  app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(apiPlugin({ store, secrets: new SecretBox(randomBytes(32)), platformToken: PLATFORM, logger, sip: { domain: 'x.test', port: 5060 }, cdr: log, liveCalls: live }), { prefix: '/api/v1' });
  await app.ready();
  const infolijn = await store.customers.create({ name: 'Infolijn BV', status: 'active', creditLimitCents: 10_000 });
  const other = await store.customers.create({ name: 'Ander BV', status: 'active', creditLimitCents: 10_000 });
  ids.infolijn = infolijn.id;
  ids.other = other.id;
  const acc = await store.accounts.create({ customerId: infolijn.id, username: '301', displayName: 'x', passwordEnc: 'x', channelLimit: 2 });
  ids.account = acc.id;
  const paid = async (customerId: string, called: string, caller: CdrStart['caller'], startedAt: number, minutes: number, callId: string) => {
    const start = recorder.open({ callId, direction: 'inbound', customerId, called, calledType: '0909', caller, tariff: { perMinuteCents: 90 }, startedAt });
    await recorder.close(start, { endedAt: startedAt + 7000 + minutes * 60_000, answeredAt: startedAt, disposition: 'answered', tariffAnnouncementEndedAt: startedAt + 7000 });
  };
  // Infolijn: two paid calls on 5 October, one on 7 October (a restricted caller), one in November.
  await paid(infolijn.id, '+319091110001', { number: '0612345678', restricted: false }, OCT5, 10, 'a');
  await paid(infolijn.id, '+319091110001', { number: '0687654321', restricted: false }, OCT5 + 3_600_000, 2, 'b');
  await paid(infolijn.id, '+319091110001', { number: '0611112222', restricted: true }, OCT7, 5, 'c');
  await paid(infolijn.id, '+319091110001', { number: '0612345678', restricted: false }, NOV2, 1, 'd');
  await paid(other.id, '+319061110002', { number: '0633334444', restricted: false }, OCT5, 3, 'e');
  // A caller who hung up in the plan, and an extension call made from account 301.
  const abandoned = recorder.open({ callId: 'f', direction: 'inbound', customerId: infolijn.id, called: '+319091110001', calledType: '0909', caller: { number: '0655556666', restricted: false }, tariff: { perMinuteCents: 90 }, startedAt: OCT7 + 60_000 });
  await recorder.close(abandoned, { endedAt: OCT7 + 65_000, answeredAt: OCT7 + 60_000, disposition: 'abandoned' });
  const ext = recorder.open({ callId: 'g', direction: 'extension', customerId: infolijn.id, accountId: acc.id, called: '302', calledType: 'extension', caller: { number: '301', restricted: false }, startedAt: OCT7 + 120_000 });
  await recorder.close(ext, { endedAt: OCT7 + 180_000, answeredAt: OCT7 + 125_000, disposition: 'answered', answeredBy: { account: '302' } });
  await recorder.stop();
  for (const [name, body] of [
    ['beheerder', { role: 'beheerder', label: 'beheer' }],
    ['gebruiker', { role: 'gebruiker', label: 'user', accountId: acc.id }],
  ] as const) {
    const r = await app.inject({ method: 'POST', url: `/api/v1/customers/${infolijn.id}/tokens`, headers: { authorization: `Bearer ${PLATFORM}` }, payload: body });
    tokens[name] = (JSON.parse(r.payload) as { token: string }).token;
  }
});

afterAll(async () => {
  await app?.close();
  await log?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('CDR history', () => {
  it("gives a beheerder its own customer's calls of a month, newest first, a restricted caller as anonymous", async () => {
    const r = await get('/cdrs?month=2026-10', tokens.beheerder);
    expect(r.status).toBe(200);
    const page = r.json<Page>();
    expect(page.total).toBe(5);
    expect(page.items.map((c) => c.caller)).toEqual(['301', '0655556666', 'anonymous', '0687654321', '0612345678']);
    expect(r.text).not.toContain('0611112222');
  });

  it('filters by days, number and disposition, and pages', async () => {
    expect((await get('/cdrs?from=2026-10-05&to=2026-10-05', tokens.beheerder)).json<Page>().total).toBe(2);
    expect((await get('/cdrs?month=2026-10&number=0687', tokens.beheerder)).json<Page>().items.map((c) => c.caller)).toEqual(['0687654321']);
    // The restricted caller's stored number is not searchable either.
    expect((await get('/cdrs?number=0611112222', tokens.beheerder)).json<Page>().total).toBe(0);
    expect((await get('/cdrs?disposition=abandoned', tokens.beheerder)).json<Page>().items.map((c) => c.caller)).toEqual(['0655556666']);
    const second = (await get('/cdrs?month=2026-10&page=2&pageSize=2', tokens.beheerder)).json<Page & { page: number }>();
    expect({ total: second.total, page: second.page, callers: second.items.map((c) => c.caller) }).toEqual({ total: 5, page: 2, callers: ['anonymous', '0687654321'] });
  });

  it('gives the platform every customer and a gebruiker only its own account’s calls', async () => {
    expect((await get('/cdrs?month=2026-10', PLATFORM)).json<Page>().total).toBe(6);
    expect((await get(`/cdrs?month=2026-10&customerId=${ids.other}`, PLATFORM)).json<Page>().items.map((c) => c.called)).toEqual(['+319061110002']);
    expect((await get('/cdrs', tokens.gebruiker)).json<Page>().items.map((c) => c.called)).toEqual(['302']);
  });

  it('exports every matching call as CSV, the restricted caller as anonymous', async () => {
    const r = await get('/cdrs?month=2026-10&format=csv&pageSize=1', tokens.beheerder);
    expect(r.type).toMatch(/^text\/csv/);
    const lines = r.text.trim().split('\r\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^id,call_id,customer_id,direction,called,called_type,caller,/);
    expect(lines.filter((l) => l.includes(',anonymous,'))).toHaveLength(1);
    expect(r.text).not.toContain('0611112222');
  });

  it('names a wrong filter', async () => {
    const r = await get('/cdrs?from=2026-10-32&disposition=maybe', tokens.beheerder);
    expect(r.status).toBe(400);
    expect(r.json<{ issues: Array<{ path: string }> }>().issues.map((i) => i.path).sort()).toEqual(['disposition', 'from']);
  });
});

describe('090x revenue', () => {
  it('gives the calls, minutes, revenue and outpayment per day and the month total', async () => {
    const r = await get('/reports/revenue?month=2026-10', tokens.beheerder);
    expect(r.status).toBe(200);
    const body = r.json<{ days: Array<{ day: string; calls: number; minutes: string; revenueInclVatCents: number }>; total: Record<string, unknown>; months: Array<{ month: string; calls: number }> }>();
    expect(body.days).toHaveLength(31);
    const busy = body.days.filter((d) => d.calls > 0).map((d) => ({ day: d.day, calls: d.calls, minutes: d.minutes, revenueInclVatCents: d.revenueInclVatCents }));
    expect(busy).toEqual([
      { day: '2026-10-05', calls: 2, minutes: '12.00', revenueInclVatCents: 1080 },
      { day: '2026-10-07', calls: 1, minutes: '5.00', revenueInclVatCents: 450 },
    ]);
    expect(body.total).toMatchObject({ calls: 3, minutes: '17.00', revenueInclVatCents: 1530 });
    expect(body.months.slice(-2)).toEqual([expect.objectContaining({ month: '2026-09', calls: 0 }), expect.objectContaining({ month: '2026-10', calls: 3 })]);
  });

  it('refuses a gebruiker', async () => {
    expect((await get('/reports/revenue?month=2026-10', tokens.gebruiker)).status).toBe(403);
  });
});

describe('live calls', () => {
  it('shows each role the calls it may see', async () => {
    live.start({ callId: 'x1', kind: 'number', customerId: ids.infolijn, numberId: 'n1', called: '+319091110001', caller: { number: '0612345678', restricted: true }, state: 'in-plan', startedAt: OCT5 });
    live.update('x1', { node: 'menu', nodeType: 'menu' });
    live.start({ callId: 'x2', kind: 'phone', customerId: ids.infolijn, accountId: ids.account, called: '302', caller: { number: '301', restricted: false }, state: 'connected', startedAt: OCT5 + 1 });
    live.start({ callId: 'x3', kind: 'number', customerId: ids.other, called: '+319061110002', caller: { number: '0600000000', restricted: false }, state: 'ringing', startedAt: OCT5 + 2 });
    const mine = (await get('/calls/live', tokens.beheerder)).json<Array<Record<string, unknown>>>();
    expect(mine.map((c) => [c.callId, c.caller, c.node ?? null])).toEqual([
      ['x1', 'anonymous', 'menu'],
      ['x2', '301', null],
    ]);
    expect((await get('/calls/live', tokens.gebruiker)).json<Array<{ callId: string }>>().map((c) => c.callId)).toEqual(['x2']);
    expect((await get('/calls/live', PLATFORM)).json<unknown[]>()).toHaveLength(3);
    live.end('x1');
    expect((await get('/calls/live', tokens.beheerder)).json<Array<{ callId: string }>>().map((c) => c.callId)).toEqual(['x2']);
  });
});
