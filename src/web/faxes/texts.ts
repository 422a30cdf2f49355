/** The fax inbox's words (merged into the dictionaries in ../i18n.tsx), Dutch first. */
export const faxNl = {
  navFaxes: 'Fax',
  noFaxes: 'Nog geen faxen ontvangen.',
  faxSender: 'Afzender (faxkenmerk)',
  faxPages: "Pagina's",
  faxOutcome: 'Resultaat',
  faxReceivedOk: 'Ontvangen',
  faxFailed: 'Mislukt',
  faxUnknownNumber: 'Onbekend nummer',
};

export const faxEn: typeof faxNl = {
  navFaxes: 'Fax',
  noFaxes: 'No faxes received yet.',
  faxSender: 'Sender (station id)',
  faxPages: 'Pages',
  faxOutcome: 'Outcome',
  faxReceivedOk: 'Received',
  faxFailed: 'Failed',
  faxUnknownNumber: 'Unknown number',
};
