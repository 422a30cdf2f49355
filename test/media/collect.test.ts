import { describe, expect, it } from 'vitest';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import { digitToEvent } from '../../src/media/embedded/telephoneEvent.js';
import { useMediaServer, offer, PROMPT_DIR } from './farEnd.js';

const media = useMediaServer(46300);
const server = media.server;
const prompts = new PromptLibrary(PROMPT_DIR);

async function press(to: number, digits: string): Promise<void> {
  for (const d of digits) await media.far.sendDigit(to, 101, digitToEvent(d));
}

describe('playCollect', () => {
  it('a caller who presses 2 during the menu prompt stops the prompt and the 2 is returned', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const frames = Math.ceil((await prompts.pcm('nl/menu-keuze')).length / 160);
    const collecting = ep.playCollect({ file: 'nl/menu-keuze', min: 1, max: 1, timeoutMs: 5000 });
    await media.far.until((p) => p.length >= 10);
    await press(ep.port, '2');
    expect(await collecting).toEqual({ digits: '2' });
    const afterDigit = media.far.packets.length;
    await new Promise((r) => setTimeout(r, 200));
    // The prompt stopped: a couple of packets may have been in flight, not the rest of the menu.
    expect(media.far.packets.length).toBeLessThan(afterDigit + 3);
    expect(media.far.packets.length).toBeLessThan(frames);
    await ep.destroy();
  });

  it('collects several digits up to a terminator, which is reported', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const collecting = ep.playCollect({ file: 'nl/beep', min: 2, max: 6, timeoutMs: 5000, terminators: '#' });
    await media.far.until((p) => p.length >= 1);
    await press(ep.port, '123#');
    expect(await collecting).toEqual({ digits: '123', terminator: '#' });
    await ep.destroy();
  });

  it('stops at max digits', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const collecting = ep.playCollect({ file: 'nl/beep', min: 1, max: 3, timeoutMs: 5000 });
    await media.far.until((p) => p.length >= 1);
    await press(ep.port, '98765');
    expect(await collecting).toEqual({ digits: '987' });
    await ep.destroy();
  });

  it('replays the prompt on each try and returns no digits when the caller stays silent', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const frames = Math.ceil((await prompts.pcm('nl/beep')).length / 160);
    const r = await ep.playCollect({ file: 'nl/beep', min: 1, max: 1, tries: 2, timeoutMs: 100 });
    expect(r).toEqual({ digits: '' });
    await media.far.until((p) => p.length >= 2 * frames);
    expect(media.far.packets.length).toBe(2 * frames);
    expect(media.far.packets.filter((p) => p.marker)).toHaveLength(2);
    await ep.destroy();
  });

  it('a terminator before min digits counts as a failed try', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const collecting = ep.playCollect({ file: 'nl/beep', min: 2, max: 4, tries: 2, timeoutMs: 3000, terminators: '#' });
    await media.far.until((p) => p.length >= 1);
    await press(ep.port, '1#');
    // The second try plays the whole beep (20 packets) again.
    await media.far.until((p) => p.length >= 20);
    await press(ep.port, '42#');
    expect(await collecting).toEqual({ digits: '42', terminator: '#' });
    await ep.destroy();
  });

  it('rejects with an AbortError when the endpoint is destroyed while collecting', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const collecting = ep.playCollect({ file: 'nl/menu-keuze', min: 1, max: 1, timeoutMs: 5000 });
    await media.far.until((p) => p.length >= 3);
    await ep.destroy();
    await expect(collecting).rejects.toMatchObject({ name: 'AbortError', reason: 'destroy' });
    expect(server.pacingStats().running).toBe(false);
  });
});
