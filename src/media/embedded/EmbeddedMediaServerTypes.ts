import type { Logger } from '../../logger.js';

/** The G.711 codecs the embedded engine speaks. */
export type Codec = 'PCMA' | 'PCMU';

export interface EmbeddedMediaServerOptions {
  /** Address the RTP sockets bind to (e.g. '127.0.0.1' or '0.0.0.0'). */
  host: string;
  /** Address written in SDP (c=); defaults to `host`. */
  advertisedHost?: string;
  /** First and last RTP port (RTP_PORT_MIN/RTP_PORT_MAX); only even ports are used, RTCP is not. */
  portMin: number;
  portMax: number;
  logger: Logger;
  /** Where relative prompt names resolve ('nl/welkom' → <promptDir>/nl/welkom.wav). */
  promptDir: string;
  /** Where uploaded prompts live: 'custom/<customer>/<id>' → <customPromptDir>/custom/<customer>/<id>.wav. */
  customPromptDir?: string;
  /** An endpoint whose far end sends no RTP for this long is destroyed ('rtp-timeout'). Default 60000. */
  rtpTimeoutMs?: number;
  /** Received audio below this RMS level (0–32768) counts as silence when recording. Default 500. */
  silenceThreshold?: number;
}

/** What the server holds right now; all zero after every endpoint is destroyed. */
export interface MediaServerStats {
  endpoints: number;
  portsInUse: number;
}

/** Send-side timing, from the pacing clock's own records (lateness = sent − due). */
export interface PacingStats {
  /** Packets sent on the clock (prompts, DTMF). */
  packets: number;
  /** Packets more than 20 ms behind their due time. */
  late: number;
  /** Packets skipped because the endpoint fell more than the catch-up limit behind. */
  skipped: number;
  /** Lateness percentiles and maximum in milliseconds (early sends count as 0). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Ticks run, and whether the clock is running now. */
  ticks: number;
  running: boolean;
}

/** Why an endpoint was destroyed, as given to its 'destroy' listeners. */
export type DestroyReason = 'destroy' | 'rtp-timeout' | 'server-close';
