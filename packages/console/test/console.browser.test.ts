/**
 * The operator's console in a real browser (Debian's Chromium driven by playwright-core)
 * against a real server (issue 17): sign in; support by the log id of a real failed redeem;
 * pair a device (code and QR) and redeem with it in the POS, then revoke it; the sandbox: arm a
 * fault and see the next lookup fail with its row, clear it, set and release the clock, load a
 * world from a file; a refund requested, approved (the code at 501 in a lookup) and another
 * closed, the expired-refund run; an order's items with their three records and the customer's QR drawn;
 * every screen shot at 1280 px and 768 px for the notes (NOTES_SHOTS).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairPos, posContext, typeOnKeypad } from "../../pos/test/support.js";
import { testDatabases } from "../../server/test/support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";
import {
  browserTestsOff,
  buildConsole,
  CONSOLE_DIR,
  consoleContext,
  launchBrowser,
  noteShots,
  requireChromium,
  signIn,
} from "./support.js";

/** 14:02 in Jakarta on 2026-12-01. */
const T = NOW + 4 * 3600 + 2 * 60;
const P = "7200000000000001701";
const used = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
const atCounter = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
const refunded = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
const database = testDatabases()[0] as NonNullable<ReturnType<typeof testDatabases>[0]>;

const suite = browserTestsOff() ? describe.skip : describe;

