/**
 * Encryption of stored secrets (SIP passwords). Digest auth and phone provisioning need the clear
 * text, so a one-way hash will not do; AES-256-GCM both hides and authenticates it, so a changed
 * ciphertext or the wrong key is an error, never a wrong password.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

const VERSION = 'v1:';
const IV_BYTES = 12; // the GCM nonce size NIST SP 800-38D recommends
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_HEX = /^[0-9a-fA-F]{64}$/;
export const SECRETS_KEY_FILE = 'secrets.key';

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`SecretBox key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  /** 'v1:' + base64url(iv | tag | ciphertext), with a fresh random iv each time. */
  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Throws when the text was changed, was encrypted with another key, or is not ours at all. */
  decrypt(enc: string): string {
    if (!enc.startsWith(VERSION)) throw new Error(`encrypted secret must start with "${VERSION}"`);
    const raw = Buffer.from(enc.slice(VERSION.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted secret is too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('encrypted secret failed authentication: it was changed, or SECRETS_KEY is not the key it was encrypted with');
    }
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * The key for SecretBox: SECRETS_KEY when set (64 hex characters), else DATA_DIR/secrets.key,
 * created with 32 random bytes and mode 0600 on first start. Keep that file (or set SECRETS_KEY
 * to its content): without it, stored SIP passwords cannot be read.
 */
export async function loadSecretKey(opts: { keyHex?: string; dataDir: string; logger: Logger }): Promise<Buffer> {
  if (opts.keyHex !== undefined) {
    // Never echo the value: it is the key.
    if (!KEY_HEX.test(opts.keyHex)) {
      throw new Error(
        `SECRETS_KEY must be exactly 64 hexadecimal characters (32 bytes, e.g. \`openssl rand -hex 32\`); ` +
          `got ${opts.keyHex.length} characters${opts.keyHex.length === 64 ? ' with non-hex ones' : ''}. ` +
          `Unset it to use ${join(opts.dataDir, SECRETS_KEY_FILE)} instead.`,
      );
    }
    return Buffer.from(opts.keyHex, 'hex');
  }

  const path = join(opts.dataDir, SECRETS_KEY_FILE);
  try {
    return await readKeyFile(path, opts.logger);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  await mkdir(opts.dataDir, { recursive: true });
  try {
    // 'wx': if another instance created it meanwhile, use theirs instead of overwriting it.
    await writeFile(path, randomBytes(KEY_BYTES).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    opts.logger.info({ path }, 'created secrets key file; back it up, stored SIP passwords need it');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readKeyFile(path, opts.logger);
}

async function readKeyFile(path: string, logger: Logger): Promise<Buffer> {
  const text = (await readFile(path, 'utf8')).trim();
  if (!KEY_HEX.test(text)) {
    throw new Error(`${path} must hold exactly 64 hexadecimal characters (the SECRETS_KEY); got ${text.length} characters`);
  }
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    logger.warn({ path, mode: (mode & 0o777).toString(8) }, 'secrets key file is readable by others; chmod 600 it');
  }
  return Buffer.from(text, 'hex');
}
