/**
 * Independent readers for the generated configurations: they share no code with the renderers,
 * so a test that reads a file back checks what a phone would see, not what we meant to write.
 */
import { XMLParser } from 'fast-xml-parser';

/** A Yealink .cfg as a phone reads it: "#!version:1.0.0.1" first, '#' comments, key = value, last wins. */
export function readYealinkCfg(text: string): Map<string, string> {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== '#!version:1.0.0.1') throw new Error(`first line must be "#!version:1.0.0.1", got "${lines[0]}"`);
  const out = new Map<string, string>();
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1} is not key = value: "${line}"`);
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
});

type Node = Record<string, unknown>;
const text = (n: unknown): string => (typeof n === 'object' && n !== null ? String((n as Node)['#text'] ?? '') : String(n));

/** Snom settings as "name" or "name[idx]" → value, with each setting's perm flag. */
export function readSnomXml(body: string): Map<string, { value: string; perm: string | undefined }> {
  const doc = xml.parse(body) as Node;
  const settings = (doc.settings as Node[] | undefined)?.[0];
  const phone = (settings?.['phone-settings'] as Node[] | undefined)?.[0];
  if (!phone) throw new Error('no <settings><phone-settings>');
  const out = new Map<string, { value: string; perm: string | undefined }>();
  for (const [name, nodes] of Object.entries(phone)) {
    if (name.startsWith('@')) continue;
    for (const n of nodes as unknown[]) {
      const idx = typeof n === 'object' && n !== null ? (n as Node)['@idx'] : undefined;
      const perm = typeof n === 'object' && n !== null ? ((n as Node)['@perm'] as string | undefined) : undefined;
      out.set(idx === undefined ? name : `${name}[${String(idx)}]`, { value: text(n), perm });
    }
  }
  return out;
}

/** A Linphone lpconfig document as "section.entry" → value, and its namespace. */
export function readLinphoneXml(body: string): { ns: string | undefined; entries: Map<string, string> } {
  const doc = xml.parse(body) as Node;
  const config = (doc.config as Node[] | undefined)?.[0];
  if (!config) throw new Error('no <config>');
  const entries = new Map<string, string>();
  for (const section of (config.section as Node[] | undefined) ?? []) {
    for (const entry of (section.entry as Node[] | undefined) ?? []) {
      if (entry['@overwrite'] !== 'true') throw new Error(`entry ${String(entry['@name'])} lacks overwrite="true"`);
      entries.set(`${String(section['@name'])}.${String(entry['@name'])}`, text(entry));
    }
  }
  return { ns: config['@xmlns'] as string | undefined, entries };
}
