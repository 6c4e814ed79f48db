/**
 * The ports of POS devices (core/devices.ts), implemented on Kysely by store/device-store.ts.
 * A paired device is a SaaS client like any other: an app of its own (`dev_<device_id>`), that
 * merchant's grant limited to the one shop, a long-lived access token under that grant.
 */

import type { PageQuery } from "./platform-directory.js";
import type { Result } from "./result.js";

export interface DeviceRecord {
  readonly deviceId: string;
  readonly merchantId: string;
  readonly thirdShopId: string;
  readonly name: string;
  /** The app the device acts on behalf of (its grant bounds the device's), or null. */
  readonly parentClientKey: string | null;
  readonly appId: string | null;
  readonly createdAt: number;
  readonly pairedAt: number | null;
  readonly revokedAt: number | null;
}

/** A grant as the device rules read it. */
export interface DeviceGrant {
  readonly scopes: readonly string[];
  /** Empty: every shop of the merchant. */
  readonly thirdShopIds: readonly string[];
}

export interface GrantReads {
  /** The app's id, or null when no app has this client key. */
  appIdOf(clientKey: string): Promise<string | null>;
  /** The app's grant of the merchant; null when there is none or it is revoked. */
  liveGrant(appId: string, merchantId: string): Promise<DeviceGrant | null>;
}

/** What a pairing writes for the device: its app, that app's grant of the shop, its token. */
export interface DeviceApp {
  readonly appId: string;
  readonly clientKey: string;
  /** The app's client secret, sealed; nobody is ever told it. */
  readonly secretEnc: string;
  readonly scopes: readonly string[];
  readonly tokenHash: string;
  readonly tokenExpiresAt: number;
}

export interface DevicePort extends GrantReads {
  /** The device and its pairing code's hash, in one transaction. */
  createDevice(device: DeviceRecord, codeHash: string, codeExpiresAt: number): Promise<void>;
  /**
   * Pairs in one transaction: spends the unused, unexpired code of a device neither paired nor
   * revoked, asks `plan` (reading inside the transaction) what the device's app gets, and writes
   * that app, its grant limited to the device's shop, the pairing and the access token. null
   * when the code cannot be spent (or the device was paired or revoked meanwhile); `plan`'s
   * failure as it is. Either way nothing is written, so a refused code stays unused.
   */
  pair(
    codeHash: string,
    now: number,
    plan: (device: DeviceRecord, reads: GrantReads) => Promise<Result<DeviceApp>>,
  ): Promise<Result<DeviceRecord> | null>;
  device(merchantId: string, deviceId: string): Promise<DeviceRecord | null>;
  deviceByApp(appId: string): Promise<DeviceRecord | null>;
  /** Newest first: `after` is a device id, the rows older than it. */
  devicesOfMerchant(merchantId: string, page: PageQuery): Promise<DeviceRecord[]>;
  /**
   * Revokes in one transaction: the device, its unused pairing codes, and its app's grant (so
   * every token of it). The device as it now is; null when the merchant has no such device.
   */
  revoke(merchantId: string, deviceId: string, now: number): Promise<DeviceRecord | null>;
  /** Forgets pairing codes that expired before `before` (housekeeping). */
  purgePairingCodes(before: number): Promise<number>;
}
