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
import type { ServiceNumber, Tariff } from '../numbers/NumberTypes.js';
import { parseServiceNumber } from '../numbers/normalize.js';
import { callEnded, compilePlan, startCall, type CallActor, type CallEnd, type PathEntry } from '../plans/machine.js';
import type { Plan } from '../plans/schema.js';
import { userOf, type InviteMiddleware, type TrunkConfig } from '../routing/callRouter.js';
import { ChannelLimit, type Lease } from '../routing/ChannelLimit.js';
import { hangUp } from '../routing/forkCall.js';
import type { Store } from '../store/StoreTypes.js';
import { MediaCallChannel, type AnsweredBy } from './MediaCallChannel.js';
import { answerBeforeMedia, ringsBeforeAnswer, unansweredStatus } from './answerOnMedia.js';
import type { HangupCause } from '../plans/schema.js';
import { RUNTIME_COMPILE_OPTIONS, type PlanSource } from './planSource.js';
import { CallRegistry } from './CallRegistry.js';
import { stateOfNode, type LiveCallList } from './LiveCallList.js';
import { callerIdentityOf } from '../cdr/callerIdentity.js';
import { ConnectedCall } from './ConnectedCall.js';
import { followReinvites } from './reinvite.js';
import type { TransferRecord } from './Transfer.js';
import type { VoicemailService } from '../voicemail/VoicemailService.js';
import type { FaxToEmail } from '../fax/FaxToEmail.js';

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
  /** Transfers during the conversation (REFER): who transferred whom to whom, when, and how it went. */
  transfers?: TransferRecord[];
  /** Who answered a forward or hunt group (account id and username, or number; the phone's contact). */
  answeredBy?: AnsweredBy;
  customerId?: string;
  /** When we answered the caller (200 OK). */
  answeredAt?: number;
  /** Set for a call that never ran its plan: the final SIP status (486 channel limit, 488, 500; 487 cancelled). */
  sipStatus?: number;
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
  /**
   * Free until answered (answerOnMedia.ts): a call whose plan starts with a forward or hunt group
   * and whose number has no tariff gets 180 and is answered only when someone picks up (or the plan
   * needs media). Off: every call is answered first and hears a ringback tone (default off).
   */
  ringBeforeAnswer?: boolean;
  /** Told when a call to one of our numbers arrives, before anything is decided (CDRs: src/cdr/callRecords.ts). */
  onCallStarted?: (req: Srf.SrfRequest, number: ServiceNumber, startedAt: number) => void;
  /** The caller tariff in force at a call's start (src/inventory: due tariff changes); unset: number.tariff. */
  resolveTariff?: (number: ServiceNumber, at: number) => Promise<Tariff | undefined>;
  /** Told about a call from the network to a number we do not have (answered 404). */
  onUnknownNumber?: (req: Srf.SrfRequest) => void;
  /** Voicemail boxes for the plans' voicemail nodes (src/voicemail/). */
  voicemail?: VoicemailService;
  /** Fax-to-email for the plans' fax nodes (src/fax/). */
  fax?: FaxToEmail;
  /** Live connected calls, shared with the phones' router so attended transfers find each other. */
  registry?: CallRegistry;
  /** How long a transfer target may ring (default 30 s). */
  transferRingTimeoutMs?: number;
  /** The calls in progress as the admin sees them (node, state); LiveCalls in src/app/drain.ts owns it. */
  liveCalls?: LiveCallList;
}

