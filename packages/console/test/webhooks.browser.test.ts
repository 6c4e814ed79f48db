/**
 * The console's Webhooks and Alerts screens in a real browser against a real server (issue 17):
 * a webhook receiver on 127.0.0.1 that fails, so twelve real deliveries dead-letter; the dead
 * letters paged past the first page; the receiver made to succeed, one replayed from the console
 * and seen delivered, then Replay all; the Alerts screen showing the enumeration alert tripped by
 * real SaaS lookups of unknown codes, with its link to the caller's grants.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastDelivery, Receiver, waitFor } from "../../server/test/events/support.js";
import { redeem } from "../../server/test/support/core-harness.js";
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

const P = "7200000000000001801";
/** More dead letters than one page of the console (10). */
const DEAD = 12;
const BUDGET = 5;
const orders = Array.from({ length: DEAD }, () =>
  order({ productId: P, items: [{ status: "WAIT_FULFILL" }] }),
);
const database = testDatabases()[0] as NonNullable<ReturnType<typeof testDatabases>[0]>;

const suite = browserTestsOff() ? describe.skip : describe;

suite("the console's Webhooks and Alerts screens in the browser", () => {
  let t: TestServer;
  let browser: Browser;
  const receiver = new Receiver({ ck_demo: "cs_demo" });
  let healed = false;
  const pageErrors: string[] = [];
  let eventIds: string[] = [];

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    await receiver.start();
    receiver.answer = () => (healed ? 200 : 500);
    t = await startTestServer(database, {
      ...fastDelivery({ webhookGiveUpMs: 300, webhookMaxMs: 100 }),
      missBudgetPerMinute: BUDGET,
    });
    const world = baseWorld();
    const app = world.apps?.[0];
    if (!app) throw new Error("base world changed");
    app.webhook_url = `${receiver.url}/hook`;
    world.products = [product(P, { valid_to: NOW + 300 * 86400 })];
    world.orders = orders.map((o) => o.order);
    expect((await t.world(world)).status).toBe(200);
    t.system.clock.freeze(NOW);
    for (const o of orders)
      expect((await redeem(t.system, o.built.shopOrderId, [o.built.codes[0] as string])).ok).toBe(true);
    t.server.context.events.nudge();
    const dead = await waitFor(
      "twelve dead letters",
      async () => {
        const res = await t.operator("GET", "/platform/webhooks/dead-letters?limit=100");
        const list = res.json?.data?.dead_letters as { event_id: string }[] | undefined;
        return list && list.length === DEAD ? list : null;
      },
      20_000,
    );
    eventIds = dead.map((d) => d.event_id);
    browser = await launchBrowser(null);
  }, 60_000);

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await t?.close();
    await receiver.stop();
  });

  it("webhooks: counts by outcome, dead letters paged, the last error per app; Replay one, then Replay all", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, "#webhooks");
      await page.locator('[data-screen="webhooks"]').waitFor();
      await expect.poll(() => page.getByTestId("count-dead").textContent()).toBe(String(DEAD));
      expect(await page.getByTestId("count-delivered").textContent()).toBe("0");
      const deadLetters = page.getByTestId("dead-letters");
      const rows = deadLetters.locator("tbody tr");
      await expect.poll(() => rows.count()).toBe(10);
      expect(await rows.first().getAttribute("data-event")).toBe(eventIds[0]);
      const lastError = page
        .getByTestId("webhook-apps")
        .locator('[data-client-key="ck_demo"]')
        .getByTestId("last-error");
      const lastErrorText = (await lastError.textContent()) ?? "";
      expect(lastErrorText).toMatch(/^HTTP 500.* \(event \d+, \d{4}-\d\d-\d\d [\d:]+ UTC\)$/);
      expect(eventIds).toContain(/\(event (\d+),/.exec(lastErrorText)?.[1]);
      await noteShots(page, "webhooks-dead");

      // Past the first page: the last two dead letters, then back.
      await page.getByRole("button", { name: "Next page of dead letters", exact: true }).click();
      await expect.poll(() => page.getByTestId("dead-letters-page").textContent()).toBe("Page 2");
      await expect.poll(() => rows.count()).toBe(DEAD - 10);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-event")))).toEqual(
        eventIds.slice(10),
      );
      expect(
        await page.getByRole("button", { name: "Next page of dead letters", exact: true }).isDisabled(),
      ).toBe(true);
      await page.getByRole("button", { name: "Previous page of dead letters", exact: true }).click();
      await expect.poll(() => rows.first().getAttribute("data-event")).toBe(eventIds[0]);

      // The receiver answers again: replay the newest one from the console.
      healed = true;
      const first = eventIds[0] as string;
      await rows.first().getByRole("button", { name: "Replay" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").first().textContent())
        .toMatch(
          new RegExp(
            `^Event ${first} queued again for ck_demo with a fresh attempt budget\\. Log id \\w+\\.$`,
          ),
        );
      await waitFor("the replayed event at the receiver", () => receiver.delivered().get(first)?.[0]);
      expect(receiver.delivered().size).toBe(1);
      await page.getByRole("button", { name: "Refresh" }).click();
      await expect.poll(() => page.getByTestId("count-delivered").textContent()).toBe("1");
      expect(await page.getByTestId("count-dead").textContent()).toBe(String(DEAD - 1));

      // Replay all: the other eleven go.
      await page.getByRole("button", { name: "Replay all" }).click();
      await expect
        .poll(() => page.getByTestId("outcome").first().textContent())
        .toMatch(/^11 dead letters queued again with a fresh attempt budget\. Log id \w+\.$/);
      await waitFor("every replayed event at the receiver", () => receiver.delivered().size === DEAD);
      expect([...receiver.delivered().keys()].sort()).toEqual([...eventIds].sort());
      await page.getByRole("button", { name: "Refresh" }).click();
      await expect.poll(() => page.getByTestId("count-delivered").textContent()).toBe(String(DEAD));
      expect(await page.getByTestId("count-dead").textContent()).toBe("0");
      await page.getByTestId("no-dead-letters").waitFor();
      await page.locator('[data-outcome="delivered"]').click();
      await expect.poll(() => page.getByTestId("deliveries").locator("tbody tr").count()).toBe(10);
      await noteShots(page, "webhooks-replayed");
    } finally {
      await context.close();
    }
  });

  it("alerts: the enumeration alert tripped by real lookups of unknown codes, with the link to the caller's grant", async () => {
    const token = await t.token();
    const guesses = Array.from({ length: BUDGET + 1 }, (_, i) => String(900000000000 + i));
    const lookup = await t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: guesses });
    expect(lookup.json.error.message, lookup.text).toBe("FulfillCertificateNotFound");
    const over = await t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: guesses });
    expect(over.status).toBe(429);
    const alerts = await waitFor("the stored alert", async () => {
      const list = (await t.operator("GET", "/platform/alerts")).json.data.alerts as {
        alert_id: string;
        app_id: string;
        merchant_id: string;
        misses: number;
      }[];
      return list.length > 0 ? list : null;
    });
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as (typeof alerts)[number];
    expect(alert.merchant_id).toBe(MERCHANT);

    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, "#alerts");
      const row = page.locator(`[data-alert="${alert.alert_id}"]`);
      await row.waitFor();
      const cells = await row.locator("td").allTextContents();
      expect(cells[1]).toContain("Code enumeration");
      expect(cells[2]).toBe(alert.app_id);
      expect(cells[3]).toBe(MERCHANT);
      expect(cells[4]).toBe("—");
      expect(cells[5]).toBe(String(alert.misses));
      expect(cells[6]).toBe("60 s");
      expect(cells[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      const link = row.getByTestId("grant-link");
      expect(await link.getAttribute("href")).toBe(`#merchants/${MERCHANT}`);
      await noteShots(page, "alerts");
      await link.click();
      await expect.poll(() => page.url()).toContain(`#merchants/${MERCHANT}`);
    } finally {
      await context.close();
    }
  });
});
