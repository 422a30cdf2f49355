import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Api, type Session } from './api.js';

/**
 * The signed-in admin: an API token (kept for this browser tab only, in sessionStorage) and the
 * session the API reports for it (role, customer, account).
 */
interface Auth {
  api?: Api;
  session?: Session;
  /** Resolves false when the API does not know the token. */
  signIn(token: string): Promise<boolean>;
  signOut(): void;
  ready: boolean;
}

const AuthContext = createContext<Auth | undefined>(undefined);
const KEY = 'contactsuite.token';

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
      setState({ ready: true });
      return false;
    }
  };
  const signOut = (): void => {
    sessionStorage.removeItem(KEY);
    setState({ ready: true });
  };

  useEffect(() => {
    const saved = sessionStorage.getItem(KEY);
    if (saved) void signIn(saved);
    else setState({ ready: true });
  }, []);

  return <AuthContext.Provider value={{ ...state, signIn, signOut }}>{children}</AuthContext.Provider>;
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
