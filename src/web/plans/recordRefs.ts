import type { Account, VoicemailBox } from '../api.js';
import type { RecordRefKind } from './formSpec.js';

/**
 * The customer's own records a plan field can name (formSpec 'ref' fields), and the choices a
 * select of them offers. Pure: SchemaField.tsx renders the choices, tests check them.
 */

/** A list is undefined while it loads or when the signed-in token may not read it: the field is then a plain text input. */
export interface RecordRefs {
  account?: Account[];
  voicemailBox?: VoicemailBox[];
}

export interface RefChoice {
  value: string;
  label: string;
}

export interface RefChoices {
  /** One per record, each with the exact value the plan stores. */
  options: RefChoice[];
  /** The current value when it names none of the records: kept and shown, flagged at the field. */
  unknown?: string;
}

/** '201 – Verkoop', or the username alone when the account has no display name. */
export function accountLabel(a: Pick<Account, 'username' | 'displayName'>): string {
  return a.displayName.trim() === '' || a.displayName === a.username ? a.username : `${a.username} – ${a.displayName}`;
}

/**
 * Choices for a field of this kind, or undefined when the records are not known. An account is
 * stored by its username (the runtime looks the forward target up by username). A voicemail box
 * is stored by id, which survives renaming the box; a plan that names a box by its name (the
 * runtime accepts both) keeps that name, shown as that box.
 */
export function refChoices(kind: RecordRefKind, records: RecordRefs, current: unknown): RefChoices | undefined {
  const value = typeof current === 'string' && current !== '' ? current : undefined;
  let options: RefChoice[];
  if (kind === 'account') {
    const accounts = records.account;
    if (!accounts) return undefined;
    options = accounts.map((a) => ({ value: a.username, label: accountLabel(a) }));
  } else {
    const boxes = records.voicemailBox;
    if (!boxes) return undefined;
    const byId = value !== undefined && boxes.some((b) => b.id === value);
    options = boxes.map((b) => ({ value: !byId && b.name === value ? b.name : b.id, label: b.name }));
  }
  return value === undefined || options.some((o) => o.value === value) ? { options } : { options, unknown: value };
}
