import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceImportPayments, invoiceList, invoicePay, invoiceRun, invoiceShow } from '../../src/cli/invoice.js';
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

  it('records payments until the invoice is paid; the list shows status, paid and open', async () => {
    await invoiceRun({ month: '2026-09' }, env);
    expect(await invoicePay('F2026090001', { amount: '10,00', date: '2026-10-20', method: 'transfer', reference: 'afschrift 12' }, env)).toBe(
      'F2026090001-P1: 10.00 on F2026090001 (transfer, 2026-10-20); F2026090001 is partly paid, 5.13 open\n',
    );
    await expect(invoicePay('F2026090001', { amount: '6.00', date: '2026-10-21', method: 'transfer', reference: 'x' }, env)).rejects.toThrow('600 cents is more than the 513 cents open on F2026090001');
    await expect(invoicePay('F2026090001', { amount: '1', date: '2026-10-21', method: 'cash', reference: 'x' }, env)).rejects.toThrow('--method "cash": expected one of sepa_direct_debit, transfer, set_off');
    await invoicePay('F2026090001', { amount: '5.13', date: '2026-10-21', method: 'sepa_direct_debit', reference: 'incasso' }, env);
    expect((await invoiceList({ month: '2026-09', format: 'csv' }, env)).trim().split('\r\n')[1]).toMatch(/,paid,15\.13,0\.00$/);
  });

  it('uses OPERATOR_DETAILS_FILE, and refuses without it when DEMO is off', async () => {
    const file = join(dir, 'operator.yaml');
    await writeFile(file, 'name: Belnet Telecom B.V.\naddress: [Stationsplein 12, 3511 ED Utrecht]\nkvk: "87654321"\nvatId: NL123456782B01\niban: NL20INGB0001234567\nbic: INGBNL2A\n');
    await expect(invoiceRun({ month: '2026-08' }, { ...env, DEMO: 'off' })).rejects.toThrow('the operator details are not configured');
    // The demo customer of this file has no billing address: refused with the reason, named in the summary.
    expect(await invoiceRun({ month: '2026-10' }, { ...env, OPERATOR_DETAILS_FILE: file })).toContain('not issued: Bakkerij De Vries has no billing address');
    await writeFile(file, 'name: x\n');
    await expect(invoiceRun({ month: '2026-10' }, { ...env, OPERATOR_DETAILS_FILE: file })).rejects.toThrow(`${file}: invalid operator details`);
  });

  it("imports the bank's result once: a second import skips what was recorded; refused rows are named by line", async () => {
    await invoiceRun({ month: '2026-10' }, env); // the demo details (DEMO on by default): no address needed
    const file = join(dir, 'bank.csv');
    await writeFile(file, 'invoice,amount,date,method,reference\nF2026100001,20.00,2026-11-15,sepa_direct_debit,"Incasso 15-11, batch 7"\nF2026109999,1.00,2026-11-15,transfer,x\n');
    expect(await invoiceImportPayments(file, env)).toEqual({ output: `${file}: 1 recorded, 0 recorded before, 1 refused\n  line 3: F2026109999: no invoice F2026109999\n`, refused: 1 });
    expect((await invoiceImportPayments(file, env)).output).toBe(`${file}: 0 recorded, 1 recorded before, 1 refused\n  line 3: F2026109999: no invoice F2026109999\n`);
    await writeFile(file, 'invoice,amount\n');
    await expect(invoiceImportPayments(file, env)).rejects.toThrow(`${file}: nothing recorded:\n  line 1: the header must name exactly the columns`);
  });

  it('names what is wrong: a bad month, an unknown number, no REDIS_URL', async () => {
    await expect(invoiceRun({ month: '2026-9' }, env)).rejects.toThrow('--month "2026-9": expected a month as YYYY-MM');
    await expect(invoiceShow('F2099010001', 'json', env)).rejects.toThrow('no invoice or statement "F2099010001"');
    await expect(invoiceRun({ month: '2026-09' }, { DATA_DIR: dir })).rejects.toThrow('REDIS_URL is not set');
  });
});
