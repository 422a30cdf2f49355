import { z } from 'zod';
import { generateDeviceSecret } from '../provisioning/credentials.js';
import { DeviceConfigs } from '../provisioning/deviceConfigs.js';
import type { Device, DevicePatch, NewDevice } from '../provisioning/DeviceTypes.js';
import { CertifiedModelSchema, MacSchema, modelOf } from '../provisioning/models.js';
import { ConflictError, type Store } from '../store/StoreTypes.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404, type Principal } from './auth.js';
import { CustomerParams, IdSchema, visibleCustomer } from './customers.js';
import { conflict, forbidden, notFound, validationError, type FieldIssue } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';
import { syncAccountModels } from '../provisioning/accountModels.js';

export const DeviceParams = z.strictObject({ deviceId: IdSchema });

const Label = z.string().trim().min(1).max(64);
const Lines = z.array(IdSchema).max(16).describe('Account ids on line 1, 2, …');

export const DeviceSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  model: z.string(),
  mac: z.string().optional().describe('12 lowercase hex digits; absent for a softphone'),
  lines: z.array(z.string()).describe('Account ids on line 1, 2, …'),
  label: z.string().optional(),
  createdAt: z.number().int().describe('epoch milliseconds'),
});

export const ProvisioningAccessSchema = z.object({
  vendor: z.enum(['yealink', 'snom', 'linphone']),
  url: z.string().describe('Yealink: provisioning server; Snom: settings URL; Linphone: the link to enter in the app'),
  username: z.string().optional().describe('HTTP username of a desk phone (its MAC)'),
  password: z.string().optional().describe('HTTP password of a desk phone'),
});

export const DeviceWithAccessSchema = DeviceSchema.extend({ provisioning: ProvisioningAccessSchema });

export const CreateDeviceBody = z.strictObject({
  model: CertifiedModelSchema,
  mac: MacSchema.optional().describe('Required for desk phones and DECT bases; not for a softphone'),
  lines: Lines.default([]),
  label: Label.optional(),
});

export const UpdateDeviceBody = z.strictObject({
  model: CertifiedModelSchema.optional(),
  mac: MacSchema.optional(),
  lines: Lines.optional(),
  label: Label.nullable().optional().describe('null removes the label'),
});

/** The device if the principal may see it; another customer's is a 404. */
async function visibleDevice(store: Store, p: Principal, deviceId: string): Promise<Device> {
  return ownOr404(p, await store.devices.get(deviceId));
}

/** A gebruiker sees the devices its own account is on (to fetch its softphone link), nothing else. */
function requireOnDeviceOrAdmin(p: Principal, d: Device): void {
  if (p.role === 'gebruiker' && !d.lines.includes(p.accountId)) throw forbidden('a gebruiker token sees only devices its account is on');
}

function requireAdmin(p: Principal, action: string): void {
  if (p.role === 'gebruiker') throw forbidden(`a gebruiker token may not ${action}`);
}

/** Model, MAC and lines together: the rules a single field's schema cannot check. */
async function checkDevice(store: Store, customerId: string, d: { model: string; mac?: string; lines: string[] }): Promise<void> {
  const model = modelOf(d.model);
  const issues: FieldIssue[] = [];
  if (model.hasMac && d.mac === undefined) {
    issues.push({ path: 'mac', message: `${model.name} wordt herkend aan zijn MAC-adres / is known by its MAC address: required` });
  }
  if (!model.hasMac && d.mac !== undefined) issues.push({ path: 'mac', message: `${model.name} has no MAC address: leave it out` });
  if (d.lines.length > model.lines) {
    issues.push({ path: 'lines', message: `${model.name} has ${model.lines} line${model.lines === 1 ? '' : 's'}, got ${d.lines.length}` });
  }
  const seen = new Set<string>();
  for (const [i, accountId] of d.lines.entries()) {
    if (seen.has(accountId)) issues.push({ path: `lines.${i}`, message: 'the same account is already on an earlier line' });
    seen.add(accountId);
    const account = await store.accounts.get(accountId);
    if (!account || account.customerId !== customerId) issues.push({ path: `lines.${i}`, message: `no account "${accountId}" for this customer` });
  }
  if (issues.length > 0) throw validationError(issues);
}

