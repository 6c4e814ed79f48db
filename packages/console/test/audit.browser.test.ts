/**
 * The console's audit, after-sales queue and redemption search in a real browser (Debian's
 * Chromium driven by playwright-core) against a real server (issue 17): the platform's refund
 * queue paged past its first page, a refund approved from it (the code at 501 in a real lookup)
 * and refused the second time; both writes in the Audit screen with their rows, client address
 * and log ids; a redemption searched by code in Support, its link followed to the order.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";
import {
  browserTestsOff,
  buildConsole,
  consoleContext,
  launchBrowser,
  noteShots,
  requireChromium,
  signIn,
} from "./support.js";

const T = NOW + 4 * 3600;
const P = "7200000000000001711";
const unused = () => order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
/** Eleven refund requests: one more than the console's queue page (10). */
const refunds = Array.from({ length: 11 }, unused);
const redeemed = unused();
const database = testDatabases()[0] as NonNullable<ReturnType<typeof testDatabases>[0]>;

const suite = browserTestsOff() ? describe.skip : describe;

suite("the console's audit, after-sales queue and redemption search in the browser", () => {
  let t: TestServer;
  let browser: Browser;
  const pageErrors: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    t = await startTestServer(database);
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = [...refunds, redeemed].map((o) => o.order);
    expect((await t.world(world)).status).toBe(200);
    await t.clock(T);
    for (const o of refunds) {
      const res = await t.operator("POST", "/platform/after-sales", {
        merchant_id: MERCHANT,
        shop_order_id: o.built.shopOrderId,
        item_order_ids: o.built.itemIds,
      });
      expect(res.status, res.text).toBe(200);
      requested.push(res.json.data.after_sale_order_id);
    }
    browser = await launchBrowser(null);
  });

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await t?.close();
  });

  const logIdOf = (text: string | null) => /Log id (\w+)\.$/.exec(text ?? "")?.[1];

  it("the queue pages past its first page; approve there (code at 501 in a lookup), again refused; both in the audit", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, "#after-sales");
      const rows = page.locator("[data-after-sale]");
      await expect.poll(() => rows.count()).toBe(10);
      expect(await rows.first().getAttribute("data-after-sale")).toBe(requested[0]);
      expect(await page.getByTestId("after-sales-page").textContent()).toBe("Page 1");
      await page.getByRole("button", { name: "Next page of after-sales", exact: true }).click();
      await expect.poll(() => page.getByTestId("after-sales-page").textContent()).toBe("Page 2");
      await expect.poll(() => rows.count()).toBe(1);
      const last = requested[10] as string;
      const row = page.locator(`[data-after-sale="${last}"]`);
      expect(await row.getByTestId("after-sale-status").textContent()).toBe("PROCESSING");
      expect(
        await page.getByRole("button", { name: "Next page of after-sales", exact: true }).isDisabled(),
      ).toBe(true);
      await noteShots(page, "after-sales-queue-page-2");

      await row.getByRole("button", { name: "Approve" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").textContent())
        .toMatch(new RegExp(`^Refund ${last} approved: its items are refunded\\. Log id \\w+\\.$`));
      const approvedLogId = logIdOf(await page.getByTestId("outcome").textContent());
      await expect.poll(() => row.getByTestId("after-sale-status").textContent()).toBe("SUCCESS");
      const code = refunds[10]?.built.codes[0] as string;
      const found = await t.query(await t.token(), {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: [code],
        locale: "en-US",
      });
      expect(found.json.error.code, found.text).toBe("0");
      expect(found.json.data.code_list[0].redemption_status).toBe(501);

      // Settled: the row offers nothing more; asked again by id, the platform refuses.
      expect(await row.getByRole("button").count()).toBe(0);
      await page.fill("#as-merchant", MERCHANT);
      await page.fill("#as-id", last);
      await page.getByRole("button", { name: "Approve by id" }).click();
      await expect.poll(() => page.getByTestId("outcome").textContent()).toMatch(/^Refused \(invalid_params/);
      const refusedLogId = logIdOf(await page.getByTestId("outcome").textContent());
      expect(refusedLogId).toBeTruthy();
      expect(refusedLogId).not.toBe(approvedLogId);
      // "Open" shows the ten still open, the approved one no longer: one page, so no pager.
      await page.selectOption("#as-state", "open");
      await expect.poll(() => rows.count()).toBe(10);
      expect(await row.count()).toBe(0);
      await expect.poll(() => page.getByTestId("after-sales-pager").count()).toBe(0);

      await page.getByRole("link", { name: "Audit" }).click();
      await page.locator('[data-screen="audit"]').waitFor();
      const entries = page.locator("[data-audit]");
      await expect.poll(() => entries.count()).toBeGreaterThanOrEqual(2);
      const [refused, approved] = [entries.nth(0), entries.nth(1)];
      const cells = async (e: typeof refused) => (await e.locator("td").allTextContents()).slice(1);
      expect(await cells(approved)).toEqual([
        "127.0.0.1",
        `POST /platform/after-sales/:after_sale_order_id/approveafter_sale_order_id=${last}`,
        "OK 0 success (HTTP 200)",
        approvedLogId,
      ]);
      expect(await cells(refused)).toEqual([
        "127.0.0.1",
        `POST /platform/after-sales/:after_sale_order_id/approveafter_sale_order_id=${last}`,
        "invalid_params The request is malformed. (HTTP 400)",
        refusedLogId,
      ]);
      // The target under the request, on a line of its own.
      expect(await approved.getByTestId("audit-target").textContent()).toBe(`after_sale_order_id=${last}`);
      expect(await approved.locator("td").first().textContent()).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
      );
      await noteShots(page, "audit");
      // The log id links to Support, which finds the request.
      await approved.getByRole("link", { name: approvedLogId as string }).click();
      await page.getByTestId("logged-request").waitFor();
      expect(page.url()).toContain(`#support/${approvedLogId}`);
      expect(await page.getByTestId("row").textContent()).toBe("OK");
    } finally {
      await context.close();
    }
  });

  it("the audit pages past its first page (20 entries)", async () => {
    // The world, the clock, eleven requests and the two approves are 15: a few more writes.
    for (let i = 0; i < 8; i++) expect((await t.clock(T)).status).toBe(200);
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, "#audit");
      const entries = page.locator("[data-audit]");
      await expect.poll(() => entries.count()).toBe(20);
      const firstPage = await entries.evaluateAll((els) => els.map((e) => e.getAttribute("data-audit")));
      await page.getByRole("button", { name: "Next page of audit", exact: true }).click();
      await expect.poll(() => page.getByTestId("audit-page").textContent()).toBe("Page 2");
      await expect.poll(() => entries.count()).toBe(3);
      const secondPage = await entries.evaluateAll((els) => els.map((e) => e.getAttribute("data-audit")));
      expect(secondPage.some((id) => firstPage.includes(id))).toBe(false);
      // The oldest entry is the world load.
      expect(await entries.last().textContent()).toContain("POST /sandbox/world");
      await page.getByRole("button", { name: "Previous page of audit", exact: true }).click();
      await expect.poll(() => page.getByTestId("audit-page").textContent()).toBe("Page 1");
      await expect
        .poll(() => entries.evaluateAll((els) => els.map((e) => e.getAttribute("data-audit"))))
        .toEqual(firstPage);
    } finally {
      await context.close();
    }
  });

  it("support: a redemption found by its code links to its order", async () => {
    const res = await t.redeem(await t.token(), {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      shop_order_id: redeemed.built.shopOrderId,
      code_list: redeemed.built.codes,
      locale: "en-US",
    });
    expect(res.json.error.code, res.text).toBe("0");
    const redeemId = res.json.data.redeem_id as string;
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN);
      await page.fill("#rs-code", redeemed.built.codes[0] as string);
      await page.getByRole("button", { name: "Search" }).click();
      const row = page.locator(`[data-redemption="${redeemId}"]`);
      await row.waitFor();
      expect(await page.locator("[data-redemption]").count()).toBe(1);
      expect(await row.locator("td").allTextContents()).toEqual([
        redeemId,
        redeemed.built.codes.join(", "),
        redeemed.built.shopOrderId,
        `${SHOP_1} (7100000000000000001)`,
        "2026-12-01 07:00:00 UTC",
        "REDEEMED",
      ]);
      await noteShots(page, "support-redemption-search");
      // A code never redeemed finds nothing.
      await page.fill("#rs-code", refunds[0]?.built.codes[0] as string);
      await page.getByRole("button", { name: "Search" }).click();
      await expect.poll(() => page.locator("[data-redemption]").count()).toBe(0);
      await page.getByText("No redemption found.").waitFor();
      await page.fill("#rs-code", redeemed.built.codes[0] as string);
      await page.getByRole("button", { name: "Search" }).click();
      await row.getByRole("link", { name: redeemed.built.shopOrderId }).click();
      await expect.poll(() => page.url()).toContain(`#orders/${redeemed.built.shopOrderId}`);
      await page.locator(`[data-item="${redeemed.built.itemIds[0]}"]`).waitFor();
    } finally {
      await context.close();
    }
  });
});
