import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { defineCounter, defineGauge } from '../../src/http/metrics.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const logger = silentLogger();

describe('GET /health', () => {
  it('is 200 when the engine is connected and the store answers', async () => {
    const app = buildHttpServer({ isEngineConnected: () => true, store: new MemoryStore(), logger });
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', engine: { connected: true }, store: { reachable: true } });
    await app.close();
  });

  it('is 503 naming the engine while the engine is disconnected', async () => {
    let connected = true;
    const app = buildHttpServer({ isEngineConnected: () => connected, store: new MemoryStore(), logger });
    connected = false;
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'fail', engine: { connected: false }, store: { reachable: true } });
    await app.close();
  });

  it('is 503 naming the store when the store does not answer', async () => {
    const store = new MemoryStore();
    const app = buildHttpServer({ isEngineConnected: () => true, store, logger });
    await store.close();
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'fail', engine: { connected: true }, store: { reachable: false } });
    await app.close();
  });
});

describe('GET /health with Redis', () => {
  let redis: TestRedis;
  let store: RedisStore;

  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore(redis.url, logger, { pingTimeoutMs: 500 });
  });
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  it('reports the store reachable while redis runs, and 503 once redis is gone', async () => {
    expect(await store.waitUntilReady(5000)).toBe(true);
    expect(await store.ping()).toBe(true);
    const app = buildHttpServer({ isEngineConnected: () => true, store, logger });
    const up = await app.inject({ method: 'GET', url: '/health' });
    expect(up.statusCode).toBe(200);
    expect(up.json().store).toEqual({ reachable: true });

    await redis.stop();
    const down = await app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'fail', engine: { connected: true }, store: { reachable: false } });
    expect(await store.ping()).toBe(false);
    await app.close();
  });
});

describe('GET /metrics', () => {
  it('serves process metrics and metrics other modules define, in Prometheus text format', async () => {
    const received = defineCounter({
      name: 'test_sip_messages_received_total',
      help: 'SIP messages received',
      labelNames: ['method'] as const,
    });
    received.inc({ method: 'INVITE' }, 3);
    defineGauge({ name: 'test_calls_active', help: 'calls in progress' }).set(2);

    const app = buildHttpServer({ isEngineConnected: () => true, store: new MemoryStore(), logger });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('process_resident_memory_bytes');
    expect(res.body).toContain('test_sip_messages_received_total{method="INVITE"} 3');
    expect(res.body).toContain('test_calls_active 2');
    await app.close();
  });

  it('defining a metric twice returns the one already registered instead of throwing', () => {
    const a = defineCounter({ name: 'test_defined_twice_total', help: 'x' });
    const b = defineCounter({ name: 'test_defined_twice_total', help: 'x' });
    expect(b).toBe(a);
  });
});
