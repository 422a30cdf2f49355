/* `contactsuite report outpayment|usage --month`: reads DATA_DIR/cdr without writing, CSV or JSON. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';

const OCT = Date.parse('2026-10-07T10:00:00+02:00');
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cs-cdr-cli-'));
  const log = await FileCdrLog.open(dataDir, silentLogger());
  const recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger: silentLogger(), instanceId: 't' });
  for (let i = 0; i < 3; i++) {
    const start = recorder.open({
      callId: `c${i}`,
      direction: 'inbound',
      customerId: 'cust-1',
      called: '+319091234567',
      calledType: '0909',
      caller: { number: '0612345678', restricted: i === 2 },
      tariff: { perMinuteCents: 90 },
      startedAt: OCT,
    });
    await recorder.close(start, { endedAt: OCT + 607_000, answeredAt: OCT, disposition: 'answered', answeredBy: { plan: true }, tariffAnnouncementEndedAt: OCT + 7000 });
  }
  await recorder.stop();
  await log.shutdown();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
  });
}

describe('contactsuite report', () => {
  it('prints the month\'s outpayment as CSV, and as JSON on request, without touching the files', () => {
    const before = readdirSync(join(dataDir, 'cdr')).sort();
    const csv = cli('outpayment', '--month', '2026-10');
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout).toContain('2026-10,cust-1,,+319091234567,3,30.00,27.00,22.31,3.04,19.28');
    const json = cli('usage', '--month', '2026-10', '--format', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ month: '2026-10', lines: [{ customerId: 'cust-1', attempts: 3, minutes: '30.00' }] });
    expect(readdirSync(join(dataDir, 'cdr')).sort()).toEqual(before);
  });

  it('exports the month\'s CDRs with restricted callers shown as anonymous', () => {
    const r = cli('cdrs', '--month', '2026-10');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).map((l) => l.split(',')[6])).toEqual(['0612345678', '0612345678', 'anonymous']);
    expect(lines[1]).toContain(',answered,plan,9.00,7.44,1.01,6.43');
    expect(cli('cdrs', '--month', '2026-09').stdout.trim().split('\r\n')).toHaveLength(1);
  });

  it('names a wrong month and exits 1', () => {
    const r = cli('outpayment', '--month', 'oktober');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--month "oktober": expected a month as YYYY-MM');
  });
});
