/**
 * VAT rule (one rate, 21%): VAT is computed once on the document's subtotal per rate, rounded
 * half away from zero to the cent (Dutch practice allows VAT on the invoice total per rate; it
 * avoids a total that differs from 21% by the sum of per-line roundings). For the per-line
 * view the total VAT is then allocated over the lines by the largest-remainder method, so the
 * line VATs add up exactly to the total VAT and each differs from its line's exact 21% by less
 * than a cent.
 */

/** n × percent / 100, half away from zero, in cents. */
export function vatOf(amountCents: number, percent: number): number {
  const sign = Math.sign(amountCents);
  return sign * Math.floor((Math.abs(amountCents) * percent * 2 + 100) / 200);
}

/** Each line's share of `totalVat` (largest remainder), in line order; sums to totalVat. */
export function allocateVat(amounts: readonly number[], percent: number, totalVat: number): number[] {
  // Exact share × 100 as integers: amount × percent (hundredths of a cent).
  const exact = amounts.map((a) => a * percent);
  const shares = exact.map((e) => Math.floor(e / 100));
  let rest = totalVat - shares.reduce((s, x) => s + x, 0);
  const order = exact
    .map((e, i) => ({ i, rem: e - Math.floor(e / 100) * 100 }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  // rest is within [-n, n]; hand out (or take back) one cent per line, biggest remainder first.
  for (let k = 0; rest !== 0 && order.length > 0; k = (k + 1) % order.length) {
    const idx = rest > 0 ? order[k].i : order[order.length - 1 - k].i;
    shares[idx] += rest > 0 ? 1 : -1;
    rest += rest > 0 ? -1 : 1;
  }
  return shares;
}
