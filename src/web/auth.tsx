import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Api, type Session } from './api.js';

/**
 * The signed-in admin: a bearer token (kept for this browser tab only, in sessionStorage) and
 * the session the API reports for it (role, customer, account). The token is either one the
 * API gave for a username and password (POST /session, short-lived, ended at sign-out) or an
 * API token pasted in.
 */
interface Auth {
  api?: Api;
  session?: Session;
  /** Resolves false when the API does not know the token. */
  signIn(token: string): Promise<boolean>;
  signInWithPassword(username: string, password: string): Promise<PasswordSignIn>;
  signOut(): void;
  ready: boolean;
}

/** How a password sign-in went: in, wrong username or password, or blocked for a while after too many failures. */
export type PasswordSignIn = 'ok' | 'wrong' | 'throttled';

const AuthContext = createContext<Auth | undefined>(undefined);
const KEY = 'contactsuite.token';
/** Set when the token came from a password sign-in: sign-out then ends it at the API too. */
const FROM_PASSWORD = 'contactsuite.password-sign-in';

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<{ api?: Api; session?: Session; ready: boolean }>({ ready: false });

  const signIn = async (token: string): Promise<boolean> => {
    const api = new Api(token.trim());
    try {
      const session = await api.session();
      sessionStorage.setItem(KEY, token.trim());
      setState({ api, session, ready: true });
      return true;
    } catch {
      sessionStorage.removeItem(KEY);
      sessionStorage.removeItem(FROM_PASSWORD);
      setState({ ready: true });
      return false;
    }
  };
  const signInWithPassword = async (username: string, password: string): Promise<PasswordSignIn> => {
    const res = await fetch('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: username.trim(), password }) });
    if (res.status === 429) return 'throttled';
    if (!res.ok) return 'wrong';
    const body = (await res.json()) as { token: string; session: Session };
    sessionStorage.setItem(KEY, body.token);
    sessionStorage.setItem(FROM_PASSWORD, '1');
    setState({ api: new Api(body.token), session: body.session, ready: true });
    return 'ok';
  };
  const signOut = (): void => {
    // Signed out here whatever the API answers: an expired or revoked token is as good as ended.
    if (state.api && sessionStorage.getItem(FROM_PASSWORD)) void state.api.request('DELETE', '/session').catch(() => undefined);
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(FROM_PASSWORD);
    setState({ ready: true });
  };

  useEffect(() => {
    const saved = sessionStorage.getItem(KEY);
    if (saved) void signIn(saved);
    else setState({ ready: true });
  }, []);

  return <AuthContext.Provider value={{ ...state, signIn, signInWithPassword, signOut }}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The API and session of a signed-in page (the router only renders those when signed in). */
export function useSignedIn(): { api: Api; session: Session } {
  const { api, session } = useAuth();
  if (!api || !session) throw new Error('useSignedIn on a page shown before sign-in');
  return { api, session };
}
