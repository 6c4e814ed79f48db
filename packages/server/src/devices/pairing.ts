/**
 * Pairing a POS device with one shop. The operator (or the merchant through it) creates a
 * device and a one-time pairing code; the POS exchanges the code once for an access token.
 *
 * A paired device is a SaaS client like any other: it gets an app of its own
 * (`dev_<device_id>`, a random secret nobody is told) and that merchant's grant limited to the
 * one shop, and a long-lived access token under that grant. The gateway then authorizes every
 * call of the POS exactly as for any SaaS app. Revoking the device revokes that grant, which
 * revokes its tokens at once.
 */
import { randomBytes, randomInt } from "node:crypto";
import { localTime } from "../domain/usable-time.js";
import type { HttpContext } from "../http/context.js";
import { hashToken } from "../security/secret-box.js";
import { type DeviceRecord, DeviceStore } from "../store/device-store.js";
import { KyselyGatewayStore } from "../store/gateway-store.js";

export const QUERY_SCOPE = "localservice.fulfill.query";
export const REDEEM_SCOPE = "localservice.fulfill.redeem";
export const DEVICE_SCOPES = [QUERY_SCOPE, REDEEM_SCOPE] as const;

/** How long a pairing code can be used (business clock). */
export const PAIRING_CODE_TTL_SECONDS = 10 * 60;
/** A device token lives long: a counter tablet is paired once and revoked from the platform side. */
export const DEVICE_TOKEN_TTL_SECONDS = 365 * 86_400;

/** No 0/O, 1/I/L: a code read aloud or typed from a screen is not mistaken. 31^8 ≈ 8.5e11. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const PAIRING_CODE_LENGTH = 8;

export function newPairingCode(): string {
  let code = "";
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** What a person may type: any case, spaces or dashes. null when it cannot be a code. */
export function normalizePairingCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== PAIRING_CODE_LENGTH) return null;
  for (const ch of code) if (!ALPHABET.includes(ch)) return null;
  return code;
}

export const formatPairingCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

export const deviceClientKey = (deviceId: string) => `dev_${deviceId}`;

export type CreateDeviceOutcome =
  | { ok: true; device: DeviceRecord; code: string; expiresAt: number }
  | {
      ok: false;
      reason:
        | "unknown_merchant"
        | "unknown_shop"
        | "unknown_app"
        | "app_not_granted"
        | "shop_outside_grant"
        | "no_query_scope";
    };

/** Scopes the device gets: both, or what the parent app's grant has of them. */
async function parentScopes(
  gateway: KyselyGatewayStore,
  parentClientKey: string,
  merchantId: string,
  thirdShopId: string,
): Promise<
  | { ok: true; scopes: string[] }
  | { ok: false; reason: "unknown_app" | "app_not_granted" | "shop_outside_grant" | "no_query_scope" }
> {
  const app = await gateway.appByClientKey(parentClientKey);
  if (!app) return { ok: false, reason: "unknown_app" };
  const grant = await gateway.grant(app.appId, merchantId, { merchantId, fault: null });
  if (!grant || grant.revoked) return { ok: false, reason: "app_not_granted" };
  if (grant.thirdShopIds.length > 0 && !grant.thirdShopIds.includes(thirdShopId))
    return { ok: false, reason: "shop_outside_grant" };
  const scopes = DEVICE_SCOPES.filter((s) => grant.scopes.includes(s));
  if (!scopes.includes(QUERY_SCOPE)) return { ok: false, reason: "no_query_scope" };
  return { ok: true, scopes };
}

export async function createDevice(
  ctx: HttpContext,
  merchantId: string,
  body: { third_shop_id: string; client_key?: string | undefined; name?: string | undefined },
): Promise<CreateDeviceOutcome> {
  const sys = ctx.system;
  const read = { merchantId, fault: null };
  const merchant = await sys.store.primary.merchant(merchantId, read);
  if (!merchant) return { ok: false, reason: "unknown_merchant" };
  const shop = await sys.store.primary.shopByThirdId(merchantId, body.third_shop_id, read);
  if (!shop) return { ok: false, reason: "unknown_shop" };
  const parent = body.client_key ?? null;
  if (parent !== null) {
    const scopes = await parentScopes(ctx.gateway, parent, merchantId, body.third_shop_id);
    if (!scopes.ok) return scopes;
  }
  const deviceId = sys.ids.next();
  const now = sys.clock.now();
  const code = newPairingCode();
  const expiresAt = now + PAIRING_CODE_TTL_SECONDS;
  const device: DeviceRecord = {
    deviceId,
    merchantId,
    thirdShopId: body.third_shop_id,
    name: body.name ?? `POS device ${deviceId.slice(-6)} (${shop.name})`,
    parentClientKey: parent,
    appId: null,
    createdAt: now,
    pairedAt: null,
    revokedAt: null,
  };
  await sys.world.inTransaction(async (w) => {
    const store = new DeviceStore(w.db);
    await store.insertDevice(device);
    await store.insertPairingCode(deviceId, hashToken(code), expiresAt);
  });
  return { ok: true, device, code, expiresAt };
}

