/**
 * The spandsp fax addon (native/fax, built by `npm run build:fax` where libspandsp-dev and
 * libtiff-dev are installed). Optional: without the built .node file the process still runs,
 * and fax is reported as unavailable (start log line, /health) instead.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';

/** Where node-gyp puts the addon; the same relative path from src/fax (tsx) and dist/fax (built). */
export const FAX_ADDON_PATH = fileURLToPath(new URL('../../native/fax/build/Release/fax.node', import.meta.url));

export interface FaxSessionOptions {
  /** 'receiver' answers (sends CED) and writes `file`; 'transmitter' calls (sends CNG) and sends `file`. */
  role: 'receiver' | 'transmitter';
  /** A TIFF/F path: written by a receiver, read by a transmitter (1728 px wide, 204x98 or 204x196 dpi). */
  file: string;
  /** Our station id (T.30 TSI/CSI), at most 20 characters. */
  ident?: string;
  /** Error correction mode (T.30 Annex A); default on. */
  ecm?: boolean;
}

/** How a T.30 session ended (phase E). */
export interface T30Result {
  success: boolean;
  /** spandsp's T30_ERR_* completion code. */
  code: number;
  /** spandsp's text for the code (English), e.g. "The call dropped prematurely". */
  reason: string;
  /** A coarse class of the code, for what we tell people. */
  kind: 'ok' | 'call-dropped' | 'no-fax' | 'file' | 'protocol';
  /** Pages received (receiver) or sent (transmitter). */
  pages: number;
  /** The far end's station id (may be empty). */
  remoteIdent: string;
  bitRate: number;
  ecm: boolean;
}

/** One fax terminal on 8 kHz 16-bit linear audio; each call is synchronous and takes microseconds. */
export interface FaxSession {
  /** Audio from the far end. */
  rx(samples: Int16Array): void;
  /** The next `count` samples (default 160) to send. */
  tx(count?: number): Int16Array;
  /** null until T.30 phase E. */
  result(): T30Result | null;
  /** The call is gone: ends the session now (phase E runs; a receiver's TIFF keeps its complete pages). */
  terminate(): void;
  close(): void;
}

export interface FaxAddon {
  FaxSession: new (opts: FaxSessionOptions) => FaxSession;
}

export type FaxAvailability = { available: true } | { available: false; reason: string };

let loaded: { addon?: FaxAddon; availability: FaxAvailability } | undefined;
let logged = false;

/** Loads the addon once; undefined (and logged once, when a logger is given) when it cannot be loaded. */
export function loadFaxAddon(logger?: Logger): FaxAddon | undefined {
  loaded ??= probeFaxAddon();
  if (!loaded.addon && logger && !logged) {
    logged = true;
    logger.warn({ addon: FAX_ADDON_PATH, reason: (loaded.availability as { reason: string }).reason }, 'fax unavailable: fax numbers and fax detection will not receive faxes');
  }
  return loaded.addon;
}

/** Whether fax reception works in this process, and why not (for the start line and /health). */
export function faxAvailability(): FaxAvailability {
  loaded ??= probeFaxAddon();
  return loaded.availability;
}

/** Tries to load the addon at `path` (uncached; loadFaxAddon caches the default path). */
export function probeFaxAddon(path = FAX_ADDON_PATH): { addon?: FaxAddon; availability: FaxAvailability } {
  if (!existsSync(path)) {
    return { availability: { available: false, reason: `${path} is missing (npm run build:fax needs libspandsp-dev and libtiff-dev)` } };
  }
  try {
    const mod = createRequire(import.meta.url)(path) as Partial<FaxAddon>;
    if (typeof mod.FaxSession !== 'function') return { availability: { available: false, reason: `${path} exports no FaxSession` } };
    return { addon: mod as FaxAddon, availability: { available: true } };
  } catch (err) {
    return { availability: { available: false, reason: `${path} did not load: ${(err as Error).message.split('\n')[0]}` } };
  }
}
