import { z } from 'zod';
import { ErrorSchema, ValidationErrorSchema } from './errors.js';
import type { RouteDef } from './route.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Requests are described as clients may send them (defaults optional), responses as sent.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input');
  const properties = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: s,
  }));
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: the issues name each field by its dotted path',
  401: 'Missing or invalid bearer token',
  403: "The caller's role may not do this on its own customer's data",
  404: 'Unknown, or belonging to another customer',
  409: 'A unique field (a username, a number) is already taken, or the resource is still in use',
};

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): JsonSchema => ({ 'application/json': { schema } });

/** The OpenAPI 3.1 document for the routes, generated from their zod schemas. */
export function buildOpenApi(routes: RouteDef[], opts: { prefix: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = opts.prefix + r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [r.success.status]: {
        description: r.success.description,
        ...(r.success.schema ? { content: json(jsonSchema(r.success.schema, 'output')) } : {}),
      },
    };
    if (r.params || r.query || r.body) {
      responses[400] = { description: ERROR_TEXT[400], content: json(ref('ValidationError')) };
    }
    for (const status of [401, ...r.errors]) {
      responses[status] = { description: ERROR_TEXT[status], content: json(ref('Error')) };
    }
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: json(jsonSchema(r.body, 'input')) } } : {}),
      responses,
    };
  }
  paths[`${opts.prefix}/openapi.json`] = {
    get: {
      summary: 'This document',
      tags: ['meta'],
      operationId: 'getOpenApi',
      parameters: [],
      security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document', content: json({ type: 'object' }) } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'ContactSuite admin API',
      version: opts.version,
      description:
        'Customers, SIP accounts, API tokens, service numbers and call plans. Bearer tokens: the platform token sees every customer; ' +
        'a beheerder token everything of its own customer; a gebruiker token only its own account. ' +
        "Another customer's data answers 404.",
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token or the platform token' } },
      schemas: {
        Error: jsonSchema(ErrorSchema, 'output'),
        ValidationError: jsonSchema(ValidationErrorSchema, 'output'),
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
