import type { z } from 'zod';
import type { WebLoginSchema } from '../../api/webLogins.js';
import type { Api } from '../api.js';

/** The web sign-in routes (src/api/webLogins.ts) as the Accounts page uses them. */
export type WebLogin = z.output<typeof WebLoginSchema>;
/** A generated password comes back once, in the response that made it. */
export type WebLoginWithPassword = WebLogin & { password?: string };

export interface NewWebLogin {
  username: string;
  role: WebLogin['role'];
  accountId?: string;
  password?: string;
}

export function webLoginApi(api: Api, customerId: string) {
  const base = `/customers/${customerId}/web-logins`;
  return {
    list: (): Promise<WebLogin[]> => api.request('GET', base),
    create: (body: NewWebLogin): Promise<WebLoginWithPassword> => api.request('POST', base, body),
    /** password left out: the API generates one and answers it once. */
    setPassword: (loginId: string, password?: string): Promise<WebLoginWithPassword> =>
      api.request('POST', `${base}/${loginId}/password`, password === undefined ? {} : { password }),
    remove: (loginId: string): Promise<void> => api.request('DELETE', `${base}/${loginId}`),
  };
}
export type WebLoginApi = ReturnType<typeof webLoginApi>;
