import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('CDR configuration', () => {
  it('keeps CDRs 12 months by default, without anonymising, under the host name', () => {
    const c = loadConfig({});
    expect(c.cdr).toMatchObject({ retentionMonths: 12 });
    expect(c.cdr.anonymiseAfterDays).toBeUndefined();
    expect(c.cdr.instanceId).toMatch(/^[\w.-]+$/);
  });

  it('reads the rate file, retention and instance id', () => {
    const c = loadConfig({ CDR_RATES_FILE: '/etc/cs/rates.yaml', CDR_RETENTION_MONTHS: '24', CDR_ANONYMISE_AFTER_DAYS: '90', CDR_INSTANCE_ID: 'app-1' });
    expect(c.cdr).toEqual({ ratesFile: '/etc/cs/rates.yaml', retentionMonths: 24, anonymiseAfterDays: 90, instanceId: 'app-1', recoverySeconds: 60 });
  });

  it('reads how long a silent instance counts as alive, and the shutdown grace period', () => {
    expect(loadConfig({}).shutdownGraceSeconds).toBe(30);
    const c = loadConfig({ CDR_RECOVERY_SECONDS: '5', SHUTDOWN_GRACE_SECONDS: '0' });
    expect([c.cdr.recoverySeconds, c.shutdownGraceSeconds]).toEqual([5, 0]);
    expect(() => loadConfig({ CDR_RECOVERY_SECONDS: '1', SHUTDOWN_GRACE_SECONDS: 'soon' })).toThrow(
      /CDR_RECOVERY_SECONDS="1": expected an integer number of seconds 3-3600\n.*SHUTDOWN_GRACE_SECONDS="soon": expected an integer number of seconds 0-3600/,
    );
  });

  it('names every wrong CDR variable with what is allowed', () => {
    try {
      loadConfig({ CDR_RETENTION_MONTHS: '1', CDR_ANONYMISE_AFTER_DAYS: 'soon', CDR_INSTANCE_ID: 'a b' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        'CDR_RETENTION_MONTHS="1": expected an integer number of months 2-120',
        'CDR_ANONYMISE_AFTER_DAYS="soon": expected an integer number of days 1-3650',
        'CDR_INSTANCE_ID="a b": expected 1-64 letters, digits, ".", "_" or "-"',
      ]);
    }
  });
});
