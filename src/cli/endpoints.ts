import { isIP } from 'node:net';
import { z } from 'zod';

/** A listening address given on the command line. IPv6 literals are bracketed: `udp:[::1]:5060`. */
export interface SipEndpoint {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
}

export interface HostPort {
  host: string;
  port: number;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function splitHostPort(value: string): HostPort | undefined {
  const m = HOST_PORT.exec(value);
  if (!m) return undefined;
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const port = Number(m[2]);
  if (m[1].startsWith('[') && isIP(host) !== 6) return undefined;
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}

export const hostPortSchema = z.string().transform((value, ctx) => {
  const hp = splitHostPort(value);
  if (!hp) {
    ctx.addIssue({ code: 'custom', message: `"${value}": expected HOST:PORT with a port 1-65535, e.g. 127.0.0.1:9022` });
    return z.NEVER;
  }
  return hp;
});

export const sipEndpointSchema = z.string().transform((value, ctx): SipEndpoint => {
  const m = /^(udp|tcp):(.+)$/.exec(value);
  const hp = m ? splitHostPort(m[2]) : undefined;
  if (!m || !hp) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}": expected udp:HOST:PORT or tcp:HOST:PORT with a port 1-65535, e.g. udp:127.0.0.1:5060`,
    });
    return z.NEVER;
  }
  return { protocol: m[1] as 'udp' | 'tcp', ...hp };
});

/** Formats an endpoint the way the CLI accepts it back. */
export function formatHostPort(hp: HostPort): string {
  return isIP(hp.host) === 6 ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
