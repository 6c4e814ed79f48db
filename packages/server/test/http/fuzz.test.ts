/**
 * 10 000 generated malformed requests per endpoint (fast-check) against a real server: only
 * documented envelopes, never a 2xx, never a stack trace or an internal_error, and the server
 * stays healthy. Prints how many answers each row got.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../../src/domain/catalogue.js";
import { testDatabases } from "../support/databases.js";
import { QUERY, REDEEM, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, SHOP_1 } from "../support/world.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 16;

const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });
const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const codeish = fc.oneof(
  { arbitrary: digits(12), weight: 4 },
  { arbitrary: digits(11), weight: 1 },
  { arbitrary: digits(13), weight: 1 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
  { arbitrary: fc.string({ minLength: 101, maxLength: 120 }), weight: 1 },
);
const codeLists = fc.oneof(
  { arbitrary: fc.array(codeish, { minLength: 0, maxLength: 4 }), weight: 8 },
  { arbitrary: fc.array(digits(12), { minLength: 99, maxLength: 102 }), weight: 1 },
);
const qrish = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ maxLength: 60 }).map((s) => `TT-${s}`),
  fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => `TT-${Buffer.from(b).toString("base64url")}`),
  fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => `TT-${Buffer.from(b).toString("base64")}`),
);

/** A request body that cannot succeed: the world has no vouchers, and many are malformed besides. */
function bodies(endpoint: "query" | "redeem") {
  const valid =
    endpoint === "query"
      ? { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: ["123456789012"], locale: "en-US" }
      : {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_1,
          shop_order_id: "5800000000000000001",
          code_list: ["123456789012"],
          locale: "id-ID",
        };
  const keys = Object.keys(valid);
  const mutated = fc
    .record({
      drop: fc.oneof(
        { arbitrary: fc.constant([] as string[]), weight: 3 },
        { arbitrary: fc.subarray(keys, { maxLength: 2 }), weight: 1 },
      ),
      retype: fc.oneof(
        { arbitrary: fc.constant({} as Record<string, unknown>), weight: 3 },
        { arbitrary: fc.dictionary(fc.constantFrom(...keys), wrongType, { maxKeys: 2 }), weight: 1 },
      ),
      codes: fc.option(codeLists, { nil: undefined, freq: 4 }),
      dupCodes: fc.boolean(),
      qr: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: qrish, weight: 1 }),
      qrOnly: fc.boolean(),
      shopOrder: fc.option(fc.oneof(fc.string({ maxLength: 25 }), digits(20), digits(19)), {
        nil: undefined,
        freq: 2,
      }),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
    })
    .map((m) => {
      const b: Record<string, unknown> = { ...valid, ...m.extra };
      for (const k of m.drop) delete b[k];
      if (m.codes !== undefined)
        b.code_list = m.dupCodes && m.codes.length > 0 ? [...m.codes, m.codes[0]] : m.codes;
      if (m.qr !== undefined) {
        b.qr_info = m.qr;
        if (m.qrOnly) delete b.code_list;
      }
      if (m.shopOrder !== undefined && endpoint === "redeem") b.shop_order_id = m.shopOrder;
      Object.assign(b, m.retype);
      return { contentType: "application/json", body: JSON.stringify(b) };
    });
  const rawJson = fc
    .jsonValue({ maxDepth: 3 })
    .map((v) => ({ contentType: "application/json", body: JSON.stringify(v) }));
  const garbage = fc.string({ maxLength: 200 }).map((s) => ({ contentType: "application/json", body: s }));
  const otherType = fc
    .tuple(
      fc.constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data",
      ),
      fc.string({ maxLength: 100 }),
    )
    .map(([contentType, body]) => ({ contentType, body }));
  return fc.oneof(
    { arbitrary: mutated, weight: 6 },
    { arbitrary: rawJson, weight: 2 },
    { arbitrary: garbage, weight: 1 },
    { arbitrary: otherType, weight: 1 },
  );
}

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
