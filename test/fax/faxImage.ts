/*
 * Fax pages for the tests: a bitmap the test draws, written as a TIFF/F file spandsp can send
 * (1728 px wide, 204x196 dpi, G3 via tiffcp), and read back from a received TIFF (tiffcp -c none,
 * then the strips) or from the PDF we mailed (ghostscript renders it at the fax resolution).
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FAX_WIDTH = 1728;
const X_DPI = 204;
const Y_DPI = 196;

/** A bilevel page: one byte per pixel, 1 = black. */
export interface Bitmap {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * A page no two garblings share: 48x48-pixel blocks, black or white from a seeded generator,
 * under a white top margin. A page that arrived shifted, truncated or scrambled differs in many blocks.
 */
export function blockPage(height: number, seed: number, block = 48): Bitmap {
  const pixels = new Uint8Array(FAX_WIDTH * height);
  let x = seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32: deterministic, so a test can redraw the page it sent.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const cols = Math.floor(FAX_WIDTH / block);
  for (let by = 1; by < Math.floor(height / block); by++) {
    for (let bx = 0; bx < cols; bx++) {
      if (next() % 2 === 0) continue;
      for (let y = by * block; y < (by + 1) * block; y++) pixels.fill(1, y * FAX_WIDTH + bx * block, y * FAX_WIDTH + (bx + 1) * block);
    }
  }
  return { width: FAX_WIDTH, height, pixels };
}

/** Writes the pages as uncompressed TIFFs, then one G3 2-D file with tiffcp: the TIFF/F a fax machine sends. */
export async function writeFaxTiff(path: string, pages: Bitmap[]): Promise<void> {
  const raws = pages.map((_p, i) => `${path}.raw${i}.tif`);
  try {
    for (const [i, page] of pages.entries()) await writeFile(raws[i], encodeUncompressedTiff(page));
    await run('tiffcp', ['-c', 'g3:2d:fill', ...raws, path]);
  } finally {
    for (const raw of raws) await rm(raw, { force: true });
  }
}

/** Decodes page `index` of a TIFF (any compression libtiff reads) to a bitmap. */
export async function readTiffPage(path: string, index = 0): Promise<Bitmap> {
  const raw = `${path}.page${index}.raw.tif`;
  try {
    await run('tiffcp', ['-c', 'none', `${path},${index}`, raw]);
    return decodeUncompressedTiff(await readFile(raw));
  } finally {
    await rm(raw, { force: true });
  }
}

/** Renders every page of a PDF at the fax resolution (ghostscript, pbmraw), one bitmap per page. */
export async function renderPdf(path: string): Promise<Bitmap[]> {
  const out = `${path}.%d.pbm`;
  await run('gs', ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-sDEVICE=pbmraw', `-r${X_DPI}x${Y_DPI}`, `-sOutputFile=${out}`, path]);
  const pages: Bitmap[] = [];
  for (let i = 1; i <= 50; i++) {
    const file = out.replace('%d', String(i));
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch {
      break;
    }
    await rm(file, { force: true });
    pages.push(decodePbm(buf));
  }
  return pages;
}

/** Pixels that differ between two pages, as a fraction of the sent page's area (a missing row counts as all different). */
export function difference(sent: Bitmap, got: Bitmap): number {
  const height = Math.max(sent.height, got.height);
  let diff = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < sent.width; x++) {
      const a = y < sent.height ? sent.pixels[y * sent.width + x] : 0;
      const b = y < got.height && x < got.width ? got.pixels[y * got.width + x] : a ^ 1;
      if (a !== b) diff++;
    }
  }
  return diff / (sent.width * sent.height);
}

