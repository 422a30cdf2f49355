import Srf from 'drachtio-srf';

/**
 * Connects a drachtio-srf app to an engine (or drachtio-server) on 127.0.0.1. Resolves on the
 * first 'connect'; rejects on a failed authentication, a socket error, or after timeoutMs.
 */
export function connectSrf(port: number, secret: string, timeoutMs = 5_000): Promise<Srf> {
  const srf = new Srf();
  return new Promise<Srf>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      disconnect(srf);
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`srf did not connect to 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    // An 'error' without a listener would throw out of the EventEmitter and kill the test worker.
    srf.on('error', (err: Error) => fail(new Error(`srf connection to 127.0.0.1:${port} failed: ${err.message}`)));
    srf.on('connect', (err: Error | null) => {
      if (err) return fail(new Error(`srf could not connect to 127.0.0.1:${port}: ${err.message}`));
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(srf);
    });
    srf.connect({ host: '127.0.0.1', port, secret });
  });
}

/** Closes the app's control connection and stops srf's reconnect attempts. */
export function disconnect(srf: Srf): void {
  try {
    srf.disconnect();
  } catch {
    // srf throws when it never had a socket; then there is nothing to close.
  }
}
