/**
 * "Free until answered": a number call whose plan begins by ringing people (a forward or a hunt
 * group) gets 180 Ringing and is answered (200 OK) only when someone picks up, or when the plan
 * has to talk to the caller after all (a fallback announcement, voicemail). Until then the
 * caller pays nothing and hears its own network's ringback. NumberCall.ts decides per call;
 * the caller's endpoint, wrapped here, answers the call before it sends the caller anything.
 */
import type { HangupCause } from '../plans/nodes/hangup.js';
import type { Plan } from '../plans/schema.js';
import type { Tariff } from '../numbers/NumberTypes.js';
import type { Endpoint } from '../media/MediaTypes.js';

/**
 * Whether a call may ring before we answer it: its plan starts with a forward or hunt group, it
 * has no caller tariff (the tariff announcement must be heard before anything else, so it needs
 * the call answered), and the plan does not listen for fax tones from the start (that needs media).
 */
export function ringsBeforeAnswer(plan: Plan, tariff: Tariff | undefined): boolean {
  if (tariff !== undefined || plan.onFaxTone !== undefined) return false;
  const start = plan.nodes[plan.start]?.type;
  return start === 'forward' || start === 'huntgroup';
}

/** The final response for a plan that hangs up before the caller was answered. */
export function unansweredStatus(cause: HangupCause | undefined): number {
  return cause === 'busy' ? 486 : 480;
}

/** The Endpoint methods that send the caller audio (or bridge it to someone who will). */
const SENDS = new Set<PropertyKey>(['play', 'playCollect', 'record', 'bridge', 'sendDtmf']);

/**
 * The caller's endpoint for the plan: the same endpoint, except that whatever sends the caller
 * audio first waits for `answer` (which answers the call once and is awaited by every later use).
 */
export function answerBeforeMedia(endpoint: Endpoint, answer: () => Promise<void>): Endpoint {
  return new Proxy(endpoint, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (!SENDS.has(prop)) return method;
      return async (...args: unknown[]) => {
        await answer();
        return method(...args);
      };
    },
  });
}
