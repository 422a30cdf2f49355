import { describe, expect, it } from 'vitest';
import type { NumberType, Tariff } from '../../src/numbers/NumberTypes.js';
import { tariffIssues } from '../../src/numbers/tariff.js';
import { timeAgo } from '../../src/web/accounts/lastSeen.js';
import { passwordProblem, usernameProblem } from '../../src/web/accounts/webLoginForm.js';
import { serverTariffErrors, tariffErrors, tariffInput, tariffMessage, tariffOf } from '../../src/web/numbers/tariffForm.js';

/**
 * The web app's form rules without a browser: the tariff form judged by the server's own rules
 * (src/numbers/tariff.ts) with every message in Dutch, the sign-in form's username and password
 * rules, and how "last seen" reads.
 */

describe('the tariff form', () => {
  // One tariff per rule src/numbers/tariff.ts has: if a message there changes, its Dutch here must too.
  const broken: [NumberType, Tariff | undefined][] = [
    ['0800', { perMinuteCents: 10 }],
    ['0909', undefined],
    ['0909', { perMinuteCents: 1.5 }],
    ['0909', { perMinuteCents: 301 }],
    ['0909', { startFeeCents: 10 }],
    ['0900', { perMinuteCents: 16 }],
    ['18xy', { perCallCents: 100, startFeeCents: 50, maxPerCallCents: 120 }],
  ];
  for (const [type, tariff] of broken) {
    it(`says in Dutch what is wrong with ${JSON.stringify(tariff)} on a ${type} number`, () => {
      const issues = tariffIssues(type, tariff);
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) expect(tariffMessage(issue.message, 'nl')).not.toBe(issue.message);
    });
  }

  const cases: [NumberType, Record<string, number | string>, Record<string, string>][] = [
    ['0909', { perMinuteCents: 80 }, {}],
    ['0900', { perMinuteCents: 100 }, { maxPerCallCents: 'Boven 15 cent per minuut is op 0900 en 18xy een maximum per gesprek verplicht (ACM)' }],
    // 0909 has no maximum rule (ACM names 0900 and 18xy).
    ['0909', { perMinuteCents: 100 }, {}],
    ['0906', { perMinuteCents: 400 }, { perMinuteCents: 'Hoogstens 300 cent' }],
    ['0900', { startFeeCents: 10 }, { '': 'Vul een tarief per minuut of per gesprek in (of beide)' }],
    ['0900', { perCallCents: 90, startFeeCents: 20, maxPerCallCents: 100 }, { maxPerCallCents: 'Het maximum per gesprek moet minstens het starttarief plus het tarief per gesprek zijn (110 cent)' }],
  ];
  for (const [type, filled, expected] of cases) {
    it(`on a ${type} number, ${JSON.stringify(filled)} shows ${JSON.stringify(expected)}`, () => {
      const input = { ...tariffInput(undefined), ...filled };
      expect(tariffErrors(type, input, 'nl')).toEqual(expected);
    });
  }

  it('leaves empty fields out of the tariff it sends, and fills the form from the current tariff', () => {
    expect(tariffOf({ perMinuteCents: 80, perCallCents: '', startFeeCents: 0, maxPerCallCents: '' })).toEqual({ perMinuteCents: 80, startFeeCents: 0 });
    expect(tariffInput({ perCallCents: 50 })).toEqual({ perMinuteCents: '', perCallCents: 50, startFeeCents: '', maxPerCallCents: '' });
  });

  it("puts the API's issues at their fields, whether given per field or joined under 'tariff'", () => {
    expect(
      serverTariffErrors(
        [
          { path: 'tariff.perCallCents', message: 'expected number, received string' },
          { path: 'tariff', message: 'perMinuteCents: must be at most 300 cents; a tariff needs perMinuteCents or perCallCents (or both)' },
        ],
        'nl',
      ),
    ).toEqual({ perCallCents: 'expected number, received string', perMinuteCents: 'Hoogstens 300 cent', '': 'Vul een tarief per minuut of per gesprek in (of beide)' });
    expect(serverTariffErrors([{ path: 'tariff', message: 'must be at most 300 cents' }], 'en')).toEqual({ '': 'Must be at most 300 cents' });
  });
});

describe('the sign-in form', () => {
  const t = (k: string): string => k;
  const passwords: [string, string | undefined][] = [
    ['', undefined],
    ['kort', 'webLoginPasswordTooShort'],
    ['123456789', 'webLoginPasswordTooShort'],
    ['1234567890', undefined],
    ['x'.repeat(201), 'webLoginPasswordTooLong'],
  ];
  for (const [password, expected] of passwords) {
    it(`judges a password of ${password.length} characters as the API does: ${expected ?? 'fine'}`, () => {
      expect(passwordProblem(password, t)).toBe(expected);
    });
  }
  const usernames: [string, string | undefined][] = [
    ['anna@bakkerij.nl', undefined],
    ['Anna@Bakkerij.NL', undefined],
    ['piet verkoop', 'webLoginUsernameRule'],
    ['ab', 'webLoginUsernameRule'],
    ['.anna', 'webLoginUsernameRule'],
  ];
  for (const [username, expected] of usernames) {
    it(`judges the username ${JSON.stringify(username)} as the API does: ${expected ?? 'fine'}`, () => {
      expect(usernameProblem(username, t)).toBe(expected);
    });
  }
});

describe('last seen', () => {
  const now = Date.UTC(2026, 10, 23, 10, 0, 0);
  const cases: [number, 'nl' | 'en', string][] = [
    [0, 'nl', 'nu'],
    [20_000, 'nl', '20 seconden geleden'],
    [3 * 60_000 + 5_000, 'nl', '3 minuten geleden'],
    [2 * 3_600_000, 'nl', '2 uur geleden'],
    [86_400_000 + 1, 'nl', 'gisteren'],
    [3 * 86_400_000, 'en', '3 days ago'],
    // A phone's clock a little ahead: still "now".
    [-2_000, 'en', 'now'],
  ];
  for (const [ago, lang, expected] of cases) {
    it(`reads ${ago} ms ago as "${expected}" (${lang})`, () => {
      expect(timeAgo(now - ago, now, lang)).toBe(expected);
    });
  }
});
