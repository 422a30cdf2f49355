/*
 * The spandsp addon on its own: a transmitter and a receiver joined back to back through G.711
 * (as RTP would carry them), run as fast as the CPU allows. The received TIFF must hold exactly
 * the pages sent; failures must say why. Also prints the CPU cost per 20 ms block, the figure
 * behind running fax on the media clock instead of a worker (src/media/embedded/FaxReception.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFaxAddon, type FaxAddon, type FaxSession, type T30Result } from '../../src/fax/faxAddon.js';
import type { Codec } from '../../src/media/embedded/EmbeddedMediaServerTypes.js';
import { decodeG711, encodeG711 } from '../../src/media/embedded/g711.js';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import { PROMPT_DIR } from '../calls/rig.js';
import { blockPage, difference, readTiffPage, writeFaxTiff, type Bitmap } from './faxImage.js';
import { FAX_TOOLS_PRESENT } from './faxRig.js';

/** Runs two sessions against each other for at most `maxSeconds` of audio (or until `stopAt` blocks). */
function connect(a: FaxSession, b: FaxSession, codec: Codec, maxSeconds = 180, stopAt?: number): { blocks: number; nsPerBlock: number } {
  let blocks = 0;
  let ns = 0n;
  const line = (pcm: Int16Array): Int16Array => decodeG711(codec, encodeG711(codec, pcm));
  while (blocks < maxSeconds * 50 && (!a.result() || !b.result()) && (stopAt === undefined || blocks < stopAt)) {
    const t0 = process.hrtime.bigint();
    const fromA = a.tx(160);
    b.rx(line(fromA));
    const fromB = b.tx(160);
    a.rx(line(fromB));
    ns += process.hrtime.bigint() - t0;
    blocks++;
  }
  // Two sessions per block, each rx + tx.
  return { blocks, nsPerBlock: Number(ns) / blocks / 2 };
}

describe.skipIf(!FAX_TOOLS_PRESENT)('spandsp fax addon (native/fax)', () => {
  let addon: FaxAddon;
  let dir: string;
  let sent: string;
  const pages: Bitmap[] = [blockPage(1100, 11), blockPage(800, 29)];

  beforeAll(async () => {
    const loaded = loadFaxAddon();
    expect(loaded, 'native/fax is built (npm run build:fax)').toBeDefined();
    addon = loaded!;
    dir = mkdtempSync(join(tmpdir(), 'cs-fax-addon-'));
    sent = join(dir, 'sent.tif');
    await writeFaxTiff(sent, pages);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each<Codec>(['PCMA', 'PCMU'])('a two-page fax through %s arrives page for page, with both station ids', async (codec) => {
    const received = join(dir, `received-${codec}.tif`);
    const tx = new addon.FaxSession({ role: 'transmitter', file: sent, ident: '+31 20 7654321' });
    const rx = new addon.FaxSession({ role: 'receiver', file: received, ident: 'ContactSuite' });
    const { blocks, nsPerBlock } = connect(tx, rx, codec);
    const [txr, rxr] = [tx.result() as T30Result, rx.result() as T30Result];
    tx.close();
    rx.close();
    console.log(`fax ${codec}: ${(blocks * 0.02).toFixed(1)} s of audio; ${(nsPerBlock / 1000).toFixed(1)} µs CPU per session per 20 ms block`);
    expect(rxr).toMatchObject({ success: true, kind: 'ok', pages: 2, remoteIdent: '+31 20 7654321' });
    expect(txr).toMatchObject({ success: true, pages: 2, remoteIdent: 'ContactSuite' });
    for (const [i, page] of pages.entries()) expect(difference(page, await readTiffPage(received, i))).toBe(0);
  });

  it('a transmitter whose TIFF cannot be read fails with a file error, and the receiver hears the call end', () => {
    const tx = new addon.FaxSession({ role: 'transmitter', file: join(dir, 'missing.tif') });
    const rx = new addon.FaxSession({ role: 'receiver', file: join(dir, 'never.tif') });
    connect(tx, rx, 'PCMA', 60);
    expect(tx.result()).toMatchObject({ success: false, kind: 'file' });
    expect(rx.result()?.success).toBe(false);
    tx.close();
    rx.close();
  });

  it('a call that drops mid-transfer ends the receiver with "call dropped" and no page', () => {
    const tx = new addon.FaxSession({ role: 'transmitter', file: sent });
    const rx = new addon.FaxSession({ role: 'receiver', file: join(dir, 'dropped.tif') });
    // 9 s: past the handshake and training, inside the first page.
    connect(tx, rx, 'PCMA', 60, 450);
    expect(rx.result()).toBeNull();
    rx.terminate();
    expect(rx.result()).toMatchObject({ success: false, kind: 'call-dropped', pages: 0 });
    tx.close();
    rx.close();
  });

  it('a caller who is not a fax machine (speech, no fax signals) ends the receiver with "no fax"', async () => {
    const speech = decodeG711('PCMA', await new PromptLibrary(PROMPT_DIR).encoded('nl/welkom', 'PCMA'));
    const rx = new addon.FaxSession({ role: 'receiver', file: join(dir, 'voice.tif') });
    // At most 90 s of audio: the caller talks (the greeting over and over) while we answer as a fax.
    for (let i = 0; i < 90 * 50 && !rx.result(); i++) {
      const at = (i * 160) % (speech.length - 160);
      rx.rx(speech.subarray(at, at + 160));
      rx.tx(160);
    }
    expect(rx.result()).toMatchObject({ success: false, kind: 'no-fax', pages: 0 });
    rx.close();
  });

  it('rejects bad options with a message that names them', () => {
    expect(() => new addon.FaxSession({ role: 'sender' as 'receiver', file: 'x.tif' })).toThrow(/role must be "receiver" or "transmitter"/);
    expect(() => new addon.FaxSession({ role: 'receiver', file: '' })).toThrow(/file \(a TIFF path\) is required/);
    const s = new addon.FaxSession({ role: 'receiver', file: join(dir, 'x.tif') });
    expect(() => s.rx(new Float32Array(160) as unknown as Int16Array)).toThrow(/Int16Array/);
    expect(() => s.tx(0)).toThrow(/1 to 8000/);
    s.close();
    s.close();
    // A closed session is inert, not a crash.
    expect(s.tx(160)).toHaveLength(160);
  });
});
