import { describe, expect, it } from 'vitest';
import { nthWorkingDayOfNextMonth } from '../../src/billing/workingDays.js';

/** Outpayment on the 10th working day (Mon–Fri, not an NL public holiday) of the next month. */
describe('the outpayment date', () => {
  it.each([
    ['no holiday: September 2026 pays on Wednesday 14 October', '2026-09', '2026-10-14'],
    ['Tweede Paasdag (6 April 2026) pushes March’s payment to 15 April; Goede Vrijdag is a working day', '2026-03', '2026-04-15'],
    ['Hemelvaartsdag (14 May 2026) pushes April’s payment to Friday 15 May', '2026-04', '2026-05-15'],
    ['Nieuwjaarsdag (Friday 1 January 2027) pushes December’s payment to 15 January', '2026-12', '2027-01-15'],
    ['Hemelvaartsdag (6 May 2027) and Tweede Pinksterdag (17 May 2027) both push April’s payment, to 18 May', '2027-04', '2027-05-18'],
  ])('%s', (_name, month, paymentOn) => {
    expect(nthWorkingDayOfNextMonth(month)).toBe(paymentOn);
  });
});
