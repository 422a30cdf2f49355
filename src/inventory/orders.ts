/**
 * Orders (pure parts): the order record, its status steps, and the confirmation mail (Dutch
 * first). The side effects — reserving, activating, mailing — are in InventoryService.ts.
 *
 *   direct:  reserved ─▶ confirmed ─▶ active          (admin action, or at once with INVENTORY_AUTO_ACTIVATE)
 *   chosen:  reserved ─▶ awaiting_acm ─▶ active       (once the ACM assignment is recorded)
 *   reserved | confirmed | awaiting_acm ─▶ cancelled
 */
import { nationalNotation } from '../numbers/normalize.js';
import { describeTariffDutch, describeTariffEnglish } from '../numbers/tariff.js';
import type { OutgoingMail } from '../mail/MailOutbox.js';
import { amsterdamDate } from './calendar.js';
import type { Actor, Order, OrderStatus } from './InventoryTypes.js';
import { MINIMUM_MONTHS } from './contracts.js';

/** A refused inventory action: the API answers with `status` and names `field`. */
export class InventoryRefusal extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InventoryRefusal';
  }
}

const ORDER_STEPS: Record<OrderStatus, readonly OrderStatus[]> = {
  reserved: ['confirmed', 'awaiting_acm', 'cancelled'],
  confirmed: ['active', 'cancelled'],
  awaiting_acm: ['active', 'cancelled'],
  active: [],
  cancelled: [],
};

/** The order after a status step, or a 409 naming what the order is. */
export function stepOrder(order: Order, to: OrderStatus, by: Actor, at: number): Order {
  if (!ORDER_STEPS[order.status].includes(to)) {
    throw new InventoryRefusal(409, 'status', `order ${order.id} is ${order.status}; it cannot become ${to}`);
  }
  return { ...order, status: to, version: order.version + 1, history: [...order.history, { status: to, at, by }] };
}

/** The order confirmation, Dutch first, then English. */
export function orderConfirmationMail(order: Order, customerName: string): OutgoingMail {
  const number = nationalNotation(order.e164);
  const date = amsterdamDate(order.confirmedAt ?? order.createdAt);
  const nlKind =
    order.kind === 'direct'
      ? 'direct beschikbaar nummer; het nummer wordt binnen één werkdag actief'
      : 'gekozen nummer ("mooi nummer"); de toewijzing door de ACM is aangevraagd en duurt doorgaans ongeveer drie weken';
  const enKind =
    order.kind === 'direct'
      ? 'directly available number; it goes live within one working day'
      : 'chosen number; the ACM assignment has been requested and usually takes about three weeks';
  const nl = [
    `Beste ${customerName},`,
    '',
    'Bedankt voor uw bestelling. Hierbij bevestigen wij:',
    '',
    `Nummer:      ${number} (${order.type})`,
    `Soort:       ${nlKind}`,
    ...(order.tariff ? [`Beltarief:   ${describeTariffDutch(order.tariff)}`] : []),
    `Ordernummer: ${order.id}`,
    `Besteld op:  ${date}`,
    '',
    `Het contract loopt minimaal ${MINIMUM_MONTHS} maanden en wordt daarna stilzwijgend verlengd; opzeggen kan met een opzegtermijn van één maand.`,
    'U ontvangt hiervoor later een factuur; u hoeft nu niets te betalen.',
    '',
    'Met vriendelijke groet,',
    'ContactSuite',
  ];
  const en = [
    `Dear ${customerName},`,
    '',
    'Thank you for your order. We confirm:',
    '',
    `Number:   ${number} (${order.type})`,
    `Kind:     ${enKind}`,
    ...(order.tariff ? [`Tariff:   ${describeTariffEnglish(order.tariff)}`] : []),
    `Order:    ${order.id}`,
    `Ordered:  ${date}`,
    '',
    `The contract runs at least ${MINIMUM_MONTHS} months and then renews tacitly; it can be ended with one month's notice.`,
    'You will be invoiced later; no payment is due now.',
  ];
  return {
    to: [order.email],
    subject: `Orderbevestiging ${number} / Order confirmation`,
    text: [...nl, '', '----- English -----', '', ...en, ''].join('\n'),
  };
}
