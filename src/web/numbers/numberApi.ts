import type { z } from 'zod';
import type { TariffChangeSchema } from '../../api/inventory.js';
import type { Api, ServiceNumber, Tariff } from '../api.js';
import type { Contract, InventoryNumber } from '../inventory/inventoryApi.js';

/** A requested tariff change: callers hear it from 00:00 (Amsterdam) on effectiveOn. */
export type TariffChange = z.output<typeof TariffChangeSchema>;

/** The routes the number page uses (src/api/numbers.ts, src/api/inventory.ts); shapes are the server's response schemas, as types only. */
export function numberApi(api: Api) {
  return {
    number: (numberId: string): Promise<ServiceNumber> => api.request('GET', `/numbers/${numberId}`),
    /** planId null unlinks the plan. */
    setPlan: (numberId: string, planId: string | null): Promise<ServiceNumber> => api.request('PATCH', `/numbers/${numberId}`, { planId }),
    setStatus: (numberId: string, status: ServiceNumber['status']): Promise<ServiceNumber> => api.request('PATCH', `/numbers/${numberId}`, { status }),
    tariffChanges: (numberId: string): Promise<TariffChange[]> => api.request('GET', `/numbers/${numberId}/tariff-changes`),
    requestTariffChange: (numberId: string, tariff: Tariff): Promise<TariffChange> => api.request('POST', `/numbers/${numberId}/tariff-changes`, { tariff }),
    withdrawTariffChange: (changeId: string): Promise<TariffChange> => api.request('POST', `/tariff-changes/${changeId}/withdraw`),
    /** The customer's contracts (a beheerder sees only its own customer's). */
    contracts: (): Promise<Contract[]> => api.request('GET', '/contracts'),
    /** The number's inventory record; the history comes with it for the platform only. */
    inventoryNumber: (e164: string): Promise<InventoryNumber> => api.request('GET', `/inventory/numbers/${encodeURIComponent(e164)}`),
  };
}
export type NumberApi = ReturnType<typeof numberApi>;
