/** The deployment keys' record (migrations-keys.ts), the port of security/deployment-keys.ts. */
import type { Kysely } from "kysely";
import type { FingerprintPort } from "../security/deployment-keys.js";
import type { KeyName } from "../security/key-fingerprint.js";
import type { DB } from "./schema.js";

type KeyTables = {
  key_fingerprints: {
    name: string;
    fingerprint: string;
    created_at: string | number;
    updated_at: string | number;
  };
};

export function fingerprintStore(database: Kysely<DB>, nowMs: () => number): FingerprintPort {
  const db = database.withTables<KeyTables>();
  return {
    recorded: async () => {
      const rows = await db.selectFrom("key_fingerprints").select(["name", "fingerprint"]).execute();
      return new Map(rows.map((r) => [r.name, r.fingerprint]));
    },
    recordIfAbsent: async (name: KeyName, fingerprint: string) => {
      const at = nowMs();
      await db
        .insertInto("key_fingerprints")
        .values({ name, fingerprint, created_at: at, updated_at: at })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
      const row = await db
        .selectFrom("key_fingerprints")
        .select("fingerprint")
        .where("name", "=", name)
        .executeTakeFirstOrThrow();
      return row.fingerprint;
    },
    anySealedSecret: async () => {
      const row = await db.selectFrom("apps").select("client_secret_enc").limit(1).executeTakeFirst();
      return row?.client_secret_enc ?? null;
    },
    resealAll: (reseal, fingerprints) =>
      db.transaction().execute(async (tx) => {
        // Locked, so an app written meanwhile waits for the rotation and is sealed by a process
        // that already has the new key (README: every process restarted with it first).
        const apps = await tx
          .selectFrom("apps")
          .select(["app_id", "client_secret_enc"])
          .orderBy("app_id")
          .forUpdate()
          .execute();
        for (const app of apps)
          await tx
            .updateTable("apps")
            .set({ client_secret_enc: reseal(app.client_secret_enc) })
            .where("app_id", "=", app.app_id)
            .execute();
        const at = nowMs();
        for (const [name, fingerprint] of fingerprints)
          await tx
            .insertInto("key_fingerprints")
            .values({ name, fingerprint, created_at: at, updated_at: at })
            .onConflict((oc) => oc.column("name").doUpdateSet({ fingerprint, updated_at: at }))
            .execute();
        return apps.length;
      }),
  };
}
