import { PASSWORD, PASSWORD_MIN_LENGTH, USERNAME } from '../../api/webLoginRules.js';

/**
 * The sign-in form's checks, with the server's own rules (src/api/webLoginRules.ts, bundled):
 * what the field says before sending is what the API would answer. The texts come from the
 * page's dictionary (../i18n.tsx; not imported here, so tests run this file without JSX).
 */
type FormText = 'webLoginPasswordTooShort' | 'webLoginPasswordTooLong' | 'webLoginUsernameRule';

/** The message for a typed password, or undefined when it passes. An empty password is fine: one is generated. */
export function passwordProblem(password: string, t: (k: FormText) => string): string | undefined {
  if (password === '' || PASSWORD.safeParse(password).success) return undefined;
  const key: FormText = password.length < PASSWORD_MIN_LENGTH ? 'webLoginPasswordTooShort' : 'webLoginPasswordTooLong';
  return withMin(t(key));
}

export function usernameProblem(username: string, t: (k: FormText) => string): string | undefined {
  if (username.trim() === '' || USERNAME.safeParse(username).success) return undefined;
  return t('webLoginUsernameRule');
}

/** A text with the minimum password length filled in. */
export function withMin(text: string): string {
  return text.replace('{min}', String(PASSWORD_MIN_LENGTH));
}
