import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { OutgoingMail } from '../../src/mail/MailOutbox.js';
import { MediaAbortError } from '../../src/media/MediaErrors.js';
import type { Endpoint, RecordOptions } from '../../src/media/MediaTypes.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { VoicemailService } from '../../src/voicemail/VoicemailService.js';
import type { VoicemailBox } from '../../src/voicemail/VoicemailTypes.js';

const { WaveFile } = wavefile;

/**
 * The voicemail service on a scripted endpoint (the SIPp tests in voicemail.test.ts drive the
 * real one): which prompts a caller hears, what is kept, what is mailed.
 */

interface Script {
  /** Prompt lists that fail to play (a deleted custom greeting). */
  failing?: string[];
  /** Abort the call while this prompt list plays. */
  hangUpDuring?: string;
  /** What the caller says: 16-bit samples. */
  speech?: Int16Array;
}

function fakeEndpoint(script: Script, controller: AbortController): { endpoint: Endpoint; played: string[][]; recorded: RecordOptions[] } {
  const played: string[][] = [];
  const recorded: RecordOptions[] = [];
  const endpoint = {
    async play(file: string | string[]) {
      const list = Array.isArray(file) ? file : [file];
      played.push(list);
      if (script.hangUpDuring && list.includes(script.hangUpDuring)) {
        controller.abort();
        throw new MediaAbortError('aborted');
      }
      if (list.some((f) => script.failing?.includes(f))) throw new Error(`no prompt ${list[0]}`);
      return { playbackSeconds: 1 };
    },
    async record(file: string, opts: RecordOptions) {
      recorded.push(opts);
      const wav = new WaveFile();
      wav.fromScratch(1, 8000, '16', script.speech ?? new Int16Array(0));
      await writeFile(file, wav.toBuffer());
      return { seconds: (script.speech?.length ?? 0) / 8000, terminator: '#' };
    },
  } as unknown as Endpoint;
  return { endpoint, played, recorded };
}

function speech(seconds: number): Int16Array {
  const out = new Int16Array(seconds * 8000);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(5000 * Math.sin((2 * Math.PI * 300 * i) / 8000));
  return out;
}

let dataDir: string;
let store: MemoryStore;
let customerId: string;
let box: VoicemailBox;
const mails: OutgoingMail[] = [];
const changed: string[] = [];
let service: VoicemailService;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cs-vm-service-'));
  store = new MemoryStore();
  customerId = (await store.customers.create({ name: 'Garage Bos', status: 'active', creditLimitCents: 0 })).id;
  box = await store.voicemail.createBox({ customerId, name: 'Werkplaats', emails: ['werkplaats@example.nl'], ownerAccountIds: [], maxSeconds: 90, silenceSeconds: 4 });
  const outbox = {
    enabled: true,
    async enqueue(m: OutgoingMail) {
      mails.push(m);
      return String(mails.length);
    },
    pending: async () => 0,
    dead: async () => 0,
    close: async () => undefined,
  };
  service = new VoicemailService({ store, dataDir, outbox, logger: silentLogger() });
  service.onBoxChanged({ boxChanged: (b) => changed.push(b.id) });
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  mails.length = 0;
  changed.length = 0;
  for (const m of await store.voicemail.listMessages(box.id)) await service.deleteMessage(box, m.id);
  changed.length = 0;
});

async function leave(ref: string, script: Script) {
  const controller = new AbortController();
  const fake = fakeEndpoint(script, controller);
  const result = await service.leaveMessage({ customerId, box: ref, endpoint: fake.endpoint, caller: '0201234567', calledNumber: '+31851234567', signal: controller.signal });
  return { result, ...fake };
}

describe('leaving a message', () => {
  it('greets, beeps, records with the box limits and "#", keeps and mails the message, tells MWI', async () => {
    const { result, played, recorded } = await leave('Werkplaats', { speech: speech(2) });
    expect(result).toBe('recorded');
    expect(played).toEqual([['nl/voicemail-begroeting', 'nl/beep']]);
    expect(recorded).toEqual([{ maxSeconds: 90, silenceMs: 4000, terminators: '#' }]);
    const [m] = await store.voicemail.listMessages(box.id);
    expect(m).toMatchObject({ caller: '0201234567', calledNumber: '+31851234567', durationSeconds: 2, heard: false });
    expect(existsSync(service.messageFile(box.id, m!.id))).toBe(true);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.attachments).toEqual([{ filename: expect.stringMatching(/^voicemail-\d{8}T\d{6}Z-0201234567\.wav$/), path: service.messageFile(box.id, m!.id), contentType: 'audio/wav' }]);
    expect(changed).toEqual([box.id]);
  });

  it('finds the box by id as well as by name, but never another customer\'s box', async () => {
    expect((await leave(box.id, { speech: speech(1) })).result).toBe('recorded');
    const other = await store.customers.create({ name: 'Ander', status: 'active', creditLimitCents: 0 });
    const foreign = await store.voicemail.createBox({ customerId: other.id, name: 'Vreemd', emails: [], ownerAccountIds: [], maxSeconds: 60, silenceSeconds: 5 });
    expect((await leave(foreign.id, { speech: speech(1) })).result).toBe('no-box');
    expect((await leave('Bestaat niet', { speech: speech(1) })).result).toBe('no-box');
  });

  it('falls back to the default greeting when the box greeting cannot be played', async () => {
    await store.voicemail.updateBox(box.id, { greeting: 'custom/weg/42' });
    try {
      const { result, played } = await leave('Werkplaats', { failing: ['custom/weg/42'], speech: speech(1) });
      expect(played).toEqual([['custom/weg/42', 'nl/beep'], ['nl/voicemail-begroeting', 'nl/beep']]);
      expect(result).toBe('recorded');
    } finally {
      await store.voicemail.updateBox(box.id, { greeting: undefined });
    }
  });

  it('a caller who hangs up during the greeting leaves nothing, and nothing is recorded', async () => {
    const { result, recorded } = await leave('Werkplaats', { hangUpDuring: 'nl/voicemail-begroeting' });
    expect(result).toBe('hung-up');
    expect(recorded).toEqual([]);
    expect(await store.voicemail.listMessages(box.id)).toEqual([]);
    expect(mails).toEqual([]);
  });

  it('a recording without real audio is dropped from disk, the store and the mail', async () => {
    const { result } = await leave('Werkplaats', { speech: new Int16Array(8000 * 5) });
    expect(result).toBe('empty');
    expect(await store.voicemail.listMessages(box.id)).toEqual([]);
    expect(readdirSync(service.boxDir(box.id))).toEqual([]);
    expect(mails).toEqual([]);
    expect(changed).toEqual([]);
    expect(service.inProgress()).toBe(0);
  });

  it('a box without addresses keeps the message without mailing it', async () => {
    await store.voicemail.updateBox(box.id, { emails: [] });
    try {
      expect((await leave('Werkplaats', { speech: speech(1) })).result).toBe('recorded');
      expect(await store.voicemail.listMessages(box.id)).toHaveLength(1);
      expect(mails).toEqual([]);
    } finally {
      await store.voicemail.updateBox(box.id, { emails: ['werkplaats@example.nl'] });
    }
  });
});
