import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { describeTrustProxy, TRUST_PROXY_ALLOWED, TrustProxySchema, type TrustProxy } from './http/trustProxy.js';

/**
 * Process configuration, read from environment variables once at start. Every variable is
 * checked on its own first, then the rules that tie variables together; all problems are
 * reported at once so an operator fixes the environment in one go.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The media server: the embedded RTP engine, or FreeSWITCH driven over its event socket (src/media/freeswitch/). */
export type MediaConfig =
  | { server: 'embedded' }
  | {
      server: 'freeswitch';
      esl: { host: string; port: number; secret: string };
      /** Where FreeSWITCH connects back to this instance (one event socket per endpoint); host unset: this machine's first external IPv4 address. */
      outbound: { host?: string; port: number };
      /** PROMPTS_DIR and DATA_DIR as mounted in the FreeSWITCH container; unset: the same paths as in the app. */
      promptsDir?: string;
      dataDir?: string;
    };

export interface Config {
  /** Where the SIP engine listens, on both UDP and TCP. */
  sip: { host: string; port: number };
  httpPort: number;
  dataDir: string;
  /** Unset: the in-process store (MemoryStore). */
  redisUrl?: string;
  /**
   * Set when DRACHTIO_HOST is set: the app connects to that drachtio-server and no embedded
   * engine is started.
   */
  drachtio?: { host: string; port: number; secret: string };
  /** The embedded engine's drachtio control port; only used when `drachtio` is unset. */
  engine: { controlHost: string; controlPort: number; secret: string; secretGenerated: boolean };
  rtp: { min: number; max: number };
  media: MediaConfig;
  adminToken?: string;
  logLevel: LogLevel;
  /** 64 hex chars; unset: a key file in DATA_DIR (see store/secrets.ts). Encrypts SIP passwords at rest. */
  secretsKey?: string;
  /** SIP domain and digest realm of the platform. */
  sipDomain: string;
  register: { minExpires: number; maxExpires: number };
  /** Failed digest authentications per source address per minute before it is blocked, and for how long. */
  authThrottle: { maxFailures: number; blockSeconds: number };
  /** The SIP trunk external calls leave through; unset: external calls get 503. */
  trunk?: { uri: string; username?: string; password?: string };
  /** Call plan files (YAML), loaded at start and reloaded on change; addressable as planId 'file:<basename>'. */
  dialplansDir: string;
  /** The prompt set the media engine plays from ('nl/welkom' → <promptsDir>/nl/welkom.wav). */
  promptsDir: string;
  /** Seed the demo customer, accounts 201/202 and the number 0909 123 4567 at start (idempotent). */
  demo: boolean;
  /** Password of the demo accounts when they are created; unset: a random one, printed once in the start summary. */
  demoPassword?: string;
  /**
   * A call whose plan starts by ringing phones (forward or hunt group) on a number without a caller
   * tariff hears 180 and is answered only when someone picks up or the plan has to speak.
   */
  ringBeforeAnswer: boolean;
  /** CDRs (src/cdr/): rate tables, retention, and this instance's id for crash recovery. */
  cdr: { ratesFile?: string; retentionMonths: number; anonymiseAfterDays?: number; instanceId: string; recoverySeconds: number };
  /** On SIGTERM: how long calls in progress may go on before they are hung up (src/app/drain.ts). */
  shutdownGraceSeconds: number;
  /** Outgoing mail (voicemail, fax): SMTP server URL, unset = no mail is sent; and the From address. */
  mail: { smtpUrl?: string; from: string; deadLetterAfter: number };
  /** Number inventory and orders (src/inventory/): reservation, quarantine, tariff-change delay, auto-activation. */
  inventory: { reservationMinutes: number; quarantineDays: number; tariffChangeWorkingDays: number; autoActivate: boolean };
  /** Invoices and outpayment statements (src/billing/): the price list file (unset: the built-in one) and the payment term. */
  billing: { priceListFile?: string; paymentTermDays: number; operatorDetailsFile?: string };
  /** How long a web app sign-in with username and password lasts (POST /api/v1/session). */
  webSessionMinutes: number;
  /** Reverse proxies whose X-Forwarded-For names the client (src/http/trustProxy.ts); false: none. */
  trustProxy: TrustProxy;
  /** What phone configurations point at, and the optional HTTPS listener (src/provisioning/). */
  provisioning: {
    /** Base URL of the provisioning endpoint as phones reach it (no trailing slash). */
    publicUrl: string;
    sipHost: string;
    transport: 'udp' | 'tcp';
    ntpServer: string;
    https?: { port: number; certFile: string; keyFile: string };
  };
}

