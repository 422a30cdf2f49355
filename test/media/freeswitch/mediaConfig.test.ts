import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../../src/config.js';

const FS = { MEDIA_SERVER: 'freeswitch', FREESWITCH_ESL_HOST: '172.30.0.20', FREESWITCH_ESL_SECRET: 'esl-password-123' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

describe('MEDIA_SERVER and FREESWITCH_* configuration', () => {
  it('defaults to the embedded media engine', () => {
    expect(loadConfig({}).media).toEqual({ server: 'embedded' });
  });

  it('reads FreeSWITCH\'s event socket, the outbound port and the mounts', () => {
    expect(loadConfig({ ...FS, FREESWITCH_OUTBOUND_HOST: '172.30.0.130', FREESWITCH_DATA_DIR: '/data/app1', FREESWITCH_PROMPTS_DIR: '/app/prompts' }).media).toEqual({
      server: 'freeswitch',
      esl: { host: '172.30.0.20', port: 8021, secret: 'esl-password-123' },
      outbound: { host: '172.30.0.130', port: 8085 },
      promptsDir: '/app/prompts',
      dataDir: '/data/app1',
    });
    expect(loadConfig(FS).media).toMatchObject({ outbound: { port: 8085 } });
  });

  it.each([
    [{ MEDIA_SERVER: 'freeswitch' }, ['FREESWITCH_ESL_HOST is unset', 'FREESWITCH_ESL_SECRET is unset']],
    [{ ...FS, FREESWITCH_ESL_SECRET: 'ClueCon' }, ['FREESWITCH_ESL_SECRET=****(7 chars): expected at least 8 characters without whitespace, not the default ClueCon']],
    [{ ...FS, MEDIA_SERVER: 'asterisk' }, ['MEDIA_SERVER="asterisk": expected embedded or freeswitch']],
    [{ ...FS, FREESWITCH_DATA_DIR: 'data' }, ['FREESWITCH_DATA_DIR="data": expected an absolute path in the FreeSWITCH container']],
    [{ ...FS, FREESWITCH_OUTBOUND_PORT: '70000' }, ['FREESWITCH_OUTBOUND_PORT="70000": expected an integer port 1-65535']],
  ])('%j is refused: %j', (env, expected) => {
    const found = problems(env);
    for (const e of expected) expect(found.some((p) => p.startsWith(e))).toBe(true);
  });

  it('never shows the event-socket password', () => {
    const shown = describeConfig(loadConfig(FS), FS).find((v) => v.name === 'FREESWITCH_ESL_SECRET');
    expect(shown).toEqual({ name: 'FREESWITCH_ESL_SECRET', value: '****(16 chars)', source: 'env' });
  });
});