export interface NumberCalls {
  /** Handles INVITEs to our numbers; everything else goes to `next` (the phones' call router). */
  middleware: InviteMiddleware;
  /** Calls in progress (for tests and shutdown). */
  active(): number;
  /** The live connected calls (attended transfers look up Replaces here). */
  readonly registry: CallRegistry;
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
  const registry = deps.registry ?? new CallRegistry();

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
    deps.onCallStarted?.(req, number, startedAt);
    deps.liveCalls?.start({
      callId, kind: 'number', customerId: number.customerId, numberId: number.id, called: number.e164, state: 'in-plan', startedAt,
      caller: callerIdentityOf({ from: req.get('From'), pai: req.get('P-Asserted-Identity'), privacy: req.get('Privacy') }),
    });
    let summarised = false;
    let answeredAt: number | undefined;
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
    let conversation: ConnectedCall | undefined;
    let transfers: TransferRecord[] | undefined;
    // srf sends a BYE for every destroy(), even on a dialog that is already gone: once only.
    let callerEnded = false;
    /** 180 sent, not answered yet (answerOnMedia.ts): hanging up is a final response then. */
    let ringing = false;
    const byeCaller = (cause?: HangupCause): void => {
      if (callerEnded) return;
      if (!caller) {
        if (ringing && !res.finalResponseSent && !cancelled.signal.aborted) res.send(unansweredStatus(cause));
        return;
      }
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
      // A tariff change counts from 00:00 on its effective day, even before the schedule wrote it into the number.
      const tariff = deps.resolveTariff ? await deps.resolveTariff(number, now().getTime()) : number.tariff;
      if (number.status === 'active' && !live) log.warn({ planId: number.planId }, 'number has no runnable live plan; announcing not in service');
      if (cancelled.signal.aborted) return;

      // Free until answered (answerOnMedia.ts): a plan that starts by ringing people rings first.
      const ringsFirst = deps.ringBeforeAnswer === true && live !== undefined && ringsBeforeAnswer(live.plan, tariff);
      const callerEp = endpoint;
      let leave: () => void = () => undefined;
      const callerGone = new Promise<'caller'>((resolve) => {
        leave = () => resolve('caller');
      });
      callerEp.once('destroy', leave);
      cancelled.signal.addEventListener('abort', leave, { once: true });
      let answering: Promise<void> | undefined;
      // Only a connected call transfers (ConnectedCall); srf would answer a REFER with 200 by itself.
      const referTooEarly = (_req: Srf.SrfRequest, res: Srf.SrfResponse): void => res.send(403);
      // While the plan runs, the caller's re-INVITEs (hold, new address or codec) go to its endpoint.
      let reinvites: ReturnType<typeof followReinvites> | undefined;
      const answerCaller = (): Promise<void> =>
        (answering ??= req.srf.createUAS(req, res, { localSdp: callerEp.localSdp }).then((dialog) => {
          caller = dialog;
          answeredAt = now().getTime();
          dialog.on('refer', referTooEarly);
          reinvites = followReinvites(dialog, callerEp, log);
          dialog.once('destroy', () => {
            callerEnded = true;
            leave();
          });
        }));
      if (ringsFirst) {
        ringing = true;
        res.send(180);
      } else await answerCaller();

      channel = new MediaCallChannel({
        srf: req.srf,
        store,
        media,
        endpoint: ringsFirst ? answerBeforeMedia(callerEp, answerCaller) : callerEp,
        hangupCaller: byeCaller,
        callerAnswered: () => caller !== undefined,
        accountChannels: channels,
        customerId: number.customerId,
        ...(userOf(req.getParsedHeader('from')?.uri) ? { callingNumber: userOf(req.getParsedHeader('from')?.uri) } : {}),
        ...(deps.trunk ? { trunk: deps.trunk } : {}),
        ...(live ? { planSource: live.source } : {}),
        ...(deps.voicemail ? { voicemail: deps.voicemail, calledNumber: number.e164 } : {}),
        ...(deps.fax ? { fax: deps.fax, calledNumber: number.e164 } : {}),
        now,
        logger: log,
      });
      // The tariff announcement belongs to the number, so a suspended number never plays it.
      const running = live ? { machine: live.machine, tariff } : { machine: notInService, tariff: undefined };
      const callActor = startCall(running.machine, channel, running.tariff);
      actor = callActor;
      // The node the call is in is the last one on its path (each node adds itself on entry).
      const showNode = (path: PathEntry[]): void => {
        const at = path[path.length - 1];
        if (at) deps.liveCalls?.update(callId, { node: at.node, nodeType: at.type, state: stateOfNode(at.type) });
      };
      showNode(callActor.getSnapshot().context.path);
      callActor.subscribe((snap) => showNode(snap.context.path));
      log.info({ plan: live?.source ?? 'not-in-service', tariff: running.tariff !== undefined }, ringsFirst ? 'number call rings (180) until someone answers' : 'number call answered');

      hangUpNow = () => {
        callActor.send({ type: 'CALLER_HUNGUP' });
        byeCaller();
        conversation?.hangUp();
      };
      calls.add(hangUpNow);
      maxTimer = setTimeout(() => {
        log.warn({ maxCallMs }, 'call reached its maximum duration');
        hangUpNow();
      }, maxCallMs);
      maxTimer.unref();
      // Only a running plan needs telling (after it ended, XState warns about events to a stopped actor).
      void callerGone.then(() => {
        if (callActor.getSnapshot().status === 'active') callActor.send({ type: 'CALLER_HUNGUP' });
      });

      const out = await callEnded(callActor);
      const connected = channel.connected;
      if (out.end === 'answered' && connected && caller && !callerEnded) {
        // The plan is done; the conversation (hold, transfer) owns both legs until it ends.
        const callingNumber = userOf(req.getParsedHeader('from')?.uri);
        conversation = new ConnectedCall(
          {
            srf: req.srf, store, media, accountChannels: channels, customerId: number.customerId, registry, now, logger: log,
            ...(callingNumber ? { callingNumber } : {}),
            ...(deps.trunk ? { trunk: deps.trunk } : {}),
            ...(deps.transferRingTimeoutMs ? { transferRingTimeoutMs: deps.transferRingTimeoutMs } : {}),
            onHoldChange: (held) => deps.liveCalls?.update(callId, { state: held ? 'on-hold' : 'connected' }),
          },
          { dialog: caller, endpoint, label: callingNumber ?? 'caller', held: reinvites?.held() ?? false },
          {
            dialog: connected.dialog,
            endpoint: connected.endpoint,
            ...(connected.lease ? { lease: connected.lease } : {}),
            label: connected.answeredBy?.account ?? connected.answeredBy?.number ?? userOf(connected.dialog.remote.uri) ?? 'callee',
          },
        );
        caller.removeListener('refer', referTooEarly);
        reinvites?.stop();
        // Handed over: cleanup must not BYE or destroy what the conversation now owns.
        channel.connected = undefined;
        endpoint = undefined;
        callerEnded = true;
        deps.liveCalls?.update(callId, { state: reinvites?.held() ? 'on-hold' : 'connected' });
        const result = await conversation.run();
        transfers = result.transfers;
        log.info({ by: result.endedBy, transfers: transfers.length }, 'forwarded call ended');
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
        ...(connected?.answeredBy ? { answeredBy: connected.answeredBy } : {}),
        ...(transfers?.length ? { transfers } : {}),
        customerId: number.customerId,
        answeredAt,
      };
      log.info(
        { end: summary.end, path: summary.path.map((p) => `${p.node}${p.outcome ? ` -> ${p.outcome}` : ''}`), tariffAnnouncementEndedAt: summary.tariffAnnouncementEndedAt },
        'number call ended',
      );
      await cleanup();
      summarised = true;
      deps.onCallEnded?.(summary);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'number call failed');
      if (!res.finalResponseSent && !cancelled.signal.aborted) res.send(500);
    } finally {
      deps.liveCalls?.end(callId);
      await cleanup();
      // Refused, cancelled or failed before the plan ended: still a call, still a CDR.
      if (!summarised) {
        const { id: numberId, e164, customerId } = number;
        const sipStatus = res.finalResponseSent ? (res.statusCode ?? 500) : 487;
        deps.onCallEnded?.({ callId, numberId, e164, customerId, planSource: '-', startedAt, endedAt: now().getTime(), path: [], sipStatus, ...(answeredAt !== undefined ? { answeredAt } : {}) });
      }
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
      deps.onUnknownNumber?.(req);
      return;
    }
    await handle(req, res, number);
  };

  return {
    middleware,
    active: () => calls.size,
    registry,
    async close() {
      for (const h of [...calls]) h();
    },
  };
}
