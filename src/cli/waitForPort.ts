import { connect } from 'node:net';

/**
 * Resolves once host:port accepts a TCP connection; rejects after `timeoutMs`, or as soon as
 * `abort` resolves (e.g. the process that should open the port has exited).
 */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  abort?: Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let aborted: string | undefined;
  void abort?.then((reason) => {
    aborted = reason;
  });
  for (;;) {
    if (aborted !== undefined) throw new Error(aborted);
    if (await tryConnect(host, port)) return;
    if (aborted !== undefined) throw new Error(aborted);
    if (Date.now() >= deadline) throw new Error(`${host}:${port} did not accept connections within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
