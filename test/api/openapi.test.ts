import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

interface Operation {
  security?: unknown[];
  parameters: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  security: unknown[];
}

const EXPECTED: [string, string][] = [
  ['post', '/api/v1/customers/{customerId}/numbers'],
  ['get', '/api/v1/customers/{customerId}/numbers'],
  ['get', '/api/v1/numbers/{numberId}'],
  ['patch', '/api/v1/numbers/{numberId}'],
  ['delete', '/api/v1/numbers/{numberId}'],
  ['get', '/api/v1/plans/schema.json'],
  ['post', '/api/v1/customers/{customerId}/plans'],
  ['get', '/api/v1/customers/{customerId}/plans'],
  ['get', '/api/v1/plans/{planId}'],
  ['delete', '/api/v1/plans/{planId}'],
  ['get', '/api/v1/plans/{planId}/versions'],
  ['post', '/api/v1/plans/{planId}/versions'],
  ['get', '/api/v1/plans/{planId}/versions/{version}'],
  ['post', '/api/v1/plans/{planId}/publish'],
  ['post', '/api/v1/plans/{planId}/restore'],
  ['post', '/api/v1/plans/{planId}/simulate'],
  ['get', '/api/v1/session'],
  ['get', '/api/v1/accounts/{accountId}/registrations'],
  ['post', '/api/v1/customers'],
  ['get', '/api/v1/customers'],
  ['get', '/api/v1/customers/{customerId}'],
  ['patch', '/api/v1/customers/{customerId}'],
  ['delete', '/api/v1/customers/{customerId}'],
  ['post', '/api/v1/customers/{customerId}/accounts'],
  ['get', '/api/v1/customers/{customerId}/accounts'],
  ['get', '/api/v1/accounts/{accountId}'],
  ['patch', '/api/v1/accounts/{accountId}'],
  ['delete', '/api/v1/accounts/{accountId}'],
  ['post', '/api/v1/accounts/{accountId}/password'],
  ['post', '/api/v1/customers/{customerId}/devices'],
  ['get', '/api/v1/customers/{customerId}/devices'],
  ['get', '/api/v1/devices/{deviceId}'],
  ['get', '/api/v1/devices/{deviceId}/provisioning'],
  ['post', '/api/v1/devices/{deviceId}/secret'],
  ['patch', '/api/v1/devices/{deviceId}'],
  ['delete', '/api/v1/devices/{deviceId}'],
  ['post', '/api/v1/customers/{customerId}/tokens'],
  ['get', '/api/v1/customers/{customerId}/tokens'],
  ['delete', '/api/v1/customers/{customerId}/tokens/{tokenId}'],
  ['get', '/api/v1/reports/outpayment'],
  ['get', '/api/v1/reports/usage'],
  ['get', '/api/v1/reports/revenue'],
  ['get', '/api/v1/cdrs'],
  ['get', '/api/v1/calls/live'],
  ['post', '/api/v1/customers/{customerId}/prompts'],
  ['get', '/api/v1/customers/{customerId}/prompts'],
  ['get', '/api/v1/customers/{customerId}/prompts/{promptId}'],
  ['get', '/api/v1/customers/{customerId}/prompts/{promptId}/audio'],
  ['delete', '/api/v1/customers/{customerId}/prompts/{promptId}'],
  ['post', '/api/v1/voicemail-boxes'],
  ['get', '/api/v1/voicemail-boxes'],
  ['get', '/api/v1/voicemail-boxes/{boxId}'],
  ['patch', '/api/v1/voicemail-boxes/{boxId}'],
  ['delete', '/api/v1/voicemail-boxes/{boxId}'],
  ['get', '/api/v1/voicemail-boxes/{boxId}/messages'],
  ['get', '/api/v1/voicemail-boxes/{boxId}/messages/{messageId}/audio'],
  ['patch', '/api/v1/voicemail-boxes/{boxId}/messages/{messageId}'],
  ['delete', '/api/v1/voicemail-boxes/{boxId}/messages/{messageId}'],
  ['post', '/api/v1/session'],
  ['delete', '/api/v1/session'],
  ['post', '/api/v1/customers/{customerId}/web-logins'],
  ['get', '/api/v1/customers/{customerId}/web-logins'],
  ['post', '/api/v1/customers/{customerId}/web-logins/{loginId}/password'],
  ['delete', '/api/v1/customers/{customerId}/web-logins/{loginId}'],
  ['get', '/api/v1/faxes'],
  ['get', '/api/v1/faxes/{faxId}'],
  ['get', '/api/v1/faxes/{faxId}/document'],
  ['delete', '/api/v1/faxes/{faxId}'],
  ['post', '/api/v1/inventory/import'],
  ['get', '/api/v1/inventory/numbers'],
  ['get', '/api/v1/inventory/numbers/{number}'],
  ['post', '/api/v1/inventory/numbers/{number}/state'],
  ['post', '/api/v1/orders'],
  ['get', '/api/v1/orders'],
  ['get', '/api/v1/orders/{orderId}'],
  ['post', '/api/v1/orders/{orderId}/confirm'],
  ['post', '/api/v1/orders/{orderId}/activate'],
  ['post', '/api/v1/orders/{orderId}/acm-assignment'],
  ['post', '/api/v1/orders/{orderId}/cancel'],
  ['get', '/api/v1/contracts'],
  ['get', '/api/v1/contracts/{contractId}'],
  ['post', '/api/v1/contracts/{contractId}/notice'],
  ['post', '/api/v1/numbers/{numberId}/tariff-changes'],
  ['get', '/api/v1/numbers/{numberId}/tariff-changes'],
  ['post', '/api/v1/tariff-changes/{changeId}/withdraw'],
  ['get', '/api/v1/invoices'],
  ['get', '/api/v1/invoices/{invoiceId}'],
  ['post', '/api/v1/invoices/run'],
  ['post', '/api/v1/invoices/{invoiceId}/credit-notes'],
  ['post', '/api/v1/invoices/{invoiceId}/payments'],
  ['get', '/api/v1/invoices/{invoiceId}/payments'],
  ['get', '/api/v1/outpayment-statements'],
  ['get', '/api/v1/outpayment-statements/{statementId}'],
  ['post', '/api/v1/outpayment-statements/run'],
  ['get', '/api/v1/customers/{customerId}/billing'],
  ['patch', '/api/v1/customers/{customerId}/billing'],
  ['get', '/api/v1/openapi.json'],
];

