import { describe, expect, it } from 'vitest';
import { describeTariffDutch } from '../../src/numbers/tariff.js';
import { amountPrompts, numberPrompts, tariffAnnouncementPrompts } from '../../src/numbers/tariffAnnouncement.js';

/** The words the prompts speak, for comparing with the written Dutch sentence. */
const WORDS: Record<string, string> = {
  'nl/tarief-intro': 'Dit gesprek kost',
  'nl/cent': 'cent',
  'nl/euro': 'euro',
  'nl/per-minuut': 'per minuut',
  'nl/per-gesprek': 'per gesprek',
  'nl/starttarief': 'plus een starttarief van',
  'nl/maximum': 'met een maximum van',
};
const spoken = (ids: string[]) => ids.map((id) => WORDS[id] ?? id.replace('nl/getallen/', '')).join(' ');

describe('the tariff announcement in prompts', () => {
  it.each([
    [5, ['nl/getallen/5']],
    [20, ['nl/getallen/20']],
    [30, ['nl/getallen/30']],
    [85, ['nl/getallen/5', 'nl/getallen/en', 'nl/getallen/80']],
    [100, ['nl/getallen/100']],
    [250, ['nl/getallen/2', 'nl/getallen/100', 'nl/getallen/50']],
  ])('says %i as %j', (n, ids) => {
    expect(numberPrompts(n)).toEqual(ids);
  });

  it('says amounts the Dutch way', () => {
    expect(spoken(amountPrompts(80))).toBe('80 cent');
    expect(spoken(amountPrompts(130))).toBe('1 euro 30');
    expect(spoken(amountPrompts(800))).toBe('8 euro');
  });

  it('follows the written announcement: price, start fee, maximum', () => {
    const t = { perMinuteCents: 80, startFeeCents: 10, maxPerCallCents: 800 };
    expect(spoken(tariffAnnouncementPrompts(t))).toBe('Dit gesprek kost 80 cent per minuut plus een starttarief van 10 cent met een maximum van 8 euro per gesprek');
    expect(describeTariffDutch(t)).toBe('Dit gesprek kost 80 cent per minuut, plus 10 cent starttarief, met een maximum van 8 euro per gesprek.');
  });

  it('announces a per-call tariff', () => {
    expect(spoken(tariffAnnouncementPrompts({ perCallCents: 130 }))).toBe('Dit gesprek kost 1 euro 30 per gesprek');
  });
});
