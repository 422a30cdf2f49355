/**
 * The provisioning endpoint phones fetch their configuration from (register under
 * '/provisioning'):
 *
 *   GET yealink/<mac>.cfg, yealink/y0000000000XX.cfg   HTTP Basic or Digest, username = MAC
 *   GET snom/<mac>.xml                                 HTTP Basic or Digest, username = MAC
 *   GET linphone/<deviceId>/<secret>.xml               the secret is the credential (linphonec
 *                                                      fetches without HTTP auth)
 *
 * A MAC or device we do not know is a 404 with an empty body; a known MAC without credentials
 * gets a 401 challenge. Failed attempts are counted per source address in the store's Counters
 * (AuthThrottle, as the SIP edge does); a blocked source gets 429 for a while. URLs are never
 * logged here (they can carry a secret); the HTTP server skips its request log for this prefix.
 */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../logger.js';
import { DigestAuth } from '../sip/digest.js';
import { AuthThrottle } from '../sip/security.js';
import type { SecretBox } from '../store/secrets.js';
import type { Account, Store } from '../store/StoreTypes.js';
import { parseBasic, prefixedCounters, provisioningDigestKey, sameSecret } from './credentials.js';
import { DeviceConfigs } from './deviceConfigs.js';
import type { Device, ProvisioningSite, RenderedFile } from './DeviceTypes.js';
import { DEVICE_MODELS, findModel, type Vendor } from './models.js';
import { yealinkCommonFile } from './yealink.js';

/** Where the endpoint lives on the HTTP server(s). */
export const PROVISIONING_PREFIX = '/provisioning';
const REALM = 'contactsuite-provisioning';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ProvisioningDeps {
  store: Store;
  secrets: SecretBox;
  /** The SECRETS_KEY bytes: digest nonces are signed with a key derived from it. */
  secretKey: Buffer;
  site: ProvisioningSite;
  logger: Logger;
  /** Failed attempts per source per minute before it is blocked (default 10), and for how long (default 300 s). */
  throttle?: { maxFailures: number; blockSeconds: number };
}

/** The answer to a request we refuse: status and the headers that go with it, never a reason. */
class Refusal extends Error {
  constructor(
    readonly status: 401 | 404 | 429,
    readonly headers: Record<string, string | string[]> = {},
  ) {
    super(`provisioning request refused with ${status}`);
  }
}

