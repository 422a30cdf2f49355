import type { Actor } from '../inventory/InventoryTypes.js';
import { InventoryRefusal } from '../inventory/orders.js';
import type { Principal } from './auth.js';
import { ApiError, notFound, validationError } from './errors.js';

/** Who the inventory records as having done it: 'platform' (or 'platform:<tokenId>'), 'beheerder:<tokenId>'. */
export function actorOf(p: Principal): Actor {
  return p.role === 'platform' ? (p.tokenId ? `platform:${p.tokenId}` : 'platform') : `${p.role}:${p.tokenId}`;
}

/** Inventory refusals as API errors: 400 with the field, 404, or 409 with the reason. */
export async function refusals<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof InventoryRefusal)) throw err;
    if (err.status === 400) throw validationError([{ path: err.field, message: err.message }]);
    if (err.status === 404) throw notFound();
    throw new ApiError(409, { error: 'conflict', field: err.field, message: err.message });
  }
}