export function deviceRoutes(ctx: ApiContext): RouteDef[] {
  const { store, secrets, log } = ctx;
  const configs = new DeviceConfigs(store, secrets, ctx.provisioning);
  const view = (d: Device): z.output<typeof DeviceSchema> => ({
    id: d.id,
    customerId: d.customerId,
    model: d.model,
    ...(d.mac === undefined ? {} : { mac: d.mac }),
    lines: d.lines,
    ...(d.label === undefined ? {} : { label: d.label }),
    createdAt: d.createdAt,
  });
  const withConflicts = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Something changed between our checks and the write.
      if (err.field === 'customerId') throw notFound();
      if (err.field === 'lines') throw validationError([{ path: 'lines', message: err.message }]);
      throw conflict(err.field);
    }
  };

  return [
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/devices',
      summary: 'Add a certified phone; the response holds its provisioning URL and credentials',
      tag: 'devices',
      params: CustomerParams,
      body: CreateDeviceBody,
      success: { status: 201, description: 'The new device with how to provision it', schema: DeviceWithAccessSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        await visibleCustomer(store, principal, params.customerId);
        requireAdmin(principal, 'add devices');
        await checkDevice(store, params.customerId, body);
        const fresh: NewDevice = {
          customerId: params.customerId,
          model: body.model,
          ...(body.mac === undefined ? {} : { mac: body.mac }),
          lines: body.lines,
          ...(body.label === undefined ? {} : { label: body.label }),
          secretEnc: secrets.encrypt(generateDeviceSecret()),
        };
        const device = await withConflicts(() => store.devices.create(fresh));
        await syncAccountModels(store, undefined, device);
        log.info({ customerId: device.customerId, deviceId: device.id, model: device.model, mac: device.mac }, 'device added');
        return { status: 201, body: { ...view(device), provisioning: configs.access(device) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/devices',
      summary: "List a customer's devices (a gebruiker: those its account is on)",
      tag: 'devices',
      params: CustomerParams,
      success: { status: 200, description: 'Devices visible to the caller', schema: z.array(DeviceSchema) },
      errors: [404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        const devices = await store.devices.list(params.customerId);
        const visible = principal.role === 'gebruiker' ? devices.filter((d) => d.lines.includes(principal.accountId)) : devices;
        return { status: 200, body: visible.map(view) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/devices/:deviceId',
      summary: 'Read a device',
      tag: 'devices',
      params: DeviceParams,
      success: { status: 200, description: 'The device', schema: DeviceSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const device = await visibleDevice(store, principal, params.deviceId);
        requireOnDeviceOrAdmin(principal, device);
        return { status: 200, body: view(device) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/devices/:deviceId/provisioning',
      summary: 'How to provision the device: for a Linphone user the link to enter in the app',
      tag: 'devices',
      params: DeviceParams,
      success: { status: 200, description: 'Provisioning URL (and HTTP credentials of a desk phone)', schema: ProvisioningAccessSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const device = await visibleDevice(store, principal, params.deviceId);
        requireOnDeviceOrAdmin(principal, device);
        // A desk phone's credentials open every line on it, colleagues' passwords included: admins only.
        if (principal.role === 'gebruiker' && modelOf(device.model).vendor !== 'linphone') {
          throw forbidden('a gebruiker token reads the provisioning link of its own softphone only');
        }
        return { status: 200, body: configs.access(device) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/devices/:deviceId/secret',
      summary: 'Issue a new provisioning secret (a leaked link or password stops working at once)',
      tag: 'devices',
      params: DeviceParams,
      success: { status: 201, description: 'The new provisioning URL and credentials', schema: ProvisioningAccessSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const device = await visibleDevice(store, principal, params.deviceId);
        requireAdmin(principal, 'renew device secrets');
        const updated = await store.devices.update(device.id, { secretEnc: secrets.encrypt(generateDeviceSecret()) });
        if (!updated) throw notFound();
        log.info({ deviceId: device.id }, 'device provisioning secret renewed');
        return { status: 201, body: configs.access(updated) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/devices/:deviceId',
      summary: 'Change a device: model, MAC (a replaced phone), lines or label',
      tag: 'devices',
      params: DeviceParams,
      body: UpdateDeviceBody,
      success: { status: 200, description: 'The changed device', schema: DeviceSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        const device = await visibleDevice(store, principal, params.deviceId);
        requireAdmin(principal, 'change devices');
        const patch: DevicePatch = {};
        if (body.model !== undefined) patch.model = body.model;
        if (body.mac !== undefined) patch.mac = body.mac;
        if (body.lines !== undefined) patch.lines = body.lines;
        if (body.label !== undefined) patch.label = body.label ?? undefined;
        const next = { model: patch.model ?? device.model, lines: patch.lines ?? device.lines, ...(patch.mac ?? device.mac ? { mac: patch.mac ?? device.mac } : {}) };
        await checkDevice(store, device.customerId, next);
        const updated = await withConflicts(() => store.devices.update(device.id, patch));
        if (!updated) throw notFound();
        await syncAccountModels(store, device, updated);
        log.info({ deviceId: device.id, fields: Object.keys(patch) }, 'device changed');
        return { status: 200, body: view(updated) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/devices/:deviceId',
      summary: 'Remove a device: it can no longer fetch a configuration',
      tag: 'devices',
      params: DeviceParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404],
      async handle({ principal, params }) {
        const device = await visibleDevice(store, principal, params.deviceId);
        requireAdmin(principal, 'remove devices');
        if (!(await store.devices.delete(device.id))) throw notFound();
        await syncAccountModels(store, device, undefined);
        log.info({ deviceId: device.id }, 'device removed');
        return { status: 204 };
      },
    }),
  ];
}
