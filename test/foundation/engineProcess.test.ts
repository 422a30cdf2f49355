import { describe, expect, it } from 'vitest';
import { EngineProcess } from '../../src/cli/EngineProcess.js';
import { silentLogger } from '../../src/logger.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('EngineProcess', () => {
  it('restarts a crashing engine until stopped', async () => {
    const engine = new EngineProcess({
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      logger: silentLogger(),
      initialBackoffMs: 10,
      maxBackoffMs: 40,
    });
    engine.start();
    const deadline = Date.now() + 10_000;
    while (engine.starts < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(engine.starts).toBeGreaterThanOrEqual(3);
    await engine.stop();
    const startsAtStop = engine.starts;
    await new Promise((r) => setTimeout(r, 200));
    expect(engine.starts).toBe(startsAtStop);
  });

  it('stop() ends a running engine', async () => {
    const engine = new EngineProcess({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      logger: silentLogger(),
    });
    engine.start();
    const pid = engine.pid;
    expect(pid).toBeTypeOf('number');
    expect(isRunning(pid!)).toBe(true);
    await engine.stop();
    expect(isRunning(pid!)).toBe(false);
    expect(engine.starts).toBe(1);
  });
});
