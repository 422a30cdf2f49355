/**
 * Service numbers: the Dutch business numbers a customer owns (0800, 090x, 18xy, 085/088,
 * geographic), each with a status, the call plan that is live for it and, for the paid ranges,
 * the caller tariff that the runtime announces before the plan starts.
 */

export type NumberType = '0800' | '0900' | '0906' | '0909' | '18xy' | '085' | '088' | 'geographic';

export interface Tariff {
  /** euro cents incl. 21% VAT */
  perMinuteCents?: number;
  perCallCents?: number;
  startFeeCents?: number;
  maxPerCallCents?: number;
}

export interface ServiceNumber {
  id: string;
  /** '+319091234567' */
  e164: string;
  type: NumberType;
  customerId: string;
  status: 'active' | 'suspended';
  /** id of the call plan that is live for this number */
  planId?: string;
  tariff?: Tariff;
  createdAt: number;
}
