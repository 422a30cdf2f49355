/**
 * What the hunt group tests share: members' desk phones (SIPp UAS instances on the contacts that
 * test/support/phones.ts registers), the order of the SIP messages they saw, and the check that a
 * finished call left nothing behind.
 */
import { expect } from 'vitest';
import type { Account } from '../../src/store/StoreTypes.js';
import { scenario, startSipp, type RunningSipp, type SippResult } from '../support/sipp.js';
import type { NumberRig } from '../calls/rig.js';

/** A phone that rings, answers on PCMU after -d ms with its RTP at [$rtp], and waits for BYE. */
export const PHONE_ANSWER = scenario('huntgroups/phone-answer');

/** The path of a call through the tests' plans when nobody answered: the fallback announcement, then the hangup. */
export const NO_ANSWER_PATH = [
  ['belgroep', 'noanswer'],
  ['onbereikbaar', 'played'],
  ['ophangen', 'hung up (normal)'],
];

let numberSeq = 0;

/** A fresh geographic number of the rig's customer on `plan` (a number carries two calls at once). */
export async function groupNumber(rig: NumberRig, plan: string, extra: { tariff?: { perMinuteCents: number } } = {}): Promise<{ id: string; dial: string }> {
  numberSeq++;
  const local = `20222${String(numberSeq).padStart(4, '0')}`;
  const n = await rig.addNumber({ e164: `+31${local}`, type: 'geographic', planId: `file:${plan}`, ...extra });
  return { id: n.id, dial: `0${local}` };
}

/** A desk phone (SIPp UAS) on `port` running `scenarioPath`. */
export function phone(scenarioPath: string, port: number, o: { calls?: number; answerAfterMs?: number; rtp?: number } = {}): Promise<RunningSipp> {
  return startSipp({
    scenario: scenarioPath,
    localPort: port,
    calls: o.calls ?? 1,
    timeoutMs: 30_000,
    // Only phone-answer.xml declares [$rtp]; SIPp refuses -set for an undeclared variable.
    ...(scenarioPath === PHONE_ANSWER ? { vars: { rtp: String(o.rtp ?? 9) } } : {}),
    extra: o.answerAfterMs !== undefined ? ['-d', String(o.answerAfterMs)] : [],
  });
}

/**
 * The SIP messages a SIPp received (or sent), in order, with the wall-clock time SIPp logged for
 * each. Times from two SIPp processes only order events that cause one another (one SIPp's
 * message makes us send the other's), since each logs when it gets round to a message.
 */
export function traced(result: SippResult, direction: 'received' | 'sent' = 'received'): Array<{ at: number; firstLine: string }> {
  const out: Array<{ at: number; firstLine: string }> = [];
  const re = /-{10,} (\d{4}-\d\d-\d\d)\s([\d:.]+)\s*(?:UDP|TCP) message (received|sent)[^\n]*\n+\s*([^\r\n]+)/g;
  for (const m of (result.messages ?? '').matchAll(re)) {
    if (m[3] === direction) out.push({ at: new Date(`${m[1]}T${m[2].slice(0, 12)}`).getTime(), firstLine: m[4].trim() });
  }
  return out;
}

/** When SIPp first received (or sent) a message whose first line starts with `start` ('CANCEL', 'SIP/2.0 200'). */
export function receivedAt(result: SippResult, start: string, direction: 'received' | 'sent' = 'received'): number {
  const hit = traced(result, direction).find((r) => r.firstLine.startsWith(start));
  if (!hit) throw new Error(`SIPp ${direction} no "${start}":\n${result.messages}`);
  return hit.at;
}

export function invites(result: SippResult): number {
  return traced(result).filter((r) => r.firstLine.startsWith('INVITE ')).length;
}

/** Waits until no call, endpoint, port or lease of the number and no channel of the accounts is left. */
export async function nothingLeft(rig: NumberRig, numberId: string, accounts: Account[]): Promise<void> {
  expect(await rig.settled(numberId)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
  for (const a of accounts) expect(await rig.store.leases.count(`account:${a.id}`), `channels of ${a.username}`).toBe(0);
}
