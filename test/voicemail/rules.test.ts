import { describe, expect, it } from 'vitest';
import { judgeRecording, MIN_VOICED_SECONDS, VOICED_RMS } from '../../src/voicemail/messageAudio.js';
import { eventPackage, grantedExpires, messageSummary } from '../../src/voicemail/Mwi.js';
import { voicemailMail } from '../../src/voicemail/VoicemailService.js';
import type { VoicemailBox, VoicemailMessage } from '../../src/voicemail/VoicemailTypes.js';

/** 8 kHz samples: `seconds` of a 400 Hz tone at peak `amplitude` (0 = digital silence). */
function tone(seconds: number, amplitude: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * 8000));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 400 * i) / 8000));
  return out;
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('when a recording is a message', () => {
  // A sine's RMS is its peak / sqrt(2): 300 RMS is a peak of about 424.
  it.each([
    ['nothing at all', new Int16Array(0), false],
    ['30 s of digital silence', tone(30, 0), false],
    ['30 s of line noise at -50 dBFS (peak 140)', tone(30, 140), false],
    ['a click: 0.2 s loud, then silence', concat(tone(0.2, 12000), tone(20, 0)), false],
    ['just under the level (RMS 290) for 10 s', tone(10, 290 * Math.SQRT2), false],
    ['0.5 s of quiet speech (RMS 310) in 20 s of silence', concat(tone(10, 0), tone(0.5, 310 * Math.SQRT2), tone(9.5, 0)), true],
    ['0.48 s of loud audio', concat(tone(0.48, 12000), tone(5, 0)), false],
    ['3 s of normal speech level (-20 dBFS)', tone(3, 3277 * Math.SQRT2), true],
    ['short words with pauses: 5 × 0.2 s', concat(...Array.from({ length: 5 }, () => concat(tone(0.2, 6000), tone(0.5, 0)))), true],
  ])('%s: %s', (_label, pcm, isMessage) => {
    expect(judgeRecording(pcm).isMessage).toBe(isMessage);
  });

  it('states its rule in numbers', () => {
    expect([VOICED_RMS, MIN_VOICED_SECONDS]).toEqual([300, 0.5]);
    expect(judgeRecording(tone(2, 12000)).voicedSeconds).toBe(2);
  });
});

describe('the message-summary body (RFC 3842)', () => {
  it.each([
    [{ new: 1, old: 0 }, 'Messages-Waiting: yes\r\nMessage-Account: sip:201@example.nl\r\nVoice-Message: 1/0 (0/0)\r\n'],
    [{ new: 0, old: 2 }, 'Messages-Waiting: no\r\nMessage-Account: sip:201@example.nl\r\nVoice-Message: 0/2 (0/0)\r\n'],
    [{ new: 0, old: 0 }, 'Messages-Waiting: no\r\nMessage-Account: sip:201@example.nl\r\nVoice-Message: 0/0 (0/0)\r\n'],
  ])('%j', (counts, body) => {
    expect(messageSummary(counts, 'sip:201@example.nl')).toBe(body);
  });
});

describe('the Expires a subscription gets', () => {
  const limits = { min: 60, max: 3600, default: 3600 };
  it.each([
    [undefined, 3600],
    ['0', 0],
    ['30', 60],
    ['600', 600],
    ['86400', 3600],
    ['soon', 3600],
    ['-5', 3600],
  ])('asked %s: %i', (asked, granted) => {
    expect(grantedExpires(asked, limits)).toBe(granted);
  });
});

describe('the event package of an Event header', () => {
  it.each([
    ['message-summary', 'message-summary'],
    ['Message-Summary;id=1', 'message-summary'],
    ['presence', 'presence'],
    ['', undefined],
    [undefined, undefined],
  ])('%s', (header, pkg) => {
    expect(eventPackage(header)).toBe(pkg);
  });
});

describe('the voicemail mail', () => {
  const box: VoicemailBox = {
    id: 'b1',
    customerId: 'c1',
    name: 'Receptie',
    emails: ['receptie@example.nl'],
    ownerAccountIds: [],
    maxSeconds: 120,
    silenceSeconds: 5,
    createdAt: 0,
  };
  const message: VoicemailMessage = {
    id: 'm1',
    boxId: 'b1',
    customerId: 'c1',
    caller: '0612345678',
    calledNumber: '+31201234567',
    receivedAt: Date.parse('2026-07-06T08:05:00Z'),
    durationSeconds: 83.4,
    heard: false,
  };

  it('says in Dutch who called which number when, and how long the message is', () => {
    const mail = voicemailMail(box, message);
    expect(mail.to).toEqual(['receptie@example.nl']);
    expect(mail.subject).toBe('Nieuw voicemailbericht van 0612345678 (Receptie)');
    expect(mail.text).toContain('Van: 0612345678');
    expect(mail.text).toContain('Gebeld nummer: +31201234567');
    // 08:05 UTC is 10:05 in Amsterdam in summer.
    expect(mail.text).toMatch(/Tijdstip: 6 juli 2026.* 10:05/);
    expect(mail.text).toContain('Duur: 1:23');
  });

  it('an anonymous caller is "onbekend nummer"', () => {
    const { caller: _caller, ...anonymous } = message;
    expect(voicemailMail(box, anonymous).subject).toBe('Nieuw voicemailbericht van onbekend nummer (Receptie)');
  });
});
