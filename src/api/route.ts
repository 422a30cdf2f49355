import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from './auth.js';
import { fieldIssues, validationError, type FieldIssue } from './errors.js';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteResult {
  status: 200 | 201 | 204;
  body?: unknown;
}

/**
 * One API route, described once: fastify serves it and the OpenAPI document is generated from
 * the same zod schemas, so the two cannot drift apart.
 */
export interface RouteDef<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** fastify form, relative to the plugin prefix: '/customers/:customerId'. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The success response; its schema is omitted for 204. */
  success: { status: 200 | 201 | 204; description: string; schema?: z.ZodType };
  /** Error statuses this route can answer besides 400 (input) and 401 (token), for the document. */
  errors: (403 | 404 | 409)[];
  handle(input: { principal: Principal; params: Out<P>; query: Out<Q>; body: Out<B> }): Promise<RouteResult>;
}

/** Keeps each definition's generic types while collecting them into one list. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef;
}

function parsePart(schema: z.ZodType | undefined, value: unknown, issues: FieldIssue[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  issues.push(...fieldIssues(result.error));
  return undefined;
}

/** Serve the definitions on `app`: authenticate first (401 before 400), then validate, then handle. */
export function serveRoutes(
  app: FastifyInstance,
  routes: RouteDef[],
  authenticate: (req: FastifyRequest) => Promise<Principal>,
): void {
  for (const def of routes) {
    app.route({
      method: def.method,
      url: def.path,
      handler: async (req, reply) => {
        const principal = await authenticate(req);
        const issues: FieldIssue[] = [];
        const params = parsePart(def.params, req.params, issues);
        const query = parsePart(def.query, req.query, issues);
        const body = parsePart(def.body, req.body, issues);
        if (issues.length > 0) throw validationError(issues);
        const result = await def.handle({ principal, params, query, body });
        reply.code(result.status);
        return result.status === 204 ? reply.send() : reply.send(result.body);
      },
    });
  }
}