suite("the operator console in the browser", () => {
  let t: TestServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    t = await startTestServer(database);
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = [used.order, atCounter.order, refunded.order];
    expect((await t.world(world)).status).toBe(200);
    await t.clock(T);
    browser = await launchBrowser(null);
  });

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await t?.close();
  });

  /** A logged request, once the request log's batch has reached the database. */
  async function logged(logId: string) {
    let found = await t.operator("GET", `/platform/logs/${logId}`);
    for (let i = 0; i < 40 && found.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      found = await t.operator("GET", `/platform/logs/${logId}`);
    }
    expect(found.status, found.text).toBe(200);
    return found.json.data;
  }

  it("serves /console/ with a strict CSP and no inline script", async () => {
    const page = await t.request("/console/");
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("sign in: a wrong token is refused in words; the right one is kept in session storage, never in the URL", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await page.goto(`${t.url}/console/`);
      await page.fill("#operator-token", "not-the-operator-token-000000000000");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/^Refused \(access_token_invalid\): the operator token is not valid\. Log id \w+\.$/);
      await noteShots(page, "sign-in-refused");
      await page.fill("#operator-token", OPERATOR_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator('[data-screen="support"]').waitFor();
      expect(page.url()).not.toContain(OPERATOR_TOKEN);
      expect(await page.evaluate(() => sessionStorage.getItem("console.token"))).toBe(OPERATOR_TOKEN);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      // A reload keeps the session (same tab); a new tab (context) would not.
      await page.reload();
      await page.locator('[data-screen="support"]').waitFor();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.locator('[data-screen="sign-in"]').waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem("console.token"))).toBeNull();
    } finally {
      await context.close();
    }
  });

  it("support: the log id of a real failed redeem shows its row, handling, description and cause", async () => {
    const token = await t.token();
    const body = {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      shop_order_id: used.built.shopOrderId,
      code_list: used.built.codes,
      locale: "en-US",
    };
    expect((await t.redeem(token, body)).status).toBe(200);
    const again = await t.redeem(token, body);
    const logId = again.headers.get("x-tt-logid") as string;
    const entry = await logged(logId);
    expect(entry.outcome.row).toBe("R18");
    expect(entry.cause).toBeTruthy();

    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN);
      await page.fill("#log-id", logId);
      await page.getByRole("button", { name: "Look up" }).click();
      const view = page.getByTestId("logged-request");
      await view.waitFor();
      expect(page.url()).toContain(`#support/${logId}`);
      expect(await view.getByTestId("row").textContent()).toBe("R18");
      expect(await view.getByTestId("cause").textContent()).toBe(entry.cause);
      expect(await view.getByTestId("description").textContent()).toMatch(/\S/);
      const text = (await view.textContent()) ?? "";
      expect(text).toContain("redeem_code");
      expect(text).toContain("-3000102");
      expect(text).toContain("recheck");
      await noteShots(page, "support-log");
      // An unknown log id answers the platform's not_found in words.
      await page.fill("#log-id", "20260101000000AAAAAAAAAAAAAAAAAAAA");
      await page.getByRole("button", { name: "Look up" }).click();
      await expect.poll(() => page.getByTestId("outcome").textContent()).toMatch(/^Refused \(not_found/);
    } finally {
      await context.close();
    }
  });

  it("devices: pair one for a shop, redeem with it in the POS, revoke it; the list pages past its first page", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    const pos = await posContext(browser, { storage: { "pos.mode": "type" }, pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, `#devices/${MERCHANT}`);
      await page.locator('[data-screen="devices"]').waitFor();
      await page.fill("#device-shop", SHOP_1);
      await page.fill("#device-name", "Counter 1");
      await page.getByRole("button", { name: "Pair a device" }).click();
      const pairing = page.getByTestId("pairing");
      await pairing.waitFor();
      expect(await page.getByTestId("outcome").textContent()).toMatch(
        /^Device \d+ created for shop S-001: pair it within the code's time\. Log id \w+\.$/,
      );
      const code = ((await pairing.getByTestId("pairing-code").textContent()) ?? "").trim();
      expect(code).toMatch(/\S{6,}/);
      const qr = pairing.getByTestId("pos-qr");
      expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
      expect(await qr.getAttribute("alt")).toBe(`QR code of ${t.url}/pos/`);
      const row = page.locator("[data-device]", { hasText: "Counter 1" });
      expect(await row.getByTestId("device-status").textContent()).toBe("PENDING");
      await noteShots(page, "devices-paired");

      // The code on the device: pair, then redeem a code at the counter.
      await pairPos(pos.page, t.url, code);
      await typeOnKeypad(pos.page, atCounter.built.codes[0] as string);
      await pos.page.getByRole("button", { name: "Look up" }).click();
      await pos.page.locator('[data-screen="preview"]').waitFor();
      await pos.page.getByTestId("redeem").click();
      const result = pos.page.locator('[data-screen="result"]');
      await result.waitFor();
      expect(await result.getAttribute("data-outcome")).toBe("redeemed");

      await page.reload();
      await expect.poll(() => row.getByTestId("device-status").textContent()).toBe("PAIRED");
      await row.getByRole("button", { name: "Revoke" }).click();
      await expect.poll(() => row.getByTestId("device-status").textContent()).toBe("REVOKED");
      expect(await page.getByTestId("outcome").textContent()).toMatch(
        /revoked: its token stops working now\./,
      );
      // The POS's token is refused from now on.
      const token = await pos.page.evaluate(
        () => JSON.parse(localStorage.getItem("pos.device") ?? "{}").token,
      );
      const session = await t.request("/pos/api/session", { headers: { authorization: `Bearer ${token}` } });
      expect(session.status).toBe(401);
      await noteShots(page, "devices-revoked");

      // Twenty newer devices: Counter 1 moves to the second page of twenty.
      for (let i = 0; i < 20; i++) {
        const r = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, { third_shop_id: SHOP_1 });
        expect(r.status, r.text).toBe(200);
      }
      await page.reload();
      await page.getByTestId("devices-pager").waitFor();
      expect(await page.getByTestId("devices-page").textContent()).toBe("Page 1");
      expect(await page.locator("[data-device]").count()).toBe(20);
      expect(await row.count()).toBe(0);
      await page.getByRole("button", { name: "Next page of devices" }).click();
      await expect.poll(() => page.getByTestId("devices-page").textContent()).toBe("Page 2");
      await expect.poll(() => row.getByTestId("device-status").textContent()).toBe("REVOKED");
    } finally {
      await pos.context.close();
      await context.close();
    }
  });

  it("sandbox: arm a fault and the next lookup fails with its row; clear; clock set and release; world from a file", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN);
      await page.getByRole("link", { name: "Sandbox" }).click();
      const screen = page.locator('[data-screen="sandbox"]');
      await screen.waitFor();
      await expect.poll(() => page.locator("#fault-point option").count()).toBeGreaterThan(5);
      await page.selectOption("#fault-point", "query.product");
      await page.fill("#fault-times", "1");
      await page.getByRole("button", { name: "Arm" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/^Fault query\.product armed for the next 1 call\. Log id \w+\.$/);
      // The list is read again after the answer: it may show a moment later.
      await expect.poll(() => page.getByTestId("armed").textContent()).toBe("query.product: 1 left");
      await noteShots(page, "sandbox-armed");
      const lookup = {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: atCounter.built.codes,
        locale: "en-US",
      };
      const token = await t.token();
      const failed = await t.query(token, lookup);
      expect(failed.json.error).toMatchObject({ code: "-9990202", message: "FulfillGetProductFailed" });
      // Armed for one call: the next lookup passes; Clear all empties the list.
      expect((await t.query(token, lookup)).json.error.code).toBe("0");
      await page.getByRole("button", { name: "Arm" }).click();
      await expect.poll(() => page.getByTestId("armed").textContent()).toBe("query.product: 1 left");
      await page.getByRole("button", { name: "Clear all" }).click();
      await expect.poll(() => page.getByTestId("armed").textContent()).toBe("None.");
      expect((await t.query(token, lookup)).json.error.code).toBe("0");

      await page.fill("#clock-at", "2026-12-24T09:30:00");
      await page.getByRole("button", { name: "Set clock" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/^Business clock frozen at 2026-12-24 09:30:00 UTC\./);
      await page.getByRole("button", { name: "Release clock" }).click();
      await expect.poll(() => page.getByTestId("outcome").textContent()).toMatch(/^Business clock released/);
      await t.clock(T);

      const world = baseWorld();
      world.products = [product(P)];
      await page.setInputFiles("#world-file", {
        name: "world.json",
        mimeType: "application/json",
        buffer: Buffer.from(JSON.stringify(world)),
      });
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/^World world\.json loaded: /);
      await page.setInputFiles("#world-file", {
        name: "broken.json",
        mimeType: "application/json",
        buffer: Buffer.from("{not json"),
      });
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toBe("broken.json is not JSON: nothing was sent.");
      await noteShots(page, "sandbox");
    } finally {
      await context.close();
    }
  });

  it("orders: the redeemed order's items with their three records side by side, events, and the customer's QR as an image", async () => {
    const api = await t.operator("GET", `/platform/orders/${used.built.shopOrderId}`);
    expect(api.status, api.text).toBe(200);
    const item = api.json.data.items[0];
    expect(item.redeem_id).toBeTruthy();
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, `#orders/${used.built.shopOrderId}`);
      const row = page.locator(`[data-item="${item.item_order_id}"]`);
      await row.waitFor();
      const cells = await row.locator("td").allTextContents();
      expect(cells).toEqual([
        item.item_order_id,
        item.code,
        item.voucher_status,
        item.execution_status,
        item.sub_fulfillment_status,
        String(item.redemption_status),
        item.redeem_id,
      ]);
      await expect.poll(() => page.getByTestId("events").locator("tbody tr").count()).toBeGreaterThan(0);
      await page.getByRole("button", { name: "Issue the customer's QR" }).click();
      const qr = page.getByTestId("order-qr");
      await qr.waitFor();
      expect(await qr.getAttribute("src")).toMatch(/^blob:/);
      await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
      expect(await page.getByTestId("outcome").textContent()).toMatch(
        /^The customer's QR, as their app would show it now\. Log id \w+\.$/,
      );
      await noteShots(page, "order");
    } finally {
      await context.close();
    }
  });

  it("after-sales: approve a refund and the code is at 501 in a lookup; close another; the expired-refund run", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, "#after-sales");
      await page.locator('[data-screen="after-sales"]').waitFor();
      const [first, second] = refunded.built.itemIds as [string, string];
      await page.fill("#as-merchant", MERCHANT);
      await page.fill("#as-order", refunded.built.shopOrderId);
      await page.fill("#as-items", first);
      await page.getByRole("button", { name: "Request refund" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/^Refund requested: after-sale \d+ is /);
      const approvingId = /after-sale (\d+)/.exec(
        (await page.getByTestId("outcome").textContent()) ?? "",
      )?.[1];
      await page.fill("#as-items", second);
      await page.getByRole("button", { name: "Request refund" }).click();
      // The platform's queue: both open, oldest first.
      await expect.poll(() => page.locator("[data-after-sale]").count()).toBe(2);
      const closingId = await page.locator("[data-after-sale]").nth(1).getAttribute("data-after-sale");
      expect(await page.locator("[data-after-sale]").nth(0).getAttribute("data-after-sale")).toBe(
        approvingId,
      );
      const [closing, approving] = [
        page.locator(`[data-after-sale="${closingId}"]`),
        page.locator(`[data-after-sale="${approvingId}"]`),
      ];
      await noteShots(page, "after-sales-queue");
      await closing.getByRole("button", { name: "Close" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/closed: its items are usable again\. Log id \w+\.$/);
      await approving.getByRole("button", { name: "Approve" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/approved: its items are refunded\. Log id \w+\.$/);

      const found = await t.query(await t.token(), {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: refunded.built.codes,
        locale: "en-US",
      });
      expect(found.json.error.code, found.text).toBe("0");
      const status = Object.fromEntries(
        found.json.data.code_list.map((c: { code: string; redemption_status: number }) => [
          c.code,
          c.redemption_status,
        ]),
      );
      expect(status[refunded.built.codes[0] as string]).toBe(501);
      expect(status[refunded.built.codes[1] as string]).toBe(100);
      // Approving a refund twice answers the platform's row in words, and changes nothing.
      expect(await approving.getByRole("button").count()).toBe(0);
      await page.fill("#as-id", approvingId as string);
      await page.getByRole("button", { name: "Approve by id" }).click();
      await expect.poll(() => page.getByTestId("outcome").textContent()).toMatch(/^Refused \(/);

      await page.getByRole("button", { name: "Run expired refunds now" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(/^Expired-refund run: (1 after-sale|\d+ after-sales) made\. Log id \w+\.$/);
      await noteShots(page, "after-sales");
    } finally {
      await context.close();
    }
  });

  it("keeps its JavaScript under 200 KB gzipped", () => {
    const dir = join(CONSOLE_DIR, "dist", "assets");
    const js = readdirSync(dir).filter((f) => f.endsWith(".js"));
    const gz = js.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
    console.log(`console JavaScript: ${js.length} files, ${gz} bytes gzipped`);
    expect(gz).toBeLessThan(200 * 1024);
  });
});
