/**
 * Every certified model's configuration, byte for byte against a golden file, then read back
 * with an independent parser and checked key by key against the accounts it was made from.
 * UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DeviceConfigInput, LineConfig, ProvisioningSite } from '../../src/provisioning/DeviceTypes.js';
import { linphoneConfig } from '../../src/provisioning/linphone.js';
import { DEVICE_MODELS, type DeviceModel } from '../../src/provisioning/models.js';
import { snomSettingsFile } from '../../src/provisioning/snom.js';
import { yealinkCommonFile, yealinkMacFile } from '../../src/provisioning/yealink.js';
import { readLinphoneXml, readSnomXml, readYealinkCfg } from './parsers.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const site: ProvisioningSite = {
  sipDomain: 'sip.example.nl',
  sipHost: 'sip.example.nl',
  sipPort: 5060,
  transport: 'udp',
  registerExpires: 3600,
  ntpServer: 'nl.pool.ntp.org',
  publicUrl: 'https://prov.example.nl/provisioning',
  recheckMinutes: 1440,
};

// Characters that need escaping in XML and a quote that needs it in a SIP display name.
const ACCOUNTS: LineConfig[] = [
  { line: 1, username: 'bakker-201', password: 'Xq7&<tR9"vL2#pW', displayName: 'Receptie & "Balie"' },
  { line: 2, username: 'bakker-202', password: 'mN4!kP8%zS1@wQ6', displayName: 'Magazijn' },
];

function inputFor(model: DeviceModel): DeviceConfigInput {
  const mac = model.hasMac ? '001565a1b2c3' : undefined;
  return {
    site,
    model: model.name,
    ...(mac ? { mac } : {}),
    lines: ACCOUNTS.slice(0, Math.min(2, model.lines)),
    secret: 'dev-secret-0123456789abcdefghijklmnop',
    selfUrl:
      model.vendor === 'linphone'
        ? `${site.publicUrl}/linphone/11111111-2222-4333-8444-555555555555/dev-secret-0123456789abcdefghijklmnop.xml`
        : `${site.publicUrl}/${model.vendor}/${mac ?? ''}.${model.vendor === 'snom' ? 'xml' : 'cfg'}`,
  };
}

const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function matchesGolden(relative: string, body: string): void {
  const path = join(GOLDEN, relative);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  }
  expect(body, `differs from golden file ${path} (UPDATE_GOLDEN=1 to accept)`).toBe(readFileSync(path, 'utf8'));
}

describe('Yealink configuration files', () => {
  for (const model of DEVICE_MODELS.filter((m) => m.vendor === 'yealink')) {
    it(`${model.name}: the MAC file carries every bound account and switches the other lines off`, () => {
      const input = inputFor(model);
      const file = yealinkMacFile(input);
      matchesGolden(`yealink/${slug(model.name)}.cfg`, file.body);
      const cfg = readYealinkCfg(file.body);
      for (const a of input.lines) {
        const k = `account.${a.line}`;
        expect(cfg.get(`${k}.enable`)).toBe('1');
        expect(cfg.get(`${k}.user_name`)).toBe(a.username);
        expect(cfg.get(`${k}.auth_name`)).toBe(a.username);
        expect(cfg.get(`${k}.password`)).toBe(a.password);
        expect(cfg.get(`${k}.display_name`)).toBe(a.displayName);
        expect(cfg.get(`${k}.label`)).toBe(a.displayName);
        expect(cfg.get(`${k}.sip_server.1.address`)).toBe(site.sipHost);
        expect(cfg.get(`${k}.sip_server.1.port`)).toBe('5060');
        expect(cfg.get(`${k}.sip_server.1.transport_type`)).toBe('0');
        expect(cfg.get(`${k}.sip_server.1.expires`)).toBe('3600');
      }
      for (let n = input.lines.length + 1; n <= model.lines; n++) expect(cfg.get(`account.${n}.enable`)).toBe('0');
      expect(cfg.has(`account.${model.lines + 1}.enable`)).toBe(false);
      expect(cfg.get('local_time.time_zone')).toBe('+1');
      expect(cfg.get('local_time.time_zone_name')).toBe('Netherlands(Amsterdam)');
      expect(cfg.get('local_time.ntp_server1')).toBe('nl.pool.ntp.org');
      expect(cfg.get('lang.gui')).toBe('Dutch');
      expect(cfg.get('static.auto_provision.server.url')).toBe('https://prov.example.nl/provisioning/yealink/');
      expect(cfg.get('static.auto_provision.server.username')).toBe('001565a1b2c3');
      expect(cfg.get('static.auto_provision.server.password')).toBe(input.secret);
      expect(cfg.get('static.auto_provision.repeat.enable')).toBe('1');
    });

    it(`${model.name}: the common file ${model.commonFile} has the shared settings and no secret`, () => {
      const file = yealinkCommonFile(site, model.name);
      matchesGolden(`yealink/${model.commonFile}`, file.body);
      const cfg = readYealinkCfg(file.body);
      expect(cfg.get('local_time.time_zone_name')).toBe('Netherlands(Amsterdam)');
      expect(cfg.get('static.auto_provision.server.url')).toBe('https://prov.example.nl/provisioning/yealink/');
      expect([...cfg.keys()].filter((k) => k.includes('password') || k.startsWith('account.'))).toEqual([]);
    });
  }

  it('a line break in a display name cannot start a key of its own', () => {
    const input = { ...inputFor(DEVICE_MODELS[0]), lines: [{ ...ACCOUNTS[0], displayName: 'Balie\nstatic.security.user_password = admin:x' }] };
    const cfg = readYealinkCfg(yealinkMacFile(input).body);
    expect(cfg.has('static.security.user_password')).toBe(false);
    expect(cfg.get('account.1.display_name')).toBe('Balie static.security.user_password = admin:x');
  });
});

describe('Snom settings files', () => {
  for (const model of DEVICE_MODELS.filter((m) => m.vendor === 'snom')) {
    it(`${model.name}: one identity per account, read-only, the others off`, () => {
      const input = inputFor(model);
      const file = snomSettingsFile(input);
      matchesGolden(`snom/${slug(model.name)}.xml`, file.body);
      const s = readSnomXml(file.body);
      const v = (k: string): string | undefined => s.get(k)?.value;
      for (const a of input.lines) {
        expect(v(`user_active[${a.line}]`)).toBe('on');
        expect(v(`user_name[${a.line}]`)).toBe(a.username);
        expect(v(`user_pname[${a.line}]`)).toBe(a.username);
        expect(v(`user_pass[${a.line}]`)).toBe(a.password);
        expect(v(`user_realname[${a.line}]`)).toBe(a.displayName);
        expect(v(`user_host[${a.line}]`)).toBe('sip.example.nl:5060');
        expect(v(`user_outbound[${a.line}]`)).toBe('sip.example.nl:5060;transport=udp');
        expect(v(`user_expiry[${a.line}]`)).toBe('3600');
      }
      for (let n = input.lines.length + 1; n <= model.lines; n++) expect(v(`user_active[${n}]`)).toBe('off');
      expect(v('timezone')).toBe('NLD+1');
      expect(v('ntp_server')).toBe('nl.pool.ntp.org');
      expect(v('language')).toBe('Nederlands');
      expect(v('settings_refresh_timer')).toBe('86400');
      const server = new URL(v('setting_server') ?? '');
      expect(`${server.origin}${server.pathname}`).toBe('https://prov.example.nl/provisioning/snom/001565a1b2c3.xml');
      expect(decodeURIComponent(server.username)).toBe('001565a1b2c3');
      expect(decodeURIComponent(server.password)).toBe(input.secret);
      expect([...s.values()].every((x) => x.perm === 'R')).toBe(true);
    });
  }
});

describe('Linphone remote provisioning', () => {
  const model = DEVICE_MODELS.find((m) => m.vendor === 'linphone')!;
  it('is an lpconfig document with proxy_0 and auth_info_0 for the account and its own URL to re-check', () => {
    const input = inputFor(model);
    const file = linphoneConfig(input);
    matchesGolden('linphone/linphone-softphone.xml', file.body);
    const { ns, entries } = readLinphoneXml(file.body);
    const a = input.lines[0];
    expect(ns).toBe('http://www.linphone.org/xsds/lpconfig.xsd');
    expect(entries.get('proxy_0.reg_proxy')).toBe('<sip:sip.example.nl:5060;transport=udp>');
    expect(entries.get('proxy_0.reg_identity')).toBe('"Receptie & \\"Balie\\"" <sip:bakker-201@sip.example.nl>');
    expect(entries.get('proxy_0.reg_expires')).toBe('3600');
    expect(entries.get('proxy_0.reg_sendregister')).toBe('1');
    expect(entries.get('auth_info_0.username')).toBe(a.username);
    expect(entries.get('auth_info_0.userid')).toBe(a.username);
    expect(entries.get('auth_info_0.passwd')).toBe(a.password);
    expect(entries.get('auth_info_0.domain')).toBe('sip.example.nl');
    expect(entries.get('misc.config-uri')).toBe(input.selfUrl);
    expect(entries.has('proxy_1.reg_proxy')).toBe(false);
  });
});
