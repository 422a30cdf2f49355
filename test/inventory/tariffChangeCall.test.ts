/**
 * A tariff change on a 0909 number, end to end: requested through the API before Koningsdag, it
 * takes effect five working days later, and a caller on that day hears the new tariff, even
 * before the schedule has written it into the number (NumberCall's resolveTariff hook).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryService } from '../../src/inventory/InventoryService.js';
import { silentLogger } from '../../src/logger.js';
import { tariffAnnouncementPrompts } from '../../src/numbers/tariffAnnouncement.js';
import { describeRun } from '../support/sipp.js';
import { CallerAudio, expectedAudio, startNumberRig, type NumberRig } from '../calls/rig.js';

const ANNOUNCE = `
name: announce
start: hallo
nodes:
  hallo: { type: announcement, prompts: [nl/welkom], next: ophangen }
  ophangen: { type: hangup }
`;

const OLD = { perMinuteCents: 80, maxPerCallCents: 800 };
const NEW = { perMinuteCents: 100, maxPerCallCents: 1000 };

let rig: NumberRig;
let inventory: InventoryService;
const clock = { now: Date.parse('2026-04-22T08:00:00Z') };

beforeAll(async () => {
  rig = await startNumberRig(49400, { resolveTariff: (n, at) => inventory.tariffAt(n, at) });
  inventory = new InventoryService({ store: rig.store, logger: silentLogger(), options: { tariffChangeWorkingDays: 5 }, now: () => clock.now });
  rig.writePlan('announce', ANNOUNCE);
  await rig.planLoaded('announce');
}, 30_000);
afterAll(async () => {
  await inventory?.stop();
  await rig?.stop();
});

async function heard(dialled: string): Promise<Buffer> {
  const audio = await CallerAudio.open();
  try {
    const result = await rig.call('caller-wait-bye', dialled, audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    return audio.audio();
  } finally {
    await audio.close();
  }
}

describe('a caller tariff change', () => {
  it('is heard by callers from 00:00 on its effective day (five working days, Koningsdag not counted)', async () => {
    const n = await rig.addNumber({ e164: '+319091110009', type: '0909', planId: 'file:announce', tariff: OLD });
    const change = await inventory.requestTariffChange(n.id, NEW, 'beheerder:t');
    expect(change.effectiveOn).toBe('2026-04-30');
    const welcome = await expectedAudio(['nl/welkom']);

    rig.setNow(new Date('2026-04-29T23:59:00+02:00'));
    const before = Buffer.concat([await expectedAudio(tariffAnnouncementPrompts(OLD)), welcome]);
    expect((await heard('09091110009')).equals(before)).toBe(true);

    rig.setNow(new Date('2026-04-30T00:00:30+02:00'));
    expect((await rig.store.numbers.get(n.id))?.tariff).toEqual(OLD);
    const after = Buffer.concat([await expectedAudio(tariffAnnouncementPrompts(NEW)), welcome]);
    expect((await heard('09091110009')).equals(after)).toBe(true);

    // The schedule then writes it into the number, so every reader (API, reports) sees it too.
    clock.now = Date.parse('2026-04-30T00:01:00+02:00');
    await inventory.tick();
    expect((await rig.store.numbers.get(n.id))?.tariff).toEqual(NEW);
    expect((await inventory.listTariffChanges({ numberId: n.id }))[0]).toMatchObject({ status: 'applied' });
  }, 60_000);
});
