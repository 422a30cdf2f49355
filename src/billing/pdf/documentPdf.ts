/**
 * Invoices, credit notes and outpayment statements as PDF (pdfkit, A4, Helvetica: its
 * WinAnsi encoding has '€'), in Dutch. The layout is one table: description on the left,
 * amounts right-aligned. The document's info dates are its issue date, so re-rendering an
 * issued document gives the same text and dates. The parties come from the document itself (frozen
 * when issued): the operator's name, address, KvK, btw-id, IBAN and BIC at the top right and in
 * the footer, the customer's name, address and VAT id under "Aan" (Wet OB art. 35a). A document
 * shows what was issued, not what was paid since: the payment state is in the JSON, CSV and web app.
 * A document issued before the parties were recorded has neither: it names the customer by the
 * document's customer name and says the operator's details were not kept (never today's details:
 * the document shows what was issued).
 */
import PDFDocument from 'pdfkit';
import { nationalNotation } from '../../numbers/normalize.js';
import type { Invoice, OutpaymentStatement, StoredParties } from '../BillingTypes.js';
import { dutchDate, dutchMonth, euro } from './dutchFormat.js';

const LEFT = 50;
const RIGHT = 545;
const AMOUNT_WIDTH = 90;
/** Five figures per statement line leave the number column 125 pt. */
const STATEMENT_COLUMN = 72;

type Doc = PDFKit.PDFDocument;

function render(title: string, issuedOn: string, draw: (doc: Doc) => void): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: LEFT, info: { Title: title, Author: 'ContactSuite', CreationDate: new Date(`${issuedOn}T00:00:00Z`), ModDate: new Date(`${issuedOn}T00:00:00Z`) } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  draw(doc);
  doc.end();
  return done;
}

/** One table row: text left, amounts in right-aligned columns (last column at the right margin). */
function row(doc: Doc, text: string, amounts: string[], bold = false, amountWidth = AMOUNT_WIDTH): void {
  const y = doc.y;
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
  const textWidth = RIGHT - LEFT - amounts.length * amountWidth - 10;
  doc.text(text, LEFT, y, { width: textWidth });
  const after = doc.y;
  amounts.forEach((a, i) => doc.text(a, RIGHT - (amounts.length - i) * amountWidth, y, { width: amountWidth, align: 'right' }));
  doc.y = Math.max(after, doc.y) + 3;
}

function rule(doc: Doc): void {
  doc.moveTo(LEFT, doc.y).lineTo(RIGHT, doc.y).lineWidth(0.5).stroke();
  doc.y += 4;
}

const SELLER_LEFT = 340;

/** Printed instead of the operator's block on a document issued before the parties were recorded. */
export const NO_SELLER_TEXT = 'Oud document: verkopergegevens niet vastgelegd bij uitgifte';

/** The operator at the top right; the title, the customer ("Aan") and the document's fields on the left. */
function header(doc: Doc, title: string, fields: Array<[string, string]>, d: StoredParties & { customerName: string }): void {
  const { seller } = d;
  const buyer = d.buyer ?? { name: d.customerName, address: [] };
  const width = RIGHT - SELLER_LEFT;
  if (seller) {
    doc.font('Helvetica-Bold').fontSize(10).text(seller.name, SELLER_LEFT, LEFT, { width });
    doc.font('Helvetica').fontSize(9);
    for (const line of seller.address) doc.text(line, { width });
    doc.text(`KvK ${seller.kvk}`, { width }).text(`Btw-id ${seller.vatId}`, { width }).text(`IBAN ${seller.iban}  BIC ${seller.bic}`, { width });
    if (seller.email) doc.text(seller.email, { width });
    if (seller.phone) doc.text(seller.phone, { width });
  } else {
    doc.font('Helvetica').fontSize(9).text(NO_SELLER_TEXT, SELLER_LEFT, LEFT, { width });
  }
  const sellerBottom = doc.y;
  doc.font('Helvetica-Bold').fontSize(18).text(title, LEFT, LEFT, { width: SELLER_LEFT - LEFT - 10 });
  doc.y = Math.max(doc.y, sellerBottom) + 10;
  if (seller?.demo) {
    doc.font('Helvetica-Bold').fontSize(10).fillColor('#c00000').text('VOORBEELDGEGEVENS (demo): dit is geen geldige factuur', LEFT, doc.y).fillColor('black');
    doc.moveDown(0.5);
  }
  doc.font('Helvetica').fontSize(9).text('Aan', LEFT, doc.y);
  doc.font('Helvetica-Bold').fontSize(10).text(buyer.name);
  doc.font('Helvetica').fontSize(10);
  for (const line of buyer.address) doc.text(line);
  if (buyer.vatId) doc.text(`Btw-id ${buyer.vatId}`);
  doc.moveDown(0.5);
  for (const [k, v] of fields) row(doc, `${k}: ${v}`, []);
  doc.moveDown(0.5);
}

/** The operator's registration and bank details once more at the bottom, as Dutch invoices carry them. */
function footer(doc: Doc, parties: StoredParties): void {
  const s = parties.seller;
  if (!s) return;
  doc.moveDown();
  rule(doc);
  row(doc, `${s.name} · ${s.address.join(', ')} · KvK ${s.kvk} · Btw-id ${s.vatId} · IBAN ${s.iban} · BIC ${s.bic}`, []);
}

