/**
 * The seam between call logic and media: shaped like drachtio-fsmrf's MediaServer/Endpoint so a
 * FreeSWITCH adapter can implement the same interface as the embedded RTP engine
 * (src/media/embedded/).
 */

/** A media server makes endpoints (one RTP stream each), answering a remote offer or offering. */
export interface MediaServer {
  /**
   * With `remoteSdp`: answer it with a new endpoint; the answer is `endpoint.localSdp`.
   * Rejects with a NoCommonCodecError (SIP 488) when the offer has no codec we support.
   * Without: a new endpoint whose `localSdp` is an offer (PCMA, PCMU, telephone-event); it sends
   * nothing until `modify(answerSdp)` gives it the far end and the codec (the answer's first).
   */
  createEndpoint(opts?: CreateEndpointOptions): Promise<Endpoint>;
  /** Destroy every endpoint and release all ports and sockets. */
  close(): Promise<void>;
}

export interface CreateEndpointOptions {
  /** The far end's SDP offer; omit it to make an offer instead (outbound legs). */
  remoteSdp?: string;
}

export interface PlayOptions {
  signal?: AbortSignal;
}

export interface PlayResult {
  /** Audio time actually sent (seconds). */
  playbackSeconds: number;
}

export interface PlayCollectOptions {
  /** Prompt(s) played (again on each try) until the first digit. */
  file: string | string[];
  /** Fewest digits accepted. */
  min: number;
  /** Most digits collected; collection ends when reached. */
  max: number;
  /** Attempts before giving up with no digits (default 1). */
  tries?: number;
  /** Time allowed after the prompt ends, and between digits. */
  timeoutMs: number;
  /** Digits that end collection, e.g. '#'. */
  terminators?: string;
  signal?: AbortSignal;
}

export interface PlayCollectResult {
  /** The digits collected ('' when none within the tries). */
  digits: string;
  /** The terminator that ended collection, if one did. */
  terminator?: string;
}

export interface RecordOptions {
  /** Hard limit on the recording length. */
  maxSeconds: number;
  /** Stop after this much silence (after speech or from the start). */
  silenceMs?: number;
  /** DTMF digits that stop the recording, e.g. '#'. */
  terminators?: string;
  signal?: AbortSignal;
}

export interface RecordResult {
  seconds: number;
  terminator?: string;
}

export interface DtmfEvent {
  /** '0'–'9', '*', '#', 'A'–'D'. */
  digit: string;
  durationMs: number;
}

export interface ReceiveFaxOptions {
  /** Our station id (T.30 CSI), at most 20 characters. */
  ident?: string;
  /** Longest reception (default 15 min); then it ends as a failure ('timeout'). */
  maxSeconds?: number;
  /** Aborting ends the reception like a hangup: the promise still resolves, with the pages so far. */
  signal?: AbortSignal;
}

/** How a fax reception ended (FreeSWITCH: rxfax's fax_success, fax_document_transferred_pages, fax_remote_station_id, fax_result_text). */
export interface FaxReceiveResult {
  success: boolean;
  /** Complete pages in the TIFF. */
  pages: number;
  /** The sender's station id (T.30 TSI), '' when it sent none. */
  remoteIdent: string;
  /** Why it ended (spandsp's text, English), 'OK' on success. */
  reason: string;
  kind: 'ok' | 'call-dropped' | 'no-fax' | 'file' | 'protocol' | 'timeout';
  /** Audio time the reception took. */
  seconds: number;
}

/** One RTP stream towards one far end (one call leg). */
export interface Endpoint {
  readonly id: string;
  /** Our SDP answer (or re-answer after modify), or our offer for an endpoint created without a remote SDP. */
  readonly localSdp: string;
  /**
   * Apply a remote SDP: the answer to our offer (offer mode, first call), or a new offer
   * (re-INVITE): new address, codec, or hold (sendonly/inactive: we stop sending).
   */
  modify(remoteSdp: string): Promise<void>;
  play(file: string | string[], opts?: PlayOptions): Promise<PlayResult>;
  playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult>;
  record(file: string, opts: RecordOptions): Promise<RecordResult>;
  /** Relay audio and DTMF both ways between this endpoint and `other`. */
  bridge(other: Endpoint): Promise<void>;
  unbridge(): Promise<void>;
  /** Send RFC 4733 telephone-events for each digit. */
  sendDtmf(digits: string): Promise<void>;
  /**
   * Receive a fax (T.30 over G.711, spandsp) into a TIFF file; resolves when it ends, also on
   * hangup or abort (never rejects for a failed transfer: see `success` and `reason`). Rejects
   * with a FaxUnavailableError where the fax addon is not built. FreeSWITCH: rxfax.
   */
  receiveFax(tiffPath: string, opts?: ReceiveFaxOptions): Promise<FaxReceiveResult>;
  /** Start listening for the fax calling tone (CNG, 1100 Hz); emits 'fax-tone' once when heard. FreeSWITCH: spandsp_start_fax_detect. */
  startFaxDetect(): void;
  stopFaxDetect(): void;
  on(ev: 'dtmf', fn: (d: DtmfEvent) => void): this;
  on(ev: 'destroy', fn: (reason: string) => void): this;
  on(ev: 'fax-tone', fn: () => void): this;
  once(ev: 'dtmf', fn: (d: DtmfEvent) => void): this;
  once(ev: 'destroy', fn: (reason: string) => void): this;
  once(ev: 'fax-tone', fn: () => void): this;
  off(ev: 'dtmf', fn: (d: DtmfEvent) => void): this;
  off(ev: 'destroy', fn: (reason: string) => void): this;
  off(ev: 'fax-tone', fn: () => void): this;
  /** Idempotent; rejects pending play/collect/record with a MediaAbortError. */
  destroy(): Promise<void>;
}
