/**
 * POS devices and their one-time pairing codes on Kysely. The only place with device SQL.
 * Works on the database or inside a transaction (a Transaction is a Kysely).
 */
import type { Kysely } from "kysely";
import type { DB } from "./schema.js";

export interface DeviceRecord {
  readonly deviceId: string;
  readonly merchantId: string;
  readonly thirdShopId: string;
  readonly name: string;
  readonly parentClientKey: string | null;
  readonly appId: string | null;
  readonly createdAt: number;
  readonly pairedAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewDevice {
  readonly deviceId: string;
  readonly merchantId: string;
  readonly thirdShopId: string;
  readonly name: string;
  readonly parentClientKey: string | null;
  readonly createdAt: number;
}

type DeviceRow = {
  device_id: string;
  merchant_id: string;
  third_shop_id: string;
  name: string;
  parent_client_key: string | null;
  app_id: string | null;
  created_at: string;
  paired_at: string | null;
  revoked_at: string | null;
};

function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id,
    merchantId: r.merchant_id,
    thirdShopId: r.third_shop_id,
    name: r.name,
    parentClientKey: r.parent_client_key,
    appId: r.app_id,
    createdAt: Number(r.created_at),
    pairedAt: r.paired_at === null ? null : Number(r.paired_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export class DeviceStore {
  constructor(readonly db: Kysely<DB>) {}

  async insertDevice(d: NewDevice): Promise<void> {
    await this.db
      .insertInto("pos_devices")
      .values({
        device_id: d.deviceId,
        merchant_id: d.merchantId,
        third_shop_id: d.thirdShopId,
        name: d.name,
        parent_client_key: d.parentClientKey,
        app_id: null,
        created_at: d.createdAt,
        paired_at: null,
        revoked_at: null,
      })
      .execute();
  }

  async insertPairingCode(deviceId: string, codeHash: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto("pos_pairing_codes")
      .values({ code_hash: codeHash, device_id: deviceId, expires_at: expiresAt, used_at: null })
      .execute();
  }

  /**
   * Uses a pairing code once: only an unused, unexpired code of a device that is neither
   * paired nor revoked. The conditional update makes two concurrent claims answer one device.
   */
  async claimPairingCode(codeHash: string, now: number): Promise<DeviceRecord | null> {
    const claimed = await this.db
      .updateTable("pos_pairing_codes")
      .set({ used_at: now })
      .where("code_hash", "=", codeHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", String(now))
      .returning("device_id")
      .executeTakeFirst();
    if (!claimed) return null;
    const r = await this.db
      .selectFrom("pos_devices")
      .selectAll()
      .where("device_id", "=", claimed.device_id)
      .where("paired_at", "is", null)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return r ? toDevice(r) : null;
  }

  /** Records the pairing; false when the device was paired or revoked meanwhile. */
  async markPaired(deviceId: string, appId: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("pos_devices")
      .set({ app_id: appId, paired_at: now })
      .where("device_id", "=", deviceId)
      .where("paired_at", "is", null)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async device(merchantId: string, deviceId: string): Promise<DeviceRecord | null> {
    const r = await this.db
      .selectFrom("pos_devices")
      .selectAll()
      .where("merchant_id", "=", merchantId)
      .where("device_id", "=", deviceId)
      .executeTakeFirst();
    return r ? toDevice(r) : null;
  }

  async deviceByApp(appId: string): Promise<DeviceRecord | null> {
    const r = await this.db
      .selectFrom("pos_devices")
      .selectAll()
      .where("app_id", "=", appId)
      .executeTakeFirst();
    return r ? toDevice(r) : null;
  }

  async devicesOfMerchant(merchantId: string, limit: number): Promise<DeviceRecord[]> {
    const rows = await this.db
      .selectFrom("pos_devices")
      .selectAll()
      .where("merchant_id", "=", merchantId)
      .orderBy("device_id", "desc")
      .limit(limit)
      .execute();
    return rows.map(toDevice);
  }

  /** Marks the device revoked and spends its unused pairing codes; false when it already was. */
  async revokeDevice(deviceId: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("pos_devices")
      .set({ revoked_at: now })
      .where("device_id", "=", deviceId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    await this.db
      .updateTable("pos_pairing_codes")
      .set({ used_at: now })
      .where("device_id", "=", deviceId)
      .where("used_at", "is", null)
      .execute();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Forgets pairing codes that expired before `before` (used or not): housekeeping. */
  async purgePairingCodes(before: number): Promise<number> {
    const r = await this.db
      .deleteFrom("pos_pairing_codes")
      .where("expires_at", "<", String(before))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Forgets pairing codes already used (or spent by a revocation): they can never pair again. */
  async purgeUsedPairingCodes(): Promise<number> {
    const r = await this.db
      .deleteFrom("pos_pairing_codes")
      .where("used_at", "is not", null)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
