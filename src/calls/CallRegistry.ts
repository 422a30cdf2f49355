/**
 * The live connected calls of this app instance by their dialogs, so an attended transfer
 * (REFER with Replaces, RFC 3891) can find the consultation call it names and take its far party
 * over. Number calls (ConnectedCall) and extension calls (callRouter) register here.
 */
import type Srf from 'drachtio-srf';
import type { Endpoint } from '../media/MediaTypes.js';
import type { Lease } from '../routing/ChannelLimit.js';
import type { ReplacesId } from './Transfer.js';

/** A party handed from one call to another, still connected (its dialog is up). */
export interface HandedOverParty {
  dialog: Srf.Dialog;
  /** Our media endpoint facing the party when the call was media anchored; absent when its SDP went end to end. */
  endpoint?: Endpoint;
  /** The party's channel lease, now the receiving call's to release. */
  lease?: Lease;
  /** Who it is, for the call summary (an extension or a number). */
  label: string;
}

/** A connected call that can give up one of its parties to an attended transfer. */
export interface LiveCall {
  /** The dialogs it holds, caller's and callee's. */
  dialogs(): Srf.Dialog[];
  /**
   * Ends the leg `replaced` (BYE, its lease released) and hands over the party on the other
   * side, detached from this call; undefined when that party is gone or the call is ending.
   */
  takeOver(replaced: Srf.Dialog): Promise<HandedOverParty | undefined>;
}

/** Whether `dialog` is the one a Replaces names (to-tag is the local tag, RFC 3891 §3). */
export function matchesReplaces(dialog: Srf.Dialog, id: ReplacesId): boolean {
  const sip = dialog.sip;
  if (sip.callId !== id.callId) return false;
  // Some phones swap the tags; a Call-ID with both tags is still unambiguous.
  return (sip.localTag === id.toTag && sip.remoteTag === id.fromTag) || (sip.localTag === id.fromTag && sip.remoteTag === id.toTag);
}

export class CallRegistry {
  private readonly calls = new Set<LiveCall>();

  /** Registers a call; the returned function removes it (safe to call more than once). */
  add(call: LiveCall): () => void {
    this.calls.add(call);
    return () => {
      this.calls.delete(call);
    };
  }

  /** The call holding the dialog a Replaces names, and that dialog. */
  find(id: ReplacesId): { call: LiveCall; dialog: Srf.Dialog } | undefined {
    for (const call of this.calls) {
      const dialog = call.dialogs().find((d) => matchesReplaces(d, id));
      if (dialog) return { call, dialog };
    }
    return undefined;
  }

  /** Every live call, oldest first (for tests and diagnostics). */
  all(): LiveCall[] {
    return [...this.calls];
  }

  get size(): number {
    return this.calls.size;
  }
}
