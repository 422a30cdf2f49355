/** Building responses to requests (RFC 3261 §8.2.6) and the standard reason phrases. */

import { SipMessage, canonicalName } from './message.js';
import { getParam, setParam } from './headers.js';

// RFC 3261 §21 and the extensions a telephony UAS meets (RFC 3262, 3265, 3329, 3892, 4028,
// 4412, 4474, 5079, 5360, 5393, 5626, 6086, 6442, 8197, 8224, 8599, 8688).
const PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  412: 'Conditional Request Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  417: 'Unknown Resource-Priority',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  424: 'Bad Location Information',
  428: 'Use Identity Header',
  429: 'Provide Referrer Identity',
  430: 'Flow Failed',
  433: 'Anonymity Disallowed',
  436: 'Bad Identity Info',
  437: 'Unsupported Credential',
  438: 'Invalid Identity Header',
  439: 'First Hop Lacks Outbound Support',
  440: 'Max-Breadth Exceeded',
  469: 'Bad Info Package',
  470: 'Consent Needed',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  494: 'Security Agreement Required',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  555: 'Push Notification Service Not Supported',
  580: 'Precondition Failure',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
  608: 'Rejected',
};

/** The standard phrase; for an unknown code, the phrase of its class (§21: x00). */
export function reasonPhrase(status: number): string {
  const p = PHRASES[status];
  if (p !== undefined) return p;
  const base = PHRASES[Math.floor(status / 100) * 100];
  return base ?? 'Unknown';
}

/**
 * A response to `req` (§8.2.6.2): every Via in order, From, To (with ;tag=toTag added when the
 * request's To has no tag), Call-ID and CSeq copied; a 100 also copies Timestamp (§8.2.6.1).
 * The body is empty; the caller adds Contact, Allow, etc.
 */
export function makeResponse(req: SipMessage, status: number, reason?: string, opts?: { toTag?: string }): SipMessage {
  const res = SipMessage.response(status, reason ?? reasonPhrase(status));
  res.method = req.method;
  for (const h of req.headers) {
    switch (canonicalName(h.name)) {
      case 'via':
        res.headers.push({ name: 'Via', value: h.value });
        break;
      case 'from':
        res.headers.push({ name: 'From', value: h.value });
        break;
      case 'to': {
        let value = h.value;
        if (opts?.toTag && getParam(value, 'tag') === undefined) value = setParam(value, 'tag', opts.toTag);
        res.headers.push({ name: 'To', value });
        break;
      }
      case 'call-id':
        res.headers.push({ name: 'Call-ID', value: h.value });
        break;
      case 'cseq':
        res.headers.push({ name: 'CSeq', value: h.value });
        break;
      case 'timestamp':
        if (status === 100) res.headers.push({ name: 'Timestamp', value: h.value });
        break;
    }
  }
  return res;
}
