import type { Tariff } from './NumberTypes.js';

/**
 * The tariff announcement of a 090x/18xy number as a list of prompt ids of the default Dutch
 * prompt set (prompts/nl/): "Dit gesprek kost 80 cent per minuut, plus een starttarief van
 * 10 cent, met een maximum van 8 euro per gesprek." describeTariffDutch() gives the written form.
 * By Dutch rules (ACM) this announcement is free for the caller: charging starts when it ends.
 */
export function tariffAnnouncementPrompts(t: Tariff): string[] {
  const out = ['nl/tarief-intro'];
  if (t.perCallCents !== undefined) out.push(...amountPrompts(t.perCallCents), 'nl/per-gesprek');
  if (t.perMinuteCents !== undefined) out.push(...amountPrompts(t.perMinuteCents), 'nl/per-minuut');
  if (t.startFeeCents) out.push('nl/starttarief', ...amountPrompts(t.startFeeCents));
  if (t.maxPerCallCents !== undefined) out.push('nl/maximum', ...amountPrompts(t.maxPerCallCents), 'nl/per-gesprek');
  return out;
}

/** 80 → "80 cent"; 130 → "1 euro 30"; 800 → "8 euro". */
export function amountPrompts(cents: number): string[] {
  const euros = Math.floor(cents / 100);
  const rest = cents % 100;
  if (euros === 0) return [...numberPrompts(rest), 'nl/cent'];
  return [...numberPrompts(euros), 'nl/euro', ...(rest ? numberPrompts(rest) : [])];
}

/**
 * Dutch numbers from recorded words: 0–20 and the tens are single prompts; 21–99 are said
 * units first, "vijfentachtig" = vijf + en + tachtig; 100 and up prefix "honderd".
 */
export function numberPrompts(n: number): string[] {
  if (n >= 100) {
    const hundreds = Math.floor(n / 100);
    const rest = n % 100;
    return [...(hundreds > 1 ? numberPrompts(hundreds) : []), 'nl/getallen/100', ...(rest ? numberPrompts(rest) : [])];
  }
  if (n <= 20 || n % 10 === 0) return [`nl/getallen/${n}`];
  return [`nl/getallen/${n % 10}`, 'nl/getallen/en', `nl/getallen/${n - (n % 10)}`];
}
