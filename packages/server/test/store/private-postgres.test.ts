/**
 * The private-cluster test support itself: a cluster that stops and starts again on its port,
 * and a streaming replica whose replay can be paused and resumed.
 *
 * Runs in the PostgreSQL pass only (DATABASE_URL set): that pass is where PostgreSQL's
 * programs are installed and a real server is expected, so skipping elsewhere is intended. The
 * clusters here are private ones, never the server DATABASE_URL names.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  type PrivateCluster,
  type PrivateReplica,
  queryOnce,
  startPrivateCluster,
  startReplica,
} from "../support/private-postgres.js";

describe.skipIf(!process.env.DATABASE_URL)("private PostgreSQL clusters (test support)", () => {
  let cluster: PrivateCluster | undefined;
  let replica: PrivateReplica | undefined;

  afterAll(async () => {
    await replica?.destroy();
    await cluster?.destroy();
  });

  it("starts, stops (queries fail), starts again on the same port (queries work)", async () => {
    cluster = await startPrivateCluster();
    expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    const one = await queryOnce<{ n: number; wal: string }>(
      cluster.url,
      "SELECT 1 AS n, current_setting('wal_level') AS wal",
    );
    expect(one.rows[0]).toEqual({ n: 1, wal: "replica" });
    await queryOnce(cluster.url, "CREATE TABLE marks (n int PRIMARY KEY)");
    await queryOnce(cluster.url, "INSERT INTO marks VALUES (1)");

    await cluster.stop();
    expect(cluster.running).toBe(false);
    await expect(queryOnce(cluster.url, "SELECT 1", [], 2000)).rejects.toThrow();

    const port = cluster.port;
    await cluster.start();
    expect(cluster.port).toBe(port);
    const after = await queryOnce<{ n: number }>(cluster.url, "SELECT n FROM marks");
    expect(after.rows).toEqual([{ n: 1 }]);

    await cluster.restart("immediate"); // crash and recovery keep committed rows
    expect((await queryOnce(cluster.url, "SELECT n FROM marks")).rows).toEqual([{ n: 1 }]);
  });

  it("streams to a replica whose replay pauses and resumes", async () => {
    if (!cluster) throw new Error("the first test did not start the cluster");
    const primary = cluster;
    replica = await startReplica(primary);
    expect(replica.port).not.toBe(primary.port);
    const rec = await queryOnce<{ r: boolean }>(replica.url, "SELECT pg_is_in_recovery() AS r");
    expect(rec.rows[0]?.r).toBe(true);

    await queryOnce(primary.url, "INSERT INTO marks VALUES (2)");
    await replica.waitCaughtUp();
    const seen = async () =>
      (
        await queryOnce<{ n: number }>((replica as PrivateReplica).url, "SELECT n FROM marks ORDER BY n")
      ).rows.map((r) => r.n);
    expect(await seen()).toEqual([1, 2]);

    await replica.pauseReplay();
    await queryOnce(primary.url, "INSERT INTO marks VALUES (3)");
    // Give streaming ample time to deliver the WAL: it arrives, but is not applied.
    await new Promise((r) => setTimeout(r, 500));
    expect(await seen()).toEqual([1, 2]);
    await expect(replica.waitCaughtUp(300)).rejects.toThrow(/did not reach/);

    await replica.resumeReplay();
    await replica.waitCaughtUp();
    expect(await seen()).toEqual([1, 2, 3]);
  });

  it("destroy stops the servers and removes their folders", async () => {
    const { existsSync } = await import("node:fs");
    const dirs = [replica?.baseDir, cluster?.baseDir].filter((d): d is string => d !== undefined);
    const urls = [replica?.url, cluster?.url].filter((u): u is string => u !== undefined);
    await replica?.destroy();
    await cluster?.destroy();
    await replica?.destroy(); // idempotent
    for (const d of dirs) expect(existsSync(d)).toBe(false);
    for (const u of urls) await expect(queryOnce(u, "SELECT 1", [], 2000)).rejects.toThrow();
  });
});
