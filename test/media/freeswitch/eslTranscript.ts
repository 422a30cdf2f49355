/*
 * Recorded event-socket conversations (test/media/freeswitch/recordings/*.esl): what the app
 * must send to FreeSWITCH and what FreeSWITCH answers, in order. The files are hand-made from
 * FreeSWITCH's documented event-socket formats (mod_event_socket: auth/request, command/reply,
 * api/response, text/event-json; mod_dptools and mod_spandsp channel variables), not captured
 * from a running FreeSWITCH: FreeSWITCH cannot be installed on our machines.
 *
 * Format: blocks that start with a '== ' line; '#' lines are comments.
 *   == app                 the next message the app sends: its command line, then headers that must be present
 *   == freeswitch reply    a command/reply (its header lines, e.g. Reply-Text: +OK)
 *   == freeswitch api      an api/response (the lines are the body)
 *   == freeswitch event    an event, sent as text/event-json as the app subscribed (the lines are its headers)
 *   == freeswitch bye      FreeSWITCH's SIP side hangs up the channel (BYE)
 *   == freeswitch close    FreeSWITCH closes the event socket
 * In values: {{name}} is a variable (the channel's uuid, or one captured earlier), {{?name}}
 * captures the app's value into a variable, {{*}} matches anything.
 */
import { readFileSync } from 'node:fs';

export type Step =
  | { kind: 'app'; line: string; headers: Array<[string, string]>; at: string }
  | { kind: 'reply'; headers: Array<[string, string]> }
  | { kind: 'api'; body: string }
  | { kind: 'event'; headers: Array<[string, string]> }
  | { kind: 'bye' }
  | { kind: 'close' };

export function readTranscript(file: string): Step[] {
  const steps: Step[] = [];
  let current: { head: string; lines: string[]; lineNo: number } | undefined;
  const flush = (): void => {
    if (!current) return;
    const { head, lines, lineNo } = current;
    const at = `${file}:${lineNo}`;
    const pairs = (from = lines): Array<[string, string]> =>
      from.map((l) => {
        const i = l.indexOf(': ');
        if (i < 0) throw new Error(`${at}: header line without ": ": ${l}`);
        return [l.slice(0, i), l.slice(i + 2)];
      });
    switch (head) {
      case 'app': {
        const [line, ...rest] = lines;
        if (!line) throw new Error(`${at}: an app block needs a command line`);
        steps.push({ kind: 'app', line, headers: pairs(rest), at });
        break;
      }
      case 'freeswitch reply':
        steps.push({ kind: 'reply', headers: pairs() });
        break;
      case 'freeswitch api':
        steps.push({ kind: 'api', body: lines.join('\n') + '\n' });
        break;
      case 'freeswitch event':
        steps.push({ kind: 'event', headers: pairs() });
        break;
      case 'freeswitch bye':
        steps.push({ kind: 'bye' });
        break;
      case 'freeswitch close':
        steps.push({ kind: 'close' });
        break;
      default:
        throw new Error(`${at}: unknown block "== ${head}"`);
    }
    current = undefined;
  };
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.startsWith('#') || line.trim() === '') return;
      if (line.startsWith('== ')) {
        flush();
        current = { head: line.slice(3).trim(), lines: [], lineNo: i + 1 };
        return;
      }
      if (!current) throw new Error(`${file}:${i + 1}: text outside a block`);
      current.lines.push(line);
    });
  flush();
  return steps;
}

/** Replaces {{name}} with the variable's value. */
export function fill(text: string, vars: Map<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = vars.get(name);
    if (v === undefined) throw new Error(`transcript variable {{${name}}} is not known yet`);
    return v;
  });
}

/** Matches `actual` against a pattern with {{name}}, {{?name}} and {{*}}; captures go into `vars`. Returns false on mismatch. */
export function matchPattern(pattern: string, actual: string, vars: Map<string, string>): boolean {
  const captures: string[] = [];
  let re = '';
  let last = 0;
  for (const m of pattern.matchAll(/\{\{(\?\w+|\*|\w+)\}\}/g)) {
    re += escape(pattern.slice(last, m.index));
    const token = m[1];
    if (token === '*') re += '.*';
    else if (token.startsWith('?')) {
      captures.push(token.slice(1));
      re += '(.*)';
    } else re += escape(fill(`{{${token}}}`, vars));
    last = m.index + m[0].length;
  }
  re += escape(pattern.slice(last));
  const found = new RegExp(`^${re}$`, 's').exec(actual);
  if (!found) return false;
  captures.forEach((name, i) => vars.set(name, found[i + 1]));
  return true;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
