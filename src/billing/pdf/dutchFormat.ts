/** How amounts and dates read on Dutch documents: '€ 1.234,56', '€ -12,50', '1 november 2026'. */

const MONTHS = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];

/** Cents as '€ 1.234,56' (thousands with '.', decimals with ','). */
export function euro(cents: number): string {
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `€ ${cents < 0 ? '-' : ''}${whole},${String(abs % 100).padStart(2, '0')}`;
}

/** 'YYYY-MM-DD' as '1 november 2026'. */
export function dutchDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** 'YYYY-MM' as 'oktober 2026'. */
export function dutchMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}
