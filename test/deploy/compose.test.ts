/*
 * docker-compose.yml and the Dockerfile are NOT run here (no Docker engine on our machines).
 * These checks parse them and hold them to what the production topology needs: the services,
 * health checks and restart policies, two app instances on one drachtio-server and one Redis,
 * and environment that the app's configuration (src/config.ts) and freeswitch-conf/ accept.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const ROOT = new URL('../../', import.meta.url);
const composeText = readFileSync(fileURLToPath(new URL('docker-compose.yml', ROOT)), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  networks?: unknown;
  stop_grace_period?: string;
}

/** Compose's ${VAR:?msg} / ${VAR:-default} with a sample .env, as `docker compose config` would substitute. */
const SAMPLE_ENV: Record<string, string> = {
  PUBLIC_IP: '203.0.113.10',
  DRACHTIO_SECRET: 'drachtio-secret',
  FREESWITCH_ESL_PASSWORD: 'esl-password-123',
  SECRETS_KEY: 'a'.repeat(64),
  ADMIN_TOKEN: 'admin-token-0123456789',
};
function substitute(text: string): string {
  return text.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const v = SAMPLE_ENV[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`${name} is required: ${arg}`);
    return op === '-' ? arg : '';
  });
}
// `$$` is compose's escape for a literal `$` (used in health-check shell commands).
const compose = parse(substitute(composeText).replace(/\$\$/g, '$'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const apps = Object.entries(services).filter(([, s]) => s.build !== undefined);
/** The one service that runs once and exits: it hands the new volumes to the app's user. */
const ONE_SHOT = 'data-init';

describe('docker-compose.yml (parsed, not run)', () => {
  it('runs drachtio-server, FreeSWITCH with mod_spandsp, Redis and two app instances built from the Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['app1', 'app2', 'data-init', 'drachtio', 'freeswitch', 'redis']);
    expect(services.drachtio.image).toMatch(/^drachtio\/drachtio-server:/);
    expect(services.freeswitch.image).toMatch(/^drachtio\/drachtio-freeswitch-mrf:/);
    expect(services.redis.image).toMatch(/^redis:7/);
    expect(apps.map(([name]) => name)).toEqual(['app1', 'app2']);
  });

  it('names the secrets it needs instead of starting without them', () => {
    for (const name of Object.keys(SAMPLE_ENV)) expect(composeText).toMatch(new RegExp(`\\$\\{${name}:\\?`));
    expect(() => parse(substitute(composeText.replace(/\$\{PUBLIC_IP:\?/g, '${MISSING_PUBLIC_IP:?')))).toThrow(/MISSING_PUBLIC_IP is required/);
  });

  it('gives every service a health check and a restart policy, and starts the apps only when the rest is healthy', () => {
    for (const [name, s] of Object.entries(services).filter(([n]) => n !== ONE_SHOT)) {
      expect(s.healthcheck?.test?.length, `${name} health check`).toBeGreaterThan(0);
      expect(s.restart, `${name} restart policy`).toBe('unless-stopped');
    }
    for (const [, s] of apps) {
      expect(s.depends_on).toEqual({
        [ONE_SHOT]: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
        drachtio: { condition: 'service_healthy' },
        freeswitch: { condition: 'service_healthy' },
      });
      expect(s.healthcheck?.test.join(' ')).toContain('/health');
    }
  });

  it('hands every volume the apps write to the app image\'s user before they start', () => {
    const init = services[ONE_SHOT];
    expect(init.restart).toBe('no');
    expect(init.command).toEqual(['chown', '-R', '1000:1000', '/data']);
    const initVolumes = new Set(init.volumes!.map((v) => v.split(':')[0]));
    for (const [name, s] of apps) {
      for (const v of s.volumes!.filter((v) => !v.startsWith('./'))) expect(initVolumes, `${name} ${v}`).toContain(v.split(':')[0]);
    }
  });

  it('keeps Redis persistent (append-only file on a volume)', () => {
    const cmd = services.redis.command as string[];
    expect(cmd[cmd.indexOf('--appendonly') + 1]).toBe('yes');
    expect(services.redis.volumes).toContain('redis-data:/data');
  });

  it('connects both instances to the same drachtio-server and Redis, with one SECRETS_KEY and distinct CDR instance ids', () => {
    const envs = apps.map(([, s]) => s.environment!);
    for (const env of envs) {
      expect(env.DRACHTIO_HOST).toBe('drachtio');
      expect(env.REDIS_URL).toBe('redis://redis:6379/0');
      expect(env.DRACHTIO_SECRET).toBe(SAMPLE_ENV.DRACHTIO_SECRET);
      expect(env.SECRETS_KEY).toBe(SAMPLE_ENV.SECRETS_KEY);
      expect(env.MEDIA_SERVER).toBe('freeswitch');
      expect(env.FREESWITCH_ESL_SECRET).toBe(SAMPLE_ENV.FREESWITCH_ESL_PASSWORD);
    }
    expect(new Set(envs.map((e) => e.CDR_INSTANCE_ID)).size).toBe(2);
    expect(new Set(envs.map((e) => e.FREESWITCH_DATA_DIR)).size).toBe(2);
    // drachtio-server's command carries the same secret.
    const drachtio = services.drachtio.command as string[];
    expect(drachtio[drachtio.indexOf('--secret') + 1]).toBe(SAMPLE_ENV.DRACHTIO_SECRET);
  });

  it('gives each instance an environment the app accepts (src/config.ts)', () => {
    for (const [name, s] of apps) {
      const config = loadConfig(s.environment!);
      expect(config.media, name).toMatchObject({ server: 'freeswitch', esl: { host: services.freeswitch.environment!.FS_PRIVATE_IP, port: 8021 } });
      expect(config.drachtio, name).toEqual({ host: 'drachtio', port: 9022, secret: SAMPLE_ENV.DRACHTIO_SECRET });
      expect(config.demo, name).toBe(false);
    }
  });

  it('lets FreeSWITCH reach each instance\'s files where the instance says they are', () => {
    const fsVolumes = services.freeswitch.volumes!;
    expect(fsVolumes).toContain('./freeswitch-conf:/usr/local/freeswitch/conf:ro');
    for (const [name, s] of apps) {
      const env = s.environment!;
      const dataVolume = s.volumes!.find((v) => v.endsWith(`:${env.DATA_DIR}`))!.split(':')[0];
      expect(fsVolumes, name).toContain(`${dataVolume}:${env.FREESWITCH_DATA_DIR}`);
      expect(fsVolumes, name).toContain(`./prompts:${env.FREESWITCH_PROMPTS_DIR}:ro`);
      // Shared uploads and voicemail appear inside each instance's DATA_DIR, in the app and in FreeSWITCH alike.
      for (const shared of ['prompts', 'voicemail']) {
        const volume = s.volumes!.find((v) => v.endsWith(`:${env.DATA_DIR}/${shared}`))!.split(':')[0];
        expect(fsVolumes, `${name} ${shared}`).toContain(`${volume}:${env.FREESWITCH_DATA_DIR}/${shared}`);
      }
    }
  });

  it('sets every environment variable freeswitch-conf/vars.xml reads, and publishes its RTP range', () => {
    const vars = readFileSync(fileURLToPath(new URL('freeswitch-conf/vars.xml', ROOT)), 'utf8');
    const env = services.freeswitch.environment!;
    for (const m of vars.matchAll(/cmd="env-set" data="\w+=\$(\w+)"/g)) expect(env[m[1]], m[1]).toBeTruthy();
    expect(services.freeswitch.ports).toContain(`${env.FS_RTP_START}-${env.FS_RTP_END}:${env.FS_RTP_START}-${env.FS_RTP_END}/udp`);
    expect(services.freeswitch.entrypoint).toEqual(['/usr/local/freeswitch/bin/freeswitch']);
  });

  it('gives the apps time to finish calls on SIGTERM before Docker kills them', () => {
    for (const [name, s] of apps) {
      const grace = Number(s.environment!.SHUTDOWN_GRACE_SECONDS);
      expect(Number.parseInt(s.stop_grace_period!, 10), name).toBeGreaterThan(grace);
    }
  });
});

describe('Dockerfile (read, not built)', () => {
  const dockerfile = readFileSync(fileURLToPath(new URL('Dockerfile', ROOT)), 'utf8');
  const [build, runtime] = dockerfile.split(/^FROM /m).slice(1);

  it('builds with npm ci, the TypeScript build and the fax addon against libspandsp-dev', () => {
    expect(build).toMatch(/libspandsp-dev/);
    expect(build).toMatch(/libtiff-dev/);
    expect(build).toMatch(/RUN npm ci/);
    expect(build).toMatch(/npm run build /);
    expect(build).toMatch(/npm run build:fax/);
  });

  it('runs with the addon, its libraries and tiff2pdf, as an unprivileged user', () => {
    expect(runtime).toMatch(/libspandsp2/);
    expect(runtime).toMatch(/libtiff-tools/);
    expect(runtime).toMatch(/native\/fax\/build\/Release\/fax\.node/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/CMD \["node", "dist\/cli\/main\.js", "start"\]/);
  });
});
