/**
 * The short torture run inside the normal test command (the PostgreSQL pass: it starts its own
 * private cluster and server processes, so it needs nothing of the embedded pass and runs
 * once, when DATABASE_URL is set). The long run is `npm run torture -- --minutes 10`.
 */
import { describe, expect, it } from "vitest";
import { runTorture } from "./run.js";

describe.runIf(process.env.DATABASE_URL)("torture (short)", () => {
  it("kills, database restarts and faults leave no violation", { timeout: 300_000 }, async () => {
    const result = await runTorture({
      seconds: 30,
      servers: 2,
      clients: 8,
      orders: 60,
      codesPerOrder: 3,
      killEverySeconds: 6,
      dbRestartEverySeconds: 14,
      faultEverySeconds: 2,
      log: () => undefined,
    });
    console.log(
      JSON.stringify(
        { ...result, details: result.details.map((d) => `${d.property}: ${d.detail}`) },
        null,
        1,
      ),
    );
    expect(result.kills).toBeGreaterThanOrEqual(3);
    expect(result.db_restarts).toBeGreaterThanOrEqual(1);
    expect(result.operations).toBeGreaterThan(500);
    expect(result.details.map((d) => `${d.property}: ${d.detail}`)).toEqual([]);
  });
});
