/**
 * drachtio-server's spammer rules (spec §3.2 step 3): requests from known SIP scanners are
 * dealt with before any app sees them. We drop them silently (no 100 Trying, no final
 * response: a scanner learns nothing and waits for its timeout), which also keeps them out
 * of srf's pending-request tables. The same list guards the app when it runs against a real
 * drachtio-server (configure its <spammers> to match).
 */
export const SCANNER_USER_AGENTS =
  /friendly-scanner|sipvicious|sip-?cli\b|VaxSIPUserAgent|pplsip|sundayddr|\biWar\b|sipsak|SIVuS|\bsmap\b|sip-?scan|\bsvcrack\b|\bsvwar\b/i;

/** To users that scanners probe with (drachtio's default rule: sipvicious). */
export const SCANNER_TO_USERS = /^sipvicious$/i;
