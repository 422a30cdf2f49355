import { resolve } from 'node:path';
import type Srf from 'drachtio-srf';
import type { MediaConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { EmbeddedMediaServer } from './embedded/EmbeddedMediaServer.js';
import { FreeswitchMediaServer } from './freeswitch/FreeswitchMediaServer.js';
import type { MediaServer } from './MediaTypes.js';

export interface MediaServerSettings {
  media: MediaConfig;
  /** The embedded engine's RTP bind address and the address it writes in SDP. */
  rtp: { host: string; advertisedHost: string; min: number; max: number };
  promptsDir: string;
  dataDir: string;
  /** Uploaded prompts: DATA_DIR/prompts ('custom/<customer>/<id>' below it). */
  customPromptDir: string;
  /** This machine's address FreeSWITCH can connect back to, when FREESWITCH_OUTBOUND_HOST is unset. */
  defaultOutboundHost: string;
  logger: Logger;
}

export interface OpenedMediaServer {
  media: MediaServer;
  /** Called once the app's srf is connected: FreeSWITCH endpoints are made by INVITEs through it. */
  attach(srf: Srf): void;
}

/** The media server MEDIA_SERVER names: the embedded RTP engine (default) or FreeSWITCH. */
export function openMediaServer(s: MediaServerSettings): OpenedMediaServer {
  const m = s.media;
  if (m.server === 'embedded') {
    const media = new EmbeddedMediaServer({
      host: s.rtp.host,
      advertisedHost: s.rtp.advertisedHost,
      portMin: s.rtp.min,
      portMax: s.rtp.max,
      promptDir: s.promptsDir,
      customPromptDir: s.customPromptDir,
      logger: s.logger,
    });
    return { media, attach: () => undefined };
  }
  const promptsDir = resolve(s.promptsDir);
  const dataDir = resolve(s.dataDir);
  const media = new FreeswitchMediaServer({
    esl: m.esl,
    outbound: { host: m.outbound.host ?? s.defaultOutboundHost, port: m.outbound.port },
    mounts: {
      promptsDir: { app: promptsDir, freeswitch: m.promptsDir ?? promptsDir },
      dataDir: { app: dataDir, freeswitch: m.dataDir ?? dataDir },
      customPromptDir: resolve(s.customPromptDir),
    },
    logger: s.logger,
  });
  return { media, attach: (srf) => void media.start(srf) };
}
