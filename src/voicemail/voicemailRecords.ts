import { randomUUID } from 'node:crypto';
import { withoutUndefined } from '../store/records.js';
import type { NewVoicemailBox, NewVoicemailMessage, VoicemailBox, VoicemailBoxPatch, VoicemailMessage } from './VoicemailTypes.js';

/** How both store implementations build and change voicemail records, so that they agree. */

export function newVoicemailBox(b: NewVoicemailBox, now = Date.now()): VoicemailBox {
  return withoutUndefined({ ...b, id: randomUUID(), createdAt: now });
}

/** A patch never changes id, customerId or createdAt; `greeting: undefined` removes the greeting. */
export function patchVoicemailBox(cur: VoicemailBox, patch: VoicemailBoxPatch): VoicemailBox {
  return withoutUndefined({ ...cur, ...patch, id: cur.id, customerId: cur.customerId, createdAt: cur.createdAt });
}

export function newVoicemailMessage(m: NewVoicemailMessage): VoicemailMessage {
  return withoutUndefined({ ...m, id: m.id ?? randomUUID(), heard: false });
}

export function boxNameTaken(name: string): string {
  return `voicemail box name "${name}" is already in use`;
}

export function unknownBox(boxId: string): string {
  return `voicemail box "${boxId}" does not exist`;
}

/** Messages oldest first (ties by id). */
export function byReceipt(a: VoicemailMessage, b: VoicemailMessage): number {
  return a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
