import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, type Account, type NewAccount, type Store } from '../store/StoreTypes.js';
import { CertifiedModelSchema } from '../provisioning/models.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404, type Principal } from './auth.js';
import { CustomerParams, IdSchema, visibleCustomer } from './customers.js';
import { conflict, forbidden, notFound } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

// A SIP user part and digest username that needs no escaping anywhere (RFC 3261 §25.1 'unreserved').
const Username = z
  .string()
  .regex(/^[A-Za-z0-9._-]{3,32}$/, 'Must be 3 to 32 characters of A-Z, a-z, 0-9, ".", "_" or "-"');
const Password = z
  .string()
  .min(12, 'Must be at least 12 characters')
  .max(128, 'Must be at most 128 characters')
  .regex(/^[\x20-\x7e]+$/, 'Must be printable ASCII (phones cannot all enter other characters)');
const DisplayName = z.string().trim().max(64);
// "Maximaal 2 doorgangen" unless the customer bought more; 30 is a full E1/PRI worth of channels.
const ChannelLimit = z.number().int().min(1).max(30);
// One model list for accounts and devices: src/provisioning/models.ts.
const DeviceModel = CertifiedModelSchema;

export const AccountParams = z.strictObject({ accountId: IdSchema });

export const AccountSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  username: z.string(),
  displayName: z.string(),
  channelLimit: z.number().int(),
  deviceModel: z.string().optional(),
  createdAt: z.number().int().describe('epoch milliseconds'),
  sip: z.object({ domain: z.string(), port: z.number().int() }).describe('Where the phone registers'),
});

export const AccountWithPasswordSchema = AccountSchema.extend({
  password: z.string().describe('The SIP password in clear text: shown only in this response'),
});

export const CreateAccountBody = z.strictObject({
  username: Username,
  password: Password.optional().describe('Generated (24 characters) when omitted'),
  displayName: DisplayName.optional().describe('Defaults to the username'),
  channelLimit: ChannelLimit.default(2),
  deviceModel: DeviceModel.optional(),
});

export const UpdateAccountBody = z.strictObject({
  username: Username.optional(),
  password: Password.optional().describe('A gebruiker may change only password and displayName'),
  displayName: DisplayName.optional(),
  channelLimit: ChannelLimit.optional(),
  deviceModel: DeviceModel.nullable().optional().describe('null unbinds the device'),
});

/** A generated SIP password: 18 random bytes, 24 base64url characters (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The account if the principal may see it; another customer's is a 404, never a 403. */
async function visibleAccount(store: Store, p: Principal, accountId: string): Promise<Account> {
  return ownOr404(p, await store.accounts.get(accountId));
}

/** A gebruiker acts only on its own account; a colleague's account of the same customer is a 403. */
function requireOwnOrAdmin(p: Principal, account: Account): void {
  if (p.role === 'gebruiker' && p.accountId !== account.id) throw forbidden('a gebruiker token acts only on its own account');
}

function requireAdmin(p: Principal, action: string): void {
  if (p.role === 'gebruiker') throw forbidden(`a gebruiker token may not ${action}`);
}

