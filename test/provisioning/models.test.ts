import { describe, expect, it } from 'vitest';
import { DEVICE_MODELS, findModel, normalizeMac } from '../../src/provisioning/models.js';

describe('MAC addresses', () => {
  it.each([
    ['00:15:65:A1:B2:C3', '001565a1b2c3'],
    ['00-15-65-a1-b2-c3', '001565a1b2c3'],
    ['0015.65a1.b2c3', '001565a1b2c3'],
    [' 001565A1B2C3 ', '001565a1b2c3'],
    ['00:15:65:A1:B2', undefined],
    ['00:15:65:A1:B2:C3:D4', undefined],
    ['00:15:65:A1:B2:G3', undefined],
    ['000000000000', undefined],
    ['ffffffffffff', undefined],
    ['01:00:5e:00:00:fb', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normalizeMac(input)).toBe(expected);
  });
});

describe('the certified models', () => {
  it('are exactly the list of the issue', () => {
    expect(DEVICE_MODELS.map((m) => m.name)).toEqual([
      'Yealink T19P E2', 'Yealink T41S', 'Yealink T42S', 'Yealink T53W', 'Yealink T54W', 'Yealink T57W',
      'Yealink CP930W', 'Yealink W60P', 'Snom D717', 'Snom D735', 'Snom D785', 'Linphone softphone',
    ]);
  });

  it.each([
    ['yealink t19p e2', 'Yealink T19P E2'],
    ['Yealink  T19P_E2', 'Yealink T19P E2'],
    ['SNOM D785', 'Snom D785'],
    ['Yealink T46S', undefined],
    ['T54W', undefined],
  ])('%s is %s', (input, name) => {
    expect(findModel(input)?.name).toBe(name);
  });

  it('give every Yealink a common file and every desk phone a MAC', () => {
    for (const m of DEVICE_MODELS) {
      expect(m.hasMac).toBe(m.vendor !== 'linphone');
      if (m.vendor === 'yealink') expect(m.commonFile).toMatch(/^y0000000000\d\d\.cfg$/);
    }
  });
});
