import type { z } from 'zod';
import type { AccountSchema, AccountWithPasswordSchema } from '../api/accounts.js';
import type { DeviceSchema, ProvisioningAccessSchema } from '../api/devices.js';
import type { RegistrationSchema } from '../api/registrations.js';
import type { VoicemailBoxSchema, VoicemailMessageSchema } from '../api/voicemail.js';
import type { FieldIssue } from '../api/errors.js';
import type { NumberSchema } from '../api/numbers.js';
import type { PlanSchema, PlanVersionSchema } from '../api/plans.js';
import type { PromptSchema } from '../api/prompts.js';
import type { SessionSchema } from '../api/session.js';
import type { SimulateBody, SimulationSchema } from '../api/simulate.js';
import type { SimulationStep } from '../plans/simulate.js';
import type { LiveCallSchema } from '../api/calls.js';
import type { CdrHistoryQuery, CdrViewSchema } from '../api/cdrs.js';
import type { RevenueSchema } from '../api/reports.js';

/**
 * The admin API as the web app uses it (/api/v1, bearer token). Response shapes mirror the
 * server's zod response schemas (src/api/*.ts); a 400 carries `issues` with dotted field paths.
 */

export type { FieldIssue };

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; field?: string; issues?: FieldIssue[] },
  ) {
    super(body.message ?? body.error ?? `HTTP ${status}`);
    this.name = 'ApiFailure';
  }
  get issues(): FieldIssue[] {
    return this.body.issues ?? [];
  }
}

// The API's own response schemas, as types only (nothing of the server is bundled): a field
// renamed on the server is a type error here.
export type Session = z.output<typeof SessionSchema>;
export type ServiceNumber = z.output<typeof NumberSchema>;
export type Tariff = NonNullable<ServiceNumber['tariff']>;
export type PlanVersion = Omit<z.output<typeof PlanVersionSchema>, 'plan'> & { plan?: unknown };
export type PlanRecord = z.output<typeof PlanSchema>;
export type Prompt = z.output<typeof PromptSchema>;
export type Account = z.output<typeof AccountSchema>;
export type NewAccount = z.output<typeof AccountWithPasswordSchema>;
export type Registration = z.output<typeof RegistrationSchema>;
export type Device = z.output<typeof DeviceSchema>;
export type ProvisioningAccess = z.output<typeof ProvisioningAccessSchema>;
export type VoicemailBox = z.output<typeof VoicemailBoxSchema>;
export type VoicemailMessage = z.output<typeof VoicemailMessageSchema>;
export type { SimulationStep };
export type LiveCall = z.output<typeof LiveCallSchema>;
export type CdrView = z.output<typeof CdrViewSchema>;
export type CdrFilters = Partial<Pick<z.output<typeof CdrHistoryQuery>, 'month' | 'from' | 'to' | 'number' | 'disposition'>>;
export type Revenue = z.output<typeof RevenueSchema>;

/** Query string of the set filters only. */
function cdrQuery(filters: CdrFilters, extra: Record<string, string>): string {
  const parts = Object.entries({ ...filters, ...extra }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '');
  return new URLSearchParams(parts).toString();
}
/** The simulator's steps are typed by the simulator itself (the API schema only says "records"). */
export type Simulation = Omit<z.output<typeof SimulationSchema>, 'steps'> & { steps: SimulationStep[] };
export type SimulateInput = Pick<z.input<typeof SimulateBody>, 'plan' | 'at'> & { dtmf: string[]; busy: string[]; noAnswer: string[]; failing: string[] };

export class Api {
  constructor(private readonly token: string) {}

  async request<T>(method: string, path: string, body?: unknown, raw?: { type: string; data: Blob }): Promise<T> {
    const type: Record<string, string> = raw ? { 'content-type': raw.type } : body === undefined ? {} : { 'content-type': 'application/json' };
    const res = await fetch(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...type },
      ...(raw ? { body: raw.data } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) throw new ApiFailure(res.status, (parsed ?? {}) as ApiFailure['body']);
    return parsed as T;
  }

