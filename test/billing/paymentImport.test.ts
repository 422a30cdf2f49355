import { describe, expect, it } from 'vitest';
import { csvFields, parsePaymentsCsv } from '../../src/billing/paymentImport.js';

describe("the bank's result as CSV", () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"30,25", x', ['30,25', 'x']],
    ['"say ""hi""",', ['say "hi"', '']],
  ])('fields of %s', (line, fields) => expect(csvFields(line)).toEqual(fields));

  it('reads payments in any column order, euros with a comma or a point', () => {
    const csv = '# bank 2026-11-15\r\nreference,invoice,amount,date,method\r\n"Incasso 15-11, batch 7",F2026100001,"30,25",2026-11-15,sepa_direct_debit\r\nOverschrijving,F2026100002,12.5,2026-11-16,transfer\r\n';
    expect(parsePaymentsCsv(csv)).toEqual({
      payments: [
        { line: 3, invoiceId: 'F2026100001', request: { amountCents: 3025, date: '2026-11-15', method: 'sepa_direct_debit', reference: 'Incasso 15-11, batch 7' } },
        { line: 4, invoiceId: 'F2026100002', request: { amountCents: 1250, date: '2026-11-16', method: 'transfer', reference: 'Overschrijving' } },
      ],
      problems: [],
    });
  });

  it('names every bad row by line and field', () => {
    const csv = 'invoice,amount,date,method,reference\nF2026100001,30.255,2026-11-31,cash,x\nF20261000,1,2026-11-01,transfer,x\nF2026100001,0,2026-11-01,transfer,x\nF2026100001,1,2026-11-01,transfer\n';
    expect(parsePaymentsCsv(csv).problems).toEqual([
      { line: 2, message: "amount: euros such as '30.25'" },
      { line: 2, message: 'date: a date as YYYY-MM-DD' },
      { line: 2, message: expect.stringMatching(/^method: /) },
      { line: 3, message: "invoice: an invoice number such as 'F2026100001'" },
      { line: 4, message: 'amount: more than 0.00 expected' },
      { line: 5, message: '4 fields, the header names 5' },
    ]);
  });

  it('refuses a wrong header or an empty file', () => {
    expect(parsePaymentsCsv('factuur,bedrag\n1,2\n').problems).toEqual([{ line: 1, message: 'the header must name exactly the columns invoice, amount, date, method, reference (missing: invoice, amount, date, method, reference; unknown: factuur, bedrag)' }]);
    expect(parsePaymentsCsv('\n').problems).toEqual([{ line: 1, message: 'empty file: expected a header invoice,amount,date,method,reference' }]);
  });
});
