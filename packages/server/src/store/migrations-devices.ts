/**
 * Migrations of POS device pairing. Ids from 100 on, apart from the core's (even) and event
 * delivery's (odd) lists.
 *
 * A device is paired to one shop of one merchant. Until it pairs it only has one-time pairing
 * codes (stored as hashes); pairing gives it an app of its own (`dev_<device_id>`) and a grant
 * of that merchant limited to the shop, so the SaaS gateway authorizes it like any SaaS client.
 */
import type { Migration } from "./migrations.js";

export const DEVICE_MIGRATIONS: readonly Migration[] = [
  {
    id: 100,
    name: "pos devices and pairing codes",
    statements: [
      `CREATE TABLE pos_devices (
        device_id bigint PRIMARY KEY,
        merchant_id bigint NOT NULL REFERENCES merchants(merchant_id),
        third_shop_id text NOT NULL,
        name text NOT NULL,
        parent_client_key text,
        app_id bigint UNIQUE REFERENCES apps(app_id),
        created_at bigint NOT NULL,
        paired_at bigint,
        revoked_at bigint
      )`,
      `CREATE INDEX pos_devices_by_merchant ON pos_devices (merchant_id, device_id)`,
      `CREATE TABLE pos_pairing_codes (
        code_hash text PRIMARY KEY,
        device_id bigint NOT NULL REFERENCES pos_devices(device_id),
        expires_at bigint NOT NULL,
        used_at bigint
      )`,
      `CREATE INDEX pos_pairing_codes_by_device ON pos_pairing_codes (device_id)`,
    ],
  },
];
