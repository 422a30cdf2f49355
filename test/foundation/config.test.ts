import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, describeConfig, loadConfig } from '../../src/config.js';

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('an empty environment yields the documented defaults and the embedded engine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      sip: { host: '0.0.0.0', port: 5060 },
      httpPort: 8080,
      dataDir: './data',
      engine: { controlHost: '127.0.0.1', controlPort: 9022, secretGenerated: true },
      rtp: { min: 20000, max: 30000 },
      logLevel: 'info',
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.drachtio).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(config.engine.secret).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('generates a different engine secret on every start unless ENGINE_SECRET is set', () => {
    expect(loadConfig({}).engine.secret).not.toBe(loadConfig({}).engine.secret);
    expect(loadConfig({ ENGINE_SECRET: 'cymru' }).engine).toMatchObject({ secret: 'cymru', secretGenerated: false });
  });

  it('reads every variable when valid', () => {
    const config = loadConfig({
      SIP_HOST: '::1',
      SIP_PORT: '5080',
      HTTP_PORT: '8081',
      DATA_DIR: '/var/lib/contactsuite',
      REDIS_URL: 'redis://:pw@redis:6379/0',
      DRACHTIO_HOST: 'drachtio.internal',
      DRACHTIO_PORT: '9023',
      DRACHTIO_SECRET: 'cymru',
      RTP_PORT_MIN: '40000',
      RTP_PORT_MAX: '40100',
      ADMIN_TOKEN: '0123456789abcdef',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      sip: { host: '::1', port: 5080 },
      httpPort: 8081,
      dataDir: '/var/lib/contactsuite',
      redisUrl: 'redis://:pw@redis:6379/0',
      drachtio: { host: 'drachtio.internal', port: 9023, secret: 'cymru' },
      rtp: { min: 40000, max: 40100 },
      adminToken: '0123456789abcdef',
      logLevel: 'debug',
    });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ SIP_PORT: '', REDIS_URL: '' })).toMatchObject({ sip: { port: 5060 } });
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it.each([
    [{ SIP_PORT: 'abc' }, 'SIP_PORT="abc": expected an integer port 1-65535'],
    [{ SIP_PORT: '5060.5' }, 'SIP_PORT="5060.5": expected an integer port 1-65535'],
    [{ HTTP_PORT: '0' }, 'HTTP_PORT="0": expected an integer port 1-65535'],
    [{ CONTROL_PORT: '70000' }, 'CONTROL_PORT="70000": expected an integer port 1-65535'],
    [{ DRACHTIO_HOST: 'x', DRACHTIO_SECRET: 's', DRACHTIO_PORT: '-1' }, 'DRACHTIO_PORT="-1": expected an integer port 1-65535'],
    [{ SIP_HOST: 'not a host' }, 'SIP_HOST="not a host": expected an IPv4/IPv6 address or a host name'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL="localhost:6379": expected a redis:// or rediss:// URL'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL="verbose": expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ RTP_PORT_MIN: '20001' }, 'RTP_PORT_MIN="20001": expected an even integer port 1-65535'],
    [{ RTP_PORT_MIN: '30000', RTP_PORT_MAX: '20000' }, 'RTP_PORT_MIN=30000, RTP_PORT_MAX=20000: expected RTP_PORT_MIN to be lower than RTP_PORT_MAX'],
    [{ DRACHTIO_HOST: '10.0.0.5' }, 'DRACHTIO_SECRET is unset: expected a non-empty string when DRACHTIO_HOST is set'],
    [{ ENGINE_SECRET: 'a|b' }, 'ENGINE_SECRET=****(3 chars): expected a non-empty string without "|" or whitespace'],
    [{ HTTP_PORT: '5060' }, 'HTTP_PORT=5060: expected a port other than SIP_PORT'],
    [{ CONTROL_PORT: '8080' }, 'CONTROL_PORT=8080: expected a port other than HTTP_PORT'],
  ])('rejects %j', (env, message) => {
    const problems = problemsFor(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('masks a too-short ADMIN_TOKEN instead of printing it', () => {
    const [problem] = problemsFor({ ADMIN_TOKEN: 'hunter2' });
    expect(problem).toBe('ADMIN_TOKEN=****(7 chars): expected a string of at least 16 characters');
    expect(problem).not.toContain('hunter2');
  });

  it('names every wrong variable in one error message', () => {
    let message = '';
    try {
      loadConfig({ SIP_PORT: 'abc', LOG_LEVEL: 'loud', RTP_PORT_MAX: '1' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SIP_PORT="abc"');
    expect(message).toContain('LOG_LEVEL="loud"');
    expect(message).toContain('RTP_PORT_MAX="1"');
  });

  it('the embedded control port may equal SIP_PORT only when a drachtio-server is used instead', () => {
    expect(problemsFor({ SIP_PORT: '9022' })[0]).toContain('CONTROL_PORT=9022: expected a port other than SIP_PORT');
    expect(loadConfig({ SIP_PORT: '9022', DRACHTIO_HOST: 'd', DRACHTIO_SECRET: 's' }).sip.port).toBe(9022);
  });
});

describe('describeConfig', () => {
  it('lists every variable with its source and masks secrets', () => {
    const env = { ADMIN_TOKEN: 'a-very-secret-admin-token', SIP_PORT: '5070' };
    const rows = describeConfig(loadConfig(env), env);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.SIP_PORT).toEqual({ name: 'SIP_PORT', value: '5070', source: 'env' });
    expect(byName.HTTP_PORT).toEqual({ name: 'HTTP_PORT', value: '8080', source: 'default' });
    expect(byName.ADMIN_TOKEN).toEqual({ name: 'ADMIN_TOKEN', value: '****(25 chars)', source: 'env' });
    expect(byName.ENGINE_SECRET.source).toBe('generated');
    expect(byName.ENGINE_SECRET.value).toMatch(/^\*\*\*\*/);
    expect(byName.REDIS_URL).toEqual({ name: 'REDIS_URL', value: '', source: 'unset' });
    expect(rows).toHaveLength(CONFIG_VARIABLES.length);
  });

  it('masks the password in REDIS_URL', () => {
    const env = { REDIS_URL: 'redis://default:s3cret@redis:6379/0' };
    const row = describeConfig(loadConfig(env), env).find((r) => r.name === 'REDIS_URL');
    expect(row?.value).toBe('redis://default:****@redis:6379/0');
  });
});

describe('registrar and trunk settings', () => {
  it('has defaults a registrar can run with', () => {
    const c = loadConfig({});
    expect(c.sipDomain).toBe('contactsuite.local');
    expect(c.register).toEqual({ minExpires: 60, maxExpires: 3600 });
    expect(c.authThrottle).toEqual({ maxFailures: 10, blockSeconds: 300 });
    expect(c.trunk).toBeUndefined();
    expect(c.secretsKey).toBeUndefined();
  });

  it('reads a trunk with credentials and masks its password and the secrets key', () => {
    const env = { TRUNK_URI: 'sip:127.0.0.1:5070', TRUNK_USERNAME: 'acme', TRUNK_PASSWORD: 'hunter2hunter2', SECRETS_KEY: 'ab'.repeat(32) };
    const c = loadConfig(env);
    expect(c.trunk).toEqual({ uri: 'sip:127.0.0.1:5070', username: 'acme', password: 'hunter2hunter2' });
    const rows = describeConfig(c, env);
    const shown = JSON.stringify(rows);
    expect(shown).not.toContain('hunter2hunter2');
    expect(shown).not.toContain('ab'.repeat(32));
  });

  it('names each wrong registrar or trunk variable and what is allowed', () => {
    expect(() => loadConfig({ SECRETS_KEY: 'short', REGISTER_MIN_EXPIRES: '7200', REGISTER_MAX_EXPIRES: '60', TRUNK_PASSWORD: 'x' })).toThrow(
      /SECRETS_KEY=\*\*\*\*\(5 chars\): expected 64 hex characters[\s\S]*REGISTER_MIN_EXPIRES=7200, REGISTER_MAX_EXPIRES=60[\s\S]*TRUNK_URI is unset/,
    );
    expect(() => loadConfig({ TRUNK_URI: 'http://trunk' })).toThrow(/TRUNK_URI="http:\/\/trunk": expected a SIP URI/);
  });
});
