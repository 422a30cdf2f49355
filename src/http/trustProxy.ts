import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * TRUST_PROXY: which reverse proxies (nginx, a load balancer) may tell us the client's address
 * in X-Forwarded-For. Behind a proxy every request comes from the proxy's address, so the
 * per-address brakes (web sign-in, provisioning) would throttle everyone together; trusting the
 * proxy makes `req.ip` the client's address again. Off (the default), the header is ignored, so
 * a client cannot pick the address it is throttled under.
 *
 * Values as fastify's `trustProxy` takes them (https://fastify.dev/docs/latest/Reference/Server/#trustproxy):
 * - `off`: no proxy.
 * - a comma list of proxy addresses and CIDRs, and the names proxy-addr knows
 * (`loopback`, `linklocal`, `uniquelocal`): only a request from one of those may name the client.
 * Not offered: `true` (any client could spoof its address) and a hop count, which fastify 5
 * deliberately ignores (it cannot tell the proxy from a client connecting directly); a number
 * is refused with that reason rather than accepted and silently doing nothing.
 */
export type TrustProxy = false | string[];

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One entry of the list: an address, an address/prefix, or a proxy-addr name. */
export function isProxyEntry(entry: string): boolean {
  if (NAMES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export const TRUST_PROXY_ALLOWED =
  "off, or a comma list of the proxies' addresses/CIDRs (e.g. 10.0.0.5,192.168.0.0/16; also loopback, linklocal, uniquelocal); not a hop count, which fastify ignores";

/** The environment text as fastify's option; an invalid value fails the parse (config names the variable). */
export const TrustProxySchema = z
  .string()
  .trim()
  .transform((v, ctx): TrustProxy => {
    if (v === 'off') return false;
    const entries = v.split(',').map((e) => e.trim());
    if (entries.every(isProxyEntry)) return entries;
    ctx.addIssue({ code: 'custom', message: TRUST_PROXY_ALLOWED });
    return z.NEVER;
  });

/** The parsed value as it is written in the environment (for `contactsuite config`). */
export function describeTrustProxy(value: TrustProxy): string {
  return value === false ? 'off' : value.join(',');
}
