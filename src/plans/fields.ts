import { z } from 'zod';

/**
 * Field schemas shared by the node types: node ids, prompt references, clock times.
 * Node ids become XState state keys, so '.' and '#' (XState path and id syntax) are not allowed.
 */
export const nodeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a node id is 1-64 letters, digits, "_" or "-"');

/**
 * A prompt: an id in the prompt set ('nl/welkom', 'nl/cijfers/7', 'en/closed') or a customer
 * upload ('custom/<id>'). The media layer resolves ids to 8 kHz WAV files.
 */
export const promptRefSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)+$/, 'a prompt id looks like "nl/welkom" or "custom/<id>"');
export type PromptRef = z.infer<typeof promptRefSchema>;

export const promptListSchema = z.array(promptRefSchema).min(1, 'at least one prompt');

/**
 * Names one of the customer's accounts by its username (forward and hunt-group targets), and one
 * of its voicemail boxes by id or name. Shared schemas rather than inline strings so the plan
 * editor recognises them by identity and offers the customer's own records (src/web/plans/formSpec.ts).
 */
export const accountRefSchema = z.string().min(1);
export const voicemailBoxRefSchema = z.string().min(1).max(100);

/** A wall-clock time 'HH:MM' (24h); '24:00' closes a range at midnight. */
export const clockTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is "HH:MM" (00:00-24:00)');

/** An outgoing transition of a node: its path relative to the node and the target id. */
export interface NodeTarget {
  key: string;
  target: string;
}