/** Names of every variable loadConfig reads, in the order the docs and `contactsuite config` list them. */
export const CONFIG_VARIABLES = [
  'SIP_HOST',
  'SIP_PORT',
  'HTTP_PORT',
  'DATA_DIR',
  'REDIS_URL',
  'DRACHTIO_HOST',
  'DRACHTIO_PORT',
  'DRACHTIO_SECRET',
  'CONTROL_PORT',
  'ENGINE_SECRET',
  'RTP_PORT_MIN',
  'RTP_PORT_MAX',
  'MEDIA_SERVER',
  'FREESWITCH_ESL_HOST',
  'FREESWITCH_ESL_PORT',
  'FREESWITCH_ESL_SECRET',
  'FREESWITCH_OUTBOUND_HOST',
  'FREESWITCH_OUTBOUND_PORT',
  'FREESWITCH_PROMPTS_DIR',
  'FREESWITCH_DATA_DIR',
  'ADMIN_TOKEN',
  'LOG_LEVEL',
  'SECRETS_KEY',
  'SIP_DOMAIN',
  'REGISTER_MIN_EXPIRES',
  'REGISTER_MAX_EXPIRES',
  'AUTH_MAX_FAILURES',
  'AUTH_BLOCK_SECONDS',
  'TRUNK_URI',
  'TRUNK_USERNAME',
  'TRUNK_PASSWORD',
  'DIALPLANS_DIR',
  'PROMPTS_DIR',
  'DEMO',
  'DEMO_PASSWORD',
  'RING_BEFORE_ANSWER',
  'CDR_RATES_FILE',
  'CDR_RETENTION_MONTHS',
  'CDR_ANONYMISE_AFTER_DAYS',
  'CDR_INSTANCE_ID',
  'CDR_RECOVERY_SECONDS',
  'SHUTDOWN_GRACE_SECONDS',
  'SMTP_URL',
  'MAIL_FROM',
  'MAIL_DEAD_LETTER_AFTER',
  'PROVISIONING_PUBLIC_URL',
  'PROVISIONING_SIP_HOST',
  'PROVISIONING_SIP_TRANSPORT',
  'PROVISIONING_NTP_SERVER',
  'PROVISIONING_TLS_CERT',
  'PROVISIONING_TLS_KEY',
  'PROVISIONING_HTTPS_PORT',
  'INVENTORY_RESERVATION_MINUTES',
  'INVENTORY_QUARANTINE_DAYS',
  'TARIFF_CHANGE_WORKING_DAYS',
  'INVENTORY_AUTO_ACTIVATE',
  'PRICE_LIST_FILE',
  'PAYMENT_TERM_DAYS',
  'OPERATOR_DETAILS_FILE',
  'WEB_SESSION_MINUTES',
  'TRUST_PROXY',
] as const;
export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

/** Variables whose values are never printed in full. */
export const SECRET_VARIABLES: ReadonlySet<ConfigVariable> = new Set([
  'DRACHTIO_SECRET',
  'ENGINE_SECRET',
  'ADMIN_TOKEN',
  'SECRETS_KEY',
  'TRUNK_PASSWORD',
  'DEMO_PASSWORD',
  'FREESWITCH_ESL_SECRET',
]);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const PORT_TEXT = 'an integer port 1-65535';
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const port = z
  .string()
  .regex(/^\d{1,5}$/)
  .transform(Number)
  .pipe(z.number().int().min(1).max(65535));