export function provisioningPlugin(deps: ProvisioningDeps): FastifyPluginAsync {
  return async (app) => {
    const log = deps.logger.child({ component: 'provisioning' });
    const configs = new DeviceConfigs(deps.store, deps.secrets, deps.site);
    const throttle = new AuthThrottle({
      counters: prefixedCounters(deps.store.counters, 'prov:'),
      maxFailures: deps.throttle?.maxFailures ?? 10,
      blockMs: (deps.throttle?.blockSeconds ?? 300) * 1000,
    });
    // Digest over the device's secret: DigestAuth looks a "user" up by name; here the name is a MAC.
    const digest = new DigestAuth({
      realm: REALM,
      secret: provisioningDigestKey(deps.secretKey),
      counters: deps.store.counters,
      secrets: deps.secrets,
      accounts: {
        getByUsername: async (mac: string): Promise<Account | undefined> => {
          const d = await deps.store.devices.getByMac(mac.toLowerCase());
          if (!d || d.mac === undefined) return undefined;
          return { id: d.id, customerId: d.customerId, username: d.mac, displayName: '', passwordEnc: d.secretEnc, channelLimit: 0, createdAt: d.createdAt };
        },
      },
    });

    // Digest first (the secret never crosses the wire); Basic for phones set up to use only that.
    const challenge = (stale = false): Refusal =>
      new Refusal(401, { 'www-authenticate': [digest.challenge(stale), `Basic realm="${REALM}", charset="UTF-8"`] });

    const fail = async (req: FastifyRequest, status: 401 | 404, what: string): Promise<Refusal> => {
      const blocked = await throttle.recordFailure(req.ip);
      log.warn({ source: req.ip, what, blocked }, 'provisioning request refused');
      return status === 401 ? challenge() : new Refusal(404);
    };

    /** The device whose MAC the credentials name, when they are right. */
    const authenticate = async (req: FastifyRequest, expectedMac?: string): Promise<Device> => {
      const header = req.headers.authorization;
      if (header === undefined || header.trim() === '') throw challenge();
      const basic = parseBasic(header);
      if (basic) {
        const mac = basic.username.toLowerCase();
        const device = mac === '' ? undefined : await deps.store.devices.getByMac(mac);
        const secret = device ? deps.secrets.decrypt(device.secretEnc) : undefined;
        const right = secret !== undefined && sameSecret(basic.password, secret);
        if (!device || !right || (expectedMac !== undefined && mac !== expectedMac)) throw await fail(req, 401, 'basic credentials');
        return device;
      }
      const result = await digest.verify(header, req.method);
      if (!result.ok) {
        if (result.reason === 'stale') throw challenge(true);
        throw await fail(req, 401, `digest ${result.reason}`);
      }
      const mac = result.username.toLowerCase();
      if (expectedMac !== undefined && mac !== expectedMac) throw await fail(req, 401, 'digest for another MAC');
      const device = await deps.store.devices.getByMac(mac);
      if (!device) throw await fail(req, 401, 'digest for a removed device');
      return device;
    };

    const vendorOf = (d: Device): Vendor | undefined => findModel(d.model)?.vendor;

    /** A desk phone's own file: 404 for a MAC we do not know, then credentials for exactly that MAC. */
    const macFile = async (req: FastifyRequest, vendor: Vendor, mac: string): Promise<{ device: Device; file: RenderedFile }> => {
      const known = await deps.store.devices.getByMac(mac);
      if (!known || vendorOf(known) !== vendor) throw await fail(req, 404, `unknown ${vendor} MAC`);
      const device = await authenticate(req, mac);
      return { device, file: await configs.render(device) };
    };

    const send = (reply: FastifyReply, file: RenderedFile): FastifyReply =>
      // A phone's configuration holds passwords: no cache may keep a copy.
      reply.code(200).header('content-type', file.contentType).header('cache-control', 'no-store').send(file.body);

    const guarded =
      (serve: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) =>
      async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        try {
          if (await throttle.isBlocked(req.ip)) throw new Refusal(429, { 'retry-after': String(deps.throttle?.blockSeconds ?? 300) });
          return await serve(req, reply);
        } catch (err) {
          if (err instanceof Refusal) return reply.code(err.status).headers(err.headers).send();
          // Never the URL or the error's text (a decrypt failure names no secret, but stay terse).
          log.error({ source: req.ip, err: (err as Error).name }, 'provisioning request failed');
          return reply.code(500).send();
        }
      };

    app.get<{ Params: { file: string } }>(
      '/yealink/:file',
      guarded(async (req, reply) => {
        const file = (req.params as { file: string }).file.toLowerCase();
        const own = /^([0-9a-f]{12})\.cfg$/.exec(file);
        if (own) {
          const served = await macFile(req, 'yealink', own[1]);
          log.info({ deviceId: served.device.id, file: 'mac' }, 'provisioning file served');
          return send(reply, served.file);
        }
        const model = DEVICE_MODELS.find((m) => m.commonFile === file);
        if (!model) throw await fail(req, 404, 'unknown yealink file');
        // Any authenticated phone of a model using this common file may read it.
        const device = await authenticate(req);
        const deviceModel = findModel(device.model);
        if (deviceModel?.commonFile !== file) throw await fail(req, 401, 'common file of another model');
        log.info({ deviceId: device.id, file: 'common' }, 'provisioning file served');
        return send(reply, yealinkCommonFile(deps.site, deviceModel.name));
      }),
    );

    app.get<{ Params: { file: string } }>(
      '/snom/:file',
      guarded(async (req, reply) => {
        const own = /^([0-9a-f]{12})\.xml$/.exec((req.params as { file: string }).file.toLowerCase());
        if (!own) throw await fail(req, 404, 'unknown snom file');
        const served = await macFile(req, 'snom', own[1]);
        log.info({ deviceId: served.device.id, file: 'mac' }, 'provisioning file served');
        return send(reply, served.file);
      }),
    );

    app.get<{ Params: { deviceId: string; token: string } }>(
      '/linphone/:deviceId/:token',
      guarded(async (req, reply) => {
        const { deviceId, token } = req.params as { deviceId: string; token: string };
        const device = UUID.test(deviceId) ? await deps.store.devices.get(deviceId) : undefined;
        const presented = token.replace(/\.xml$/, '');
        const right = device !== undefined && vendorOf(device) === 'linphone' && sameSecret(presented, deps.secrets.decrypt(device.secretEnc));
        // Wrong token and unknown device look the same: 404, nothing else.
        if (!device || !right) throw await fail(req, 404, 'linphone link');
        log.info({ deviceId: device.id, file: 'linphone' }, 'provisioning file served');
        return send(reply, await configs.render(device));
      }),
    );

    app.setNotFoundHandler((_req, reply) => reply.code(404).send());
  };
}

/** True for request URLs the HTTP servers must not log (they may carry a provisioning secret). */
export function isProvisioningUrl(url: string): boolean {
  return url === PROVISIONING_PREFIX || url.startsWith(`${PROVISIONING_PREFIX}/`);
}

/**
 * The HTTPS listener for provisioning alone (PROVISIONING_TLS_CERT/KEY): phones that can, fetch
 * over TLS so neither Basic credentials nor the SIP passwords in the files cross the network in
 * clear text.
 */
export function buildProvisioningHttpsServer(deps: ProvisioningDeps, tls: { certFile: string; keyFile: string }): FastifyInstance {
  const app: FastifyInstance = Fastify({
    https: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) },
    loggerInstance: deps.logger.child({ component: 'provisioning-https' }) as FastifyBaseLogger,
    // Every URL here may carry a secret: the plugin logs what matters itself.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  void app.register(provisioningPlugin(deps), { prefix: PROVISIONING_PREFIX });
  return app;
}
