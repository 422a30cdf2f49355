import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.js';

/**
 * The received faxes as FaxToEmail keeps them (DATA_DIR/fax/<day>/<id>.tif, .pdf, .json), read
 * back for the inbox in the API and web app: list per customer and number, the document, delete.
 * The files are the record (no store index): a fax listing scans the day folders, which is
 * fine for the few faxes a day a business number gets.
 */

/** '<day>_<id>' as the API names a fax: 2026-11-23_101500-1a2b3c4d. The pattern keeps paths inside the fax folder. */
export const FAX_ID = /^(\d{4}-\d{2}-\d{2})_(\d{6}-[0-9a-f]{8})$/;

export interface ReceivedFax {
  id: string;
  /** Unset in faxes kept before the customer was recorded: only the platform sees those. */
  customerId?: string;
  /** The fax number that was called (E.164). */
  calledNumber?: string;
  caller?: string;
  receivedAt: number;
  success: boolean;
  pages: number;
  /** The sender's station id (T.30 TSI), '' when it sent none. */
  remoteIdent: string;
  seconds: number;
  /** Why reception ended (spandsp's text, 'OK' on success) or why no fax could be received. */
  reason: string;
  /** 'pdf', or 'tiff' when tiff2pdf failed; unset when no page arrived. */
  document?: 'pdf' | 'tiff';
}

// What FaxToEmail writes (<id>.json): its mail facts plus id, email, callId and customerId.
const KeptFax = z.object({
  id: z.string(),
  customerId: z.string().optional(),
  calledNumber: z.string().optional(),
  caller: z.string().optional(),
  receivedAt: z.string(),
  attachment: z.enum(['pdf', 'tiff']).optional(),
  result: z.union([
    z.object({ success: z.boolean(), pages: z.number(), remoteIdent: z.string(), reason: z.string(), seconds: z.number() }),
    z.object({ unavailable: z.string() }),
  ]),
});

function fromKept(k: z.output<typeof KeptFax>): ReceivedFax {
  const r = k.result;
  return {
    id: k.id.replace('/', '_'),
    ...(k.customerId ? { customerId: k.customerId } : {}),
    ...(k.calledNumber ? { calledNumber: k.calledNumber } : {}),
    ...(k.caller ? { caller: k.caller } : {}),
    receivedAt: Date.parse(k.receivedAt),
    ...('unavailable' in r
      ? { success: false, pages: 0, remoteIdent: '', seconds: 0, reason: `fax unavailable: ${r.unavailable}` }
      : { success: r.success, pages: r.pages, remoteIdent: r.remoteIdent, seconds: r.seconds, reason: r.reason }),
    ...(k.attachment ? { document: k.attachment } : {}),
  };
}

export class FaxInbox {
  constructor(
    /** DATA_DIR/fax */
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  private base(id: string): string | undefined {
    const m = FAX_ID.exec(id);
    return m ? join(this.dir, m[1], m[2]) : undefined;
  }

  /** Newest first; a filter left out matches every fax. */
  async list(filter: { customerId?: string; calledNumber?: string } = {}): Promise<ReceivedFax[]> {
    const days = (await readdir(this.dir).catch(() => [] as string[])).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
    const faxes: ReceivedFax[] = [];
    for (const day of days) {
      for (const name of await readdir(join(this.dir, day)).catch(() => [] as string[])) {
        if (!name.endsWith('.json')) continue;
        const fax = await this.read(join(this.dir, day, name));
        if (!fax) continue;
        if (filter.customerId !== undefined && fax.customerId !== filter.customerId) continue;
        if (filter.calledNumber !== undefined && fax.calledNumber !== filter.calledNumber) continue;
        faxes.push(fax);
      }
    }
    return faxes.sort((a, b) => b.receivedAt - a.receivedAt || b.id.localeCompare(a.id));
  }

  async get(id: string): Promise<ReceivedFax | undefined> {
    const base = this.base(id);
    return base ? this.read(`${base}.json`) : undefined;
  }

  /** The document as received (PDF, or the TIFF when no PDF could be made); undefined when no page arrived. */
  async document(id: string): Promise<{ kind: 'pdf' | 'tiff'; data: Buffer } | undefined> {
    const fax = await this.get(id);
    const base = this.base(id);
    if (!fax?.document || !base) return undefined;
    const data = await readFile(`${base}.${fax.document === 'pdf' ? 'pdf' : 'tif'}`).catch(() => undefined);
    return data ? { kind: fax.document, data } : undefined;
  }

  /** Removes the fax's files (TIFF, PDF, JSON); false when there was no such fax. */
  async delete(id: string): Promise<boolean> {
    const base = this.base(id);
    if (!base || !(await this.get(id))) return false;
    // The JSON last: a fax half deleted by a crash is still listed and can be deleted again.
    await rm(`${base}.tif`, { force: true });
    await rm(`${base}.pdf`, { force: true });
    await rm(`${base}.json`, { force: true });
    return true;
  }

  private async read(path: string): Promise<ReceivedFax | undefined> {
    try {
      const parsed = KeptFax.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (parsed.success) return fromKept(parsed.data);
      this.logger.warn({ file: path, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'fax record not understood; left out of the inbox');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ file: path, err: (err as Error).message }, 'fax record unreadable; left out of the inbox');
    }
    return undefined;
  }
}
