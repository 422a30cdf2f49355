/**
 * Message-waiting indication (RFC 3842) for the owners of voicemail boxes: the lamp and the
 * "1 new message" line on a desk phone.
 *
 * Two ways to a phone, as phones differ:
 *  - subscribed: the phone sends SUBSCRIBE (Event: message-summary) with digest auth; we answer
 *    202, NOTIFY at once in that dialog, again on every change, on refresh, and a final
 *    NOTIFY (terminated) on Expires: 0 or when the subscription runs out (RFC 6665 §4.2).
 *  - unsolicited: every registered contact of an owner account that has no subscription gets
 *    an out-of-dialog NOTIFY on every change (Yealink, Snom and most desk phones accept these),
 *    and once right after it registers (phoneRegistered, the registrar's onRegistered hook), so a
 *    phone that was off or restarted shows the lamp at once instead of at the next change.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import { contactUri, registrationProxy } from '../routing/callRouter.js';
import type { DigestAuth } from '../sip/digest.js';
import type { AuthThrottle } from '../sip/security.js';
import type { Account, Registration, Store } from '../store/StoreTypes.js';
import type { BoxChangeListener } from './VoicemailService.js';
import type { VoicemailBox } from './VoicemailTypes.js';

export const MWI_EVENT = 'message-summary';
export const MWI_CONTENT_TYPE = 'application/simple-message-summary';

export interface MessageCounts {
  new: number;
  old: number;
}

/** The RFC 3842 §5.2 body: Messages-Waiting, Message-Account, and the voice counts "new/old (urgent new/urgent old)". */
export function messageSummary(counts: MessageCounts, account: string): string {
  return [
    `Messages-Waiting: ${counts.new > 0 ? 'yes' : 'no'}`,
    `Message-Account: ${account}`,
    `Voice-Message: ${counts.new}/${counts.old} (0/0)`,
    '',
  ].join('\r\n');
}

/** The Expires a subscription gets: the asked value within [min, max]; absent or unreadable asks for the default. */
export function grantedExpires(asked: string | undefined, limits: { min: number; max: number; default: number }): number {
  const n = asked !== undefined && /^\s*\d{1,10}\s*$/.test(asked) ? Number(asked) : limits.default;
  if (n === 0) return 0;
  return Math.min(limits.max, Math.max(limits.min, n));
}

/** The event package of an Event header ('message-summary;id=1' → 'message-summary'). */
export function eventPackage(header: string | undefined): string | undefined {
  const name = header?.split(';')[0]?.trim().toLowerCase();
  return name ? name : undefined;
}

export interface MessageWaitingOptions {
  store: Store;
  /** SIP domain: Message-Account is sip:<username>@<domain>. */
  domain: string;
  logger: Logger;
  expires?: { min: number; max: number; default: number };
  /** Told of every NOTIFY sent (diagnostics and tests): in a subscription dialog or unsolicited. */
  onNotify?: (n: SentNotify) => void;
}

export interface SentNotify {
  accountId: string;
  kind: 'dialog' | 'unsolicited';
  /** The Subscription-State header value. */
  state: string;
  body: string;
}

/** The parts of an srf dialog we use (its type declarations lack the subscription events). */
interface SubscriptionDialog {
  id: string;
  remote: { uri: string };
  request(opts: { method: string; headers: Record<string, string>; body?: string }): Promise<unknown>;
  on(ev: 'subscribe', fn: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void;
  on(ev: 'unsubscribe', fn: () => void): void;
  on(ev: 'destroy', fn: () => void): void;
}

interface Subscription {
  accountId: string;
  username: string;
  dialog: SubscriptionDialog;
  expiresAt: number;
  timer: NodeJS.Timeout;
  ended: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- srf's own middleware typing
type Middleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: Function) => void;

export class MessageWaiting implements BoxChangeListener {
  private srf: Srf | undefined;
  private digest: DigestAuth | undefined;
  private throttle: AuthThrottle | undefined;
  private readonly subscriptions = new Set<Subscription>();
  private readonly log: Logger;
  private readonly expires: { min: number; max: number; default: number };
  /** Per account, the notification in progress: one at a time, so that phones get the counts in order. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly opts: MessageWaitingOptions) {
    this.log = opts.logger.child({ component: 'mwi' });
    this.expires = opts.expires ?? { min: 60, max: 3600, default: 3600 };
  }

  /**
   * Connects to the running app: NOTIFYs go out through `srf`; SUBSCRIBEs are checked with the
   * registrar's `digest` and count against the same failed-authentication `throttle`, so that
   * SUBSCRIBE is no way around the block on password guessing.
   */
  attach(srf: Srf, digest: DigestAuth, throttle?: AuthThrottle): void {
    this.srf = srf;
    this.digest = digest;
    this.throttle = throttle;
  }

  /** Subscriptions in effect (tests, diagnostics). */
  activeSubscriptions(): number {
    return this.subscriptions.size;
  }

  private async ownedBoxes(account: Account): Promise<VoicemailBox[]> {
    return (await this.opts.store.voicemail.listBoxes(account.customerId)).filter((b) => b.ownerAccountIds.includes(account.id));
  }

