/**
 * Migrations of the deployment keys' record. Ids from 300 on, apart from the core's (even),
 * event delivery's (odd), devices' (100 on) and alerts' (200 on) lists.
 *
 * `key_fingerprints`: one row per key variable (FULFILL_SECRET_KEY, FULFILL_QR_KEY), the
 * fingerprint of the key the database is written with (security/key-fingerprint.ts: it does
 * not reveal the key), recorded by the first start and changed only by a rotation. Times in
 * real-clock Unix ms.
 */
import type { Migration } from "./migrations.js";

export const KEY_MIGRATIONS: readonly Migration[] = [
  {
    id: 300,
    name: "deployment key fingerprints",
    statements: [
      `CREATE TABLE key_fingerprints (
        name text PRIMARY KEY,
        fingerprint text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`,
    ],
  },
];
