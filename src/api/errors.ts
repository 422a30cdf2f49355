import { z } from 'zod';

/** One problem with the input, named by its dotted field path (e.g. 'channelLimit', 'sip.port'). */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * An error the API answers with a fixed status and a machine-friendly body. Handlers throw it;
 * the plugin's error handler sends it. Messages never carry secrets (passwords, tokens).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : String(body.error));
    this.name = 'ApiError';
  }
}

export function validationError(issues: FieldIssue[]): ApiError {
  return new ApiError(400, { error: 'validation', issues });
}

export function notFound(): ApiError {
  return new ApiError(404, { error: 'not_found' });
}

/** The resource belongs to the caller's own customer, but its role may not do this. */
export function forbidden(message: string, field?: string): ApiError {
  return new ApiError(403, field === undefined ? { error: 'forbidden', message } : { error: 'forbidden', message, field });
}

export function conflict(field: string): ApiError {
  return new ApiError(409, { error: 'conflict', field, message: `${field} is already taken` });
}

/**
 * zod issues as dotted field paths. An unknown key is reported under its own name, so a typo
 * like `channellimit` points at the offending field rather than at the object.
 */
export function fieldIssues(error: z.ZodError, prefix: (string | number)[] = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : p))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key].join('.'), message: 'Unrecognized field' });
    } else {
      out.push({ path: path.join('.'), message: issue.message });
    }
  }
  return out;
}

// Response schemas for the OpenAPI document; the bodies above are built to match them.
export const ValidationErrorSchema = z.object({
  error: z.literal('validation'),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});
export const ErrorSchema = z.object({
  error: z.string(),
  message: z.string().optional(),
  field: z.string().optional(),
});
