import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import wavefile from 'wavefile';
import type { Logger } from '../logger.js';
import type { MailOutbox } from '../mail/MailOutbox.js';
import type { Endpoint } from '../media/MediaTypes.js';
import type { Store } from '../store/StoreTypes.js';
import { judgeRecording } from './messageAudio.js';
import type { VoicemailBox, VoicemailMessage } from './VoicemailTypes.js';

const { WaveFile } = wavefile;

import { BEEP, DEFAULT_GREETING } from './prompts.js';

export { BEEP, DEFAULT_GREETING };
/** The caller ends the message with this key. */
export const END_KEY = '#';

/** Told whenever a box's message counts may have changed (message-waiting indication, Mwi.ts). */
export interface BoxChangeListener {
  boxChanged(box: VoicemailBox): void;
}

export interface VoicemailServiceDeps {
  store: Store;
  /** DATA_DIR; recordings go to <dataDir>/voicemail/<boxId>/<messageId>.wav. */
  dataDir: string;
  /** Unset or disabled (no SMTP_URL): messages are stored but not mailed. */
  outbox?: MailOutbox;
  logger: Logger;
  now?: () => Date;
}

export interface LeaveMessageRequest {
  /** The called number's customer: a plan reaches only its own customer's boxes. */
  customerId: string;
  /** Box id or name. */
  box: string;
  endpoint: Endpoint;
  caller?: string;
  calledNumber?: string;
  /** Aborts when the caller hangs up. During the greeting that means no message; during the recording, the message is kept. */
  signal: AbortSignal;
}

/** 'empty': recorded, but no real audio in it (see messageAudio.ts); nothing is kept. */
export type LeaveMessageResult = 'recorded' | 'empty' | 'no-box' | 'hung-up';

/**
 * Voicemail: records a message into a box (greeting, beep, record until '#', silence or the
 * maximum), keeps it (WAV on disk, metadata in the store), mails it to the box's addresses
 * through the outbox, and tells listeners (MWI) that the box changed. The API's mark-heard and
 * delete go through here too, so that phones learn of those changes as well.
 */
export class VoicemailService {
  private readonly listeners = new Set<BoxChangeListener>();
  private readonly log: Logger;
  private readonly now: () => Date;
  private running = 0;

  constructor(private readonly deps: VoicemailServiceDeps) {
    this.log = deps.logger.child({ component: 'voicemail' });
    this.now = deps.now ?? (() => new Date());
  }

  onBoxChanged(listener: BoxChangeListener): void {
    this.listeners.add(listener);
  }

  boxDir(boxId: string): string {
    return join(this.deps.dataDir, 'voicemail', boxId);
  }

  messageFile(boxId: string, messageId: string): string {
    return join(this.boxDir(boxId), `${messageId}.wav`);
  }

  /** A box of the customer by id, else by name. */
  async findBox(customerId: string, ref: string): Promise<VoicemailBox | undefined> {
    const byId = await this.deps.store.voicemail.getBox(ref);
    if (byId?.customerId === customerId) return byId;
    return this.deps.store.voicemail.getBoxByName(customerId, ref);
  }

  /** Messages being greeted, recorded or stored right now (shutdown, tests). */
  inProgress(): number {
    return this.running;
  }

  /** Waits (at most `timeoutMs`) until no message is being recorded or stored: for shutdown. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.running > 0) this.log.warn({ inProgress: this.running }, 'voicemail messages still being stored at shutdown');
  }

  async leaveMessage(req: LeaveMessageRequest): Promise<LeaveMessageResult> {
    this.running++;
    try {
      return await this.record(req);
    } finally {
      this.running--;
    }
  }

  private async record(req: LeaveMessageRequest): Promise<LeaveMessageResult> {
    const box = await this.findBox(req.customerId, req.box);
    if (box === undefined) {
      this.log.warn({ box: req.box, customerId: req.customerId }, 'voicemail box not found for this customer');
      return 'no-box';
    }
    const log = this.log.child({ boxId: box.id });
    if (!(await this.greet(box, req, log))) return 'hung-up';

    const id = randomUUID();
    const dir = this.boxDir(box.id);
    await mkdir(dir, { recursive: true });
    const partial = join(dir, `.recording-${id}.wav`);
    const receivedAt = this.now().getTime();
    // No signal here: a caller who hangs up ends the recording (the endpoint is destroyed and
    // writes what it has), and that is the usual way a message ends.
    const result = await req.endpoint.record(partial, {
      maxSeconds: box.maxSeconds,
      silenceMs: box.silenceSeconds * 1000,
      terminators: END_KEY,
    });
    const judged = judgeRecording(await readPcm(partial));
    if (!judged.isMessage) {
      await rm(partial, { force: true });
      log.info({ seconds: result.seconds, voicedSeconds: judged.voicedSeconds }, 'recording without real audio discarded');
      return 'empty';
    }
    await rename(partial, this.messageFile(box.id, id));
    const message = await this.deps.store.voicemail.addMessage({
      id,
      boxId: box.id,
      customerId: box.customerId,
      ...(req.caller ? { caller: req.caller } : {}),
      ...(req.calledNumber ? { calledNumber: req.calledNumber } : {}),
      receivedAt,
      durationSeconds: Math.round(result.seconds * 10) / 10,
    });
    log.info({ messageId: id, seconds: message.durationSeconds, caller: req.caller, endedBy: result.terminator ?? 'silence, maximum or hangup' }, 'voicemail message stored');
    await this.mail(box, message, log);
    this.changed(box);
    return 'recorded';
  }

  /** Greeting and beep; false when the caller hung up before the beep ended. */
  private async greet(box: VoicemailBox, req: LeaveMessageRequest, log: Logger): Promise<boolean> {
    const greeting = box.greeting ?? DEFAULT_GREETING;
    try {
      await req.endpoint.play([greeting, BEEP], { signal: req.signal });
    } catch (err) {
      if (req.signal.aborted) return false;
      if (greeting === DEFAULT_GREETING) throw err;
      // A deleted or broken custom greeting must not cost the caller the message.
      log.warn({ greeting, err: (err as Error).message }, 'box greeting cannot be played; using the default');
      try {
        await req.endpoint.play([DEFAULT_GREETING, BEEP], { signal: req.signal });
      } catch (again) {
        if (req.signal.aborted) return false;
        throw again;
      }
    }
    return !req.signal.aborted;
  }

