import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInventoryFile } from '../../src/cli/inventory.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'inventory-cli-'));
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const HEADER = 'number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents';

describe('contactsuite inventory import', () => {
  it('imports a block into the shared store, and a second run leaves what is there alone', async () => {
    const file = join(dir, 'blok.csv');
    await writeFile(file, `${HEADER}\n0858 002 000-0858 002 999\n0906 123 4567,,50,,\n`);
    const env = { REDIS_URL: redis.url, DATA_DIR: dir };
    expect(await importInventoryFile(file, {}, env)).toEqual({ ok: true, text: `${file}: 1001 numbers added\n` });
    expect(await importInventoryFile(file, {}, env)).toEqual({
      ok: true,
      text: `${file}: 0 numbers added; 1001 already in the inventory, left as they are\nalready in the inventory: 0858002000, 0858002001, 0858002002, 0858002003, 0858002004, 0858002005, 0858002006, 0858002007, 0858002008, 0858002009 and 991 more\n`,
    });
    const store = new RedisStore(redis.url, silentLogger());
    try {
      expect(await store.waitUntilReady(5000)).toBe(true);
      expect(await store.inventory.numbers.get('+319061234567')).toMatchObject({ state: 'available', tariff: { perCallCents: 50 }, history: [{ by: 'cli' }] });
    } finally {
      await store.close();
    }
  });

  it('prints every wrong line as file:line and imports nothing', async () => {
    const file = join(dir, 'fout.csv');
    await writeFile(file, `${HEADER}\n0858 003 000\n0900 1234\n0858 003 001-0858 003 000\n`);
    const outcome = await importInventoryFile(file, {}, { REDIS_URL: redis.url });
    expect(outcome).toEqual({
      ok: false,
      text: `${file}:3: 0900 1234: a 0900 number needs a caller tariff (per minute and/or per call)\n${file}:4: range "0858 003 001-0858 003 000": the end is lower than the start\n`,
    });
  });

  it('--dry-run only validates; a file that cannot be read is named', async () => {
    const file = join(dir, 'los.csv');
    await writeFile(file, `${HEADER}\n0800 5555\n`);
    expect(await importInventoryFile(file, { dryRun: true }, {})).toEqual({ ok: true, text: `${file}: 1 numbers valid (dry run, nothing imported)\n` });
    await expect(importInventoryFile(join(dir, 'missing.csv'), {}, {})).rejects.toThrow(`${join(dir, 'missing.csv')}: cannot read (ENOENT)`);
  });
});
