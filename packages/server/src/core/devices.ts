/**
 * POS devices as use cases: the operator (or the merchant through it) creates a device and a
 * one-time pairing code for one shop; the POS exchanges the code once for an access token and
 * then acts as its own app under a grant of that shop (the gateway authorizes it as any app);
 * revoking the device revokes that grant, which revokes its tokens at once.
 */
import { randomBytes } from "node:crypto";
import { localTime } from "../domain/usable-time.js";
import { hashToken } from "../security/secret-box.js";
import type { DeviceGrant, DevicePort, DeviceRecord, GrantReads } from "./device-ports.js";
import {
  DEVICE_SCOPES,
  DEVICE_TOKEN_TTL_SECONDS,
  deviceClientKey,
  newPairingCode,
  PAIRING_CODE_TTL_SECONDS,
  QUERY_SCOPE,
  REDEEM_SCOPE,
} from "./pairing-code.js";
import { type Page, type PageRequest, paged } from "./platform-directory.js";
import type { BusinessClock, FulfillmentReads, IdSource } from "./ports.js";
import type { MerchantRecord, ShopRecord } from "./records.js";
import { fail, ok, type Result } from "./result.js";

export interface NewDeviceRequest {
  readonly thirdShopId: string;
  /** The app the device is to act on behalf of. */
  readonly clientKey?: string | undefined;
  readonly name?: string | undefined;
}

export interface CreatedDevice {
  readonly device: DeviceRecord;
  /** The pairing code, shown once (only its hash is kept). */
  readonly code: string;
  readonly expiresAt: number;
}

export interface PairedDevice {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly device: DeviceRecord;
  readonly shopName: string;
}

/** What a device token stands for (the POS's session). */
export interface DeviceSession {
  readonly device: DeviceRecord;
  readonly appId: string;
  readonly merchant: MerchantRecord;
  readonly shop: ShopRecord;
  readonly now: number;
  /** Start of the merchant's local day that holds `now` (the POS's "today"). */
  readonly dayStart: number;
  readonly cancelWindowSeconds: number;
  readonly canRedeem: boolean;
}

export interface DeviceServices {
  create(merchantId: string, request: NewDeviceRequest): Promise<Result<CreatedDevice>>;
  /** The merchant's devices, newest first, a page at a time (the cursor: the last device id). */
  list(merchantId: string, page: PageRequest): Promise<Page<DeviceRecord>>;
  revoke(merchantId: string, deviceId: string): Promise<Result<DeviceRecord>>;
  /** Exchanges a (normalized) pairing code, once, for the device's access token. */
  pair(code: string): Promise<Result<PairedDevice>>;
  /** The session of the device behind an `Authorization` header. */
  session(authorization: string | undefined): Promise<Result<DeviceSession>>;
  /** Unpairs the device behind an `Authorization` header, as the operator's revoke does. */
  unpair(authorization: string | undefined): Promise<Result<DeviceRecord>>;
  /** Forgets pairing codes a day after they expired (housekeeping). */
  purgeExpiredPairingCodes(): Promise<number>;
}

export interface DeviceDeps {
  readonly devices: DevicePort;
  readonly reads: Pick<FulfillmentReads, "merchant" | "shopByThirdId">;
  readonly clock: BusinessClock;
  readonly ids: Pick<IdSource, "next">;
  readonly seal: (secret: string) => string;
  /** The app and merchant of a valid access token in an `Authorization` header (the gateway's check); null otherwise. */
  readonly callerOf: (
    authorization: string | undefined,
  ) => Promise<{ appId: string; merchantId: string } | null>;
  readonly cancelWindowSeconds: number;
}

const invalidParams = (cause: string, message: string) => fail("invalid_params", cause, { message });

/** Scopes the device gets when it acts for `parentClientKey`: what that app's grant has of them. */
async function parentScopes(
  reads: GrantReads,
  parentClientKey: string,
  merchantId: string,
  thirdShopId: string,
): Promise<Result<string[]>> {
  const appId = await reads.appIdOf(parentClientKey);
  if (appId === null) return invalidParams("unknown_app", "client_key is not a known app.");
  const grant = await reads.liveGrant(appId, merchantId);
  if (!grant) return invalidParams("app_not_granted", "The merchant has not granted the app client_key.");
  if (grant.thirdShopIds.length > 0 && !grant.thirdShopIds.includes(thirdShopId))
    return invalidParams("shop_outside_grant", "The shop lies outside the grant of the app client_key.");
  const scopes = DEVICE_SCOPES.filter((s) => grant.scopes.includes(s));
  if (!scopes.includes(QUERY_SCOPE))
    return invalidParams(
      "no_query_scope",
      "The grant of the app client_key lacks localservice.fulfill.query.",
    );
  return ok(scopes);
}

/** Start of the merchant's local day that holds `now`. */
export function localDayStart(now: number, timeZone: string): number {
  const t = localTime(now, timeZone);
  return now - (now % 60) - t.minuteOfDay * 60;
}

