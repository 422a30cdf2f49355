import type { Logger } from '../logger.js';
import type { SecretBox } from '../store/secrets.js';
import type { Store } from '../store/StoreTypes.js';

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
}

/** What a resource's routes use. */
export interface ApiContext {
  store: Store;
  secrets: SecretBox;
  log: Logger;
  sip: { domain: string; port: number };
}
