import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startApp, type RunningApp } from '../../src/app/startApp.js';
import { SecretBox } from '../../src/store/secrets.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { FakeDrachtio } from './fakeDrachtio.js';

const logger = silentLogger();

function statusLine(sip: string): string {
  return sip.split('\r\n')[0];
}

function header(sip: string, name: string): string | undefined {
  const line = sip.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The app's dependencies besides the drachtio connection. */
function appDeps() {
  const secretKey = randomBytes(32);
  return {
    logger,
    store: new MemoryStore(),
    secrets: new SecretBox(secretKey),
    secretKey,
    sip: { domain: 'contactsuite.test', register: { minExpires: 60, maxExpires: 3600 }, authThrottle: { maxFailures: 10, blockSeconds: 300 } },
  };
}

describe('the default app on drachtio-srf', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function connectedApp(): Promise<{ server: FakeDrachtio; app: RunningApp }> {
    const server = new FakeDrachtio('cymru');
    const port = await server.listen();
    cleanups.push(() => server.close());
    const app = await startApp({ drachtio: { host: '127.0.0.1', port, secret: 'cymru' }, ...appDeps() });
    cleanups.push(() => app.stop());
    return { server, app };
  }

  it('connects, authenticates and routes OPTIONS, INVITE and REGISTER to itself', async () => {
    const { server, app } = await connectedApp();
    expect(app.isConnected()).toBe(true);
    expect(app.sipHostports()).toEqual(['udp/127.0.0.1:5999', 'tcp/127.0.0.1:5999']);
    await waitFor(() => server.routes.size === 3, 'three routes');
    expect([...server.routes].sort()).toEqual(['invite', 'options', 'register']);
  });

  it('answers an OPTIONS keepalive with 200, Allow and Accept', async () => {
    const { server } = await connectedApp();
    const reply = await server.deliver('OPTIONS');
    expect(statusLine(reply)).toBe('SIP/2.0 200 OK');
    expect(header(reply, 'Allow')?.split(/\s*,\s*/)).toEqual(expect.arrayContaining(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS']));
    expect(header(reply, 'Accept')).toBe('application/sdp');
  });

  it('challenges a call from a phone for its credentials (407 with a digest challenge)', async () => {
    const { server } = await connectedApp();
    const reply = await server.deliver('INVITE');
    expect(statusLine(reply)).toBe('SIP/2.0 407 Proxy Authentication Required');
    expect(header(reply, 'Proxy-Authenticate')).toMatch(/^Digest realm="contactsuite.test", nonce="[^"]+"/);
  });

  it('challenges a registration (401 with a digest challenge)', async () => {
    const { server } = await connectedApp();
    const reply = await server.deliver('REGISTER', ['Expires: 3600']);
    expect(statusLine(reply)).toBe('SIP/2.0 401 Unauthorized');
    expect(header(reply, 'WWW-Authenticate')).toMatch(/^Digest realm="contactsuite.test", nonce="[^"]+"/);
  });

  it('fails to start when the server refuses the secret', async () => {
    const server = new FakeDrachtio('cymru');
    const port = await server.listen();
    cleanups.push(() => server.close());
    await expect(
      startApp({ drachtio: { host: '127.0.0.1', port, secret: 'wrong' }, ...appDeps() }),
    ).rejects.toThrow(/refused the secret/);
  });

  it('reports the connection lost when the server goes away and reconnects when it returns', async () => {
    const { server, app } = await connectedApp();
    const port = server.port;
    await server.close();
    await waitFor(() => !app.isConnected(), 'the app to notice the lost connection');

    const restarted = new FakeDrachtio('cymru');
    await restarted.listen(port);
    cleanups.push(() => restarted.close());
    await waitFor(() => app.isConnected(), 'the app to reconnect', 10_000);
    // srf re-sends its routes after reconnecting, so new requests reach the app again.
    await waitFor(() => restarted.routes.size === 3, 'routes after reconnect');
    expect(statusLine(await restarted.deliver('OPTIONS'))).toBe('SIP/2.0 200 OK');
  });

  it('stop() closes the connection and does not reconnect', async () => {
    const { server, app } = await connectedApp();
    await server.waitForConnections(1);
    await app.stop();
    expect(app.isConnected()).toBe(false);
    await server.waitForConnections(0);
    // srf's first retry would come after ~255 ms; the connection count must stay at zero.
    await new Promise((r) => setTimeout(r, 600));
    expect(server.sockets.size).toBe(0);
  });
});
