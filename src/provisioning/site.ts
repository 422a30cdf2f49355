import type { Config } from '../config.js';
import type { ProvisioningSite } from './DeviceTypes.js';

/** Registration lifetime written into phones: an hour, within what the registrar grants. */
const PREFERRED_EXPIRES = 3600;
/** Phones re-check their configuration daily (and at every boot). */
const RECHECK_MINUTES = 1440;

/** The site as configured (PROVISIONING_* and the SIP settings). */
export function provisioningSite(config: Pick<Config, 'provisioning' | 'sipDomain' | 'sip' | 'register'>): ProvisioningSite {
  return {
    sipDomain: config.sipDomain,
    sipHost: config.provisioning.sipHost,
    sipPort: config.sip.port,
    transport: config.provisioning.transport,
    registerExpires: Math.min(Math.max(PREFERRED_EXPIRES, config.register.minExpires), config.register.maxExpires),
    ntpServer: config.provisioning.ntpServer,
    publicUrl: config.provisioning.publicUrl,
    recheckMinutes: RECHECK_MINUTES,
  };
}

/** A site from the SIP domain alone, for an API built without configuration (tests). */
export function defaultProvisioningSite(sip: { domain: string; port: number }): ProvisioningSite {
  return {
    sipDomain: sip.domain,
    sipHost: sip.domain,
    sipPort: sip.port,
    transport: 'udp',
    registerExpires: PREFERRED_EXPIRES,
    ntpServer: 'nl.pool.ntp.org',
    publicUrl: `http://${sip.domain}/provisioning`,
    recheckMinutes: RECHECK_MINUTES,
  };
}
