/**
 * Snom D7xx settings in Snom's XML format (service.snom.com "<phone-settings> tag" and the
 * settings reference): <settings><phone-settings e="2"> with one element per setting; per-identity
 * settings carry idx="N" (the identity number). perm="R" makes a setting read-only for the user.
 *
 * Keys used: user_active, user_realname (display name), user_name (SIP user), user_pname
 * (authentication name), user_pass, user_host (registrar domain), user_outbound (proxy with
 * ;transport=), user_expiry (registration expiry, seconds), timezone (NLD+1), ntp_server,
 * language / web_language, setting_server (the URL the phone re-checks, credentials in its
 * userinfo since Snom authenticates with what the URL carries) and settings_refresh_timer (s).
 *
 * language / web_language take the language's own name as Snom lists it ("Deutsch",
 * "Francais", "Espanol", "Italiano": Wazo's Snom plugin, wazo-provd-plugins
 * plugins/wazo-snom/common/common.py _LOCALE); for Dutch that is "Nederlands". Wazo writes
 * "Dutch", but as the name of a language file it serves itself (its gui_lang.xml), so that is no
 * evidence for the phone's built-in list; Snom's own settings reference was not available here
 * to confirm "Nederlands" (README "Provisioning" says how to check on a phone).
 */
import type { DeviceConfigInput, RenderedFile } from './DeviceTypes.js';
import { modelOf } from './models.js';
import { xmlEscape } from './xml.js';

export const SNOM_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** One setting element; `idx` for per-identity settings. */
function setting(name: string, value: string | number, idx?: number): string {
  const index = idx === undefined ? '' : ` idx="${idx}"`;
  return `    <${name}${index} perm="R">${xmlEscape(String(value))}</${name}>`;
}

/** The setting_server URL: the device's own file, with its HTTP credentials as userinfo. */
export function snomSettingServer(input: DeviceConfigInput): string {
  const url = new URL(input.selfUrl);
  url.username = encodeURIComponent(input.mac ?? '');
  url.password = encodeURIComponent(input.secret);
  return url.toString();
}

export function snomSettingsFile(input: DeviceConfigInput): RenderedFile {
  const m = modelOf(input.model);
  const { site } = input;
  const hostPort = `${site.sipDomain}:${site.sipPort}`;
  const outbound = `${site.sipHost}:${site.sipPort};transport=${site.transport}`;
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<!-- ContactSuite configuration for ${xmlEscape(m.name)} ${input.mac ?? ''} -->`,
    '<settings>',
    '  <phone-settings e="2">',
    setting('language', 'Nederlands'),
    setting('web_language', 'Nederlands'),
    setting('timezone', 'NLD+1'),
    setting('ntp_server', site.ntpServer),
    setting('setting_server', snomSettingServer(input)),
    setting('settings_refresh_timer', site.recheckMinutes * 60),
  ];
  const used = new Set<number>();
  for (const l of input.lines) {
    used.add(l.line);
    out.push(
      setting('user_active', 'on', l.line),
      setting('user_realname', l.displayName, l.line),
      setting('user_name', l.username, l.line),
      setting('user_pname', l.username, l.line),
      setting('user_pass', l.password, l.line),
      setting('user_host', hostPort, l.line),
      setting('user_outbound', outbound, l.line),
      setting('user_expiry', site.registerExpires, l.line),
    );
  }
  // Identities without an account are switched off, so a removed account stops registering.
  for (let n = 1; n <= m.lines; n++) if (!used.has(n)) out.push(setting('user_active', 'off', n));
  out.push('  </phone-settings>', '</settings>', '');
  return { contentType: SNOM_CONTENT_TYPE, body: out.join('\n') };
}