export interface PairedDevice {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly device: DeviceRecord;
}

export type PairOutcome =
  | { ok: true; value: PairedDevice }
  | { ok: false; reason: "invalid_code" | "parent_revoked" };

class PairingAborted extends Error {}

/**
 * Exchanges a pairing code, once, in one transaction: the code is spent, the device's app,
 * grant and access token are written, or nothing is.
 */
export async function pairDevice(ctx: HttpContext, code: string): Promise<PairOutcome> {
  const sys = ctx.system;
  const now = sys.clock.now();
  const accessToken = `mat.${randomBytes(32).toString("base64url")}`;
  try {
    // Through the world writer: its commit also clears this process's read caches.
    const device = await sys.world.inTransaction(async (world) => {
      const trx = world.db;
      const store = new DeviceStore(trx);
      const gateway = new KyselyGatewayStore(trx, sys.faults);
      const found = await store.claimPairingCode(hashToken(code), now);
      if (!found) throw new PairingAborted("invalid_code");
      let scopes: string[] = [...DEVICE_SCOPES];
      if (found.parentClientKey !== null) {
        const parent = await parentScopes(
          gateway,
          found.parentClientKey,
          found.merchantId,
          found.thirdShopId,
        );
        if (!parent.ok) throw new PairingAborted("parent_revoked");
        scopes = parent.scopes;
      }
      const appId = sys.ids.next();
      const clientKey = deviceClientKey(found.deviceId);
      // The app's secret is never shown: the device only ever holds its access token.
      await world.upsertApp(
        appId,
        clientKey,
        sys.secrets.seal(randomBytes(32).toString("base64url")),
        found.name,
        null,
      );
      if (!(await world.upsertGrant(clientKey, found.merchantId, scopes, [found.thirdShopId])))
        throw new Error("device app vanished");
      if (!(await store.markPaired(found.deviceId, appId, now))) throw new PairingAborted("invalid_code");
      await gateway.insertTokens(
        [
          {
            tokenHash: hashToken(accessToken),
            kind: "access",
            appId,
            merchantId: found.merchantId,
            expiresAt: now + DEVICE_TOKEN_TTL_SECONDS,
            revoked: false,
          },
        ],
        now,
      );
      return { ...found, appId, pairedAt: now };
    });
    return { ok: true, value: { accessToken, expiresAt: now + DEVICE_TOKEN_TTL_SECONDS, device } };
  } catch (err) {
    // An aborted transaction rolls back, so a code of a revoked parent stays unused.
    if (err instanceof PairingAborted)
      return { ok: false, reason: err.message as "invalid_code" | "parent_revoked" };
    throw err;
  }
}

/** Revokes a device: its grant (and so every token of it) and its unused pairing codes. */
export async function revokeDevice(
  ctx: HttpContext,
  merchantId: string,
  deviceId: string,
): Promise<DeviceRecord | null> {
  const sys = ctx.system;
  const now = sys.clock.now();
  return sys.world.inTransaction(async (w) => {
    const store = new DeviceStore(w.db);
    const device = await store.device(merchantId, deviceId);
    if (!device) return null;
    await store.revokeDevice(deviceId, now);
    if (device.appId !== null) await w.revokeGrant(deviceClientKey(deviceId), merchantId, now);
    return { ...device, revokedAt: device.revokedAt ?? now };
  });
}

/** Start of the merchant's local day that holds `now` (the POS's "today"). */
export function localDayStart(now: number, timeZone: string): number {
  const t = localTime(now, timeZone);
  return now - (now % 60) - t.minuteOfDay * 60;
}
