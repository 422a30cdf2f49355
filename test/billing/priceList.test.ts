import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_LIST, parsePriceList, priceListFor } from '../../src/billing/PriceList.js';

const V2027 = `
versions:
  - effectiveFrom: '2020-01-01'
    serviceNumberMonthlyCents: 2500
    voipPackageMonthlyCents: 695
    paperInvoiceFeeCents: 125
    noDirectDebitFeeCents: 250
    vatPercent: 21
    fairUseMarginPercent: 15
  - effectiveFrom: '2027-01-01'
    serviceNumberMonthlyCents: 2750
    voipPackageMonthlyCents: 750
    paperInvoiceFeeCents: 150
    noDirectDebitFeeCents: 250
    vatPercent: 21
    fairUseMarginPercent: 15
`;

describe('the price list', () => {
  it('defaults to the providers’ figures: EUR 25.00 service number, EUR 6.95 package, EUR 1.25 and 2.50 fees, 21% VAT', () => {
    expect(priceListFor(DEFAULT_PRICE_LIST, '2026-10')).toMatchObject({ serviceNumberMonthlyCents: 2500, voipPackageMonthlyCents: 695, paperInvoiceFeeCents: 125, noDirectDebitFeeCents: 250, vatPercent: 21 });
  });

  it('invoices a month at the version in force on its first day', () => {
    const versions = parsePriceList(V2027, 'prices.yaml');
    expect(priceListFor(versions, '2026-12').serviceNumberMonthlyCents).toBe(2500);
    expect(priceListFor(versions, '2027-01').serviceNumberMonthlyCents).toBe(2750);
    expect(() => priceListFor(versions, '2019-12')).toThrow('no price list version applies to 2019-12: the first starts on 2020-01-01');
  });

  it('names the file, the field and the problem', () => {
    expect(() => parsePriceList(V2027.replace("'2027-01-01'", "'2027-02-30'"), 'prices.yaml')).toThrow(/prices\.yaml: invalid price list:\n {2}versions\.1\.effectiveFrom: a calendar date YYYY-MM-DD/);
    expect(() => parsePriceList(V2027.replace('voipPackageMonthlyCents: 750', 'voipPackageMonthlyCents: 7.5'), 'prices.yaml')).toThrow(/versions\.1\.voipPackageMonthlyCents/);
    expect(() => parsePriceList(V2027.replace("'2027-01-01'", "'2020-01-01'"), 'p.json')).toThrow('p.json: invalid price list:\n  versions: two versions from 2020-01-01');
    expect(() => parsePriceList('versions: [', 'p.yaml')).toThrow(/^p\.yaml: not valid YAML\/JSON/);
  });
});
