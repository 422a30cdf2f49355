/**
 * The steps of the platform's direct assignment (POST /customers/{id}/numbers), as a pure plan
 * (table tests in test/inventory/directAssignment.test.ts). InventoryService.assignDirect runs
 * them one by one; each step is a compare-and-set write, so a failure or a crash leaves the number
 * in a state the next try can read. A retry by the same customer resumes from that state instead
 * of answering 409 for a number it half holds already; anything else starts afresh (and meets
 * the usual 409 when the number is not available).
 *
 *   reserve ─▶ insert-order ─▶ order-number ─▶ confirm-order ─▶ activate
 *   (number    (order record,  (number         (order           (number active, ServiceNumber,
 *    reserved)  reserved)       ordered)        confirmed)        order active, contract)
 */
import type { InventoryNumber, Order } from './InventoryTypes.js';

export type AssignmentStep = 'reserve' | 'insert-order' | 'order-number' | 'confirm-order' | 'activate';

export const FRESH_ASSIGNMENT: readonly AssignmentStep[] = ['reserve', 'insert-order', 'order-number', 'confirm-order', 'activate'];

/**
 * A direct assignment's own order: a direct order sending no confirmation mail (customers carry no
 * e-mail address; the customers' own orders through POST /orders must name one).
 */
export function isDirectAssignmentOrder(order: Order, customerId: string): boolean {
  return order.customerId === customerId && order.kind === 'direct' && order.email === '';
}

/**
 * The steps left for an assignment of `n` to `customerId` that stopped half-way, or undefined when
 * there is nothing to resume. `order` is the record of n.orderId (undefined when it does not exist:
 * the try stopped before writing it, or, before this plan, the order was written last).
 */
export function resumeAssignment(n: InventoryNumber | undefined, order: Order | undefined, customerId: string): AssignmentStep[] | undefined {
  if (n === undefined || n.customerId !== customerId || n.orderId === undefined) return undefined;
  if (order !== undefined && (order.id !== n.orderId || !isDirectAssignmentOrder(order, customerId))) return undefined;
  const status = order?.status;
  switch (n.state) {
    case 'reserved':
      if (status === undefined) return ['insert-order', 'order-number', 'confirm-order', 'activate'];
      return status === 'reserved' ? ['order-number', 'confirm-order', 'activate'] : undefined;
    case 'ordered':
      if (status === undefined) return ['insert-order', 'confirm-order', 'activate'];
      if (status === 'reserved') return ['confirm-order', 'activate'];
      return status === 'confirmed' ? ['activate'] : undefined;
    case 'active':
      // activateOrder stopped after the number went active (no ServiceNumber, order or contract yet).
      return status === 'confirmed' ? ['activate'] : undefined;
    default:
      return undefined;
  }
}
