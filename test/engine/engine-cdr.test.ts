/**
 * drachtio CDR events (spec §2.13): with CDRs on, an app subscribed to cdr:attempt, cdr:start
 * and cdr:stop hears each call's attempt, answer and release, with the SIP message and reason.
 * A SIPp UAC calls a drachtio-srf UAS; a second app only listens for CDRs.
 */
import type Srf from 'drachtio-srf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { silentLogger } from '../../src/logger.js';
import { freePort } from '../support/ports.js';
import { runSipp } from '../support/sipp.js';
import { connectSrf, disconnect } from '../support/srf.js';

const SDP = 'v=0\r\no=cs 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n';

let engine: Engine;
let uas: Srf;
let billing: Srf;
let sipPort: number;
const cdrs: { kind: string; source: string; extra?: string; method: string; status?: number }[] = [];

type CdrMsg = { method?: string; status?: number };
type CdrSrf = { on(ev: string, fn: (source: string, time: string, a: unknown, b?: unknown) => void): void };

beforeAll(async () => {
  sipPort = await freePort();
  const control = await freePort();
  engine = new Engine({
    sip: [{ protocol: 'udp', host: '127.0.0.1', port: sipPort }],
    control: { host: '127.0.0.1', port: control, secret: 'cdr' },
    logger: silentLogger(),
    cdrs: true,
  });
  await engine.start();
  uas = await connectSrf(control, 'cdr');
  uas.invite((req, res) => {
    void uas.createUAS(req, res, { localSdp: SDP }).catch(() => undefined);
  });
  billing = await connectSrf(control, 'cdr');
  const on = (billing as unknown as CdrSrf).on.bind(billing);
  on('cdr:attempt', (source, _time, msg) => cdrs.push({ kind: 'attempt', source, method: (msg as CdrMsg).method ?? '' }));
  for (const kind of ['start', 'stop'] as const) {
    on(`cdr:${kind}`, (source, _time, extra, msg) =>
      cdrs.push({ kind, source, extra: String(extra), method: (msg as CdrMsg).method ?? '', status: (msg as CdrMsg).status }),
    );
  }
  await new Promise((r) => setTimeout(r, 200));
});

afterAll(async () => {
  disconnect(uas);
  disconnect(billing);
  await engine.stop();
});

describe('CDR events', () => {
  it('reports the attempt, the answer and the release of a call to the billing app', async () => {
    const r = await runSipp({ scenario: 'uac', remote: `127.0.0.1:${sipPort}`, localPort: await freePort(), calls: 1, timeoutMs: 10_000 });
    expect(r.successful).toBe(1);
    for (let i = 0; i < 50 && cdrs.length < 3; i++) await new Promise((res) => setTimeout(res, 20));
    expect(cdrs.map((c) => [c.kind, c.source, c.extra])).toEqual([
      ['attempt', 'network', undefined],
      ['start', 'application', 'uas'],
      ['stop', 'network', 'normal-release'],
    ]);
    expect(cdrs[0].method).toBe('INVITE');
    expect(cdrs[1].status).toBe(200);
    expect(cdrs[2].method).toBe('BYE');
  });
});
