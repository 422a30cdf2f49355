import type { CdrLog } from '../cdr/CdrLog.js';
import type { LiveCallEntry } from '../calls/LiveCallList.js';
import type { Logger } from '../logger.js';
import type { ProvisioningSite } from '../provisioning/DeviceTypes.js';
import type { SecretBox } from '../store/secrets.js';
import type { Store } from '../store/StoreTypes.js';
import type { VoicemailService } from '../voicemail/VoicemailService.js';
import type { InventoryService } from '../inventory/InventoryService.js';
import type { SignInOptions } from './session.js';
import type { BillingService } from '../billing/InvoiceRun.js';

/** What the admin API needs from the app. */
export interface ApiDeps {
  store: Store;
  /** Encrypts SIP passwords at rest (AES-256-GCM); provisioning and digest auth decrypt them. */
  secrets: SecretBox;
  /** ADMIN_TOKEN: the platform operator's token, which sees every customer. Unset: no platform access. */
  platformToken?: string;
  logger: Logger;
  /** Where phones register, returned with each account so a person can configure a phone. */
  sip: { domain: string; port: number };
  /**
   * Root of the prompts the media engine plays (DATA_DIR/prompts; default ./data/prompts):
   * uploads go to <promptsDir>/custom/<customerId>/<promptId>.wav.
   */
  promptsDir?: string;
  /** CDR totals for /reports; unset: every month reports empty. */
  cdr?: CdrLog;
  /** What phone configurations carry (PROVISIONING_*); unset: derived from `sip` (tests). */
  provisioning?: ProvisioningSite;
  /** Voicemail (boxes, messages, MWI on change); unset: a service on ./data without MWI. */
  voicemail?: VoicemailService;
  /** Number inventory, orders, contracts, tariff changes; unset: a service without mail and default options. */
  inventory?: InventoryService;
  /** Invoices and outpayment statements; unset: a service on the store and `cdr` with the default price list. */
  billing?: BillingService;
  /** DATA_DIR/fax, where FaxToEmail keeps received faxes (the fax inbox); unset: ./data/fax. */
  faxDir?: string;
  /** Web app sign-in with username and password (POST /session); unset: 480-minute sessions, default throttle. */
  signIn?: SignInOptions;
  /** The calls in progress (GET /calls/live): this instance's list, or every instance's through Redis; unset: none. */
  liveCalls?: { list(): LiveCallEntry[] | Promise<LiveCallEntry[]> };
}

/** What a resource's routes use. */
export interface ApiContext {
  store: Store;
  secrets: SecretBox;
  log: Logger;
  sip: { domain: string; port: number };
  provisioning: ProvisioningSite;
}
