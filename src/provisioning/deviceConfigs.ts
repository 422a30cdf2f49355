/**
 * Turns a stored device into the files its vendor's phones fetch, and into the URL and
 * credentials a person enters (or a redirection service pushes). The only place that decrypts
 * SIP passwords for provisioning; what it returns goes to the phone and nowhere else.
 */
import type { SecretBox } from '../store/secrets.js';
import type { Store } from '../store/StoreTypes.js';
import type { Device, DeviceConfigInput, LineConfig, ProvisioningSite, RenderedFile } from './DeviceTypes.js';
import { linphoneConfig } from './linphone.js';
import { modelOf, type Vendor } from './models.js';
import { snomSettingsFile } from './snom.js';
import { yealinkMacFile, yealinkServerUrl } from './yealink.js';

/** What a person or a redirection service needs to point a device at us. */
export interface ProvisioningAccess {
  vendor: Vendor;
  /** Yealink: the server directory; Snom: the settings file; Linphone: the link to enter in the app. */
  url: string;
  /** HTTP credentials of a desk phone (Basic or Digest); a softphone's secret is in its URL. */
  username?: string;
  password?: string;
}

export class DeviceConfigs {
  constructor(
    private readonly store: Store,
    private readonly secrets: Pick<SecretBox, 'decrypt'>,
    readonly site: ProvisioningSite,
  ) {}

  /** The device's own configuration URL (the one it re-checks), secret included for a softphone. */
  selfUrl(device: Device, secret: string): string {
    const base = this.site.publicUrl;
    switch (modelOf(device.model).vendor) {
      case 'yealink':
        return `${base}/yealink/${device.mac ?? ''}.cfg`;
      case 'snom':
        return `${base}/snom/${device.mac ?? ''}.xml`;
      case 'linphone':
        return `${base}/linphone/${device.id}/${secret}.xml`;
    }
  }

  access(device: Device): ProvisioningAccess {
    const secret = this.secrets.decrypt(device.secretEnc);
    const vendor = modelOf(device.model).vendor;
    switch (vendor) {
      case 'yealink':
        return { vendor, url: yealinkServerUrl(this.site), username: device.mac ?? '', password: secret };
      case 'snom':
        return { vendor, url: this.selfUrl(device, secret), username: device.mac ?? '', password: secret };
      case 'linphone':
        return { vendor, url: this.selfUrl(device, secret) };
    }
  }

  /** Accounts on the device's lines, passwords decrypted. An account deleted meanwhile is skipped. */
  private async lineConfigs(device: Device): Promise<LineConfig[]> {
    const out: LineConfig[] = [];
    for (const [i, accountId] of device.lines.entries()) {
      const account = await this.store.accounts.get(accountId);
      if (!account || account.customerId !== device.customerId) continue;
      out.push({
        line: i + 1,
        username: account.username,
        password: this.secrets.decrypt(account.passwordEnc),
        displayName: account.displayName,
      });
    }
    return out;
  }

  async input(device: Device): Promise<DeviceConfigInput> {
    const secret = this.secrets.decrypt(device.secretEnc);
    return {
      site: this.site,
      model: device.model,
      ...(device.mac === undefined ? {} : { mac: device.mac }),
      lines: await this.lineConfigs(device),
      secret,
      selfUrl: this.selfUrl(device, secret),
    };
  }

  /** The device's own file: Yealink <mac>.cfg, Snom <mac>.xml, or the Linphone XML. */
  async render(device: Device): Promise<RenderedFile> {
    const input = await this.input(device);
    switch (modelOf(device.model).vendor) {
      case 'yealink':
        return yealinkMacFile(input);
      case 'snom':
        return snomSettingsFile(input);
      case 'linphone':
        return linphoneConfig(input);
    }
  }
}
