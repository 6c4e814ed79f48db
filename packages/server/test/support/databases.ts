/**
 * The databases every storage-touching test runs on: the embedded one always, and PostgreSQL
 * too when DATABASE_URL is set. Each PostgreSQL system gets a database of its own, dropped
 * when it closes, so test files never see each other's rows.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openSystem, type System, type SystemOptions } from "../../src/system.js";

export interface TestDatabase {
  readonly name: "pglite" | "postgres";
  open(opts?: Omit<SystemOptions, "databaseUrl" | "dataDir">): Promise<System>;
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createScratchDatabase(
  baseUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `fulfill_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabaseName(baseUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [
    { name: "pglite", open: (opts = {}) => openSystem({ ...opts, dataDir: null }) },
  ];
  const url = process.env.DATABASE_URL;
  if (url) {
    list.push({
      name: "postgres",
      open: async (opts = {}) => {
        const scratch = await createScratchDatabase(url);
        const system = await openSystem({ ...opts, databaseUrl: scratch.url, dataDir: null });
        return {
          ...system,
          close: async () => {
            await system.close();
            await scratch.drop();
          },
        };
      },
    });
  }
  return list;
}

export function postgresOnly(): TestDatabase[] {
  return testDatabases().filter((d) => d.name === "postgres");
}
