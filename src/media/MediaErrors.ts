/** The offer has no codec we can answer with (reply 488 Not Acceptable Here). */
export class NoCommonCodecError extends Error {
  readonly sipStatus = 488;
  constructor(readonly offered: string[]) {
    super(`no common codec: offered ${offered.length ? offered.join(', ') : 'none'}; supported PCMA/8000, PCMU/8000`);
    this.name = 'NoCommonCodecError';
  }
}

/** An operation ended because the endpoint was destroyed or its signal aborted. */
export class MediaAbortError extends Error {
  constructor(readonly reason: string) {
    super(`media operation aborted: ${reason}`);
    this.name = 'AbortError';
  }
}

/** Every even port of the RTP range is taken. */
export class PortRangeExhaustedError extends Error {
  constructor(readonly portMin: number, readonly portMax: number) {
    super(`no free RTP port in ${portMin}-${portMax} (${Math.floor((portMax - portMin) / 2) + 1} even ports, all in use)`);
    this.name = 'PortRangeExhaustedError';
  }
}

/** A prompt file that is missing or not 8 kHz mono PCM/A-law/µ-law WAV. */
export class PromptFormatError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`prompt ${file}: ${detail}`);
    this.name = 'PromptFormatError';
  }
}

/** Fax reception was asked for where the fax addon (native/fax) is not built. */
export class FaxUnavailableError extends Error {
  constructor(readonly detail: string) {
    super(`fax unavailable: ${detail}`);
    this.name = 'FaxUnavailableError';
  }
}
