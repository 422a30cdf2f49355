/**
 * Caller-tariff changes on 090x/18xy numbers (pure; table tests in
 * test/inventory/tariffChanges.test.ts). A change is a request that takes effect after a
 * configurable number of working days (Monday–Friday, not an NL public holiday per
 * date-holidays, as in src/plans/schedule.ts), from 00:00 Amsterdam on that day. From then on
 * the tariff announcement callers hear names the new tariff (ACM: the caller hears the tariff
 * that applies before the call is charged).
 */
import { randomUUID } from 'node:crypto';
import type { ServiceNumber, Tariff } from '../numbers/NumberTypes.js';
import { isHolidayClosed } from '../plans/schedule.js';
import { addDays, amsterdamDate, weekdayOf } from './calendar.js';
import type { TariffChange } from './InventoryTypes.js';

const NL_PUBLIC_HOLIDAYS = { country: 'NL', closed: true, include: [] } as const;

/** Monday to Friday and not an NL public holiday (Goede Vrijdag and Bevrijdingsdag are not public holidays). */
export function isWorkingDay(date: string): boolean {
  return weekdayOf(date) < 5 && !isHolidayClosed({ holidays: { ...NL_PUBLIC_HOLIDAYS, include: [] } }, date);
}

/** The `n`-th working day after `date` (the day itself never counts). */
export function addWorkingDays(date: string, n: number): string {
  let d = date;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (isWorkingDay(d)) left--;
  }
  return d;
}

/** The first day the new tariff applies to a request made at `requestedAt`. */
export function tariffEffectiveOn(requestedAt: number, workingDays: number): string {
  return addWorkingDays(amsterdamDate(requestedAt), workingDays);
}

/**
 * The tariff callers hear at `now`: the latest pending change that is due (not yet applied by
 * the schedule), else the number's own tariff.
 */
export function effectiveTariff(current: Tariff | undefined, changes: readonly TariffChange[], now: number): Tariff | undefined {
  let best: TariffChange | undefined;
  for (const c of changes) {
    if (c.status !== 'pending' || c.effectiveAt > now) continue;
    if (!best || c.effectiveAt > best.effectiveAt || (c.effectiveAt === best.effectiveAt && c.requestedAt > best.requestedAt)) best = c;
  }
  return best ? best.tariff : current;
}

/** A pending change of `sn`'s tariff requested at `at`, first heard on effectiveOn (from effectiveAt, ms). */
export function tariffChangeOf(sn: Pick<ServiceNumber, 'id' | 'customerId' | 'e164'>, tariff: Tariff, by: string, at: number, effectiveOn: string, effectiveAt: number): TariffChange {
  return {
    id: randomUUID(),
    version: 1,
    customerId: sn.customerId,
    numberId: sn.id,
    e164: sn.e164,
    tariff,
    requestedAt: at,
    requestedBy: by,
    effectiveOn,
    effectiveAt,
    status: 'pending',
  };
}
