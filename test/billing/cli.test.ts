import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceList, invoiceRun, invoiceShow } from '../../src/cli/invoice.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { contract } from './fixtures.js';

let redis: TestRedis;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'invoice-cli-'));
  env = { REDIS_URL: redis.url, DATA_DIR: dir };
  const store = new RedisStore(redis.url, silentLogger());
  try {
    if (!(await store.waitUntilReady(5000))) throw new Error('test redis not ready');
    const c = await store.customers.create({ name: 'Bakkerij De Vries', status: 'active', creditLimitCents: 0 });
    await store.inventory.contracts.insert([contract(c.id, '+319091234567', '2026-09-16')]);
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('contactsuite invoice', () => {
  it('runs a month once: the second run finds the invoice issued and identical', async () => {
    expect(await invoiceRun({ month: '2026-09' }, env)).toBe(
      'invoices 2026-09: 1 issued, 0 already issued and identical, 0 issued but different on current data\n  F2026090001  Bakkerij De Vries  15.13\n',
    ); // 25.00 × 15/30 = 12.50, + 21% = 15.13 (2.625 → 2.63)
    expect(await invoiceRun({ month: '2026-09' }, env)).toBe('invoices 2026-09: 0 issued, 1 already issued and identical, 0 issued but different on current data\n');
  });

  it('shows an invoice as JSON, lists it as CSV, and writes a readable Dutch PDF', async () => {
    await invoiceRun({ month: '2026-09' }, env);
    const json = JSON.parse(String(await invoiceShow('F2026090001', 'json', env))) as { lines: Array<{ period: { from: string; days: number } }>; totalCents: number };
    expect([json.lines[0].period, json.totalCents]).toEqual([{ from: '2026-09-16', to: '2026-09-30', days: 15, daysInMonth: 30 }, 1513]);
    expect(await invoiceList({ month: '2026-09', format: 'csv' }, env)).toContain('F2026090001,invoice,');
    const file = join(dir, 'F2026090001.pdf');
    await writeFile(file, await invoiceShow('F2026090001', 'pdf', env));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const expected of ['Factuur', 'Servicenummer 09091234567 (plus-pakket) — 16 september 2026 t/m 30', '(15/30 dagen à € 25,00 per maand)', '€ 12,50', '€ 2,63', '€ 15,13']) expect(text).toContain(expected);
  });

  it('names what is wrong: a bad month, an unknown number, no REDIS_URL', async () => {
    await expect(invoiceRun({ month: '2026-9' }, env)).rejects.toThrow('--month "2026-9": expected a month as YYYY-MM');
    await expect(invoiceShow('F2099010001', 'json', env)).rejects.toThrow('no invoice or statement "F2099010001"');
    await expect(invoiceRun({ month: '2026-09' }, { DATA_DIR: dir })).rejects.toThrow('REDIS_URL is not set');
  });
});
