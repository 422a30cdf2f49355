import type { FaxReceiveResult } from '../media/MediaTypes.js';

/** What the customer reads about one fax call: Dutch first, then English. Pure, so table-tested. */

export interface FaxMailFacts {
  result: FaxReceiveResult | { unavailable: string };
  /** The fax number that was called (E.164). */
  calledNumber?: string;
  /** The caller as the network gave it. */
  caller?: string;
  receivedAt: Date;
  /** The attachment's kind, when pages arrived: 'pdf', or 'tiff' when the PDF could not be made. */
  attachment?: 'pdf' | 'tiff';
}

const DUTCH_REASON: Record<FaxReceiveResult['kind'], string> = {
  ok: 'geen',
  'call-dropped': 'de verbinding werd verbroken voordat de fax compleet was',
  'no-fax': 'er antwoordde geen faxapparaat (geen faxsignalen ontvangen)',
  timeout: 'de ontvangst duurde te lang en is afgebroken',
  file: 'de fax kon niet worden opgeslagen',
  protocol: 'de faxverbinding mislukte',
};

/** 1 → "1 pagina", 2 → "2 pagina's". */
export function dutchPages(n: number): string {
  return n === 1 ? '1 pagina' : `${n} pagina's`;
}

/** Seconds as m:ss. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function localTime(at: Date): string {
  return at.toLocaleString('sv-SE', { timeZone: 'Europe/Amsterdam' });
}

/** Subject and text of the mail about one fax call: the fax itself, or a notice that it failed. */
export function faxMail(f: FaxMailFacts): { subject: string; text: string } {
  const number = f.calledNumber ?? 'uw faxnummer';
  const caller = f.caller ?? 'onbekend';
  if ('unavailable' in f.result) {
    return {
      subject: `Fax niet ontvangen op ${number} / Fax not received`,
      text: [
        `Er belde een faxapparaat naar ${number}, maar de fax kon niet worden ontvangen.`,
        '',
        `Reden:     faxontvangst is op dit platform niet beschikbaar`,
        `Beller:    ${caller}`,
        `Tijdstip:  ${localTime(f.receivedAt)}`,
        '',
        '--',
        `A fax machine called ${number}, but fax reception is not available on this platform (${f.result.unavailable}). Caller: ${caller}.`,
        '',
      ].join('\n'),
    };
  }
  const r = f.result;
  const ident = r.remoteIdent || 'onbekend';
  const attached = f.attachment === 'pdf' ? 'als PDF' : f.attachment === 'tiff' ? 'als TIFF' : undefined;
  if (r.success) {
    return {
      subject: `Fax ontvangen: ${dutchPages(r.pages)} van ${r.remoteIdent || caller} / Fax received`,
      text: [
        `Er is een fax ontvangen op ${number}.`,
        '',
        `Pagina's:     ${r.pages}`,
        `Afzender-id:  ${ident}`,
        `Beller:       ${caller}`,
        `Duur:         ${duration(r.seconds)}`,
        `Ontvangen:    ${localTime(f.receivedAt)}`,
        '',
        attached ? `De fax is bijgevoegd ${attached}.` : 'De fax kon niet worden bijgevoegd; hij is bewaard op de server.',
        '',
        '--',
        `A fax was received on ${number}: ${r.pages} page(s), sender ID ${r.remoteIdent || 'unknown'}, caller ${f.caller ?? 'unknown'}, duration ${duration(r.seconds)}.${attached ? ` It is attached ${attached === 'als PDF' ? 'as a PDF' : 'as a TIFF'}.` : ''}`,
        '',
      ].join('\n'),
    };
  }
  return {
    subject: `Fax niet ontvangen op ${number} / Fax reception failed`,
    text: [
      `Een fax naar ${number} is niet (volledig) ontvangen.`,
      '',
      `Reden:        ${DUTCH_REASON[r.kind]}`,
      `Pagina's:     ${r.pages}`,
      `Afzender-id:  ${ident}`,
      `Beller:       ${caller}`,
      `Duur:         ${duration(r.seconds)}`,
      `Tijdstip:     ${localTime(f.receivedAt)}`,
      '',
      r.pages > 0 && attached ? `De pagina's die wel zijn ontvangen, zijn bijgevoegd ${attached}.` : 'Vraag de afzender de fax opnieuw te sturen.',
      '',
      '--',
      `A fax to ${number} was not (completely) received. Reason: ${r.reason}. Pages: ${r.pages}. Sender ID: ${r.remoteIdent || 'unknown'}. Caller: ${f.caller ?? 'unknown'}. Duration: ${duration(r.seconds)}.`,
      '',
    ].join('\n'),
  };
}
