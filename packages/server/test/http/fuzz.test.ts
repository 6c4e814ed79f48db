/**
 * 10 000 generated malformed requests per endpoint (fast-check) against a real server: only
 * documented envelopes, never a 2xx, never a stack trace or an internal_error, and the server
 * stays healthy. Prints how many answers each row got.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../../src/domain/catalogue.js";
import { testDatabases } from "../support/databases.js";
import { bodies } from "../support/fuzz-inputs.js";
import { QUERY, REDEEM, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld } from "../support/world.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 16;

for (const database of testDatabases()) {
  describe(`fuzzed malformed requests on ${database.name}`, () => {
    let t: TestServer;
    let token: string;
    beforeAll(async () => {
      t = await startTestServer(database);
      const world = baseWorld();
      expect((await t.world(world)).status).toBe(200);
      token = await t.token();
    });
    afterAll(async () => t?.close());

    for (const endpoint of ["query", "redeem"] as const) {
      it(`${RUNS} malformed ${endpoint} requests answer only documented rows`, {
        timeout: 600_000,
      }, async () => {
        const documented = new Map(
          CATALOGUE.filter((r) => r.endpoint === endpoint).map((r) => [`${r.code} ${r.message}`, r.row]),
        );
        const samples = fc.sample(bodies(endpoint), { numRuns: RUNS, seed: 20261128 });
        const counts = new Map<string, number>();
        const problems: string[] = [];
        let next = 0;
        const path = endpoint === "query" ? QUERY : REDEEM;
        async function worker() {
          while (next < samples.length) {
            const sample = samples[next++] as { contentType: string; body: string };
            const res = await t.request(path, {
              method: "POST",
              headers: { authorization: `Bearer ${token}`, "content-type": sample.contentType },
              body: sample.body,
            });
            const code = res.json?.error?.code;
            const message = res.json?.error?.message;
            const row = documented.get(`${code} ${message}`);
            const fine =
              res.status === 500 &&
              row !== undefined &&
              typeof res.json?.data === "object" &&
              res.json.error.log_id === res.headers.get("x-tt-logid") &&
              !/\bat .+\.(ts|js):\d+/.test(res.text);
            if (!fine && problems.length < 5)
              problems.push(`${res.status} ${res.text.slice(0, 200)} <- ${sample.body.slice(0, 200)}`);
            counts.set(
              row ?? `UNDOCUMENTED ${res.status} ${code}`,
              (counts.get(row ?? `UNDOCUMENTED ${res.status} ${code}`) ?? 0) + 1,
            );
          }
        }
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        console.log(
          `${endpoint} on ${database.name}: answers by row`,
          Object.fromEntries([...counts].sort()),
        );
        expect(problems).toEqual([]);
        const schemaRow = endpoint === "query" ? "G1" : "R1";
        expect(counts.get(schemaRow) ?? 0).toBeGreaterThan(0);
        expect(counts.get(endpoint === "query" ? "G3" : "R3") ?? 0).toBeGreaterThan(0);
        if (endpoint === "redeem") expect(counts.get("R12") ?? 0).toBeGreaterThan(0);
        if (endpoint === "query") expect(counts.get("G10") ?? 0).toBeGreaterThan(0);
        const health = await t.request("/healthz");
        expect(health.status).toBe(200);
      });
    }
  });
}
