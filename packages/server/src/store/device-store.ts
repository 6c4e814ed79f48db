/**
 * POS devices and their one-time pairing codes on Kysely. The only place with device SQL.
 * `DeviceStore` works on the database or inside a transaction (a Transaction is a Kysely);
 * `KyselyDevices` is the core's device port on it, its writes in the world writer's
 * transactions (whose commit also clears this process's read caches).
 */
import type { Kysely } from "kysely";
import type { DeviceApp, DeviceGrant, DevicePort, DeviceRecord, GrantReads } from "../core/device-ports.js";
import { deviceClientKey } from "../core/pairing-code.js";
import type { PageQuery } from "../core/platform-directory.js";
import type { FaultPoints } from "../core/ports.js";
import type { Failure, Result } from "../core/result.js";
import { KyselyGatewayStore } from "./gateway-store.js";
import type { DB } from "./schema.js";
import type { WorldWriter } from "./world-writer.js";

export type { DeviceRecord } from "../core/device-ports.js";

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

  async devicesOfMerchant(merchantId: string, page: PageQuery): Promise<DeviceRecord[]> {
    let q = this.db.selectFrom("pos_devices").selectAll().where("merchant_id", "=", merchantId);
    if (page.after !== null) q = q.where("device_id", "<", page.after);
    const rows = await q.orderBy("device_id", "desc").limit(page.limit).execute();
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

/** An app's grant reads on the gateway store (cached outside a transaction, fresh inside one). */
function grantReads(gateway: KyselyGatewayStore): GrantReads {
  return {
    appIdOf: async (clientKey) => (await gateway.appByClientKey(clientKey))?.appId ?? null,
    async liveGrant(appId, merchantId): Promise<DeviceGrant | null> {
      const grant = await gateway.grant(appId, merchantId, { merchantId, fault: null });
      return !grant || grant.revoked ? null : grant;
    },
  };
}

/** Rolls a pairing back with the outcome it ends on (null: the code cannot be spent). */
class PairingAborted extends Error {
  constructor(readonly outcome: Failure | null) {
    super("pairing aborted");
  }
}

export class KyselyDevices implements DevicePort {
  readonly #devices: DeviceStore;
  readonly #reads: GrantReads;

  constructor(
    readonly db: Kysely<DB>,
    readonly world: WorldWriter,
    readonly faults: FaultPoints,
    /** The process's gateway store (its cache) for grant reads outside a transaction. */
    gateway: KyselyGatewayStore,
  ) {
    this.#devices = new DeviceStore(db);
    this.#reads = grantReads(gateway);
  }

  appIdOf(clientKey: string): Promise<string | null> {
    return this.#reads.appIdOf(clientKey);
  }

  liveGrant(appId: string, merchantId: string): Promise<DeviceGrant | null> {
    return this.#reads.liveGrant(appId, merchantId);
  }

  async createDevice(device: DeviceRecord, codeHash: string, codeExpiresAt: number): Promise<void> {
    await this.world.inTransaction(async (w) => {
      const store = new DeviceStore(w.db);
      await store.insertDevice(device);
      await store.insertPairingCode(device.deviceId, codeHash, codeExpiresAt);
    });
  }

  async pair(
    codeHash: string,
    now: number,
    plan: (device: DeviceRecord, reads: GrantReads) => Promise<Result<DeviceApp>>,
  ): Promise<Result<DeviceRecord> | null> {
    try {
      const device = await this.world.inTransaction(async (w) => {
        const store = new DeviceStore(w.db);
        const gateway = new KyselyGatewayStore(w.db, this.faults);
        const found = await store.claimPairingCode(codeHash, now);
        if (!found) throw new PairingAborted(null);
        const app = await plan(found, grantReads(gateway));
        if (!app.ok) throw new PairingAborted(app);
        const { appId, clientKey } = app.value;
        await w.upsertApp(appId, clientKey, app.value.secretEnc, found.name, null);
        if (!(await w.upsertGrant(clientKey, found.merchantId, [...app.value.scopes], [found.thirdShopId])))
          throw new Error("device app vanished");
        if (!(await store.markPaired(found.deviceId, appId, now))) throw new PairingAborted(null);
        await gateway.insertTokens(
          [
            {
              tokenHash: app.value.tokenHash,
              kind: "access",
              appId,
              merchantId: found.merchantId,
              expiresAt: app.value.tokenExpiresAt,
              revoked: false,
            },
          ],
          now,
        );
        return { ...found, appId, pairedAt: now };
      });
      return { ok: true, value: device };
    } catch (err) {
      // The transaction rolled back: a code refused here stays unused.
      if (err instanceof PairingAborted) return err.outcome;
      throw err;
    }
  }

  device(merchantId: string, deviceId: string): Promise<DeviceRecord | null> {
    return this.#devices.device(merchantId, deviceId);
  }

  deviceByApp(appId: string): Promise<DeviceRecord | null> {
    return this.#devices.deviceByApp(appId);
  }

  devicesOfMerchant(merchantId: string, page: PageQuery): Promise<DeviceRecord[]> {
    return this.#devices.devicesOfMerchant(merchantId, page);
  }

  revoke(merchantId: string, deviceId: string, now: number): Promise<DeviceRecord | null> {
    return this.world.inTransaction(async (w) => {
      const store = new DeviceStore(w.db);
      const device = await store.device(merchantId, deviceId);
      if (!device) return null;
      await store.revokeDevice(deviceId, now);
      if (device.appId !== null) await w.revokeGrant(deviceClientKey(deviceId), merchantId, now);
      return { ...device, revokedAt: device.revokedAt ?? now };
    });
  }

  purgePairingCodes(before: number): Promise<number> {
    return this.#devices.purgePairingCodes(before);
  }
}
