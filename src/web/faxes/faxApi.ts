import type { z } from 'zod';
import type { FaxSchema } from '../../api/faxes.js';
import type { Api } from '../api.js';

/** The fax inbox routes (src/api/faxes.ts) as the fax page uses them. */
export type ReceivedFax = z.output<typeof FaxSchema>;

export function faxApi(api: Api) {
  return {
    list: (): Promise<ReceivedFax[]> => api.request('GET', '/faxes'),
    /** The PDF (or TIFF) as a blob: a link cannot send the bearer token itself. */
    document: (faxId: string): Promise<Blob> => api.blob(`/faxes/${faxId}/document`),
    delete: (faxId: string): Promise<void> => api.request('DELETE', `/faxes/${faxId}`),
  };
}

/** The faxes per called number, numbers in order, each number's faxes newest first (as listed). */
export function byNumber(faxes: ReceivedFax[]): [string, ReceivedFax[]][] {
  const groups = new Map<string, ReceivedFax[]>();
  for (const f of faxes) {
    const key = f.calledNational ?? '';
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}
