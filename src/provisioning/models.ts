/**
 * The certified phones: the one list of device models ContactSuite provisions. An account's
 * `deviceModel` and a device's `model` are names from this list; anything else is refused with a
 * message that says how to get a model certified.
 */
import { z } from 'zod';

export type Vendor = 'yealink' | 'snom' | 'linphone';

export interface DeviceModel {
  /** The name as admins write it, e.g. 'Yealink T54W' (stored as is). */
  name: string;
  vendor: Vendor;
  /** SIP accounts the device can carry (line keys / DECT handsets). */
  lines: number;
  /** Desk phones and DECT bases are known by their MAC; a softphone is not. */
  hasMac: boolean;
  /**
   * Yealink: the model's common configuration file, y0000000000XX.cfg, where XX is the model's
   * firmware prefix (Yealink Auto Provisioning Guide, "Common CFG file"; T19P E2 is 53, T41S 68,
   * T42S 67, T53W 95, T54W 96, T57W 97, the W60B base 77). Checked against Wazo's Yealink plugins
   * (wazo-provd-plugins plugins/wazo-yealink/<firmware>/entry.py COMMON_FILES: y000000000053.cfg with
   * T19P_E2-53 firmware, 095/096/097 with T53W-95, T54W-96, T57W-97, 077 with W60B-77; the S-series
   * 065–068 share T46S(T48S,T42S,T41S)-66 firmware, 067 being the T42S and 068 the T41S) and a
   * FusionPBX template map ('cp930w' and 'w60' => y000000000077.cfg: the CP930W pairs with a W60B
   * base, which fetches the files; Wazo lists the CP930W among the base's handset firmware).
   */
  commonFile?: string;
  note?: string;
}

export const DEVICE_MODELS: readonly DeviceModel[] = [
  { name: 'Yealink T19P E2', vendor: 'yealink', lines: 1, hasMac: true, commonFile: 'y000000000053.cfg' },
  { name: 'Yealink T41S', vendor: 'yealink', lines: 6, hasMac: true, commonFile: 'y000000000068.cfg' },
  { name: 'Yealink T42S', vendor: 'yealink', lines: 12, hasMac: true, commonFile: 'y000000000067.cfg' },
  { name: 'Yealink T53W', vendor: 'yealink', lines: 12, hasMac: true, commonFile: 'y000000000095.cfg' },
  { name: 'Yealink T54W', vendor: 'yealink', lines: 16, hasMac: true, commonFile: 'y000000000096.cfg' },
  { name: 'Yealink T57W', vendor: 'yealink', lines: 16, hasMac: true, commonFile: 'y000000000097.cfg' },
  // The CP930W registers through its W60B base; the base is what fetches the configuration.
  {
    name: 'Yealink CP930W',
    vendor: 'yealink',
    lines: 1,
    hasMac: true,
    commonFile: 'y000000000077.cfg',
    note: 'DECT conference phone with base: enter the MAC of the base',
  },
  {
    name: 'Yealink W60P',
    vendor: 'yealink',
    lines: 8,
    hasMac: true,
    commonFile: 'y000000000077.cfg',
    note: 'DECT base with handset: enter the MAC of the base; line n is handset n',
  },
  { name: 'Snom D717', vendor: 'snom', lines: 6, hasMac: true },
  { name: 'Snom D735', vendor: 'snom', lines: 12, hasMac: true },
  { name: 'Snom D785', vendor: 'snom', lines: 12, hasMac: true },
  { name: 'Linphone softphone', vendor: 'linphone', lines: 1, hasMac: false },
];

export const MODEL_NAMES: readonly string[] = DEVICE_MODELS.map((m) => m.name);

/** Case and spacing do not matter: 'yealink  t54w' is 'Yealink T54W'. */
function key(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}
const BY_KEY = new Map(DEVICE_MODELS.map((m) => [key(m.name), m]));

export function findModel(name: string): DeviceModel | undefined {
  return BY_KEY.get(key(name));
}

/** The model, or throws: callers that get names from the store rely on the list never shrinking silently. */
export function modelOf(name: string): DeviceModel {
  const m = findModel(name);
  if (!m) throw new Error(`device model "${name}" is not in the certified list (src/provisioning/models.ts)`);
  return m;
}

/** What an admin reads when a model is not on the list: Dutch first, then English. */
export function notCertifiedMessage(name: string): string {
  const shown = name.trim().slice(0, 64);
  return (
    `Model "${shown}" is niet gecertificeerd; dien het in voor certificering. ` +
    `Model "${shown}" is not certified; submit it for certification. ` +
    `Gecertificeerd / certified: ${MODEL_NAMES.join(', ')}`
  );
}

/** A certified model name from API input, normalized to its name in the list. */
export const CertifiedModelSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .transform((v, ctx) => {
    const m = findModel(v);
    if (m) return m.name;
    ctx.addIssue({ code: 'custom', message: notCertifiedMessage(v) });
    return z.NEVER;
  })
  .describe(`One of: ${MODEL_NAMES.join(', ')}`);

/**
 * A MAC address in any common notation (00:15:65:AA:BB:CC, 00-15-65-aa-bb-cc, 0015.65aa.bbcc,
 * 001565aabbcc), as 12 lowercase hex digits: the form Yealink and Snom put in the file names
 * they fetch. Undefined when it is not a usable unicast MAC.
 */
export function normalizeMac(input: string): string | undefined {
  const hex = input.trim().toLowerCase().replace(/[:.-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  // All zeros, broadcast, or the group bit set (a multicast address): no phone has one.
  if (hex === '000000000000' || hex === 'ffffffffffff' || (parseInt(hex.slice(0, 2), 16) & 1) === 1) return undefined;
  return hex;
}

export const MacSchema = z
  .string()
  .max(32)
  .transform((v, ctx) => {
    const mac = normalizeMac(v);
    if (mac) return mac;
    ctx.addIssue({
      code: 'custom',
      message: `"${v.slice(0, 32)}" is geen geldig MAC-adres / is not a valid MAC address (12 hex digits, e.g. 00:15:65:12:34:56)`,
    });
    return z.NEVER;
  })
  .describe('MAC address, any notation; stored as 12 lowercase hex digits');
