/** Small pieces shared by the drachtio core: ids, tags, time stamps, localhost substitution. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { LocalTransport } from '../transport/TransportTypes.js';

export const uuid = randomUUID;

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Random bytes drawn from a 4 KiB pool refilled from the CSPRNG: tags and branches stay
 * unguessable (a guessed tag lets an attacker forge a BYE) without a randomBytes() call per
 * message on the hot path.
 */
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolAt = 0;

/** A random token of `n` alphanumerics (tags, branch suffixes). */
export function token(n = 12): string {
  if (poolAt + n > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[pool[poolAt + i] % 62];
  poolAt += n;
  return s;
}

export function branch(): string {
  return 'z9hG4bK' + token(16);
}

/** UTC time of day `HH:MM:SS.uuuuuu`, as drachtio-server stamps frames (spec §2.1). */
export function timeOfDay(ms = Date.now()): string {
  const d = new Date(ms);
  const p2 = (n: number) => (n < 10 ? '0' + n : String(n));
  const micros = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${micros}`;
}

/** `host:port` as written in SIP (IPv6 in brackets). */
export function hostPort(l: LocalTransport): string {
  const h = l.advertisedHost.includes(':') && !l.advertisedHost.startsWith('[') ? `[${l.advertisedHost}]` : l.advertisedHost;
  return `${h}:${l.port}`;
}

/** The engine's own contact for a transport: `<sip:host:port[;transport=tcp]>` (spec §3.6). */
export function localContact(l: LocalTransport, user?: string): string {
  const t = l.protocol === 'udp' ? '' : `;transport=${l.protocol}`;
  return `<sip:${user ? user + '@' : ''}${hostPort(l)}${t}>`;
}

const LOCALHOST = /(sips?:(?:[^@<>;\s]*@)?)localhost(?::\d+)?/gi;

/** Replace `…@localhost[:port]` with the transport's address (spec §3.6 localhost substitution). */
export function replaceLocalhost(value: string, l: LocalTransport): string {
  if (!value.includes('localhost')) return value;
  return value.replace(LOCALHOST, (_m, prefix: string) => prefix + hostPort(l));
}

/** Extract the URI from a name-addr or addr-spec header value without full parsing. */
export function uriOf(value: string): string {
  const lt = value.indexOf('<');
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    return value.slice(lt + 1, gt < 0 ? undefined : gt).trim();
  }
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim();
}
