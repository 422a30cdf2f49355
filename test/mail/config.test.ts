import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../src/config.js';

describe('mail configuration (SMTP_URL, MAIL_FROM)', () => {
  it('is off by default, with a From address', () => {
    expect(loadConfig({}).mail).toEqual({ from: 'ContactSuite <noreply@contactsuite.local>', deadLetterAfter: 5 });
  });

  it('takes an smtp:// or smtps:// URL and a From address', () => {
    const env = { SMTP_URL: 'smtps://voicemail:geheim@mail.example.nl:465', MAIL_FROM: 'Voicemail <voicemail@example.nl>' };
    expect(loadConfig(env).mail).toEqual({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, deadLetterAfter: 5 });
  });

  it('takes MAIL_DEAD_LETTER_AFTER, the permanent refusals before a mail goes to the dead-letter folder', () => {
    expect(loadConfig({ MAIL_DEAD_LETTER_AFTER: '3' }).mail.deadLetterAfter).toBe(3);
  });

  it.each([
    ['SMTP_URL', 'mail.example.nl:25', 'SMTP_URL="mail.example.nl:25": expected an smtp:// or smtps:// URL'],
    ['SMTP_URL', 'http://mail.example.nl', 'SMTP_URL="http://mail.example.nl": expected an smtp://'],
    ['MAIL_FROM', 'voicemail', 'MAIL_FROM="voicemail": expected a From address'],
    ['MAIL_DEAD_LETTER_AFTER', '0', 'MAIL_DEAD_LETTER_AFTER="0": expected an integer number of permanent (5xx) refusals 1-1000'],
  ])('%s=%s is refused, naming the variable and what is allowed', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(message);
  });

  it('never shows the SMTP password, in errors or in `contactsuite config`', () => {
    const env = { SMTP_URL: 'smtp://voicemail:geheim@mail.example.nl:587' };
    const row = describeConfig(loadConfig(env), env).find((r) => r.name === 'SMTP_URL');
    expect(row).toEqual({ name: 'SMTP_URL', value: 'smtp://voicemail:****@mail.example.nl:587', source: 'env' });
    const bad = (): unknown => loadConfig({ SMTP_URL: 'smtp://voicemail:geheim@mail example.nl' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/SMTP_URL="smtp:\/\/voicemail:\*\*\*\*@mail example\.nl"/);
  });
});
