/**
 * Linphone remote provisioning (Linphone wiki "Remote provisioning"; liblinphone's lpconfig.xsd):
 * the app's rc file as XML, <config xmlns="http://www.linphone.org/xsds/lpconfig.xsd"> with a
 * <section name="…"> per rc section and <entry name="…" overwrite="true"> per key, merged into
 * its configuration. `[misc] config-uri` is where it fetches again at each start.
 *
 * Keys used: sip.default_proxy; proxy_0: reg_proxy, reg_route, reg_identity, reg_expires,
 * reg_sendregister, realm; auth_info_0: username, userid, passwd, realm, domain.
 * Time zone, clock and language: Linphone takes them from the operating system and has no
 * provisioning keys for them, so this file carries none.
 */
import type { DeviceConfigInput, RenderedFile } from './DeviceTypes.js';
import { xmlEscape } from './xml.js';

export const LPCONFIG_NS = 'http://www.linphone.org/xsds/lpconfig.xsd';
export const LINPHONE_CONTENT_TYPE = 'application/xml; charset=utf-8';

type Section = [name: string, entries: Array<[string, string | number]>];

/** A SIP URI host: an IPv6 literal goes in brackets (RFC 3261 §19.1.1). */
function uriHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A quoted display name (RFC 3261 §25.1 quoted-string): quotes and backslashes escaped, no line breaks. */
function quoted(name: string): string {
  return `"${name.replace(/[\r\n]+/g, ' ').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function linphoneConfig(input: DeviceConfigInput): RenderedFile {
  const { site } = input;
  const proxy = `<sip:${uriHost(site.sipHost)}:${site.sipPort};transport=${site.transport}>`;
  const sections: Section[] = [
    ['misc', [['config-uri', input.selfUrl]]],
    ['sip', [['default_proxy', 0]]],
  ];
  input.lines.forEach((l, i) => {
    sections.push(
      [
        `proxy_${i}`,
        [
          ['reg_proxy', proxy],
          ['reg_route', proxy],
          ['reg_identity', `${quoted(l.displayName)} <sip:${l.username}@${uriHost(site.sipDomain)}>`],
          ['reg_expires', site.registerExpires],
          ['reg_sendregister', 1],
          ['realm', site.sipDomain],
        ],
      ],
      [
        `auth_info_${i}`,
        [
          ['username', l.username],
          ['userid', l.username],
          ['passwd', l.password],
          ['realm', site.sipDomain],
          ['domain', site.sipDomain],
        ],
      ],
    );
  });
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<config xmlns="${LPCONFIG_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${LPCONFIG_NS} lpconfig.xsd">`,
  ];
  for (const [name, entries] of sections) {
    out.push(`  <section name="${xmlEscape(name)}">`);
    for (const [key, value] of entries) {
      out.push(`    <entry name="${xmlEscape(key)}" overwrite="true">${xmlEscape(String(value))}</entry>`);
    }
    out.push('  </section>');
  }
  out.push('</config>', '');
  return { contentType: LINPHONE_CONTENT_TYPE, body: out.join('\n') };
}