export function invoicePdf(inv: Invoice): Promise<Buffer> {
  const title = inv.kind === 'invoice' ? 'Factuur' : 'Creditnota';
  return render(`${title} ${inv.number}`, inv.issuedOn, (doc) => {
    const fields: Array<[string, string]> = [
      [`${title}nummer`, inv.number],
      ['Factuurdatum', dutchDate(inv.issuedOn)],
      ['Periode', dutchMonth(inv.month)],
    ];
    if (inv.kind === 'credit-note') fields.push(['Betreft factuur', inv.creditsInvoiceId ?? ''], ['Reden', inv.reason ?? '']);
    else fields.push(['Betaaltermijn', `${inv.paymentTermDays} dagen`], ['Vervaldatum', dutchDate(inv.dueOn)]);
    header(doc, title, fields, inv);
    row(doc, 'Omschrijving', ['Bedrag', `Btw ${inv.vatPercent}%`], true);
    rule(doc);
    for (const l of inv.lines) {
      const period = l.period ? ` — ${dutchDate(l.period.from)} t/m ${dutchDate(l.period.to)} (${l.period.days}/${l.period.daysInMonth} dagen à ${euro(l.unitPriceCents)} per maand)` : '';
      row(doc, `${l.description}${period}`, [euro(l.amountCents), euro(l.vatCents)]);
    }
    rule(doc);
    // Totals under the amount column.
    row(doc, 'Subtotaal excl. btw', [euro(inv.subtotalCents), ''], true);
    row(doc, `Btw ${inv.vatPercent}%`, [euro(inv.vatCents), '']);
    row(doc, 'Totaal incl. btw', [euro(inv.totalCents), ''], true);
    doc.moveDown();
    const { minimumSpend, fairUse } = inv.checks;
    if (minimumSpend) row(doc, `Minimale maandbesteding: ${euro(minimumSpend.minimumCents)} (${minimumSpend.percent}% van ${euro(minimumSpend.expectedMonthlyCents)}); tekort ${euro(minimumSpend.shortfallCents)} — ter informatie, niet in rekening gebracht`, []);
    if (fairUse) row(doc, `Fair use: ${fairUse.usedMinutes.replace('.', ',')} van ${fairUse.bundleMinutes} bundelminuten${fairUse.flagged ? ` — meer dan ${fairUse.marginPercent}% boven de bundel` : ''}`, []);
    doc.moveDown();
    // An old invoice may lack the payment way (directDebit) and the account to pay to (seller).
    const payBy = inv.directDebit === true
      ? `Het totaalbedrag wordt op of na ${dutchDate(inv.dueOn)} via SEPA-incasso van uw rekening afgeschreven.`
      : inv.directDebit === false && inv.seller
        ? `Graag betalen binnen ${inv.paymentTermDays} dagen, uiterlijk ${dutchDate(inv.dueOn)}, op ${inv.seller.iban} (BIC ${inv.seller.bic}) t.n.v. ${inv.seller.name}, onder vermelding van ${inv.number}.`
        : `Te voldoen binnen ${inv.paymentTermDays} dagen, uiterlijk ${dutchDate(inv.dueOn)}, onder vermelding van ${inv.number}.`;
    const foot = inv.kind === 'invoice'
      ? `${payBy} Alle prijzen excl. ${inv.vatPercent}% btw tenzij anders vermeld.`
      : `Dit bedrag wordt verrekend met of teruggestort op de rekening van factuur ${inv.creditsInvoiceId ?? ''}.`;
    row(doc, foot, []);
    footer(doc, inv);
  });
}

export function statementPdf(st: OutpaymentStatement): Promise<Buffer> {
  return render(`Outpaymentnota ${st.number}`, st.issuedOn, (doc) => {
    header(doc, 'Outpaymentnota', [
      ['Notanummer', st.number],
      ['Datum', dutchDate(st.issuedOn)],
      ['Periode', dutchMonth(st.month)],
      ['Uitbetaaldatum', dutchDate(st.paymentOn)],
    ], st);
    row(doc, 'Nummer', ['Gesprekken', 'Minuten', 'Opbrengst', 'Kosten', 'Outpayment'], true, STATEMENT_COLUMN);
    rule(doc);
    for (const l of st.lines) {
      row(doc, nationalNotation(l.number), [String(l.calls), l.minutes.replace('.', ','), euro(l.revenueExclVatCents), euro(l.costCents), euro(l.outpaymentCents)], false, STATEMENT_COLUMN);
    }
    rule(doc);
    row(doc, 'Subtotaal excl. btw', [euro(st.subtotalCents)], true);
    row(doc, `Btw ${st.vatPercent}%`, [euro(st.vatCents)]);
    row(doc, 'Totaal incl. btw', [euro(st.totalCents)], true);
    for (const s of st.setOffs) row(doc, `Verrekend met factuur ${s.invoiceId}`, [euro(-s.amountCents)]);
    row(doc, 'Uit te betalen', [euro(st.payableCents)], true);
    doc.moveDown();
    row(doc, `Opbrengst excl. btw (bellerstarief incl. btw gedeeld door 1,21), min de kosten per minuut. Uitbetaling op ${dutchDate(st.paymentOn)} (10e werkdag).`, []);
    // The outpayment is the customer's supply to the operator, invoiced by the operator for it (Wet OB art. 35a: self-billing).
    row(doc, 'Factuur uitgereikt door afnemer.', []);
    footer(doc, st);
  });
}
