import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthThrottle, isScanner } from '../../src/sip/security.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';

const withUserAgent = (ua: string | undefined) => ({ get: (name: string) => (name.toLowerCase() === 'user-agent' ? ua : undefined) });

describe('isScanner', () => {
  const rows: Array<[string | undefined, boolean]> = [
    ['friendly-scanner', true],
    ['sipvicious', true],
    ['SIPVicious 0.3.4', true],
    ['sipcli/v1.8', true],
    ['sip-cli 1.0', true],
    ['VaxSIPUserAgent/3.1', true],
    ['pplsip', true],
    ['sundayddr', true],
    ['iWar', true],
    ['sipsak 0.9.6', true],
    ['Yealink SIP-T46S 66.86.0.15', false],
    ['Grandstream GXP2170 1.0.11.23', false],
    ['Linphone/5.2.0 (belle-sip/5.2.0)', false],
    ['Unknown', false],
    [undefined, false],
  ];
  for (const [ua, expected] of rows) {
    it(`${ua ?? '(no User-Agent)'} → ${expected ? 'scanner' : 'phone'}`, () => {
      expect(isScanner(withUserAgent(ua))).toBe(expected);
    });
  }
});

describe('AuthThrottle', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('blocks a source on the failure after maxFailures, and only that source', async () => {
    const throttle = new AuthThrottle({ counters: store.counters, maxFailures: 3 });
    const verdicts: boolean[] = [];
    for (let i = 0; i < 4; i++) verdicts.push(await throttle.recordFailure('192.0.2.1'));
    expect(verdicts).toEqual([false, false, false, true]);
    expect(await throttle.isBlocked('192.0.2.1')).toBe(true);
    expect(await throttle.isBlocked('192.0.2.2')).toBe(false);
  });

  it('defaults to 10 failures per window', async () => {
    const throttle = new AuthThrottle({ counters: store.counters });
    for (let i = 0; i < 10; i++) expect(await throttle.recordFailure('192.0.2.9')).toBe(false);
    expect(await throttle.isBlocked('192.0.2.9')).toBe(false);
    expect(await throttle.recordFailure('192.0.2.9')).toBe(true);
    expect(await throttle.isBlocked('192.0.2.9')).toBe(true);
  });

  it('lifts the block after blockMs', async () => {
    const throttle = new AuthThrottle({ counters: store.counters, maxFailures: 1, windowMs: 50, blockMs: 50 });
    await throttle.recordFailure('192.0.2.3');
    expect(await throttle.recordFailure('192.0.2.3')).toBe(true);
    await sleep(120);
    expect(await throttle.isBlocked('192.0.2.3')).toBe(false);
  });
});