  /** New (unheard) and old (heard) messages in every box the account owns. */
  async counts(account: Account, owned?: VoicemailBox[]): Promise<MessageCounts> {
    const boxes = owned ?? (await this.ownedBoxes(account));
    const counts = { new: 0, old: 0 };
    for (const box of boxes) {
      for (const m of await this.opts.store.voicemail.listMessages(box.id)) counts[m.heard ? 'old' : 'new']++;
    }
    return counts;
  }

  boxChanged(box: VoicemailBox): void {
    for (const accountId of box.ownerAccountIds) void this.notifyAccount(accountId);
  }

  /** Tells every phone of the account its current counts (after any notification already under way). */
  notifyAccount(accountId: string): Promise<void> {
    return this.inTurn(accountId, () => this.sendCounts(accountId));
  }

  /**
   * A phone of the account has just registered (new binding or a restart): when the account owns
   * a voicemail box, the new contacts get the current counts unsolicited, as on a change. A
   * contact with a subscription gets them in its dialog already; an account without a box gets
   * nothing (its phones have no lamp to light).
   */
  phoneRegistered(accountId: string, bindings: Registration[]): Promise<void> {
    return this.inTurn(accountId, async () => {
      const account = await this.opts.store.accounts.get(accountId);
      if (!account) return;
      const owned = await this.ownedBoxes(account);
      if (owned.length === 0) return;
      const body = messageSummary(await this.counts(account, owned), this.aor(account.username));
      const covered = new Set([...this.subscriptions].filter((s) => s.accountId === accountId && !s.ended).map((s) => s.dialog.remote.uri));
      for (const r of bindings) {
        const uri = contactUri(r.contact);
        if (!covered.has(uri)) await this.unsolicited(accountId, uri, registrationProxy(r), account.username, body);
      }
    });
  }

  /** Runs `send` after the account's notification under way, so phones get the counts in order. */
  private inTurn(accountId: string, send: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(accountId) ?? Promise.resolve();
    const next = previous
      .then(send)
      .catch((err: Error) => this.log.warn({ accountId, err: err.message }, 'message-waiting notification failed'))
      .finally(() => {
        if (this.queues.get(accountId) === next) this.queues.delete(accountId);
      });
    this.queues.set(accountId, next);
    return next;
  }

  private async sendCounts(accountId: string): Promise<void> {
    const account = await this.opts.store.accounts.get(accountId);
    if (!account) return;
    const body = messageSummary(await this.counts(account), this.aor(account.username));
    const subscribed = [...this.subscriptions].filter((s) => s.accountId === accountId && !s.ended);
    for (const s of subscribed) await this.notifyDialog(s, body);
    const covered = new Set(subscribed.map((s) => s.dialog.remote.uri));
    for (const r of await this.opts.store.locations.list(accountId)) {
      const uri = contactUri(r.contact);
      if (covered.has(uri)) continue;
      await this.unsolicited(accountId, uri, registrationProxy(r), account.username, body);
    }
  }

  private aor(username: string): string {
    return `sip:${username}@${this.opts.domain}`;
  }

  private async unsolicited(accountId: string, uri: string, proxy: string, username: string, body: string): Promise<void> {
    if (!this.srf) return;
    const aor = `<${this.aor(username)}>`;
    try {
      // srf's declarations do not know request(uri, opts, cb); its code takes exactly that. The
      // callback form puts the response listener on before the engine's next message is read
      // (with the promise form a fast response in the same read would be missed).
      type Sent = { on(ev: 'response', fn: (res: { status: number }) => void): void };
      const request = this.srf.request.bind(this.srf) as unknown as (uri: string, opts: object, cb: (err: Error | null, req: Sent) => void) => void;
      await new Promise<void>((resolve, reject) => {
        request(
          uri,
          {
            method: 'NOTIFY',
            proxy,
            headers: { From: aor, To: aor, Event: MWI_EVENT, 'Subscription-State': 'active', 'Content-Type': MWI_CONTENT_TYPE },
            body,
          },
          (err, req) => {
            if (err) return reject(err);
            req.on('response', (res) => {
              if (res.status >= 300) this.log.info({ uri, status: res.status }, 'phone refused an unsolicited message-waiting NOTIFY');
            });
            resolve();
          },
        );
      });
      this.opts.onNotify?.({ accountId, kind: 'unsolicited', state: 'active', body });
    } catch (err) {
      this.log.info({ uri, err: (err as Error).message }, 'unsolicited message-waiting NOTIFY not sent');
    }
  }