async function fetchDocument(): Promise<Document> {
  const res = await api.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.payload) as Document;
}

describe('the OpenAPI document', () => {
  it('is served without a token as OpenAPI 3.1 JSON with the bearer scheme', async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/openapi.json'].get.security).toEqual([]);
  });

  it('lists every route, and nothing else', async () => {
    const doc = await fetchDocument();
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(listed.sort()).toEqual(EXPECTED.map(([m, p]) => `${m} ${p}`).sort());
    // Each path template's {params} are declared as path parameters.
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(ops)) {
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort(), path).toEqual(names);
      }
    }
  });

  it('carries the request and response schemas generated from the zod schemas', async () => {
    const doc = await fetchDocument();
    const create = doc.paths['/api/v1/customers/{customerId}/accounts'].post;
    const body = create.requestBody!.content['application/json'].schema as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(body.required).toEqual(['username']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.channelLimit).toMatchObject({ type: 'integer', minimum: 1, maximum: 30, default: 2 });
    expect(body.properties.password).toMatchObject({ type: 'string', minLength: 12 });
    expect(new RegExp(body.properties.username.pattern as string).test('knip.201')).toBe(true);

    const created = create.responses['201'].content!['application/json'].schema as { properties: Record<string, unknown> };
    expect(Object.keys(created.properties)).toContain('password');
    const read = doc.paths['/api/v1/accounts/{accountId}'].get.responses['200'].content!['application/json'].schema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(read.properties)).not.toContain('password');
    expect(create.responses['400'].content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/ValidationError' });
    expect(Object.keys(create.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409']);

    // Every $ref resolves inside the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(doc.components.schemas[name], name).toBeDefined();
  });
});