function encodeUncompressedTiff(page: Bitmap): Buffer {
  const rowBytes = Math.ceil(page.width / 8);
  const data = Buffer.alloc(rowBytes * page.height);
  for (let y = 0; y < page.height; y++) {
    for (let x = 0; x < page.width; x++) {
      if (page.pixels[y * page.width + x]) data[y * rowBytes + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  // Little-endian TIFF: header, pixel data, then one IFD (entries sorted by tag, TIFF 6.0 §2).
  const entries: Array<[tag: number, type: number, value: number]> = [
    [256, 4, page.width], // ImageWidth
    [257, 4, page.height], // ImageLength
    [258, 3, 1], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 0], // Photometric: WhiteIsZero (1 = black, as in fax)
    [273, 4, 8], // StripOffsets
    [277, 3, 1], // SamplesPerPixel
    [278, 4, page.height], // RowsPerStrip
    [279, 4, data.length], // StripByteCounts
    [282, 5, 0], // XResolution (rational, below)
    [283, 5, 0], // YResolution
    [296, 3, 2], // ResolutionUnit: inch
  ];
  const ifdAt = 8 + data.length + (data.length % 2);
  const rationalsAt = ifdAt + 2 + entries.length * 12 + 4;
  const buf = Buffer.alloc(rationalsAt + 16);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(ifdAt, 4);
  data.copy(buf, 8);
  buf.writeUInt16LE(entries.length, ifdAt);
  entries.forEach(([tag, type, value], i) => {
    const at = ifdAt + 2 + i * 12;
    buf.writeUInt16LE(tag, at);
    buf.writeUInt16LE(type, at + 2);
    buf.writeUInt32LE(1, at + 4);
    if (type === 5) buf.writeUInt32LE(rationalsAt + (tag === 282 ? 0 : 8), at + 8);
    else if (type === 3) buf.writeUInt16LE(value, at + 8);
    else buf.writeUInt32LE(value, at + 8);
  });
  buf.writeUInt32LE(X_DPI, rationalsAt);
  buf.writeUInt32LE(1, rationalsAt + 4);
  buf.writeUInt32LE(Y_DPI, rationalsAt + 8);
  buf.writeUInt32LE(1, rationalsAt + 12);
  return buf;
}

/** Reads the first IFD of an uncompressed bilevel TIFF (either byte order, any strip layout). */
function decodeUncompressedTiff(buf: Buffer): Bitmap {
  const le = buf.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number): number => (le ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
  const u32 = (at: number): number => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const ifd = u32(4);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < u16(ifd); i++) {
    const at = ifd + 2 + i * 12;
    const type = u16(at + 2);
    const count = u32(at + 4);
    const size = type === 3 ? 2 : 4;
    const base = count * size > 4 ? u32(at + 8) : at + 8;
    const values: number[] = [];
    for (let k = 0; k < count && (type === 3 || type === 4); k++) values.push(type === 3 ? u16(base + k * 2) : u32(base + k * 4));
    tags.set(u16(at), values);
  }
  const one = (tag: number, fallback?: number): number => {
    const v = tags.get(tag)?.[0] ?? fallback;
    if (v === undefined) throw new Error(`TIFF tag ${tag} missing`);
    return v;
  };
  if (one(259) !== 1) throw new Error('TIFF is compressed');
  const width = one(256);
  const height = one(257);
  const blackIsOne = one(262, 0) === 0;
  const lsbFirst = one(266, 1) === 2;
  const data = Buffer.concat((tags.get(273) ?? []).map((off, i) => buf.subarray(off, off + (tags.get(279) ?? [])[i])));
  const rowBytes = Math.ceil(width / 8);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = data[y * rowBytes + (x >> 3)] ?? 0;
      const bit = lsbFirst ? (byte >> (x & 7)) & 1 : (byte >> (7 - (x & 7))) & 1;
      pixels[y * width + x] = blackIsOne ? bit : bit ^ 1;
    }
  }
  return { width, height, pixels };
}

/** Binary PBM (P4): 1 = black, rows padded to whole bytes. */
function decodePbm(buf: Buffer): Bitmap {
  const header = /^P4\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s/.exec(buf.toString('latin1', 0, 200));
  if (!header) throw new Error('not a binary PBM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  const data = buf.subarray(header[0].length);
  const rowBytes = Math.ceil(width / 8);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels[y * width + x] = (data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
  }
  return { width, height, pixels };
}
