import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/*
 * Ports are drawn below the kernel's ephemeral range (32768-60999 on Linux) so that an outgoing
 * TCP connection or an unbound UDP send elsewhere in the machine cannot be handed the same port
 * between our probe and the real bind. Random draws keep parallel vitest workers (separate
 * processes) apart; the set keeps one process from handing a port out twice.
 */
const LOW = 12_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function probeTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function probeUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that is free for both UDP and TCP right now, never returned twice by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if ((await probeUdp(port)) && (await probeTcp(port))) return port;
  }
  throw new Error(`no port free for both UDP and TCP on 127.0.0.1 in ${LOW}-${HIGH} after 200 attempts`);
}
