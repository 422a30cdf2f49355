import { afterAll, describe, expect, it } from 'vitest';
import { PortRangeExhaustedError } from '../../src/media/MediaErrors.js';
import { EmbeddedMediaServer } from '../../src/media/embedded/EmbeddedMediaServer.js';
import { silentLogger } from '../../src/logger.js';
import { FarEnd, mediaServer, offer, PROMPT_DIR } from './farEnd.js';

const servers: EmbeddedMediaServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function server(portMin: number, portMax: number, rtpTimeoutMs?: number): EmbeddedMediaServer {
  const s = new EmbeddedMediaServer({ host: '127.0.0.1', portMin, portMax, logger: silentLogger(), promptDir: PROMPT_DIR, rtpTimeoutMs });
  servers.push(s);
  return s;
}

describe('endpoint lifecycle', () => {
  it('an endpoint whose far end sends no RTP is destroyed with rtp-timeout and its port freed', async () => {
    const s = server(46500, 46510, 150);
    const far = await FarEnd.open();
    const ep = await s.createEndpoint({ remoteSdp: offer({ port: far.port }) });
    const reason = new Promise<string>((r) => ep.on('destroy', r));
    // While RTP arrives the endpoint lives; then the far end goes silent.
    for (let i = 0; i < 5; i++) {
      await far.sendAudio(ep.port, 8, new Uint8Array(160).fill(0xd5));
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(s.stats().endpoints).toBe(1);
    expect(await reason).toBe('rtp-timeout');
    expect(s.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
    await expect(ep.play('nl/beep')).rejects.toMatchObject({ name: 'AbortError', reason: 'rtp-timeout' });
    await far.close();
  });

  it('a held call (inactive) is not timed out', async () => {
    const s = server(46520, 46530, 100);
    const ep = await s.createEndpoint({ remoteSdp: offer({ port: 9, direction: 'inactive' }) });
    await new Promise((r) => setTimeout(r, 400));
    expect(s.stats().endpoints).toBe(1);
    await ep.destroy();
  });

  it('destroy during play rejects the play, is idempotent, and leaves nothing behind', async () => {
    const s = server(46540, 46550);
    const far = await FarEnd.open();
    const ep = await s.createEndpoint({ remoteSdp: offer({ port: far.port }) });
    const reasons: string[] = [];
    ep.on('destroy', (r) => reasons.push(r));
    const playing = ep.play('nl/gesloten');
    const dtmf = ep.sendDtmf('123');
    await far.until((p) => p.length >= 3);
    await Promise.all([ep.destroy(), ep.destroy()]);
    await ep.destroy();
    await expect(playing).rejects.toMatchObject({ name: 'AbortError', reason: 'destroy' });
    await expect(dtmf).rejects.toMatchObject({ name: 'AbortError' });
    expect(reasons).toEqual(['destroy']);
    expect(s.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
    expect(s.pacingStats().running).toBe(false);
    const n = far.packets.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(far.packets.length).toBe(n);
    await far.close();
  });

  it('a full port range is a clean error, and a freed port is usable again', async () => {
    const s = server(46560, 46564); // 46560, 46562, 46564
    const eps = await Promise.all([1, 2, 3].map(() => s.createEndpoint({ remoteSdp: offer({ port: 9 }) })));
    expect(eps.map((e) => e.port).sort()).toEqual([46560, 46562, 46564]);
    await expect(s.createEndpoint({ remoteSdp: offer({ port: 9 }) })).rejects.toBeInstanceOf(PortRangeExhaustedError);
    expect(s.stats()).toEqual({ endpoints: 3, portsInUse: 3 });
    await eps[1].destroy();
    const again = await s.createEndpoint({ remoteSdp: offer({ port: 9 }) });
    expect(again.port).toBe(46562);
    await Promise.all([eps[0].destroy(), eps[2].destroy(), again.destroy()]);
    expect(s.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
  });

  it('200 endpoints created, playing and destroyed leave no endpoint, port or timer behind', async () => {
    const s = mediaServer(46600, { portMax: 47000 });
    servers.push(s);
    const eps = await Promise.all(Array.from({ length: 200 }, () => s.createEndpoint({ remoteSdp: offer({ port: 9 }) })));
    expect(new Set(eps.map((e) => e.port)).size).toBe(200);
    expect(s.stats()).toEqual({ endpoints: 200, portsInUse: 200 });
    const plays = eps.map((e) => e.play('nl/welkom').catch((err: Error) => err.name));
    await new Promise((r) => setTimeout(r, 100));
    expect(s.pacingStats().running).toBe(true);
    await Promise.all(eps.map((e) => e.destroy()));
    expect(await Promise.all(plays)).toEqual(Array(200).fill('AbortError'));
    expect(s.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
    expect(s.pacingStats().running).toBe(false);
  });

  it('close destroys every endpoint with server-close and refuses new ones', async () => {
    const s = server(46580, 46590);
    const ep = await s.createEndpoint({ remoteSdp: offer({ port: 9 }) });
    const reason = new Promise<string>((r) => ep.on('destroy', r));
    await s.close();
    expect(await reason).toBe('server-close');
    expect(s.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
    await expect(s.createEndpoint({ remoteSdp: offer({ port: 9 }) })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