  private async mail(box: VoicemailBox, message: VoicemailMessage, log: Logger): Promise<void> {
    const outbox = this.deps.outbox;
    if (box.emails.length === 0 || outbox === undefined || !outbox.enabled) return;
    try {
      await outbox.enqueue({ ...voicemailMail(box, message), attachments: [{ filename: attachmentName(message), path: this.messageFile(box.id, message.id), contentType: 'audio/wav' }] });
    } catch (err) {
      // The message itself is stored; the API still lists it.
      log.error({ messageId: message.id, err: (err as Error).message }, 'voicemail mail could not be queued');
    }
  }

  /** Marks a message heard or new; undefined when the box has no such message. */
  async setHeard(box: VoicemailBox, messageId: string, heard: boolean): Promise<VoicemailMessage | undefined> {
    const m = await this.deps.store.voicemail.setHeard(box.id, messageId, heard);
    if (m) this.changed(box);
    return m;
  }

  async deleteMessage(box: VoicemailBox, messageId: string): Promise<boolean> {
    const ok = await this.deps.store.voicemail.deleteMessage(box.id, messageId);
    if (!ok) return false;
    await rm(this.messageFile(box.id, messageId), { force: true });
    this.changed(box);
    return true;
  }

  async deleteBox(box: VoicemailBox): Promise<boolean> {
    const ok = await this.deps.store.voicemail.deleteBox(box.id);
    if (!ok) return false;
    await rm(this.boxDir(box.id), { recursive: true, force: true });
    this.changed(box);
    return true;
  }

  /**
   * Removes the recordings of boxes that no longer exist (a deleted customer's boxes go with the
   * customer in the store; their files are removed here, at start). Returns the removed box ids.
   */
  async pruneDeletedBoxes(): Promise<string[]> {
    let dirs: string[];
    try {
      dirs = await readdir(join(this.deps.dataDir, 'voicemail'));
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const boxId of dirs) {
      if (await this.deps.store.voicemail.getBox(boxId)) continue;
      await rm(this.boxDir(boxId), { recursive: true, force: true });
      removed.push(boxId);
    }
    if (removed.length) this.log.info({ boxes: removed.length }, 'recordings of deleted voicemail boxes removed');
    return removed;
  }

  /** Tells listeners; a failing listener must not fail the caller's request. */
  changed(box: VoicemailBox): void {
    for (const l of this.listeners) {
      try {
        l.boxChanged(box);
      } catch (err) {
        this.log.warn({ boxId: box.id, err: (err as Error).message }, 'voicemail change listener failed');
      }
    }
  }
}

async function readPcm(file: string): Promise<Int16Array> {
  const wav = new WaveFile(await readFile(file));
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
  return samples;
}

const AMSTERDAM = new Intl.DateTimeFormat('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'long', timeStyle: 'short' });

function seconds(s: number): string {
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** The mail about a new message: Dutch first, English below. */
export function voicemailMail(box: VoicemailBox, m: VoicemailMessage): { to: string[]; subject: string; text: string } {
  const from = m.caller ?? 'onbekend nummer';
  const when = AMSTERDAM.format(new Date(m.receivedAt));
  return {
    to: box.emails,
    subject: `Nieuw voicemailbericht van ${from} (${box.name})`,
    text: [
      `Er is een nieuw voicemailbericht ingesproken in de voicemailbox "${box.name}".`,
      '',
      `Van: ${from}`,
      ...(m.calledNumber ? [`Gebeld nummer: ${m.calledNumber}`] : []),
      `Tijdstip: ${when}`,
      `Duur: ${seconds(m.durationSeconds)}`,
      '',
      'Het bericht zit als WAV-bestand bij deze e-mail.',
      '',
      '--',
      `New voicemail message in box "${box.name}" from ${m.caller ?? 'unknown number'}, ${new Date(m.receivedAt).toISOString()}, ${seconds(m.durationSeconds)}. The recording is attached.`,
    ].join('\n'),
  };
}

function attachmentName(m: VoicemailMessage): string {
  const stamp = new Date(m.receivedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const caller = (m.caller ?? 'onbekend').replace(/[^\w+]/g, '');
  return `voicemail-${stamp}-${caller}.wav`;
}
