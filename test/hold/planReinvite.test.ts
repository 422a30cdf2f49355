/*
 * A re-INVITE while a number call's plan still runs (the caller puts the announcement on hold,
 * or its phone moves its media): the new offer is applied to the caller's endpoint and answered
 * with its SDP. On hold we stop sending; on resume the announcement goes on, to the new address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallerAudio, startNumberRig, type NumberRig } from '../calls/rig.js';
import { describeRun } from '../support/sipp.js';
import { startCaller } from './talk.js';

const LONG_ANNOUNCEMENT = `
name: long-announcement
start: gesloten
nodes:
  gesloten: { type: announcement, prompts: [nl/gesloten, nl/gesloten, nl/gesloten], next: ophangen }
  ophangen: { type: hangup }
`;

let rig: NumberRig;

beforeAll(async () => {
  rig = await startNumberRig(43400);
  rig.writePlan('long-announcement', LONG_ANNOUNCEMENT);
  await rig.planLoaded('long-announcement');
}, 30_000);
afterAll(() => rig.stop());

describe('a re-INVITE during the plan', () => {
  it('holding stops the announcement reaching the caller; resuming at a new RTP address brings it back there', async () => {
    const n = await rig.addNumber({ e164: '+31203339001', type: 'geographic', planId: 'file:long-announcement' });
    const [first, held, resumed] = await Promise.all([CallerAudio.open(), CallerAudio.open(), CallerAudio.open()]);
    try {
      // The caller's scenario checks our answers: recvonly to its sendonly hold, sendrecv to its resume.
      const call = await startCaller(rig, 'hold/caller-reinvites-plan', '0203339001', first.port, { rtp2: String(held.port), rtp3: String(resumed.port) });
      const result = await call.done;
      expect(result.successful, describeRun(result)).toBe(1);
      expect(first.audio().length).toBeGreaterThan(0);
      // Held for 1.5 s at the address it gave with its hold: not one packet went there.
      expect(held.packets).toHaveLength(0);
      expect(resumed.audio().length).toBeGreaterThan(0);
      expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'caller-hungup' });
      expect(await rig.settled(n.id)).toEqual({ endpoints: 0, portsInUse: 0, leases: 0, active: 0 });
    } finally {
      await Promise.all([first.close(), held.close(), resumed.close()]);
    }
  }, 60_000);
});
