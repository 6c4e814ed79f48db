/** Conformance: the 429 of the rate limit, on a server of its own. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/server.js";
import { baseWorld, NOW, product } from "../../support/world.js";
import { type Conformance, checkEnvelope } from "./support.js";

export function rateLimit(c: Conformance): void {
  const { track, typed, redeemBody, expectGeneric, o, world, database, P } = c;

  describe("rate limit", () => {
    let limited: TestServer;
    beforeAll(async () => {
      limited = await startTestServer(database, { rateLimitPerSecond: 5 });
      const w = baseWorld();
      w.products = [product(P.any)];
      w.orders = [
        world.orders?.find((x) => x.shop_order_id === o("q").shopOrderId) as NonNullable<
          typeof w.orders
        >[number],
      ];
      track(await limited.world(w), "world");
      track(await limited.clock(NOW), "clock");
    }, 60_000);
    afterAll(async () => limited?.close());

    it("more than 5 requests in a second → 429 rate_limit_exceeded with Retry-After", async () => {
      const token = await limited.token();
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => limited.query(token, typed(o("q").codes))),
      );
      for (const a of answers) checkEnvelope(a, "rate-limited server");
      const refused = answers.filter((a) => a.status === 429);
      const passed = answers.filter((a) => a.status !== 429);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(passed.length).toBeGreaterThanOrEqual(5);
      for (const a of passed) expect(a.json.error.code).toBe("0");
      for (const a of refused) {
        expectGeneric(a, 429, "rate_limit_exceeded", "12 concurrent lookups with a limit of 5/s");
        const retry = Number(a.headers.get("retry-after"));
        expect(Number.isInteger(retry) && retry >= 1).toBe(true);
      }
      // another endpoint has its own budget
      const other = await limited.redeem(token, { ...redeemBody("q"), code_list: ["12345"] });
      checkEnvelope(other, "redeem on the rate-limited server");
      expect(other.status).toBe(500);
    });
  });
}