  session = (): Promise<Session> => this.request('GET', '/session');
  numbers = (customerId: string): Promise<ServiceNumber[]> => this.request('GET', `/customers/${customerId}/numbers`);
  setNumberStatus = (numberId: string, status: ServiceNumber['status']): Promise<ServiceNumber> =>
    this.request('PATCH', `/numbers/${numberId}`, { status });
  plans = (customerId: string): Promise<PlanRecord[]> => this.request('GET', `/customers/${customerId}/plans`);
  plan = (planId: string): Promise<PlanRecord> => this.request('GET', `/plans/${planId}`);
  /** A new plan with its document as version 1 (a draft). */
  createPlan = (customerId: string, name: string, plan: unknown): Promise<PlanRecord> => this.request('POST', `/customers/${customerId}/plans`, { name, plan });
  /** Refused with 409 while a number is linked to the plan. */
  deletePlan = (planId: string): Promise<void> => this.request('DELETE', `/plans/${planId}`);
  versions = (planId: string): Promise<PlanVersion[]> => this.request('GET', `/plans/${planId}/versions`);
  version = (planId: string, version: number): Promise<PlanVersion> => this.request('GET', `/plans/${planId}/versions/${version}`);
  saveVersion = (planId: string, plan: unknown): Promise<PlanVersion> => this.request('POST', `/plans/${planId}/versions`, { plan });
  publish = (planId: string, version: number): Promise<PlanRecord> => this.request('POST', `/plans/${planId}/publish`, { version });
  restore = (planId: string, version: number): Promise<PlanRecord> => this.request('POST', `/plans/${planId}/restore`, { version });
  simulate = (planId: string, input: SimulateInput): Promise<Simulation> => this.request('POST', `/plans/${planId}/simulate`, input);
  tokens = (customerId: string): Promise<{ id: string; label: string; role: string }[]> => this.request('GET', `/customers/${customerId}/tokens`);
  prompts = (customerId: string): Promise<Prompt[]> => this.request('GET', `/customers/${customerId}/prompts`);
  /** The file as the raw body; the server sniffs the format (WAV, MP3, OGG, FLAC) and converts it. */
  uploadPrompt = (customerId: string, name: string, file: File): Promise<Prompt> =>
    this.request('POST', `/customers/${customerId}/prompts?name=${encodeURIComponent(name)}`, undefined, { type: file.type.startsWith('audio/') ? file.type : 'application/octet-stream', data: file });
  deletePrompt = (customerId: string, promptId: string): Promise<void> => this.request('DELETE', `/customers/${customerId}/prompts/${promptId}`);
  /** The prompt as played (8 kHz WAV) as a blob: an <audio> element cannot send the bearer token itself. */
  promptAudio = (customerId: string, promptId: string): Promise<Blob> => this.blob(`/customers/${customerId}/prompts/${promptId}/audio`);
  /** customerId: the platform token's filter (a beheerder's and gebruiker's own boxes regardless). */
  voicemailBoxes = (customerId?: string): Promise<VoicemailBox[]> =>
    this.request('GET', customerId === undefined ? '/voicemail-boxes' : `/voicemail-boxes?customerId=${encodeURIComponent(customerId)}`);
  voicemailMessages = (boxId: string): Promise<VoicemailMessage[]> => this.request('GET', `/voicemail-boxes/${boxId}/messages`);
  setHeard = (boxId: string, messageId: string, heard: boolean): Promise<VoicemailMessage> =>
    this.request('PATCH', `/voicemail-boxes/${boxId}/messages/${messageId}`, { heard });
  deleteMessage = (boxId: string, messageId: string): Promise<void> => this.request('DELETE', `/voicemail-boxes/${boxId}/messages/${messageId}`);
  voicemailAudio = (boxId: string, messageId: string): Promise<Blob> => this.blob(`/voicemail-boxes/${boxId}/messages/${messageId}/audio`);

  async blob(path: string): Promise<Blob> {
    const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (!res.ok) throw new ApiFailure(res.status, {});
    return res.blob();
  }
  accounts = (customerId: string): Promise<Account[]> => this.request('GET', `/customers/${customerId}/accounts`);
  createAccount = (customerId: string, body: { username: string; displayName?: string }): Promise<NewAccount> =>
    this.request('POST', `/customers/${customerId}/accounts`, body);
  registrations = (accountId: string): Promise<Registration[]> => this.request('GET', `/accounts/${accountId}/registrations`);
  devices = (customerId: string): Promise<Device[]> => this.request('GET', `/customers/${customerId}/devices`);
  createDevice = (customerId: string, body: { model: string; mac?: string; lines: string[]; label?: string }): Promise<Device & { provisioning: ProvisioningAccess }> =>
    this.request('POST', `/customers/${customerId}/devices`, body);
  provisioning = (deviceId: string): Promise<ProvisioningAccess> => this.request('GET', `/devices/${deviceId}/provisioning`);
  account = (accountId: string): Promise<Account> => this.request('GET', `/accounts/${accountId}`);
  liveCalls = (): Promise<LiveCall[]> => this.request('GET', '/calls/live');
  cdrs = (filters: CdrFilters, page: number, pageSize: number): Promise<{ total: number; page: number; pageSize: number; items: CdrView[] }> =>
    this.request('GET', `/cdrs?${cdrQuery(filters, { page: String(page), pageSize: String(pageSize) })}`);
  /** Every matching CDR as CSV (a blob the page offers as a download: a link cannot send the token). */
  cdrCsv = (filters: CdrFilters): Promise<Blob> => this.blob(`/cdrs?${cdrQuery(filters, { format: 'csv' })}`);
  revenue = (month: string): Promise<Revenue> => this.request('GET', `/reports/revenue?month=${encodeURIComponent(month)}`);
}
