import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { loadSecretKey, SecretBox } from '../../src/store/secrets.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('decrypts what it encrypted, any text included', () => {
    for (const plain of ['geheim123', '', 'wachtwoord met spaties en ü€ß', 'x'.repeat(1000)]) {
      const enc = box.encrypt(plain);
      expect(enc).toMatch(/^v1:[A-Za-z0-9_-]+$/);
      expect(enc).not.toContain(plain || 'never-empty');
      expect(box.decrypt(enc)).toBe(plain);
    }
  });

  it('uses a fresh iv each time, so the same password encrypts differently', () => {
    const a = box.encrypt('geheim123');
    const b = box.encrypt('geheim123');
    expect(a).not.toBe(b);
    // The first 12 bytes are the iv.
    const iv = (enc: string): string => Buffer.from(enc.slice(3), 'base64url').subarray(0, 12).toString('hex');
    expect(iv(a)).not.toBe(iv(b));
  });

  it('rejects a changed ciphertext, tag or iv', () => {
    const enc = box.encrypt('geheim123');
    const raw = Buffer.from(enc.slice(3), 'base64url');
    for (const index of [0, 12, 28, raw.length - 1]) {
      const changed = Buffer.from(raw);
      changed[index] ^= 0x01;
      expect(() => box.decrypt(`v1:${changed.toString('base64url')}`)).toThrow(/failed authentication/);
    }
    expect(() => box.decrypt(`v1:${raw.subarray(0, raw.length - 1).toString('base64url')}`)).toThrow();
  });

  it('rejects text encrypted with another key', () => {
    const enc = new SecretBox(randomBytes(32)).encrypt('geheim123');
    expect(() => box.decrypt(enc)).toThrow(/SECRETS_KEY/);
  });

  it('rejects text that is not one of its encryptions', () => {
    expect(() => box.decrypt('geheim123')).toThrow(/v1:/);
    expect(() => box.decrypt('v1:AAAA')).toThrow(/too short/);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('loadSecretKey', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'cs-secrets-'));
    dirs.push(d);
    return d;
  };

  /** A logger whose lines the test can read. */
  function capturingLogger(): { logger: ReturnType<typeof silentLogger>; lines: () => string[] } {
    const out: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void out.push(line) });
    return { logger, lines: () => out };
  }

  it('uses SECRETS_KEY when it is 64 hex characters, and touches no file', async () => {
    const dataDir = join(await tempDir(), 'data');
    const hex = randomBytes(32).toString('hex').toUpperCase();
    const key = await loadSecretKey({ keyHex: hex, dataDir, logger: silentLogger() });
    expect(key.toString('hex')).toBe(hex.toLowerCase());
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a malformed SECRETS_KEY, saying what is allowed and not echoing it', async () => {
    const dataDir = await tempDir();
    for (const bad of ['abc', 'zz'.repeat(32), randomBytes(32).toString('hex') + '00', '']) {
      const err = (await loadSecretKey({ keyHex: bad, dataDir, logger: silentLogger() }).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain('SECRETS_KEY');
      expect(err.message).toContain('64 hexadecimal characters');
      expect(err.message).toContain(`got ${bad.length} characters`);
      if (bad.length > 0) expect(err.message).not.toContain(bad);
    }
  });

  it('creates DATA_DIR/secrets.key with mode 0600 on first start, logs that without the key, and reuses it', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    const { logger, lines } = capturingLogger();
    const first = await loadSecretKey({ dataDir, logger });
    expect(first).toHaveLength(32);
    const path = join(dataDir, 'secrets.key');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(first.toString('hex'));
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain('created secrets key file');
    expect(lines()[0]).not.toContain(first.toString('hex'));

    const second = await loadSecretKey({ dataDir, logger });
    expect(second.equals(first)).toBe(true);
    expect(lines()).toHaveLength(1);
    // A password encrypted before a restart still decrypts after it.
    expect(new SecretBox(second).decrypt(new SecretBox(first).encrypt('geheim123'))).toBe('geheim123');
  });

  it('refuses a damaged key file instead of replacing it', async () => {
    const dataDir = await tempDir();
    const path = join(dataDir, 'secrets.key');
    await writeFile(path, 'not a key\n', { mode: 0o600 });
    await expect(loadSecretKey({ dataDir, logger: silentLogger() })).rejects.toThrow(/secrets\.key must hold exactly 64 hexadecimal/);
    expect(await readFile(path, 'utf8')).toBe('not a key\n');
  });
});
