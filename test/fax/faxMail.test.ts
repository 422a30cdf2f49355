/* What the customer reads about a fax: Dutch first, page counts, durations, failure reasons. */
import { describe, expect, it } from 'vitest';
import { dutchPages, duration, faxMail } from '../../src/fax/faxMail.js';
import type { FaxReceiveResult } from '../../src/media/MediaTypes.js';

const receivedAt = new Date('2026-03-04T09:15:00Z');
const ok: FaxReceiveResult = { success: true, pages: 3, remoteIdent: '+31 20 7654321', reason: 'OK', kind: 'ok', seconds: 83.4 };

describe('fax mails', () => {
  it.each([
    [1, '1 pagina'],
    [2, "2 pagina's"],
    [0, "0 pagina's"],
  ])('%i page(s) read "%s"', (n, text) => expect(dutchPages(n)).toBe(text));

  it.each([
    [0, '0:00'],
    [9.6, '0:10'],
    [83.4, '1:23'],
    [3600, '60:00'],
  ])('%f s lasts %s', (s, text) => expect(duration(s)).toBe(text));

  it('a received fax: subject and facts in Dutch, then English', () => {
    const m = faxMail({ result: ok, calledNumber: '+31207770001', caller: '0612345678', receivedAt, attachment: 'pdf' });
    expect(m.subject).toBe("Fax ontvangen: 3 pagina's van +31 20 7654321 / Fax received");
    expect(m.text.split('\n').slice(0, 9)).toEqual([
      'Er is een fax ontvangen op +31207770001.',
      '',
      "Pagina's:     3",
      'Afzender-id:  +31 20 7654321',
      'Beller:       0612345678',
      'Duur:         1:23',
      'Ontvangen:    2026-03-04 10:15:00',
      '',
      'De fax is bijgevoegd als PDF.',
    ]);
    expect(m.text).toContain('A fax was received on +31207770001: 3 page(s), sender ID +31 20 7654321');
  });

  it('a sender without a station id is named by the caller', () => {
    const m = faxMail({ result: { ...ok, remoteIdent: '' }, caller: '0612345678', receivedAt, attachment: 'pdf' });
    expect(m.subject).toBe("Fax ontvangen: 3 pagina's van 0612345678 / Fax received");
    expect(m.text).toContain('Afzender-id:  onbekend');
  });

  it.each<[FaxReceiveResult['kind'], string]>([
    ['call-dropped', 'de verbinding werd verbroken voordat de fax compleet was'],
    ['no-fax', 'er antwoordde geen faxapparaat (geen faxsignalen ontvangen)'],
    ['timeout', 'de ontvangst duurde te lang en is afgebroken'],
    ['protocol', 'de faxverbinding mislukte'],
  ])('a failure (%s) says why, in Dutch and with spandsp\'s own words', (kind, dutch) => {
    const m = faxMail({ result: { ...ok, success: false, pages: 0, kind, reason: 'Some T.30 reason' }, calledNumber: '+31207770001', receivedAt });
    expect(m.subject).toBe('Fax niet ontvangen op +31207770001 / Fax reception failed');
    expect(m.text).toContain(`Reden:        ${dutch}`);
    expect(m.text).toContain('Reason: Some T.30 reason.');
    expect(m.text).toContain('Vraag de afzender de fax opnieuw te sturen.');
  });

  it('a failure after some pages says they are attached', () => {
    const m = faxMail({ result: { ...ok, success: false, pages: 1, kind: 'call-dropped', reason: 'The call dropped prematurely' }, receivedAt, attachment: 'pdf' });
    expect(m.text).toContain("De pagina's die wel zijn ontvangen, zijn bijgevoegd als PDF.");
  });

  it('where fax is unavailable, the notice says so', () => {
    const m = faxMail({ result: { unavailable: 'native/fax/build/Release/fax.node is missing' }, calledNumber: '+31207770001', receivedAt });
    expect(m.subject).toBe('Fax niet ontvangen op +31207770001 / Fax not received');
    expect(m.text).toContain('faxontvangst is op dit platform niet beschikbaar');
  });
});
