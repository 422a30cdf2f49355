import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM_TOKEN, startApi, type ApiHarness } from './harness.js';
import { receiveFax } from './receivedFaxes.js';

/**
 * The fax inbox API: faxes FaxToEmail kept under DATA_DIR/fax, listed per customer and number
 * with pages, sender id, duration and outcome; downloaded as the PDF; deleted. Another
 * customer's fax is a 404; a VoIP user has no fax inbox.
 */

let api: ApiHarness;
let faxDir: string;
let bakker: { customerId: string; adminToken: string };
let tandarts: { customerId: string; adminToken: string };

beforeEach(async () => {
  faxDir = join(await mkdtemp(join(tmpdir(), 'fax-inbox-')), 'fax');
  api = await startApi({ faxDir });
  bakker = await api.customerWithAdmin('Bakkerij De Vries');
  tandarts = await api.customerWithAdmin('Tandarts Jansen');
  await receiveFax(faxDir, { customerId: bakker.customerId, calledNumber: '+31858001000', caller: '0201234567', pages: 2, remoteIdent: '+31 20 1234567' });
  await receiveFax(faxDir, { customerId: bakker.customerId, calledNumber: '+31858001001', caller: '0307654321', pages: 0 });
  await receiveFax(faxDir, { customerId: tandarts.customerId, calledNumber: '+31858002000', pages: 1 });
});
afterEach(async () => {
  await api.close();
  await rm(join(faxDir, '..'), { recursive: true, force: true });
});

const list = async (token: string, query = ''): Promise<Record<string, unknown>[]> => {
  const res = await api.call('GET', `/api/v1/faxes${query}`, { token });
  expect(res.status).toBe(200);
  return res.items;
};

describe('the fax inbox', () => {
  it("lists a beheerder's own faxes with pages, sender id, duration and outcome, per number", async () => {
    const all = await list(bakker.adminToken);
    expect(all.map((f) => f.calledNational).sort()).toEqual(['0858001000', '0858001001']);
    const ok = all.find((f) => f.calledNational === '0858001000');
    expect(ok).toMatchObject({ calledNumber: '+31858001000', caller: '0201234567', success: true, pages: 2, remoteIdent: '+31 20 1234567', seconds: 40, reason: 'OK', document: 'pdf' });
    expect(ok?.customerId).toBeUndefined();
    const failed = all.find((f) => f.calledNational === '0858001001');
    expect(failed).toMatchObject({ success: false, pages: 0, reason: 'Far end disconnected' });
    expect(failed?.document).toBeUndefined();

    const one = await list(bakker.adminToken, `?number=${encodeURIComponent('085 800 1000')}`);
    expect(one.map((f) => f.id)).toEqual([ok?.id]);
    expect(await list(tandarts.adminToken, '?number=0858001000')).toEqual([]);
  });

  it('gives the platform every fax, or one customer’s', async () => {
    expect(await list(PLATFORM_TOKEN)).toHaveLength(3);
    const theirs = await list(PLATFORM_TOKEN, `?customerId=${tandarts.customerId}`);
    expect(theirs.map((f) => [f.calledNational, f.customerId])).toEqual([['0858002000', tandarts.customerId]]);
  });

  it('downloads the PDF of the pages received', async () => {
    const [fax] = await list(bakker.adminToken, '?number=0858001000');
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/faxes/${fax.id as string}/document`, headers: { authorization: `Bearer ${bakker.adminToken}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="fax-${fax.id as string}.pdf"`);
    const [day, id] = (fax.id as string).split('_');
    expect(res.rawPayload.equals(await readFile(join(faxDir, day, `${id}.pdf`)))).toBe(true);
    // Two pages in the PDF, as the fax machine sent them.
    expect(res.rawPayload.toString('latin1').match(/\/Type\s*\/Page\b/g)).toHaveLength(2);

    const [failed] = await list(bakker.adminToken, '?number=0858001001');
    expect((await api.call('GET', `/api/v1/faxes/${failed.id as string}/document`, { token: bakker.adminToken })).status).toBe(404);
  });

  it("deletes a fax's files; another customer's fax is a 404 and stays", async () => {
    const [mine] = await list(bakker.adminToken, '?number=0858001000');
    const [theirs] = await list(tandarts.adminToken);
    expect((await api.call('DELETE', `/api/v1/faxes/${theirs.id as string}`, { token: bakker.adminToken })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/faxes/${theirs.id as string}`, { token: bakker.adminToken })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/faxes/${theirs.id as string}/document`, { token: bakker.adminToken })).status).toBe(404);

    expect((await api.call('DELETE', `/api/v1/faxes/${mine.id as string}`, { token: bakker.adminToken })).status).toBe(204);
    const [day, id] = (mine.id as string).split('_');
    expect((await readdir(join(faxDir, day))).filter((f) => f.startsWith(id))).toEqual([]);
    expect((await list(bakker.adminToken)).map((f) => f.calledNational)).toEqual(['0858001001']);
    expect(await list(tandarts.adminToken)).toHaveLength(1);
    expect((await api.call('DELETE', `/api/v1/faxes/${mine.id as string}`, { token: bakker.adminToken })).status).toBe(404);
  });

  it('refuses a VoIP user, ids that are not fax ids, and a number that is not Dutch', async () => {
    const user = await api.accountWithUser(bakker.customerId, bakker.adminToken, '201');
    expect((await api.call('GET', '/api/v1/faxes', { token: user.userToken })).status).toBe(403);
    const traversal = await api.call('GET', `/api/v1/faxes/${encodeURIComponent('../../etc/passwd')}/document`, { token: PLATFORM_TOKEN });
    expect(traversal.status).toBe(400);
    expect(traversal.body.issues).toEqual([{ path: 'faxId', message: 'a fax id as <day>_<id>, e.g. 2026-11-23_101500-1a2b3c4d' }]);
    const bad = await api.call('GET', '/api/v1/faxes?number=12', { token: bakker.adminToken });
    expect(bad.status).toBe(400);
    expect((bad.body.issues as { path: string }[])[0].path).toBe('number');
  });

  it('leaves out a record it cannot read, and shows a fax kept before customers were recorded to the platform only', async () => {
    const day = (await readdir(faxDir))[0];
    await writeFile(join(faxDir, day, '235959-00000000.json'), '{ not json');
    await mkdir(join(faxDir, '2026-01-02'), { recursive: true });
    await writeFile(
      join(faxDir, '2026-01-02', '101010-abcdef01.json'),
      JSON.stringify({ id: '2026-01-02/101010-abcdef01', result: { success: true, pages: 1, remoteIdent: '', reason: 'OK', kind: 'ok', seconds: 9 }, receivedAt: '2026-01-02T10:10:10.000Z', calledNumber: '+31858001000', email: ['x@example.nl'] }),
    );
    expect(await list(bakker.adminToken)).toHaveLength(2);
    const all = await list(PLATFORM_TOKEN);
    expect(all.map((f) => f.id)).toContain('2026-01-02_101010-abcdef01');
    expect(all).toHaveLength(4);
    expect((await api.call('GET', '/api/v1/faxes/2026-01-02_101010-abcdef01', { token: bakker.adminToken })).status).toBe(404);
  });
});
