import type { Tariff } from './api.js';
import type { TextKey } from './i18n.js';

/** Euro cents as people read them: 80 → "€ 0,80" (nl) or "€0.80" (en). */
export function euros(cents: number, lang: 'nl' | 'en'): string {
  return new Intl.NumberFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', { style: 'currency', currency: 'EUR' }).format(cents / 100);
}

/** A caller tariff in one line: "€ 0,80 per minuut + € 0,10 starttarief". */
export function describeTariff(t: Tariff | undefined, lang: 'nl' | 'en', text: (k: TextKey) => string): string {
  if (!t) return text('noTariff');
  const parts: string[] = [];
  if (t.perCallCents !== undefined) parts.push(`${euros(t.perCallCents, lang)} ${text('perCall')}`);
  if (t.perMinuteCents !== undefined) parts.push(`${euros(t.perMinuteCents, lang)} ${text('perMinute')}`);
  if (t.startFeeCents) parts.push(`${euros(t.startFeeCents, lang)} ${text('startFee')}`);
  if (t.maxPerCallCents !== undefined) parts.push(`${text('maxPerCall')} ${euros(t.maxPerCallCents, lang)}`);
  return parts.join(' + ');
}

export function dateTime(ms: number, lang: 'nl' | 'en'): string {
  return new Date(ms).toLocaleString(lang === 'nl' ? 'nl-NL' : 'en-GB', { timeZone: 'Europe/Amsterdam', dateStyle: 'short', timeStyle: 'medium' });
}