export function accountRoutes(ctx: ApiContext): RouteDef[] {
  const { store, secrets, log, sip } = ctx;
  const view = (a: Account): z.output<typeof AccountSchema> => ({
    id: a.id,
    customerId: a.customerId,
    username: a.username,
    displayName: a.displayName,
    channelLimit: a.channelLimit,
    ...(a.deviceModel === undefined ? {} : { deviceModel: a.deviceModel }),
    createdAt: a.createdAt,
    sip: { domain: sip.domain, port: sip.port },
  });
  const withConflicts = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      // The customer vanished between our check and the write: it is gone, as far as the caller knows.
      if (err instanceof ConflictError) throw err.field === 'customerId' ? notFound() : conflict(err.field);
      throw err;
    }
  };

  return [
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/accounts',
      summary: 'Create a SIP account; the response is the only place its password is shown',
      tag: 'accounts',
      params: CustomerParams,
      body: CreateAccountBody,
      success: { status: 201, description: 'The new account with its password', schema: AccountWithPasswordSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        await visibleCustomer(store, principal, params.customerId);
        requireAdmin(principal, 'create accounts');
        const password = body.password ?? generatePassword();
        const fresh: NewAccount = {
          customerId: params.customerId,
          username: body.username,
          displayName: body.displayName ?? body.username,
          passwordEnc: secrets.encrypt(password),
          channelLimit: body.channelLimit,
          ...(body.deviceModel === undefined ? {} : { deviceModel: body.deviceModel }),
        };
        const account = await withConflicts(() => store.accounts.create(fresh));
        log.info({ customerId: account.customerId, accountId: account.id, username: account.username }, 'account created');
        return { status: 201, body: { ...view(account), password } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/accounts',
      summary: "List a customer's accounts (a gebruiker sees only its own)",
      tag: 'accounts',
      params: CustomerParams,
      success: { status: 200, description: 'Accounts visible to the caller', schema: z.array(AccountSchema) },
      errors: [404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        const accounts = await store.accounts.list(params.customerId);
        const visible = principal.role === 'gebruiker' ? accounts.filter((a) => a.id === principal.accountId) : accounts;
        return { status: 200, body: visible.map(view) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/accounts/:accountId',
      summary: 'Read an account (never its password)',
      tag: 'accounts',
      params: AccountParams,
      success: { status: 200, description: 'The account', schema: AccountSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const account = await visibleAccount(store, principal, params.accountId);
        requireOwnOrAdmin(principal, account);
        return { status: 200, body: view(account) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/accounts/:accountId',
      summary: 'Change an account (a gebruiker: only its own displayName and password)',
      tag: 'accounts',
      params: AccountParams,
      body: UpdateAccountBody,
      success: { status: 200, description: 'The changed account (without password)', schema: AccountSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        const account = await visibleAccount(store, principal, params.accountId);
        requireOwnOrAdmin(principal, account);
        if (principal.role === 'gebruiker') {
          for (const field of ['username', 'channelLimit', 'deviceModel'] as const) {
            if (body[field] !== undefined) throw forbidden(`a gebruiker token may not change ${field}`, field);
          }
        }
        const patch: Partial<Omit<NewAccount, 'customerId'>> = {};
        if (body.username !== undefined) patch.username = body.username;
        if (body.displayName !== undefined) patch.displayName = body.displayName;
        if (body.channelLimit !== undefined) patch.channelLimit = body.channelLimit;
        if (body.password !== undefined) patch.passwordEnc = secrets.encrypt(body.password);
        // null unbinds the device; the store treats an explicit undefined as "remove".
        if (body.deviceModel !== undefined) patch.deviceModel = body.deviceModel ?? undefined;
        const updated = await withConflicts(() => store.accounts.update(account.id, patch));
        if (!updated) throw notFound();
        log.info({ accountId: account.id, fields: Object.keys(patch) }, 'account changed');
        return { status: 200, body: view(updated) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/accounts/:accountId/password',
      summary: 'Reset the SIP password to a new generated one, shown only in this response',
      tag: 'accounts',
      params: AccountParams,
      success: { status: 201, description: 'The account with its new password', schema: AccountWithPasswordSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const account = await visibleAccount(store, principal, params.accountId);
        requireOwnOrAdmin(principal, account);
        const password = generatePassword();
        const updated = await store.accounts.update(account.id, { passwordEnc: secrets.encrypt(password) });
        if (!updated) throw notFound();
        log.info({ accountId: account.id }, 'account password reset');
        return { status: 201, body: { ...view(updated), password } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/accounts/:accountId',
      summary: 'Delete an account with its registrations and its gebruiker tokens',
      tag: 'accounts',
      params: AccountParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404],
      async handle({ principal, params }) {
        const account = await visibleAccount(store, principal, params.accountId);
        requireAdmin(principal, 'delete accounts');
        for (const token of await store.tokens.list(account.customerId)) {
          if (token.accountId === account.id) await store.tokens.delete(token.id);
        }
        await store.locations.removeAll(account.id);
        if (!(await store.accounts.delete(account.id))) throw notFound();
        log.info({ accountId: account.id }, 'account deleted');
        return { status: 204 };
      },
    }),
  ];
}
