/**
 * The short failover run inside the normal test command (the PostgreSQL pass: it starts its own
 * Patroni cluster from deploy/, so it needs nothing of the embedded pass and runs once, when
 * DATABASE_URL is set). Its own vitest project runs it after every other file, alone: a cluster
 * killed under load beside other cluster tests would measure the machine, not the failover.
 * Patroni, etcd and HAProxy missing fail it (local-cluster.sh exits 3 naming the package).
 * The long run is `npm run failover -- --failovers 10`.
 */
import { describe, expect, it } from "vitest";
import { runFailover } from "./run.js";

describe.runIf(process.env.DATABASE_URL)("failover (short)", () => {
  it("a postmaster kill and a member loss lose no acknowledged redeem", { timeout: 300_000 }, async () => {
    const result = await runFailover({
      failovers: 2,
      seconds: 120,
      servers: 2,
      clients: 6,
      orders: 120,
      log: () => undefined,
    });
    console.log(
      JSON.stringify({ ...result, details: result.details.map((d) => `${d.property}: ${d.detail}`) }),
    );
    expect(result.failovers).toBe(2);
    expect(result.failover_log.map((f) => f.kind)).toEqual(["postmaster", "member"]);
    expect(result.acknowledged_lost).toBe(0);
    expect(result.double_redeems).toBe(0);
    expect(result.server_exits).toEqual([]);
    expect(result.details.map((d) => `${d.property}: ${d.detail}`)).toEqual([]);
    expect(result.write_gap_ms.every((g) => g !== null)).toBe(true);
    expect(result.write_gap_member_max_ms).toBeLessThanOrEqual(result.patroni_ttl_ms + 10_000);
    expect(result.answers_by_row["redeem: success"]).toBeGreaterThan(50);
  });
});