  private async notifyDialog(s: Subscription, body: string, terminated?: string): Promise<void> {
    const remaining = Math.max(0, Math.round((s.expiresAt - Date.now()) / 1000));
    const state = terminated !== undefined ? `terminated;reason=${terminated}` : `active;expires=${remaining}`;
    let status: number | undefined;
    try {
      const res = (await s.dialog.request({ method: 'NOTIFY', headers: { Event: MWI_EVENT, 'Subscription-State': state, 'Content-Type': MWI_CONTENT_TYPE }, body })) as { status?: number } | undefined;
      status = res?.status;
      this.opts.onNotify?.({ accountId: s.accountId, kind: 'dialog', state, body });
    } catch (err) {
      this.log.info({ dialog: s.dialog.id, err: (err as Error).message }, 'message-waiting NOTIFY in dialog failed');
    }
    // RFC 6665 §4.2.2: a NOTIFY answered with 481 (or never answered) ends the subscription.
    if (terminated === undefined && (status === undefined || status === 481 || status === 408)) {
      this.log.info({ account: s.username, status }, 'phone gone: message-waiting subscription ended');
      this.end(s, undefined);
    }
  }

  private async accountBody(accountId: string): Promise<string> {
    const account = await this.opts.store.accounts.get(accountId);
    if (!account) return messageSummary({ new: 0, old: 0 }, 'sip:unknown');
    return messageSummary(await this.counts(account), this.aor(account.username));
  }

  private end(s: Subscription, reason: string | undefined): void {
    if (s.ended) return;
    s.ended = true;
    clearTimeout(s.timer);
    this.subscriptions.delete(s);
    if (reason === undefined) return;
    void this.accountBody(s.accountId).then((body) => this.notifyDialog(s, body, reason));
  }

  private arm(s: Subscription, seconds: number): void {
    clearTimeout(s.timer);
    s.expiresAt = Date.now() + seconds * 1000;
    s.timer = setTimeout(() => {
      this.log.info({ account: s.username }, 'message-waiting subscription expired');
      this.end(s, 'timeout');
    }, seconds * 1000);
    s.timer.unref();
  }

  /**
   * srf middleware for SUBSCRIBE outside a dialog (refreshes arrive in the dialog). It answers
   * every SUBSCRIBE: message-summary is the only event package the platform serves.
   */
  readonly subscribe: Middleware = (req, res, _next) => {
    void this.handleSubscribe(req, res).catch((err: Error) => {
      this.log.error({ err: err.message, callId: req.get('Call-ID') }, 'SUBSCRIBE failed');
      if (!res.finalResponseSent) res.send(500);
    });
  };

  private async handleSubscribe(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const event = eventPackage(req.get('Event'));
    if (event !== MWI_EVENT) {
      // RFC 6665 §4.2.1.1: an event package we do not serve.
      res.send(489, { headers: { 'Allow-Events': MWI_EVENT } });
      return;
    }
    const digest = this.digest;
    if (!digest || !this.srf) {
      res.send(503);
      return;
    }
    const source = req.source_address;
    if (await this.throttle?.isBlocked(source)) {
      res.send(403);
      return;
    }
    const auth = await digest.verify(req.get('Authorization') || undefined, 'SUBSCRIBE');
    if (!auth.ok) {
      if (auth.reason === 'missing' || auth.reason === 'malformed' || auth.reason === 'wrong-realm' || auth.reason === 'stale') {
        res.send(401, { headers: { 'WWW-Authenticate': digest.challenge(auth.reason === 'stale') } });
        return;
      }
      // As the registrar does: a wrong password looks like any other failure and counts against the source.
      const blocked = (await this.throttle?.recordFailure(source)) ?? false;
      this.log.info({ source, username: auth.username, reason: auth.reason, blocked }, 'SUBSCRIBE authentication failed');
      if (blocked) res.send(403);
      else res.send(401, { headers: { 'WWW-Authenticate': digest.challenge(false) } });
      return;
    }
    const customer = await this.opts.store.customers.get(auth.account.customerId);
    if (!customer || customer.status !== 'active') {
      res.send(403);
      return;
    }
    const account = auth.account;
    const expires = grantedExpires(req.get('Expires') || undefined, this.expires);
    const dialog = (await this.srf.createUAS(req, res, { headers: { Expires: String(expires) } } as never)) as unknown as SubscriptionDialog;
    const s: Subscription = { accountId: account.id, username: account.username, dialog, expiresAt: 0, timer: setTimeout(() => undefined, 0), ended: false };
    this.log.info({ account: account.username, expires }, 'message-waiting subscription');
    if (expires === 0) {
      // A one-off fetch (RFC 6665 §4.4.3): one NOTIFY with the state, terminated.
      this.end(s, 'timeout');
      return;
    }
    this.subscriptions.add(s);
    this.arm(s, expires);
    dialog.on('subscribe', (refresh, refreshRes) => {
      const granted = grantedExpires(refresh.get('Expires') || undefined, this.expires);
      refreshRes.send(200, { headers: { Expires: String(granted) } });
      this.arm(s, granted);
      void this.accountBody(s.accountId).then((body) => this.notifyDialog(s, body));
    });
    // srf has answered the Expires: 0 SUBSCRIBE with 202 already.
    dialog.on('unsubscribe', () => this.end(s, 'timeout'));
    dialog.on('destroy', () => this.end(s, undefined));
    await this.notifyDialog(s, await this.accountBody(account.id));
  }

  /** Ends every subscription (shutdown): a final NOTIFY so phones do not wait for the expiry. */
  close(): void {
    for (const s of [...this.subscriptions]) this.end(s, 'noresource');
  }
}
