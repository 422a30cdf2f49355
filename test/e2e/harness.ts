/*
 * What every e2e test file needs: an engine on free ports (UDP and TCP on one port number), a
 * connected drachtio-srf app, SIPp helpers bound to that engine, and a bounded wait.
 */
import type Srf from 'drachtio-srf';
import { Engine } from '../../src/engine/Engine.js';
import { freePort } from '../support/ports.js';
import { startEngineWithApp } from '../support/engine.js';
import { disconnect } from '../support/srf.js';
import { describeRun, killAllSipp, runSipp, scenario, startSipp, type RunningSipp, type SippOptions, type SippResult } from '../support/sipp.js';

export { describeRun, scenario };
export type { SippResult };

/** The SDP the apps answer and offer with; its o= line tells a SIPp trace which side wrote it. */
export const APP_SDP = [
  'v=0',
  'o=contactsuite 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 8',
  'a=rtpmap:8 PCMA/8000',
  '',
].join('\r\n');

/** A second offer, for re-INVITEs: a new o= version and a new port. */
export const APP_SDP_V2 = APP_SDP.replace('o=contactsuite 1 1', 'o=contactsuite 1 2').replace('m=audio 40000', 'm=audio 40002');

export interface Rig {
  engine: Engine;
  srf: Srf;
  /** The engine's SIP port (UDP and TCP). */
  sipPort: number;
  /** host:port SIPp sends to. */
  remote: string;
  controlPort: number;
  secret: string;
  /** Runs a SIPp UAC (or any scenario that starts by sending) against the engine. */
  call(name: string, opts?: Partial<SippOptions>): Promise<SippResult>;
  /** Starts a SIPp UAS on a fresh port and waits until it listens; `uri` reaches it. */
  far(name: string, opts?: Partial<SippOptions>): Promise<FarEnd>;
  stop(): Promise<void>;
}

export interface FarEnd extends RunningSipp {
  port: number;
  /** A SIP URI on this SIPp, e.g. sip:bob@127.0.0.1:PORT (;transport=tcp for a TCP SIPp). */
  uri(user?: string): string;
}

/**
 * Starts an engine and connects one srf app to it. E2E_LOG_LEVEL=debug shows the engine's logs.
 */
export async function startRig(): Promise<Rig> {
  const { engine, srf, sipPort, controlPort, secret } = await startEngineWithApp({ secret: 'cymru', tcp: true });
  const remote = `127.0.0.1:${sipPort}`;
  const started: RunningSipp[] = [];
  return {
    engine,
    srf,
    sipPort,
    remote,
    controlPort,
    secret,
    call: async (name, opts = {}) =>
      runSipp({ scenario: scenario(name), remote, localPort: await freePort(), calls: 1, timeoutMs: 15_000, ...opts }),
    far: async (name, opts = {}) => {
      const port = opts.localPort ?? (await freePort());
      const sipp = await startSipp({ scenario: scenario(name), localPort: port, calls: 1, timeoutMs: 15_000, ...opts });
      started.push(sipp);
      const tcp = opts.transport === 't1' ? ';transport=tcp' : '';
      return { ...sipp, port, uri: (user = 'bob') => `sip:${user}@127.0.0.1:${port}${tcp}` };
    },
    stop: async () => {
      for (const s of started) s.kill();
      killAllSipp();
      disconnect(srf);
      await engine.stop();
    },
  };
}

/** Resolves with the promise's value, or rejects naming `what` after ms (a test must not hang). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve function outside, for events an app handler reports. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The SIP messages of a -trace_msg log, each as its text, with the direction SIPp saw. */
export function tracedMessages(result: SippResult): Array<{ direction: 'sent' | 'received'; text: string }> {
  // Blocks start with a dashed line and a timestamp; SIPp's "voluntary lost" note has no
  // newline, so the separator is not always at the start of a line.
  const blocks = (result.messages ?? '').split(/-{10,} \d{4}-\d\d-\d\d [\d:.]+/);
  const out: Array<{ direction: 'sent' | 'received'; text: string }> = [];
  for (const block of blocks) {
    const m = /^\s*(?:UDP|TCP) message (sent|received)[^\n]*\n+([\s\S]*)$/.exec(block);
    if (m) out.push({ direction: m[1] === 'sent' ? 'sent' : 'received', text: m[2].trim() });
  }
  return out;
}

/** First lines (request or status line) of the traced messages, e.g. '> INVITE sip:…', '< SIP/2.0 200 OK'. */
export function flow(result: SippResult): string[] {
  return tracedMessages(result).map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.text.split(/\r?\n/)[0]}`);
}

/** Gives a typed handle on srf.request, whose bundled typings do not match its real signature. */
/** Final responses seen for requests sent with sendRequest (they may arrive before a listener could be added). */
const finals = new WeakMap<Srf.SrfRequest, Srf.SrfResponse>();

/**
 * srf.request(uri, opts) in its callback form: the callback runs while srf handles the engine's
 * "sent" echo, so the response listener is on before the next message is read. With the promise
 * form a response that arrives in the same read as the echo is emitted before the awaiting code
 * runs, and is lost.
 */
export function sendRequest(srf: Srf, uri: string, opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<Srf.SrfRequest> {
  const request = srf.request.bind(srf) as unknown as (uri: string, opts: object, cb: (err: Error | null, req: Srf.SrfRequest) => void) => void;
  return new Promise((resolve, reject) => {
    request(uri, opts, (err, req) => {
      if (err) return reject(err);
      req.on('response', (res?: Srf.SrfResponse) => {
        if (res && res.status >= 200) finals.set(req, res);
      });
      resolve(req);
    });
  });
}

/** The final response to a request sent with sendRequest / Dialog#request. */
export function finalResponse(req: Srf.SrfRequest): Promise<Srf.SrfResponse> {
  const seen = finals.get(req);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    req.on('response', (res?: Srf.SrfResponse) => {
      if (res && res.status >= 200) resolve(res);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Dialog#destroy as the promise srf really returns (its typings say void): resolves on the 200 to the BYE. */
export function hangUp(dialog: Srf.Dialog): Promise<unknown> {
  const destroy = dialog.destroy.bind(dialog) as unknown as () => Promise<unknown>;
  return destroy();
}
