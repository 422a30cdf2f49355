/*
 * freeswitch-conf/ cannot be loaded by FreeSWITCH here (FreeSWITCH is not installable on our
 * machines): these checks parse it and hold it to what the adapter and docker-compose.yml rely on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { MOH_STREAM } from '../../../src/media/freeswitch/FreeswitchPaths.js';

const CONF = fileURLToPath(new URL('../../../freeswitch-conf/', import.meta.url));
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['param', 'load', 'list', 'node', 'action', 'extension', 'X-PRE-PROCESS', 'map', 'directory'].includes(name) });

function files(dir = CONF): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.xml') ? [join(dir, e.name)] : []));
}
// The parsed configuration files differ in shape; each test walks the one it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function xml(path: string): Record<string, any> {
  return parser.parse(readFileSync(join(CONF, path), 'utf8'));
}
function params(list: Array<{ name: string; value: string }>): Record<string, string> {
  return Object.fromEntries(list.map((p) => [p.name, p.value]));
}

describe('freeswitch-conf', () => {
  it('is well-formed XML throughout', () => {
    for (const f of files()) expect(() => parser.parse(readFileSync(f, 'utf8'), true), relative(CONF, f)).not.toThrow();
  });

  it('loads the modules this role needs and no others', () => {
    const loaded = xml('autoload_configs/modules.conf.xml').configuration.modules.load.map((l: { module: string }) => l.module);
    expect(loaded.sort()).toEqual(
      [
        'mod_commands',
        'mod_console',
        'mod_dialplan_xml',
        'mod_dptools',
        'mod_event_socket',
        'mod_local_stream',
        'mod_logfile',
        'mod_native_file',
        'mod_sndfile',
        'mod_sofia',
        'mod_spandsp',
        'mod_tone_stream',
      ].sort(),
    );
  });

  it('keeps the event socket on the private address, behind a password from the environment and an ACL', () => {
    const es = params(xml('autoload_configs/event_socket.conf.xml').configuration.settings.param);
    expect(es['listen-ip']).toBe('$${contactsuite_private_ip}');
    expect(es.password).toBe('$${contactsuite_esl_password}');
    expect(es.password).not.toMatch(/ClueCon/i);
    const lists = xml('autoload_configs/acl.conf.xml').configuration['network-lists'].list;
    const esl = lists.find((l: { name: string }) => l.name === es['apply-inbound-acl']);
    expect(esl.default).toBe('deny');
  });

  it('has one SIP profile, drachtio_mrf, that only drachtio-server may call, with PCMA/PCMU only', () => {
    const profile = xml('sip_profiles/drachtio_mrf.xml').include.profile;
    expect(profile.name).toBe('drachtio_mrf');
    const p = params(profile.settings.param);
    expect(p['auth-calls']).toBe('false');
    const lists = xml('autoload_configs/acl.conf.xml').configuration['network-lists'].list;
    const acl = lists.find((l: { name: string }) => l.name === p['apply-inbound-acl']);
    expect(acl).toMatchObject({ default: 'deny' });
    expect(acl.node).toEqual([{ type: 'allow', cidr: '$${contactsuite_drachtio_cidr}' }]);
    expect(p['codec-prefs']).toBe('$${contactsuite_codecs}');
    expect(readFileSync(join(CONF, 'vars.xml'), 'utf8')).toContain('data="contactsuite_codecs=PCMA,PCMU"');
    expect(p['dtmf-type']).toBe('rfc2833');
    expect(p.context).toBe('drachtio_mrf');
  });

  it('parks drachtio-fsmrf\'s calls on the app\'s outbound event socket and refuses anything else', () => {
    const context = xml('dialplan/drachtio_mrf.xml').include.context;
    expect(context.name).toBe('drachtio_mrf');
    const [mrf, refuse] = context.extension;
    expect(mrf.condition).toMatchObject({ field: '${sip_user_agent}', expression: '^drachtio-fsmrf:(.+)$' });
    const actions = mrf.condition.action.map((a: { application: string; data?: string }) => `${a.application} ${a.data ?? ''}`.trim());
    expect(actions).toEqual([
      'answer',
      'set hangup_after_bridge=false',
      'set park_after_bridge=true',
      'set playback_terminators=none',
      'socket ${sip_h_X-esl-outbound} async full',
    ]);
    expect(refuse.condition.action[0]).toEqual({ application: 'respond', data: '403 Forbidden' });
  });

  it('streams music on hold under the name the adapter plays', () => {
    const dir = xml('autoload_configs/local_stream.conf.xml').configuration.directory[0];
    expect(`local_stream://${dir.name}`).toBe(MOH_STREAM);
    expect(dir.path).toBe('$${contactsuite_prompts_dir}/moh');
    expect(params(dir.param).rate).toBe('8000');
  });

  it('defines every $${variable} it uses in vars.xml', () => {
    const vars = readFileSync(join(CONF, 'vars.xml'), 'utf8');
    const defined = new Set([...vars.matchAll(/cmd="(?:set|env-set)" data="(\w+)=/g)].map((m) => m[1]));
    for (const f of files()) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\$\$\{(\w+)\}/g)) expect(defined, `${relative(CONF, f)} uses $\${${m[1]}}`).toContain(m[1]);
    }
  });
});
