/**
 * Calls to service numbers: an INVITE whose Request-URI is one of our numbers runs the number's
 * live call plan as an XState actor on a media endpoint. Calls to numbers come from the network
 * (the trunk), so they are not digest-challenged. At most `maxCallsPerNumber` calls per number
 * (a lease 'number:<id>' in the shared store); every way a call ends destroys its endpoints,
 * stops its actor and frees its leases.
 */
import Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import { NoCommonCodecError } from '../media/MediaErrors.js';
import type { Endpoint, MediaServer } from '../media/MediaTypes.js';
import type { ServiceNumber } from '../numbers/NumberTypes.js';
import { parseServiceNumber } from '../numbers/normalize.js';
import { callEnded, compilePlan, startCall, type CallActor, type CallEnd, type PathEntry } from '../plans/machine.js';
import type { Plan } from '../plans/schema.js';
import { userOf, type InviteMiddleware, type TrunkConfig } from '../routing/callRouter.js';
import { ChannelLimit, type Lease } from '../routing/ChannelLimit.js';
import { hangUp } from '../routing/forkCall.js';
import type { Store } from '../store/StoreTypes.js';
import { MediaCallChannel } from './MediaCallChannel.js';
import { RUNTIME_COMPILE_OPTIONS, type PlanSource } from './planSource.js';

/** What a finished number call reports (CDRs are built from this in a later issue). */
export interface NumberCallSummary {
  callId: string;
  numberId: string;
  e164: string;
  /** The caller as the From header names it. */
  from?: string;
  /** 'store:<planId>@<version>', 'file:<name>', or 'not-in-service'. */
  planSource: string;
  startedAt: number;
  endedAt: number;
  /** How the plan ended; 'answered' calls were bridged to a forward target until one side hung up. */
  end?: CallEnd;
  path: PathEntry[];
  /** ACM rule: charging starts here (ms since the epoch, from the runtime's clock). */
  tariffAnnouncementEndedAt?: number;
}

export interface NumberCallsDeps {
  store: Store;
  media: MediaServer;
  plans: PlanSource;
  logger: Logger;
  trunk?: TrunkConfig;
  /** The clock of schedules and of the recorded path (injected in tests). */
  now?: () => Date;
  /** Concurrent calls a number carries (default 2); the next one gets 486. */
  maxCallsPerNumber?: number;
  /** Channel lease lifetime without renewal (default 60 s). */
  leaseTtlMs?: number;
  /** Longest a call may last, plan and bridged conversation together (default 4 h). */
  maxCallMs?: number;
  onCallEnded?: (summary: NumberCallSummary) => void;
}

export interface NumberCalls {
  /** Handles INVITEs to our numbers; everything else goes to `next` (the phones' call router). */
  middleware: InviteMiddleware;
  /** Calls in progress (for tests and shutdown). */
  active(): number;
  /** Hangs up every call in progress. */
  close(): Promise<void>;
}

/** Suspended numbers (and numbers without a runnable plan) say so and hang up. */
const NOT_IN_SERVICE: Plan = {
  name: 'not-in-service',
  start: 'announce',
  nodes: {
    announce: { type: 'announcement', prompts: ['nl/niet-in-dienst'], next: 'end' },
    end: { type: 'hangup', cause: 'unavailable' },
  },
};

/** The lease key of a service number's calls. */
export function numberKey(numberId: string): string {
  return `number:${numberId}`;
}

