import { z } from 'zod';

/**
 * The rules for a web sign-in's username and password, in a file of their own (zod only) so the
 * web app bundles the very same checks and shows them at the field before anything is sent.
 */

export const USERNAME = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9._@+-]*$/, "letters, digits and . _ @ + - (e.g. 'anna@bakkerij.nl')");

/** Length is what makes a password hard to guess; the hash is scrypt (src/api/passwords.ts). */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD = z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(200);