const deviceUnknown = () => fail("access_token_invalid", "device revoked or unknown");

export function deviceServices(deps: DeviceDeps): DeviceServices {
  const { devices, reads, clock, ids } = deps;
  const read = (merchantId: string) => ({ merchantId, fault: null });

  /** The device behind a bearer token, when it is paired and not revoked, and its live grant. */
  async function deviceOf(
    authorization: string | undefined,
  ): Promise<{ device: DeviceRecord; grant: DeviceGrant; appId: string; merchantId: string } | null> {
    const caller = await deps.callerOf(authorization);
    if (!caller) return null;
    const { appId, merchantId } = caller;
    const device = await devices.deviceByApp(appId);
    if (!device || device.revokedAt !== null || device.merchantId !== merchantId) return null;
    const grant = await devices.liveGrant(appId, merchantId);
    if (!grant) return null;
    return { device, grant, appId, merchantId };
  }

  return {
    async create(merchantId, request) {
      const merchant = await reads.merchant(merchantId, read(merchantId));
      if (!merchant) return fail("not_found", "unknown_merchant", { message: "Unknown merchant." });
      const shop = await reads.shopByThirdId(merchantId, request.thirdShopId, read(merchantId));
      if (!shop) return invalidParams("unknown_shop", "third_shop_id is not a shop of this merchant.");
      const parent = request.clientKey ?? null;
      if (parent !== null) {
        const scopes = await parentScopes(devices, parent, merchantId, request.thirdShopId);
        if (!scopes.ok) return scopes;
      }
      const deviceId = ids.next();
      const now = clock.now();
      const code = newPairingCode();
      const expiresAt = now + PAIRING_CODE_TTL_SECONDS;
      const device: DeviceRecord = {
        deviceId,
        merchantId,
        thirdShopId: request.thirdShopId,
        name: request.name ?? `POS device ${deviceId.slice(-6)} (${shop.name})`,
        parentClientKey: parent,
        appId: null,
        createdAt: now,
        pairedAt: null,
        revokedAt: null,
      };
      await devices.createDevice(device, hashToken(code), expiresAt);
      return ok({ device, code, expiresAt });
    },

    list: (merchantId, page) =>
      paged(
        page,
        (q) => devices.devicesOfMerchant(merchantId, q),
        (d) => d.deviceId,
      ),

    async revoke(merchantId, deviceId) {
      const device = await devices.revoke(merchantId, deviceId, clock.now());
      return device ? ok(device) : fail("not_found", "unknown device", { message: "no such device" });
    },

    async pair(code) {
      const now = clock.now();
      const accessToken = `mat.${randomBytes(32).toString("base64url")}`;
      const expiresAt = now + DEVICE_TOKEN_TTL_SECONDS;
      const paired = await devices.pair(hashToken(code), now, async (device, inTransaction) => {
        let scopes: string[] = [...DEVICE_SCOPES];
        if (device.parentClientKey !== null) {
          const parent = await parentScopes(
            inTransaction,
            device.parentClientKey,
            device.merchantId,
            device.thirdShopId,
          );
          if (!parent.ok) return fail("pairing_not_allowed", "parent_revoked");
          scopes = parent.value;
        }
        return ok({
          appId: ids.next(),
          clientKey: deviceClientKey(device.deviceId),
          // The app's secret is never shown: the device only ever holds its access token.
          secretEnc: deps.seal(randomBytes(32).toString("base64url")),
          scopes,
          tokenHash: hashToken(accessToken),
          tokenExpiresAt: expiresAt,
        });
      });
      if (paired === null) return fail("pairing_code_invalid", "invalid_code");
      if (!paired.ok) return paired;
      const device = paired.value;
      const shop = await reads.shopByThirdId(device.merchantId, device.thirdShopId, read(device.merchantId));
      return ok({ accessToken, expiresAt, device, shopName: shop?.name ?? device.thirdShopId });
    },

    async session(authorization) {
      const found = await deviceOf(authorization);
      if (!found) return deviceUnknown();
      const { device, grant, appId, merchantId } = found;
      const [merchant, shop] = await Promise.all([
        reads.merchant(merchantId, read(merchantId)),
        reads.shopByThirdId(merchantId, device.thirdShopId, read(merchantId)),
      ]);
      if (!merchant || !shop) return deviceUnknown();
      const now = clock.now();
      return ok({
        device,
        appId,
        merchant,
        shop,
        now,
        dayStart: localDayStart(now, merchant.timezone),
        cancelWindowSeconds: deps.cancelWindowSeconds,
        canRedeem: grant.scopes.includes(REDEEM_SCOPE),
      });
    },

    async unpair(authorization) {
      const found = await deviceOf(authorization);
      if (!found) return deviceUnknown();
      await devices.revoke(found.merchantId, found.device.deviceId, clock.now());
      return ok(found.device);
    },

    purgeExpiredPairingCodes: () => devices.purgePairingCodes(clock.now() - 86_400),
  };
}