export function createNumberCalls(deps: NumberCallsDeps): NumberCalls {
  const { store, media, plans } = deps;
  const logger = deps.logger.child({ component: 'numbers' });
  const now = deps.now ?? (() => new Date());
  const maxCalls = deps.maxCallsPerNumber ?? 2;
  const maxCallMs = deps.maxCallMs ?? 4 * 3_600_000;
  // One limit for both: numbers count under 'number:<id>', accounts under 'account:<id>'.
  const channels = new ChannelLimit(store.leases, { ttlMs: deps.leaseTtlMs, logger });
  const notInService = compilePlan(NOT_IN_SERVICE, RUNTIME_COMPILE_OPTIONS);
  const calls = new Set<() => void>();

  /** Our number for this INVITE, 'phone' for a call from one of our phones, or undefined. */
  async function lookup(req: Srf.SrfRequest): Promise<ServiceNumber | 'unknown' | undefined> {
    const dialled = userOf(req.uri) ?? userOf(req.getParsedHeader('to')?.uri);
    if (!dialled) return undefined;
    const parsed = parseServiceNumber(dialled);
    if ('error' in parsed) return undefined;
    const number = await store.numbers.getByE164(parsed.e164);
    if (number) return number;
    // A phone of ours dialling someone else's service number goes out through the trunk (the
    // call router authenticates it); from the network, a number we do not have is 404.
    const fromUser = userOf(req.getParsedHeader('from')?.uri);
    if (fromUser && (await store.accounts.getByUsername(fromUser))) return undefined;
    return 'unknown';
  }

  async function handle(req: Srf.SrfRequest, res: Srf.SrfResponse, number: ServiceNumber): Promise<void> {
    const callId = req.get('Call-ID');
    const log = logger.child({ callId, number: number.e164 });
    const startedAt = now().getTime();
    const cancelled = new AbortController();
    req.on('cancel', () => {
      log.info('caller hung up before the answer');
      cancelled.abort();
    });

    let lease: Lease | undefined;
    let endpoint: Endpoint | undefined;
    let caller: Srf.Dialog | undefined;
    let channel: MediaCallChannel | undefined;
    let actor: CallActor | undefined;
    let maxTimer: NodeJS.Timeout | undefined;
    let hangUpNow: () => void = () => undefined;
    // srf sends a BYE for every destroy(), even on a dialog that is already gone: once only.
    let callerEnded = false;
    const byeCaller = (): void => {
      if (callerEnded || !caller) return;
      callerEnded = true;
      hangUp(caller);
    };
    const cleanup = async (): Promise<void> => {
      clearTimeout(maxTimer);
      calls.delete(hangUpNow);
      actor?.stop();
      const connected = channel?.connected;
      connected?.hangUp();
      byeCaller();
      await Promise.all([endpoint?.destroy(), connected?.endpoint.destroy(), connected?.lease?.release(), lease?.release()]);
    };

    try {
      lease = await channels.acquireKey(numberKey(number.id), maxCalls);
      if (!lease) {
        log.info({ limit: maxCalls }, 'number at its channel limit');
        res.send(486);
        return;
      }
      if (!req.body) {
        // Late offer (no SDP in the INVITE) is not supported for number calls yet.
        res.send(488);
        return;
      }
      try {
        endpoint = await media.createEndpoint({ remoteSdp: req.body });
      } catch (err) {
        if (err instanceof NoCommonCodecError) {
          log.info({ offered: err.offered }, 'no common codec');
          res.send(488);
          return;
        }
        throw err;
      }
      if (cancelled.signal.aborted) return;

      const live = number.status === 'active' && number.planId ? await plans.live(number.planId) : undefined;
      if (number.status === 'active' && !live) log.warn({ planId: number.planId }, 'number has no runnable live plan; announcing not in service');
      if (cancelled.signal.aborted) return;

      caller = await req.srf.createUAS(req, res, { localSdp: endpoint.localSdp });
      const callerLeg = caller;
      const callerGone = new Promise<'caller'>((resolve) => {
        callerLeg.once('destroy', () => {
          callerEnded = true;
          resolve('caller');
        });
        endpoint?.once('destroy', () => resolve('caller'));
      });

      channel = new MediaCallChannel({
        srf: req.srf,
        store,
        media,
        endpoint,
        hangupCaller: byeCaller,
        accountChannels: channels,
        customerId: number.customerId,
        ...(userOf(req.getParsedHeader('from')?.uri) ? { callingNumber: userOf(req.getParsedHeader('from')?.uri) } : {}),
        ...(deps.trunk ? { trunk: deps.trunk } : {}),
        now,
        logger: log,
      });
      // The tariff announcement belongs to the number, so a suspended number never plays it.
      const running = live ? { machine: live.machine, tariff: number.tariff } : { machine: notInService, tariff: undefined };
      const callActor = startCall(running.machine, channel, running.tariff);
      actor = callActor;
      log.info({ plan: live?.source ?? 'not-in-service', tariff: running.tariff !== undefined }, 'number call answered');

      hangUpNow = () => {
        callActor.send({ type: 'CALLER_HUNGUP' });
        byeCaller();
      };
      calls.add(hangUpNow);
      maxTimer = setTimeout(() => {
        log.warn({ maxCallMs }, 'call reached its maximum duration');
        hangUpNow();
      }, maxCallMs);
      maxTimer.unref();
      void callerGone.then(() => callActor.send({ type: 'CALLER_HUNGUP' }));

      const out = await callEnded(callActor);
      const connected = channel.connected;
      if (out.end === 'answered' && connected) {
        // The plan is done; the call lasts until either party hangs up.
        const by = await Promise.race([callerGone, connected.ended.then(() => 'callee' as const)]);
        log.info({ by }, 'forwarded call ended');
      }
      const summary: NumberCallSummary = {
        callId,
        numberId: number.id,
        e164: number.e164,
        ...(userOf(req.getParsedHeader('from')?.uri) ? { from: userOf(req.getParsedHeader('from')?.uri) } : {}),
        planSource: live?.source ?? 'not-in-service',
        startedAt,
        endedAt: now().getTime(),
        end: out.end,
        path: out.path,
        ...(out.tariffAnnouncementEndedAt !== undefined ? { tariffAnnouncementEndedAt: out.tariffAnnouncementEndedAt } : {}),
      };
      log.info(
        { end: summary.end, path: summary.path.map((p) => `${p.node}${p.outcome ? ` -> ${p.outcome}` : ''}`), tariffAnnouncementEndedAt: summary.tariffAnnouncementEndedAt },
        'number call ended',
      );
      await cleanup();
      deps.onCallEnded?.(summary);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'number call failed');
      if (!res.finalResponseSent && !cancelled.signal.aborted) res.send(500);
    } finally {
      await cleanup();
    }
  }

  const middleware: InviteMiddleware = async (req, res, next) => {
    if (req.method !== 'INVITE') {
      next();
      return;
    }
    let number: ServiceNumber | 'unknown' | undefined;
    try {
      number = await lookup(req);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'number lookup failed');
      res.send(500);
      return;
    }
    if (number === undefined) {
      next();
      return;
    }
    if (number === 'unknown') {
      logger.info({ uri: req.uri }, 'call to a number we do not have');
      res.send(404);
      return;
    }
    await handle(req, res, number);
  };

  return {
    middleware,
    active: () => calls.size,
    async close() {
      for (const h of [...calls]) h();
    },
  };
}