const host = z.string().refine((v) => isIP(v) !== 0 || HOSTNAME.test(v));
const evenPort = port.refine((n) => n % 2 === 0);
const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** One rule per variable: how to parse it and what to tell a person when the value is wrong. */
const RULES = {
  SIP_HOST: { schema: host, allowed: 'an IPv4/IPv6 address or a host name', fallback: '0.0.0.0' },
  SIP_PORT: { schema: port, allowed: PORT_TEXT, fallback: '5060' },
  HTTP_PORT: { schema: port, allowed: PORT_TEXT, fallback: '8080' },
  DATA_DIR: { schema: z.string().min(1), allowed: 'a directory path', fallback: './data' },
  REDIS_URL: {
    schema: z.string().regex(/^rediss?:\/\/\S+$/).refine((v) => URL.canParse(v)),
    allowed: 'a redis:// or rediss:// URL (unset: in-process store)',
    fallback: undefined,
  },
  DRACHTIO_HOST: { schema: host, allowed: 'an IPv4/IPv6 address or a host name', fallback: undefined },
  DRACHTIO_PORT: { schema: port, allowed: PORT_TEXT, fallback: '9022' },
  DRACHTIO_SECRET: { schema: z.string().min(1), allowed: 'a non-empty string', fallback: undefined },
  CONTROL_PORT: { schema: port, allowed: PORT_TEXT, fallback: '9022' },
  ENGINE_SECRET: {
    schema: z.string().regex(/^[^|\s]+$/),
    // The secret travels as a `|`-separated token of the drachtio authenticate frame (spec §1.4).
    allowed: 'a non-empty string without "|" or whitespace',
    fallback: undefined,
  },
  RTP_PORT_MIN: { schema: evenPort, allowed: 'an even integer port 1-65535', fallback: '20000' },
  RTP_PORT_MAX: { schema: evenPort, allowed: 'an even integer port 1-65535', fallback: '30000' },
  MEDIA_SERVER: { schema: z.enum(['embedded', 'freeswitch']), allowed: 'embedded or freeswitch', fallback: 'embedded' },
  FREESWITCH_ESL_HOST: { schema: host, allowed: 'an IPv4/IPv6 address or a host name', fallback: undefined },
  FREESWITCH_ESL_PORT: { schema: port, allowed: PORT_TEXT, fallback: '8021' },
  // The event socket runs any command on FreeSWITCH; its default password (ClueCon) is refused.
  FREESWITCH_ESL_SECRET: {
    schema: z.string().regex(/^\S{8,}$/).refine((v) => v !== 'ClueCon'),
    allowed: 'at least 8 characters without whitespace, not the default ClueCon',
    fallback: undefined,
  },
  FREESWITCH_OUTBOUND_HOST: { schema: host, allowed: 'an IPv4/IPv6 address or a host name FreeSWITCH can reach', fallback: undefined },
  FREESWITCH_OUTBOUND_PORT: { schema: port, allowed: PORT_TEXT, fallback: '8085' },
  FREESWITCH_PROMPTS_DIR: { schema: z.string().regex(/^\//), allowed: 'an absolute path in the FreeSWITCH container', fallback: undefined },
  FREESWITCH_DATA_DIR: { schema: z.string().regex(/^\//), allowed: 'an absolute path in the FreeSWITCH container', fallback: undefined },
  ADMIN_TOKEN: { schema: z.string().min(16), allowed: 'a string of at least 16 characters', fallback: undefined },
  LOG_LEVEL: { schema: z.enum(LOG_LEVELS), allowed: `one of ${LOG_LEVELS.join(', ')}`, fallback: 'info' },
  SECRETS_KEY: { schema: z.string().regex(/^[0-9a-fA-F]{64}$/), allowed: '64 hex characters (32 bytes)', fallback: undefined },
  SIP_DOMAIN: { schema: host, allowed: 'a host name or IP address', fallback: 'contactsuite.local' },
  REGISTER_MIN_EXPIRES: { schema: count(1, 86_400), allowed: 'an integer number of seconds 1-86400', fallback: '60' },
  REGISTER_MAX_EXPIRES: { schema: count(1, 86_400), allowed: 'an integer number of seconds 1-86400', fallback: '3600' },
  AUTH_MAX_FAILURES: { schema: count(1, 10_000), allowed: 'an integer 1-10000', fallback: '10' },
  AUTH_BLOCK_SECONDS: { schema: count(1, 86_400), allowed: 'an integer number of seconds 1-86400', fallback: '300' },
  TRUNK_URI: {
    schema: z.string().regex(/^sips?:[^\s@]+$/),
    allowed: 'a SIP URI of the trunk without a user part, e.g. sip:trunk.example.net:5060;transport=udp',
    fallback: undefined,
  },
  TRUNK_USERNAME: { schema: z.string().min(1), allowed: 'a non-empty string', fallback: undefined },
  TRUNK_PASSWORD: { schema: z.string().min(1), allowed: 'a non-empty string', fallback: undefined },
  DIALPLANS_DIR: { schema: z.string().min(1), allowed: 'a directory path', fallback: './dialplans' },
  PROMPTS_DIR: { schema: z.string().min(1), allowed: 'a directory path', fallback: './prompts' },
  DEMO: { schema: z.enum(['on', 'off']), allowed: 'on or off', fallback: 'on' },
  DEMO_PASSWORD: { schema: z.string().min(8), allowed: 'a string of at least 8 characters', fallback: undefined },
  RING_BEFORE_ANSWER: { schema: z.enum(['on', 'off']), allowed: 'on or off', fallback: 'on' },
  CDR_RATES_FILE: { schema: z.string().min(1), allowed: 'a YAML/JSON rate file path (README: CDRs and outpayment)', fallback: undefined },
  // At least 2: the current and the previous month's CDRs must stay while totals may still change.
  CDR_RETENTION_MONTHS: { schema: count(2, 120), allowed: 'an integer number of months 2-120', fallback: '12' },
  CDR_ANONYMISE_AFTER_DAYS: { schema: count(1, 3650), allowed: 'an integer number of days 1-3650', fallback: undefined },
  CDR_INSTANCE_ID: { schema: z.string().regex(/^[\w.-]{1,64}$/), allowed: '1-64 letters, digits, ".", "_" or "-"', fallback: undefined },
  // At least 3: an instance says it is alive every third of this (at most every 10 s).
  CDR_RECOVERY_SECONDS: { schema: count(3, 3600), allowed: 'an integer number of seconds 3-3600', fallback: '60' },
  SHUTDOWN_GRACE_SECONDS: { schema: count(0, 3600), allowed: 'an integer number of seconds 0-3600', fallback: '30' },
  SMTP_URL: {
    schema: z.string().regex(/^smtps?:\/\/\S+$/).refine((v) => URL.canParse(v)),
    allowed: 'an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.nl:587 (unset: no mail is sent)',
    fallback: undefined,
  },
  MAIL_FROM: {
    schema: z.string().min(3).max(200).regex(/@/),
    allowed: 'a From address, e.g. "ContactSuite <voicemail@example.nl>"',
    fallback: 'ContactSuite <noreply@contactsuite.local>',
  },
  MAIL_DEAD_LETTER_AFTER: { schema: count(1, 1000), allowed: 'an integer number of permanent (5xx) refusals 1-1000', fallback: '5' },
  PROVISIONING_PUBLIC_URL: {
    schema: z.string().regex(/^https?:\/\/[^\s?#]+$/).refine((v) => URL.canParse(v)).transform((v) => v.replace(/\/+$/, '')),
    allowed: 'an http:// or https:// URL without query, e.g. https://prov.example.nl/provisioning',
    fallback: undefined,
  },
  PROVISIONING_SIP_HOST: { schema: host, allowed: 'a host name or IP address', fallback: undefined },
  PROVISIONING_SIP_TRANSPORT: { schema: z.enum(['udp', 'tcp']), allowed: 'udp or tcp', fallback: 'udp' },
  PROVISIONING_NTP_SERVER: { schema: host, allowed: 'a host name or IP address', fallback: 'nl.pool.ntp.org' },
  PROVISIONING_TLS_CERT: { schema: z.string().min(1), allowed: 'a PEM certificate file path', fallback: undefined },
  PROVISIONING_TLS_KEY: { schema: z.string().min(1), allowed: 'a PEM private key file path', fallback: undefined },
  PROVISIONING_HTTPS_PORT: { schema: port, allowed: PORT_TEXT, fallback: '8443' },
  INVENTORY_RESERVATION_MINUTES: { schema: count(1, 10_080), allowed: 'an integer number of minutes 1-10080', fallback: '60' },
  INVENTORY_QUARANTINE_DAYS: { schema: count(0, 3650), allowed: 'an integer number of days 0-3650', fallback: '90' },
  TARIFF_CHANGE_WORKING_DAYS: { schema: count(0, 60), allowed: 'an integer number of working days 0-60', fallback: '5' },
  INVENTORY_AUTO_ACTIVATE: { schema: z.enum(['on', 'off']), allowed: 'on or off', fallback: 'off' },
  PRICE_LIST_FILE: { schema: z.string().min(1), allowed: 'a YAML/JSON price list path (README: Invoices and outpayment statements)', fallback: undefined },
  PAYMENT_TERM_DAYS: { schema: count(0, 365), allowed: 'an integer number of days 0-365', fallback: '14' },
  OPERATOR_DETAILS_FILE: { schema: z.string().min(1), allowed: "a YAML/JSON file with the operator's name, address, KvK, btw-id, IBAN, BIC (README: Invoices and outpayment statements)", fallback: undefined },
  WEB_SESSION_MINUTES: { schema: count(5, 1440), allowed: 'an integer number of minutes 5-1440', fallback: '480' },
  TRUST_PROXY: { schema: TrustProxySchema, allowed: TRUST_PROXY_ALLOWED, fallback: 'off' },
} satisfies Record<ConfigVariable, { schema: z.ZodType; allowed: string; fallback: string | undefined }>;

type Parsed = { [K in ConfigVariable]: z.output<(typeof RULES)[K]['schema']> | undefined };

function show(name: ConfigVariable, value: string): string {
  if (SECRET_VARIABLES.has(name)) return mask(value);
  return JSON.stringify(name === 'REDIS_URL' || name === 'SMTP_URL' ? redactUrlPassword(value) : value);
}

/** A URL with its password (if any) masked, for messages and `contactsuite config`. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1****@');
}

/** Masks a secret for display: its length, never its characters. */
export function mask(value: string | undefined): string {
  return value === undefined ? '(unset)' : `****(${value.length} chars)`;
}

/**
 * Reads and validates the configuration. An empty string counts as unset, as in most shells'
 * `VAR= cmd` usage. Throws ConfigError naming every wrong variable, its value and what is allowed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const parsed = {} as Record<ConfigVariable, unknown>;
  for (const name of CONFIG_VARIABLES) {
    const rule = RULES[name];
    const raw = env[name] === '' ? undefined : env[name];
    const value = raw ?? rule.fallback;
    if (value === undefined) {
      parsed[name] = undefined;
      continue;
    }
    const result = rule.schema.safeParse(value);
    if (result.success) parsed[name] = result.data;
    else problems.push(`${name}=${show(name, value)}: expected ${rule.allowed}`);
  }
  const p = parsed as Parsed;

  // Rules across variables, checked only when the variables involved are valid on their own.
  if (p.RTP_PORT_MIN !== undefined && p.RTP_PORT_MAX !== undefined && p.RTP_PORT_MIN >= p.RTP_PORT_MAX) {
    problems.push(
      `RTP_PORT_MIN=${p.RTP_PORT_MIN}, RTP_PORT_MAX=${p.RTP_PORT_MAX}: expected RTP_PORT_MIN to be lower than RTP_PORT_MAX`,
    );
  }
  if (p.DRACHTIO_HOST !== undefined && p.DRACHTIO_SECRET === undefined) {
    problems.push(`DRACHTIO_SECRET is unset: expected a non-empty string when DRACHTIO_HOST is set`);
  }
  const embedded = p.DRACHTIO_HOST === undefined;
  if (p.HTTP_PORT !== undefined && p.HTTP_PORT === p.SIP_PORT) {
    problems.push(`HTTP_PORT=${p.HTTP_PORT}: expected a port other than SIP_PORT (both use TCP)`);
  }
  if (embedded && p.CONTROL_PORT !== undefined) {
    if (p.CONTROL_PORT === p.SIP_PORT) {
      problems.push(`CONTROL_PORT=${p.CONTROL_PORT}: expected a port other than SIP_PORT (both use TCP)`);
    }
    if (p.CONTROL_PORT === p.HTTP_PORT) {
      problems.push(`CONTROL_PORT=${p.CONTROL_PORT}: expected a port other than HTTP_PORT`);
    }
  }

  if (p.REGISTER_MIN_EXPIRES !== undefined && p.REGISTER_MAX_EXPIRES !== undefined && p.REGISTER_MIN_EXPIRES > p.REGISTER_MAX_EXPIRES) {
    problems.push(
      `REGISTER_MIN_EXPIRES=${p.REGISTER_MIN_EXPIRES}, REGISTER_MAX_EXPIRES=${p.REGISTER_MAX_EXPIRES}: expected the minimum not above the maximum`,
    );
  }
  if (p.MEDIA_SERVER === 'freeswitch') {
    if (p.FREESWITCH_ESL_HOST === undefined) problems.push('FREESWITCH_ESL_HOST is unset: expected FreeSWITCH\'s event-socket address when MEDIA_SERVER=freeswitch');
    if (p.FREESWITCH_ESL_SECRET === undefined) problems.push('FREESWITCH_ESL_SECRET is unset: expected the event-socket password when MEDIA_SERVER=freeswitch');
  }
  if ((p.TRUNK_USERNAME !== undefined || p.TRUNK_PASSWORD !== undefined) && p.TRUNK_URI === undefined) {
    problems.push('TRUNK_URI is unset: expected a trunk URI when TRUNK_USERNAME or TRUNK_PASSWORD is set');
  }

  if ((p.PROVISIONING_TLS_CERT === undefined) !== (p.PROVISIONING_TLS_KEY === undefined)) {
    problems.push('PROVISIONING_TLS_CERT and PROVISIONING_TLS_KEY: expected both set (HTTPS provisioning) or neither');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  // Every value below was validated above; the non-null assertions restate the fallbacks.
  const secretGenerated = p.ENGINE_SECRET === undefined;
  return {
    sip: { host: p.SIP_HOST!, port: p.SIP_PORT! },
    httpPort: p.HTTP_PORT!,
    dataDir: p.DATA_DIR!,
    ...(p.REDIS_URL !== undefined ? { redisUrl: p.REDIS_URL } : {}),
    ...(p.DRACHTIO_HOST !== undefined
      ? { drachtio: { host: p.DRACHTIO_HOST, port: p.DRACHTIO_PORT!, secret: p.DRACHTIO_SECRET! } }
      : {}),
    engine: {
      // The embedded engine's control port only ever serves our own app process.
      controlHost: '127.0.0.1',
      controlPort: p.CONTROL_PORT!,
      secret: p.ENGINE_SECRET ?? randomBytes(18).toString('base64url'),
      secretGenerated,
    },
    rtp: { min: p.RTP_PORT_MIN!, max: p.RTP_PORT_MAX! },
    media:
      p.MEDIA_SERVER === 'freeswitch'
        ? {
            server: 'freeswitch',
            esl: { host: p.FREESWITCH_ESL_HOST!, port: p.FREESWITCH_ESL_PORT!, secret: p.FREESWITCH_ESL_SECRET! },
            outbound: { ...(p.FREESWITCH_OUTBOUND_HOST !== undefined ? { host: p.FREESWITCH_OUTBOUND_HOST } : {}), port: p.FREESWITCH_OUTBOUND_PORT! },
            ...(p.FREESWITCH_PROMPTS_DIR !== undefined ? { promptsDir: p.FREESWITCH_PROMPTS_DIR } : {}),
            ...(p.FREESWITCH_DATA_DIR !== undefined ? { dataDir: p.FREESWITCH_DATA_DIR } : {}),
          }
        : { server: 'embedded' },
    ...(p.ADMIN_TOKEN !== undefined ? { adminToken: p.ADMIN_TOKEN } : {}),
    logLevel: p.LOG_LEVEL!,
    ...(p.SECRETS_KEY !== undefined ? { secretsKey: p.SECRETS_KEY } : {}),
    sipDomain: p.SIP_DOMAIN!,
    register: { minExpires: p.REGISTER_MIN_EXPIRES!, maxExpires: p.REGISTER_MAX_EXPIRES! },
    authThrottle: { maxFailures: p.AUTH_MAX_FAILURES!, blockSeconds: p.AUTH_BLOCK_SECONDS! },
    ...(p.TRUNK_URI !== undefined
      ? {
          trunk: {
            uri: p.TRUNK_URI,
            ...(p.TRUNK_USERNAME !== undefined ? { username: p.TRUNK_USERNAME } : {}),
            ...(p.TRUNK_PASSWORD !== undefined ? { password: p.TRUNK_PASSWORD } : {}),
          },
        }
      : {}),
    dialplansDir: p.DIALPLANS_DIR!,
    promptsDir: p.PROMPTS_DIR!,
    demo: p.DEMO === 'on',
    ...(p.DEMO_PASSWORD !== undefined ? { demoPassword: p.DEMO_PASSWORD } : {}),
    ringBeforeAnswer: p.RING_BEFORE_ANSWER === 'on',
    cdr: {
      ...(p.CDR_RATES_FILE !== undefined ? { ratesFile: p.CDR_RATES_FILE } : {}),
      retentionMonths: p.CDR_RETENTION_MONTHS!,
      ...(p.CDR_ANONYMISE_AFTER_DAYS !== undefined ? { anonymiseAfterDays: p.CDR_ANONYMISE_AFTER_DAYS } : {}),
      // A restarted instance finds its own open records by this id; the host name survives restarts.
      instanceId: p.CDR_INSTANCE_ID ?? (hostname().replace(/[^\w.-]/g, '-').slice(0, 64) || 'contactsuite'),
      recoverySeconds: p.CDR_RECOVERY_SECONDS!,
    },
    shutdownGraceSeconds: p.SHUTDOWN_GRACE_SECONDS!,
    mail: { ...(p.SMTP_URL !== undefined ? { smtpUrl: p.SMTP_URL } : {}), from: p.MAIL_FROM!, deadLetterAfter: p.MAIL_DEAD_LETTER_AFTER! },
    inventory: {
      reservationMinutes: p.INVENTORY_RESERVATION_MINUTES!,
      quarantineDays: p.INVENTORY_QUARANTINE_DAYS!,
      tariffChangeWorkingDays: p.TARIFF_CHANGE_WORKING_DAYS!,
      autoActivate: p.INVENTORY_AUTO_ACTIVATE === 'on',
    },
    billing: {
      ...(p.PRICE_LIST_FILE !== undefined ? { priceListFile: p.PRICE_LIST_FILE } : {}),
      paymentTermDays: p.PAYMENT_TERM_DAYS!,
      ...(p.OPERATOR_DETAILS_FILE !== undefined ? { operatorDetailsFile: p.OPERATOR_DETAILS_FILE } : {}),
    },
    webSessionMinutes: p.WEB_SESSION_MINUTES!,
    trustProxy: p.TRUST_PROXY!,
    provisioning: {
      publicUrl: p.PROVISIONING_PUBLIC_URL ?? `http://${p.SIP_DOMAIN!}:${p.HTTP_PORT!}/provisioning`,
      sipHost: p.PROVISIONING_SIP_HOST ?? p.SIP_DOMAIN!,
      transport: p.PROVISIONING_SIP_TRANSPORT!,
      ntpServer: p.PROVISIONING_NTP_SERVER!,
      ...(p.PROVISIONING_TLS_CERT !== undefined && p.PROVISIONING_TLS_KEY !== undefined
        ? { https: { port: p.PROVISIONING_HTTPS_PORT!, certFile: p.PROVISIONING_TLS_CERT, keyFile: p.PROVISIONING_TLS_KEY } }
        : {}),
    },
  };
}

/**
 * The effective value of every variable, as `contactsuite config` prints it: secrets masked,
 * and where each value came from.
 */
export function describeConfig(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): Array<{ name: ConfigVariable; value: string; source: 'env' | 'default' | 'generated' | 'unset' }> {
  const values: Record<ConfigVariable, string | undefined> = {
    SIP_HOST: config.sip.host,
    SIP_PORT: String(config.sip.port),
    HTTP_PORT: String(config.httpPort),
    DATA_DIR: config.dataDir,
    REDIS_URL: config.redisUrl,
    DRACHTIO_HOST: config.drachtio?.host,
    DRACHTIO_PORT: config.drachtio ? String(config.drachtio.port) : env.DRACHTIO_PORT || undefined,
    DRACHTIO_SECRET: config.drachtio?.secret,
    CONTROL_PORT: String(config.engine.controlPort),
    ENGINE_SECRET: config.engine.secret,
    RTP_PORT_MIN: String(config.rtp.min),
    RTP_PORT_MAX: String(config.rtp.max),
    MEDIA_SERVER: config.media.server,
    FREESWITCH_ESL_HOST: config.media.server === 'freeswitch' ? config.media.esl.host : undefined,
    FREESWITCH_ESL_PORT: config.media.server === 'freeswitch' ? String(config.media.esl.port) : env.FREESWITCH_ESL_PORT || undefined,
    FREESWITCH_ESL_SECRET: config.media.server === 'freeswitch' ? config.media.esl.secret : undefined,
    FREESWITCH_OUTBOUND_HOST: config.media.server === 'freeswitch' ? config.media.outbound.host : undefined,
    FREESWITCH_OUTBOUND_PORT: config.media.server === 'freeswitch' ? String(config.media.outbound.port) : env.FREESWITCH_OUTBOUND_PORT || undefined,
    FREESWITCH_PROMPTS_DIR: config.media.server === 'freeswitch' ? config.media.promptsDir : undefined,
    FREESWITCH_DATA_DIR: config.media.server === 'freeswitch' ? config.media.dataDir : undefined,
    ADMIN_TOKEN: config.adminToken,
    LOG_LEVEL: config.logLevel,
    SECRETS_KEY: config.secretsKey,
    SIP_DOMAIN: config.sipDomain,
    REGISTER_MIN_EXPIRES: String(config.register.minExpires),
    REGISTER_MAX_EXPIRES: String(config.register.maxExpires),
    AUTH_MAX_FAILURES: String(config.authThrottle.maxFailures),
    AUTH_BLOCK_SECONDS: String(config.authThrottle.blockSeconds),
    TRUNK_URI: config.trunk?.uri,
    TRUNK_USERNAME: config.trunk?.username,
    TRUNK_PASSWORD: config.trunk?.password,
    DIALPLANS_DIR: config.dialplansDir,
    PROMPTS_DIR: config.promptsDir,
    DEMO: config.demo ? 'on' : 'off',
    DEMO_PASSWORD: config.demoPassword,
    RING_BEFORE_ANSWER: config.ringBeforeAnswer ? 'on' : 'off',
    CDR_RATES_FILE: config.cdr.ratesFile,
    CDR_RETENTION_MONTHS: String(config.cdr.retentionMonths),
    CDR_ANONYMISE_AFTER_DAYS: config.cdr.anonymiseAfterDays !== undefined ? String(config.cdr.anonymiseAfterDays) : undefined,
    CDR_INSTANCE_ID: config.cdr.instanceId,
    CDR_RECOVERY_SECONDS: String(config.cdr.recoverySeconds),
    SHUTDOWN_GRACE_SECONDS: String(config.shutdownGraceSeconds),
    SMTP_URL: config.mail.smtpUrl,
    MAIL_FROM: config.mail.from,
    MAIL_DEAD_LETTER_AFTER: String(config.mail.deadLetterAfter),
    PROVISIONING_PUBLIC_URL: config.provisioning.publicUrl,
    PROVISIONING_SIP_HOST: config.provisioning.sipHost,
    PROVISIONING_SIP_TRANSPORT: config.provisioning.transport,
    PROVISIONING_NTP_SERVER: config.provisioning.ntpServer,
    PROVISIONING_TLS_CERT: config.provisioning.https?.certFile,
    PROVISIONING_TLS_KEY: config.provisioning.https?.keyFile,
    PROVISIONING_HTTPS_PORT: config.provisioning.https ? String(config.provisioning.https.port) : env.PROVISIONING_HTTPS_PORT || undefined,
    INVENTORY_RESERVATION_MINUTES: String(config.inventory.reservationMinutes),
    INVENTORY_QUARANTINE_DAYS: String(config.inventory.quarantineDays),
    TARIFF_CHANGE_WORKING_DAYS: String(config.inventory.tariffChangeWorkingDays),
    INVENTORY_AUTO_ACTIVATE: config.inventory.autoActivate ? 'on' : 'off',
    PRICE_LIST_FILE: config.billing.priceListFile,
    PAYMENT_TERM_DAYS: String(config.billing.paymentTermDays),
    OPERATOR_DETAILS_FILE: config.billing.operatorDetailsFile,
    WEB_SESSION_MINUTES: String(config.webSessionMinutes),
    TRUST_PROXY: describeTrustProxy(config.trustProxy),
  };
  return CONFIG_VARIABLES.map((name) => {
    const value = values[name];
    const fromEnv = env[name] !== undefined && env[name] !== '';
    const source =
      value === undefined ? 'unset' : fromEnv ? 'env' : name === 'ENGINE_SECRET' ? 'generated' : 'default';
    const shown =
      value === undefined
        ? ''
        : SECRET_VARIABLES.has(name)
          ? mask(value)
          : name === 'REDIS_URL' || name === 'SMTP_URL'
            ? redactUrlPassword(value)
            : value;
    return { name, value: shown, source };
  });
}
