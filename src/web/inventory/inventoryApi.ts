import type { z } from 'zod';
import type { CustomerSchema } from '../../api/customers.js';
import type { ContractSchema, InventoryNumberSchema, OrderSchema } from '../../api/inventory.js';
import type { Api } from '../api.js';

/**
 * The inventory, order and contract routes (src/api/inventory.ts) as the inventory page uses
 * them; shapes are the server's response schemas, as types only.
 */

export type InventoryNumber = z.output<typeof InventoryNumberSchema>;
export type Order = z.output<typeof OrderSchema>;
export type Contract = z.output<typeof ContractSchema>;
export type Customer = z.output<typeof CustomerSchema>;
export interface SearchPage {
  items: InventoryNumber[];
  total: number;
  page: number;
  pageSize: number;
}

export const NUMBER_TYPES = ['0800', '0900', '0906', '0909', '18xy', '085', '088', 'geographic'] as const;
export type PatternKind = 'endsWith' | 'contains' | 'repeated' | 'wildcard';

export interface SearchInput {
  type?: string;
  perMinuteCents?: number;
  perCallCents?: number;
  pattern?: { kind: PatternKind; value: string };
  page: number;
  pageSize: number;
}

/** The query string the search route takes: empty fields are left out. */
export function searchQuery(input: SearchInput): string {
  const q = new URLSearchParams();
  if (input.type) q.set('type', input.type);
  if (input.perMinuteCents !== undefined) q.set('perMinuteCents', String(input.perMinuteCents));
  if (input.perCallCents !== undefined) q.set('perCallCents', String(input.perCallCents));
  if (input.pattern && input.pattern.value.trim() !== '') q.set(input.pattern.kind, input.pattern.value.trim());
  q.set('page', String(input.page));
  q.set('pageSize', String(input.pageSize));
  return q.toString();
}

/** What an order is for: a number from the stock search, or a chosen one ("mooi nummer", needs an ACM assignment). */
export interface PickedNumber {
  number: string;
  kind: 'direct' | 'chosen';
}

export interface OrderInput {
  number: string;
  email: string;
  kind: 'direct' | 'chosen';
  tariff?: { perMinuteCents?: number; perCallCents?: number };
  planId?: string;
  customerId?: string;
  customer?: { name: string };
}

export function inventoryApi(api: Api) {
  return {
    search: (input: SearchInput): Promise<SearchPage> => api.request('GET', `/inventory/numbers?${searchQuery(input)}`),
    order: (input: OrderInput): Promise<Order> => api.request('POST', '/orders', input),
    confirm: (orderId: string): Promise<Order> => api.request('POST', `/orders/${orderId}/confirm`),
    cancel: (orderId: string): Promise<Order> => api.request('POST', `/orders/${orderId}/cancel`, {}),
    orders: (customerId?: string): Promise<Order[]> => api.request('GET', `/orders${customerId ? `?customerId=${encodeURIComponent(customerId)}` : ''}`),
    activate: (orderId: string): Promise<Order> => api.request('POST', `/orders/${orderId}/activate`),
    recordAcm: (orderId: string, body: { reference: string; assignedOn: string }): Promise<Order> => api.request('POST', `/orders/${orderId}/acm-assignment`, body),
    contracts: (customerId?: string): Promise<Contract[]> => api.request('GET', `/contracts${customerId ? `?customerId=${encodeURIComponent(customerId)}` : ''}`),
    giveNotice: (contractId: string): Promise<Contract> => api.request('POST', `/contracts/${contractId}/notice`, {}),
    customers: (): Promise<Customer[]> => api.request('GET', '/customers'),
  };
}
export type InventoryApi = ReturnType<typeof inventoryApi>;
