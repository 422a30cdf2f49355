/**
 * Yealink configuration files (Yealink Auto Provisioning Guide / Administrator Guide, V8x
 * firmware). A phone fetches the common file of its model, y0000000000XX.cfg, then its own
 * <mac>.cfg; keys in the later file win. Both start with the mandatory "#!version:1.0.0.1" line.
 *
 * Keys used (from the vendor guides and Yealink templates of Wazo/FusionPBX):
 *   account.N.enable, .label, .display_name, .auth_name, .user_name, .password,
 *   account.N.sip_server.1.address, .port, .transport_type (0 UDP, 1 TCP, 2 TLS, 3 DNS-NAPTR),
 *   account.N.sip_server.1.expires (registration expiry, seconds),
 *   local_time.time_zone (+1) and local_time.time_zone_name (Netherlands(Amsterdam)),
 *   local_time.summer_time (2: automatic), local_time.ntp_server1,
 *   lang.gui / lang.wui, static.auto_provision.server.url / .username / .password,
 *   static.auto_provision.repeat.enable / .minutes.
 */
import type { DeviceConfigInput, LineConfig, ProvisioningSite, RenderedFile } from './DeviceTypes.js';
import { modelOf } from './models.js';

const HEADER = '#!version:1.0.0.1';
const TRANSPORT = { udp: 0, tcp: 1 } as const;
export const YEALINK_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** A .cfg value runs to the end of the line: a line break in a display name must not start a new key. */
function value(v: string | number): string {
  return String(v).replace(/\p{Cc}+/gu, ' ').trim();
}

function lines(entries: Array<[string, string | number]>): string {
  return entries.map(([k, v]) => `${k} = ${value(v)}`).join('\n');
}

/** The URL a Yealink phone is given as its provisioning server: the directory it fetches files from. */
export function yealinkServerUrl(site: ProvisioningSite): string {
  return `${site.publicUrl}/yealink/`;
}

/**
 * Dutch, Amsterdam time from NTP, and where to re-check: in both files, so a MAC file alone is complete.
 *
 * lang.gui / lang.wui take the language's name as in Yealink's language files
 * ("<nnn>.GUI.<Name>.lang"): Dutch is "Dutch" (017.GUI.Dutch.lang; github.com/trideeindhoven/
 * yealink-languages, README). That repository also says Dutch is missing from Yealink's
 * international T4xS firmware (the Dutch distributor's firmware has it): on such a phone the
 * setting needs the language file loaded first (gui_lang.url = <url of 017.GUI.Dutch.lang>),
 * otherwise the phone stays in English. Not checked against Yealink's own Administrator Guide,
 * which was not available here; see README "Provisioning".
 */
function sharedEntries(site: ProvisioningSite): Array<[string, string | number]> {
  return [
    ['lang.gui', 'Dutch'],
    ['lang.wui', 'Dutch'],
    ['local_time.time_zone', '+1'],
    ['local_time.time_zone_name', 'Netherlands(Amsterdam)'],
    ['local_time.summer_time', 2],
    ['local_time.ntp_server1', site.ntpServer],
    ['static.auto_provision.repeat.enable', 1],
    ['static.auto_provision.repeat.minutes', site.recheckMinutes],
    ['static.auto_provision.server.url', yealinkServerUrl(site)],
  ];
}

/** y0000000000XX.cfg: what every phone of the model shares (no secrets). */
export function yealinkCommonFile(site: ProvisioningSite, model: string): RenderedFile {
  const m = modelOf(model);
  const body = [
    HEADER,
    // Models may share a common file (the CP930W and the W60P both fetch the W60B base's), so no model name here.
    `## ContactSuite common configuration ${m.commonFile ?? ''}`,
    lines(sharedEntries(site)),
    '',
  ].join('\n');
  return { contentType: YEALINK_CONTENT_TYPE, body };
}

function accountEntries(site: ProvisioningSite, l: LineConfig): Array<[string, string | number]> {
  const a = `account.${l.line}`;
  return [
    [`${a}.enable`, 1],
    [`${a}.label`, l.displayName],
    [`${a}.display_name`, l.displayName],
    [`${a}.auth_name`, l.username],
    [`${a}.user_name`, l.username],
    [`${a}.password`, l.password],
    [`${a}.sip_server.1.address`, site.sipHost],
    [`${a}.sip_server.1.port`, site.sipPort],
    [`${a}.sip_server.1.transport_type`, TRANSPORT[site.transport]],
    [`${a}.sip_server.1.expires`, site.registerExpires],
  ];
}

/** <mac>.cfg: the device's accounts, its provisioning credentials and the shared settings again. */
export function yealinkMacFile(input: DeviceConfigInput): RenderedFile {
  const m = modelOf(input.model);
  const { site } = input;
  const used = new Set(input.lines.map((l) => l.line));
  const entries: Array<[string, string | number]> = [];
  for (const l of input.lines) entries.push(...accountEntries(site, l));
  // Lines the device has but no account is bound to are switched off, so a removed account stops registering.
  for (let n = 1; n <= m.lines; n++) if (!used.has(n)) entries.push([`account.${n}.enable`, 0]);
  entries.push(
    ...sharedEntries(site),
    ['static.auto_provision.server.username', input.mac ?? ''],
    ['static.auto_provision.server.password', input.secret],
  );
  const body = [HEADER, `## ContactSuite configuration for ${m.name} ${input.mac ?? ''}`, lines(entries), ''].join('\n');
  return { contentType: YEALINK_CONTENT_TYPE, body };
}
