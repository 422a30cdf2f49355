/**
 * A provisioned phone ("toestel"): a certified model, bound to up to `lines` SIP accounts of one
 * customer, which fetches its configuration from the provisioning endpoint.
 */

export interface Device {
  id: string;
  customerId: string;
  /** A name from the certified list (models.ts). */
  model: string;
  /** 12 lowercase hex digits, unique across the platform; absent for a softphone. */
  mac?: string;
  /** Account ids on line 1, 2, …: lines[0] is line 1. Deleting an account unbinds it (later lines move up). */
  lines: string[];
  /** Where the phone is, for people: "Receptie". */
  label?: string;
  /**
   * The device's provisioning secret, SecretBox-encrypted: the HTTP password of a desk phone
   * (username: its MAC) or the token in a softphone's provisioning URL. Never logged.
   */
  secretEnc: string;
  createdAt: number;
}

export type NewDevice = Omit<Device, 'id' | 'createdAt'>;

/** A device never moves to another customer; an explicit `undefined` removes mac or label. */
export type DevicePatch = Partial<Omit<NewDevice, 'customerId'>>;

export interface DeviceRepo {
  /**
   * Rejects with ConflictError('mac') when the MAC is taken, ConflictError('customerId') for an
   * unknown customer, ConflictError('lines') when a line names an account that does not exist
   * or belongs to another customer.
   */
  create(d: NewDevice): Promise<Device>;
  get(id: string): Promise<Device | undefined>;
  getByMac(mac: string): Promise<Device | undefined>;
  list(customerId?: string): Promise<Device[]>;
  /** Devices with the account on one of their lines. */
  listByAccount(accountId: string): Promise<Device[]>;
  /** Same conflicts as create. */
  update(id: string, patch: DevicePatch): Promise<Device | undefined>;
  delete(id: string): Promise<boolean>;
}

export function macTaken(mac: string): string {
  return `MAC ${mac} is already in use by another device`;
}

export function foreignAccount(accountId: string): string {
  return `account "${accountId}" does not exist or belongs to another customer`;
}

/** What every generated configuration carries besides the accounts: the platform's side. */
export interface ProvisioningSite {
  /** SIP domain and digest realm: the host part of every identity. */
  sipDomain: string;
  /** Where phones send SIP (registrar/proxy address): a host name or IP address. */
  sipHost: string;
  sipPort: number;
  transport: 'udp' | 'tcp';
  /** Seconds a registration lasts before the phone renews it. */
  registerExpires: number;
  ntpServer: string;
  /** Base URL of the provisioning endpoint as phones reach it, without a trailing slash. */
  publicUrl: string;
  /** How often a phone re-checks its configuration, in minutes. */
  recheckMinutes: number;
}

/** One SIP account as a phone line, with the password in clear text (only while rendering). */
export interface LineConfig {
  /** 1-based line (Yealink account.N, Snom idx, Linphone proxy_N-1). */
  line: number;
  username: string;
  password: string;
  displayName: string;
}

/** One device's rendering input. */
export interface DeviceConfigInput {
  site: ProvisioningSite;
  model: string;
  /** Desk phones only. */
  mac?: string;
  lines: LineConfig[];
  /** The device's provisioning secret (HTTP password, or the token in a softphone URL). */
  secret: string;
  /** Where this device fetches its configuration again (the exact URL, secret included for Linphone). */
  selfUrl: string;
}

export interface RenderedFile {
  contentType: string;
  body: string;
}
