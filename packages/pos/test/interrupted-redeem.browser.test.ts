/**
 * A redeem interrupted by the network, in a real browser against a server that really stops:
 * preview a code, stop the server, tap Redeem, start the server again about 3 s later. The POS
 * (its pacing shortened by the `pos.test.pacing` option) fails every redeem attempt while the
 * server is down, and its last recheck is answered 200 with the code still WAIT_FULFILL: the
 * result must say so ("Try again" primary), not "No connection" with "Next customer".
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { System } from "../../server/src/system.js";
import { testDatabases } from "../../server/test/support/databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";
import {
  browserTestsOff,
  buildPos,
  launchBrowser,
  noteShot,
  pairPos,
  posContext,
  requireChromium,
  typeOnKeypad,
} from "./support.js";

const P = "7200000000000000901";
const T = NOW + 4 * 3600;
const interrupted = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
const unreached = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
const database = testDatabases()[0] as NonNullable<ReturnType<typeof testDatabases>[0]>;

// Every redeem attempt and the recheck after the first fail while the server is down (about
// 1 s); the recheck after the second attempt comes 5 s later, when the server is back.
const PACING = JSON.stringify({ attempts: 2, backoffMs: [500, 5000] });
const DOWN_MS = 3000;

const suite = browserTestsOff() ? describe.skip : describe;

suite("POS in the browser: a redeem interrupted by a server that stops", () => {
  let system: System;
  let t: TestServer;
  let port: number;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    await buildPos();
    // The system (database) outlives the HTTP server: stopping the server is what a restart is.
    system = await database.open();
    t = await startTestServer(database, {}, { system });
    port = Number(new URL(t.url).port);
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = [interrupted.order, unreached.order];
    expect((await t.world(world)).status).toBe(200);
    await t.clock(T);
    browser = await launchBrowser(null);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await system?.close();
  });

  it("ends on the last answer: not redeemed, still redeemable, Try again primary; Try again redeems it", async () => {
    const pairing = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
      third_shop_id: SHOP_1,
    });
    expect(pairing.status, pairing.text).toBe(200);
    const { context, page } = await posContext(browser, {
      storage: { "pos.mode": "type", "pos.test.pacing": PACING },
      pageErrors,
    });
    try {
      await pairPos(page, t.url, pairing.json.data.pairing_code as string);
      const code = interrupted.built.codes[0] as string;
      await typeOnKeypad(page, code);
      await page.getByRole("button", { name: "Look up" }).click();
      await page.locator('[data-screen="preview"]').waitFor();

      await t.close(); // the server stops; the database stays
      const stoppedAt = Date.now();
      await page.getByTestId("redeem").click();
      await page.getByTestId("redeem").filter({ hasText: "Checking what happened" }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, DOWN_MS - (Date.now() - stoppedAt))));
      t = await startTestServer(database, { port }, { system });
      expect(t.url).toBe(`http://127.0.0.1:${port}`);

      const result = page.locator('[data-screen="result"]');
      await result.waitFor({ timeout: 30_000 });
      await noteShot(page, "interrupted-redeem-end");
      // Nothing was redeemed: the server never saw a redeem.
      const rows = await system.database.db.selectFrom("redemptions").selectAll().execute();
      expect(rows.filter((r) => r.codes.includes(code))).toHaveLength(0);
      expect(await result.getByRole("heading").first().textContent()).toBe("Not redeemed");
      expect(await result.getByTestId("notice").locator(".notice-text").textContent()).toBe(
        "Nothing was redeemed. The server now answers that this code can still be redeemed: try again.",
      );
      expect(await result.textContent()).not.toContain("No connection");
      const primary = result.locator(".btn.primary");
      expect(await primary.count()).toBe(1);
      expect(await primary.textContent()).toBe("Try again");
      expect(await result.getByRole("button", { name: "Next customer" }).getAttribute("class")).not.toContain(
        "primary",
      );

      await primary.click();
      await expect.poll(() => result.getAttribute("data-outcome"), { timeout: 20_000 }).toBe("redeemed");
      const after = await system.database.db.selectFrom("redemptions").selectAll().execute();
      expect(after.filter((r) => r.codes.includes(code))).toHaveLength(1);
      await noteShot(page, "interrupted-redeem-try-again-redeemed");
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
  it("with no answer at all (the server down past every attempt): Try again primary, it reads the code again", async () => {
    const pairing = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
      third_shop_id: SHOP_1,
    });
    expect(pairing.status, pairing.text).toBe(200);
    // Two attempts and their rechecks within about 1 s: all fail while the server is down.
    const { context, page } = await posContext(browser, {
      storage: {
        "pos.mode": "type",
        "pos.test.pacing": JSON.stringify({ attempts: 2, backoffMs: [300, 300] }),
      },
      pageErrors,
    });
    try {
      await pairPos(page, t.url, pairing.json.data.pairing_code as string);
      const code = unreached.built.codes[0] as string;
      await typeOnKeypad(page, code);
      await page.getByRole("button", { name: "Look up" }).click();
      await page.locator('[data-screen="preview"]').waitFor();
      await t.close();
      await page.getByTestId("redeem").click();
      const result = page.locator('[data-screen="result"]');
      await result.waitFor({ timeout: 30_000 });
      await noteShot(page, "unreached-redeem-end");
      expect(await result.getAttribute("data-outcome")).toBe("failed");
      expect(await result.getByRole("heading").first().textContent()).toBe("Not confirmed");
      const primary = result.locator(".btn.primary");
      expect(await primary.count()).toBe(1);
      expect(await primary.textContent()).toBe("Try again");
      expect(await result.getByRole("button", { name: "Next customer" }).getAttribute("class")).not.toContain(
        "primary",
      );

      t = await startTestServer(database, { port }, { system });
      await primary.click();
      await page.locator('[data-screen="preview"]').waitFor({ timeout: 20_000 });
      await page.getByTestId("redeem").click();
      await expect.poll(() => result.getAttribute("data-outcome"), { timeout: 20_000 }).toBe("redeemed");
      const rows = await system.database.db.selectFrom("redemptions").selectAll().execute();
      expect(rows.filter((r) => r.codes.includes(code))).toHaveLength(1);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
