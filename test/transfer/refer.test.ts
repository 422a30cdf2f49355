import type Srf from 'drachtio-srf';
import { describe, expect, it } from 'vitest';
import { CallRegistry, matchesReplaces, type LiveCall } from '../../src/calls/CallRegistry.js';
import { parseReferTo, parseReplaces, referNotifyHeaders, sipfrag } from '../../src/calls/Transfer.js';

describe('Refer-To (RFC 3515 §2.1, Replaces RFC 3891)', () => {
  const cases: [string, string | undefined, ReturnType<typeof parseReferTo>][] = [
    ['an extension in angle brackets', '<sip:202@127.0.0.1>', { uri: 'sip:202@127.0.0.1', user: '202' }],
    ['a number without brackets, with a parameter', 'sip:0205550123@pbx.example.nl;user=phone', { uri: 'sip:0205550123@pbx.example.nl', user: '0205550123' }],
    [
      'an attended transfer with an escaped Replaces',
      '<sip:202@127.0.0.1?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>',
      { uri: 'sip:202@127.0.0.1', user: '202', replaces: { callId: 'abc@host', toTag: 't1', fromTag: 'f1' } },
    ],
    [
      'Replaces among other embedded headers, early-only ignored',
      '"Support" <sip:202@127.0.0.1?X-Foo=1&Replaces=c1%3Bfrom-tag%3Df%3Bto-tag%3Dt%3Bearly-only>',
      { uri: 'sip:202@127.0.0.1', user: '202', replaces: { callId: 'c1', toTag: 't', fromTag: 'f' } },
    ],
  ];
  for (const [name, value, expected] of cases) {
    it(name, () => expect(parseReferTo(value)).toEqual(expected));
  }

  const bad: [string, string | undefined, RegExp][] = [
    ['a missing header', undefined, /without Refer-To/],
    ['a URI without a user', '<sip:127.0.0.1>', /names no user/],
    ['a Replaces without a from-tag', '<sip:202@h?Replaces=c1%3Bto-tag%3Dt>', /Replaces "c1;to-tag=t": .*from-tag/],
    ['a Replaces that is not escaped correctly', '<sip:202@h?Replaces=c1%ZZ>', /not URI-escaped/],
  ];
  for (const [name, value, error] of bad) {
    it(`refuses ${name}, saying why`, () => {
      const r = parseReferTo(value);
      expect('error' in r && r.error).toMatch(error);
    });
  }

  it('reads a bare Replaces value', () => {
    expect(parseReplaces('x@y;to-tag=1;from-tag=2')).toEqual({ callId: 'x@y', toTag: '1', fromTag: '2' });
  });
});

describe('transfer progress NOTIFY (RFC 3515 §2.4.5, RFC 3420)', () => {
  it.each([
    [100, 'SIP/2.0 100 Trying\r\n', 'active;expires=60'],
    [200, 'SIP/2.0 200 OK\r\n', 'terminated;reason=noresource'],
    [486, 'SIP/2.0 486 Busy Here\r\n', 'terminated;reason=noresource'],
    [481, 'SIP/2.0 481 Call/Transaction Does Not Exist\r\n', 'terminated;reason=noresource'],
    [599, 'SIP/2.0 599 Failed\r\n', 'terminated;reason=noresource'],
  ])('%i: sipfrag %j, subscription %s', (status, frag, state) => {
    expect(sipfrag(status)).toBe(frag);
    expect(referNotifyHeaders(status)).toEqual({ Event: 'refer', 'Subscription-State': state, 'Content-Type': 'message/sipfrag;version=2.0' });
  });
});

describe('finding the call a Replaces names', () => {
  const dialog = (callId: string, localTag: string, remoteTag: string) => ({ sip: { callId, localTag, remoteTag } }) as unknown as Srf.Dialog;
  const ours = dialog('c1', 'ours', 'theirs');

  it.each([
    ['to-tag ours, from-tag theirs', { callId: 'c1', toTag: 'ours', fromTag: 'theirs' }, true],
    ['tags swapped (some phones)', { callId: 'c1', toTag: 'theirs', fromTag: 'ours' }, true],
    ['another Call-ID', { callId: 'c2', toTag: 'ours', fromTag: 'theirs' }, false],
    ['a wrong tag', { callId: 'c1', toTag: 'ours', fromTag: 'other' }, false],
  ])('%s: %s', (_name, id, match) => expect(matchesReplaces(ours, id)).toBe(match));

  it('the registry finds the call and the dialog, and forgets a call removed', () => {
    const registry = new CallRegistry();
    const call: LiveCall = { dialogs: () => [dialog('a', '1', '2'), ours], takeOver: async () => undefined };
    const remove = registry.add(call);
    expect(registry.find({ callId: 'c1', toTag: 'ours', fromTag: 'theirs' })).toEqual({ call, dialog: ours });
    remove();
    remove();
    expect(registry.find({ callId: 'c1', toTag: 'ours', fromTag: 'theirs' })).toBeUndefined();
    expect(registry.size).toBe(0);
  });
});
