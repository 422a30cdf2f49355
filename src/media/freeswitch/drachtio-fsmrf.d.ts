/**
 * Types for the part of drachtio-fsmrf 4.1.2 (CommonJS, no typings of its own) that the
 * FreeSWITCH adapter uses. Read from node_modules/drachtio-fsmrf/lib/{mrf,mediaserver,endpoint}.js;
 * every promise-returning method below is the callback-less form of the library's method.
 */
declare module 'drachtio-fsmrf' {
  import type { EventEmitter } from 'node:events';
  import type Srf from 'drachtio-srf';

  namespace Mrf {
    /** drachtio-modesl's Event: one ESL message (headers, optional body). */
    interface EslEvent {
      getHeader(name: string): string | undefined;
      getBody(): string;
    }

    interface ConnectOptions {
      /** FreeSWITCH's event socket (inbound connection from us). */
      address: string;
      port?: number;
      secret?: string;
      /** Where we listen for FreeSWITCH's outbound event-socket connections, one per endpoint. */
      listenAddress?: string;
      listenPort?: number;
      /** What FreeSWITCH is told to connect to (X-esl-outbound); defaults to the listen address. */
      advertisedAddress?: string;
      advertisedPort?: number;
      /** The SIP profile found in `sofia status` (default 'drachtio_mrf'). */
      profile?: string;
    }

    interface CreateEndpointOptions {
      remoteSdp?: string;
      codecs?: string | string[];
      headers?: Record<string, string>;
    }

    interface MediaServer extends EventEmitter {
      readonly address: string;
      sip: { ipv4: { udp: { address?: string } } };
      connected(): boolean;
      createEndpoint(opts?: CreateEndpointOptions): Promise<Endpoint>;
      api(command: string): Promise<string>;
      disconnect(): void;
    }

    interface NetworkConnection {
      sdp: string;
      mediaIp?: string;
      mediaPort?: string;
    }

    interface PlayResult {
      playbackSeconds?: string;
      playbackMilliseconds?: string;
    }

    interface Endpoint extends EventEmitter {
      readonly uuid: string;
      readonly local: NetworkConnection;
      readonly remote: NetworkConnection;
      readonly connected: boolean;
      /** sendmsg execute; resolves with the CHANNEL_EXECUTE_COMPLETE event of that execution. */
      execute(app: string, arg?: string): Promise<EslEvent>;
      /** api command on the endpoint's connection; resolves with the api/response. */
      api(command: string, args?: string | string[]): Promise<EslEvent>;
      set(param: string | Record<string, string>, value?: string): Promise<void>;
      play(file: string | string[]): Promise<PlayResult>;
      bridge(other: Endpoint | string): Promise<void>;
      unbridge(): Promise<void>;
      /** re-INVITE towards FreeSWITCH with `sdp`, then re-reads the channel's SDP variables. */
      modify(sdp: string): Promise<unknown>;
      /** hangup; resolves when FreeSWITCH's BYE arrives. */
      destroy(): Promise<void>;
    }
  }

  class Mrf extends EventEmitter {
    constructor(srf: Srf, opts?: { customEvents?: string[] });
    connect(opts: Mrf.ConnectOptions): Promise<Mrf.MediaServer>;
  }

  export = Mrf;
}
