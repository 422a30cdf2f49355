/*
 * The FreeSWITCH media adapter against a stand-in FreeSWITCH (FreeSWITCH cannot be installed
 * here: this is the allowed fake). Everything up to the event socket is real: the app's srf on
 * an embedded engine sends drachtio-fsmrf's INVITE to FreeSWITCH's SIP side (a drachtio-srf UAS
 * on a second engine), which answers and connects its outbound event socket back to
 * drachtio-fsmrf, exactly as the drachtio_mrf dialplan's `socket` application does. The
 * event-socket side replays hand-made recordings (recordings/README.md) and fails on the first
 * command from the app that differs: so these tests check the commands the adapter sends
 * (uuid, playback/play_and_get_digits/record/rxfax arguments, uuid_bridge, uuid_break) and how
 * FreeSWITCH's answers and events come back as Endpoint results.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { MediaAbortError, NoCommonCodecError } from '../../../src/media/MediaErrors.js';
import type { DtmfEvent } from '../../../src/media/MediaTypes.js';
import { FreeswitchMediaServer } from '../../../src/media/freeswitch/FreeswitchMediaServer.js';
import { startEngineWithApp, type EngineWithApp } from '../../support/engine.js';
import { freePort } from '../../support/ports.js';
import { disconnect } from '../../support/srf.js';
import { PROMPT_DIR } from '../farEnd.js';
import { FakeFreeswitch, type Replay } from './fakeFreeswitch.js';

const ESL_PASSWORD = 'esl-Secret-7f3a';
const dataDir = mkdtempSync(join(tmpdir(), 'fs-adapter-'));

let fake: FakeFreeswitch;
let app: EngineWithApp;
let media: FreeswitchMediaServer;

beforeAll(async () => {
  fake = await FakeFreeswitch.start({ password: ESL_PASSWORD });
  app = await startEngineWithApp({ secret: 'app-side' });
  media = new FreeswitchMediaServer({
    esl: { host: '127.0.0.1', port: fake.eslPort, secret: ESL_PASSWORD },
    outbound: { host: '127.0.0.1', port: await freePort() },
    mounts: {
      promptsDir: { app: PROMPT_DIR, freeswitch: '/srv/prompts' },
      dataDir: { app: dataDir, freeswitch: '/data/app1' },
      customPromptDir: join(dataDir, 'prompts'),
    },
    logger: silentLogger(),
  });
  await media.start(app.srf);
});

afterAll(async () => {
  await media?.close();
  disconnect(app.srf);
  await app.engine.stop();
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A caller's offer: PCMA and PCMU with telephone-event. */
function callerOffer(codecs = '8 0 101'): string {
  return [
    'v=0',
    'o=caller 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio 40000 RTP/AVP ${codecs}`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
}

async function finished(replay: Replay): Promise<void> {
  await replay.done;
  expect(replay.failures).toEqual([]);
  expect(replay.remaining).toBe(0);
}

describe('FreeSWITCH media adapter (recorded event-socket conversations)', () => {
  it('creates an endpoint through an INVITE to FreeSWITCH and answers with FreeSWITCH\'s SDP', async () => {
    const replayed = fake.expectChannel({ files: ['channel-open.esl', 'channel-hangup.esl'], uuid: '2f6c7c1e-5b7a-4c1e-9f0e-000000000001' });
    const before = fake.invites.length;
    const ep = await media.createEndpoint({ remoteSdp: callerOffer() });
    const replay = await replayed;
    expect(ep.id).toBe('2f6c7c1e-5b7a-4c1e-9f0e-000000000001');
    const invite = fake.invites[before];
    expect(invite.userAgent).toMatch(/^drachtio-fsmrf:/);
    expect(invite.sdp).toBe(callerOffer());
    expect(ep.localSdp).toContain('a=rtpmap:8 PCMA/8000');
    expect(ep.localSdp).toBe(replay.vars.get('local_sdp'));
    await ep.destroy();
    await finished(replay);
  });

  it('a caller hears a prompt, chooses 1-2-#, leaves a message ended by #, and is sent DTMF', async () => {
    const replayed = fake.expectChannel({
      files: ['channel-open.esl', 'voicemail-call.esl', 'channel-hangup.esl'],
      uuid: '2f6c7c1e-5b7a-4c1e-9f0e-000000000002',
    });
    const ep = await media.createEndpoint({ remoteSdp: callerOffer() });
    const replay = await replayed;
    const digits: DtmfEvent[] = [];
    ep.on('dtmf', (d) => digits.push(d));

    expect(await ep.play('nl/welkom')).toEqual({ playbackSeconds: 2.32 });

    const choice = await ep.playCollect({ file: ['nl/menu-keuze', 'nl/doorverbinden'], min: 1, max: 4, tries: 3, timeoutMs: 5000, terminators: '#' });
    expect(choice).toEqual({ digits: '12', terminator: '#' });
    // DTMF-Duration is in 8 kHz samples: 800 → 100 ms.
    expect(digits).toEqual([
      { digit: '1', durationMs: 100 },
      { digit: '2', durationMs: 120 },
      { digit: '#', durationMs: 100 },
    ]);

    const message = await ep.record(join(dataDir, 'voicemail/box-1/msg-1.wav'), { maxSeconds: 120, silenceMs: 3000, terminators: '#' });
    expect(message).toEqual({ seconds: 4.52, terminator: '#' });

    await ep.sendDtmf('12#');
    await ep.destroy();
    await finished(replay);
  });

  it('a caller who hangs up while leaving a message keeps what FreeSWITCH wrote', async () => {
    const replayed = fake.expectChannel({ files: ['channel-open.esl', 'record-hangup.esl'], uuid: '2f6c7c1e-5b7a-4c1e-9f0e-000000000006' });
    const ep = await media.createEndpoint({ remoteSdp: callerOffer() });
    const replay = await replayed;
    // What FreeSWITCH wrote into the shared DATA_DIR before the hangup: 1.5 s of 8 kHz 16-bit audio.
    const file = join(dataDir, 'voicemail/box-2/msg-1.wav');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, Buffer.alloc(44 + 24_000));
    const ended = once(ep, 'destroy');
    expect(await ep.record(file, { maxSeconds: 60 })).toEqual({ seconds: 1.5 });
    expect(await ended).toEqual(['media-server-hangup']);
    await finished(replay);
  });

  it('a new prompt replaces the one playing, as on the embedded engine', async () => {
    const replayed = fake.expectChannel({ files: ['channel-open.esl', 'supersede.esl', 'channel-hangup.esl'], uuid: '2f6c7c1e-5b7a-4c1e-9f0e-000000000007' });
    const ep = await media.createEndpoint({ remoteSdp: callerOffer() });
    const replay = await replayed;
    const first = ep.play('nl/welkom');
    const firstOutcome = first.catch((e: unknown) => e);
    await until(() => replay.received.some((m) => m.includes('welkom.wav')));
    expect(await ep.play('nl/tot-ziens')).toEqual({ playbackSeconds: 1.18 });
    expect(await firstOutcome).toMatchObject({ name: 'AbortError', reason: 'superseded' });
    await ep.destroy();
    await finished(replay);
  });

  it('music on hold plays the local stream until the app stops it with uuid_break', async () => {
    const replayed = fake.expectChannel({
      files: ['channel-open.esl', 'moh-abort.esl', 'channel-hangup.esl'],
      uuid: '2f6c7c1e-5b7a-4c1e-9f0e-000000000003',
    });
    const ep = await media.createEndpoint({ remoteSdp: callerOffer() });
    const replay = await replayed;
    const stop = new AbortController();
    const moh = ep.play('moh/default', { signal: stop.signal });
    // The playback is under way once it reached FreeSWITCH (the recording then waits for the break).
    await until(() => replay.received.some((m) => m.includes('local_stream://contactsuite_moh')));
    stop.abort();
    await expect(moh).rejects.toBeInstanceOf(MediaAbortError);
    await ep.destroy();
    await finished(replay);
  });

  it('a fax machine is recognised by its calling tone, its fax received with rxfax, and its hangup ends the endpoint', async () => {
    const replayed = fake.expectChannel({ files: ['channel-open.esl', 'fax-call.esl'], uuid: '2f6c7c1e-5b7a-4c1e-9f0e-000000000004' });
    const ep = await media.createEndpoint({ remoteSdp: callerOffer() });
    const replay = await replayed;
    const tone = once(ep, 'fax-tone');
    ep.startFaxDetect();
    await tone;
    const ended = once(ep, 'destroy');
    const fax = await ep.receiveFax(join(dataDir, 'fax/in-1.tiff'), { ident: 'ContactSuite' });
    expect(fax).toMatchObject({ success: true, pages: 2, remoteIdent: '+31 20 555 0100', reason: 'OK', kind: 'ok' });
    expect(await ended).toEqual(['media-server-hangup']);
    await expect(ep.play('nl/welkom')).rejects.toBeInstanceOf(MediaAbortError);
    await finished(replay);
  });

  it('bridges two legs with uuid_bridge and parks them again on unbridge', async () => {
    const a = '2f6c7c1e-5b7a-4c1e-9f0e-00000000000a';
    const b = '2f6c7c1e-5b7a-4c1e-9f0e-00000000000b';
    const replayedA = fake.expectChannel({ files: ['channel-open.esl', 'bridge-a.esl', 'channel-hangup.esl'], uuid: a, vars: { peer: b } });
    const caller = await media.createEndpoint({ remoteSdp: callerOffer() });
    const replayedB = fake.expectChannel({ files: ['channel-open.esl', 'bridge-b.esl', 'channel-hangup.esl'], uuid: b });
    // The phone's leg offers µ-law only: FreeSWITCH transcodes between the two.
    const phone = await media.createEndpoint({ remoteSdp: callerOffer('0 101') });
    await caller.bridge(phone);
    await caller.unbridge();
    await caller.destroy();
    await phone.destroy();
    await finished(await replayedA);
    await finished(await replayedB);
  });

  it('an outbound leg: FreeSWITCH makes the offer, and the phone\'s answer reaches it in a re-INVITE', async () => {
    const replayed = fake.expectChannel({ files: ['channel-open.esl', 'offer-answer.esl', 'channel-hangup.esl'], uuid: '2f6c7c1e-5b7a-4c1e-9f0e-000000000005' });
    const before = fake.invites.length;
    const leg = await media.createEndpoint();
    const replay = await replayed;
    // No SDP in the INVITE: FreeSWITCH's offer is what the phone gets.
    expect(fake.invites[before].sdp).toBe('');
    expect(leg.localSdp).toBe(replay.vars.get('local_sdp'));
    await leg.modify(callerOffer('8 101').replace('o=caller', 'o=phone'));
    expect(leg.localSdp).toBe(replay.vars.get('local_sdp'));
    await leg.destroy();
    await finished(replay);
  });

  it('refuses an offer without PCMA or PCMU with 488 before asking FreeSWITCH', async () => {
    const before = fake.invites.length;
    const err = await media.createEndpoint({ remoteSdp: callerOffer('9 101') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoCommonCodecError);
    expect((err as NoCommonCodecError).sipStatus).toBe(488);
    expect((err as NoCommonCodecError).offered).toEqual(['G722']);
    expect(fake.invites.length).toBe(before);
  });

  it('authenticated with the configured password and found the drachtio_mrf profile; nothing unexpected was sent', async () => {
    expect(media.connected).toBe(true);
    expect(fake.allFailures()).toEqual([]);
  });
});

/** Waits (bounded) for a condition on the replay's progress. */
async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
