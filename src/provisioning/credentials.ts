/**
 * Per-device provisioning credentials. A desk phone authenticates with HTTP Basic or Digest as
 * username = its MAC, password = its secret; a softphone, which fetches without HTTP auth
 * (linphonec: a 401 ends provisioning), carries the secret in its URL instead.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Counters } from '../store/StoreTypes.js';

/** 24 random bytes (192 bits), base64url: safe in a URL path and in a phone's password field. */
export function generateDeviceSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison through fixed-length digests, so neither content nor length leaks. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** RFC 7617 Basic credentials, or undefined when the header is not Basic or not well formed. */
export function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const m = /^Basic[ ]+([A-Za-z0-9+/=]+)[ ]*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The digest nonce key for provisioning, derived from the secrets key so every instance agrees. */
export function provisioningDigestKey(secretKey: Buffer): Buffer {
  return createHmac('sha256', secretKey).update('contactsuite provisioning digest nonce').digest();
}

/**
 * The store's Counters under a key prefix, so provisioning failures and blocks (AuthThrottle)
 * never mix with SIP authentication's: a phone blocked on one is not blocked on the other.
 */
export function prefixedCounters(counters: Counters, prefix: string): Counters {
  return {
    hit: (key, windowMs) => counters.hit(prefix + key, windowMs),
    setFlag: (key, ttlMs) => counters.setFlag(prefix + key, ttlMs),
    hasFlag: (key) => counters.hasFlag(prefix + key),
    raiseIfHigher: (key, value, ttlMs) => counters.raiseIfHigher(prefix + key, value, ttlMs),
  };
}
