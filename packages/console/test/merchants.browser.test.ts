/**
 * The console's Merchants screen in a real browser against a real server (issue 17): an app
 * created (its secret shown once) and granted, the grant edited, narrowed and revoked through
 * the console, each proven with a real SaaS call (a lookup at a shop taken out of the grant is
 * refused with its row; the revoked app gets no token); merchants paged past the first page
 * with a small page size; a merchant's shops and the way to its devices. Same setup as
 * console.browser.test.ts (support.ts), its own server.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../../server/test/support/world.js";
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
const T = NOW + 4 * 3600;
const atShop2 = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
const database = testDatabases()[0] as NonNullable<ReturnType<typeof testDatabases>[0]>;

const suite = browserTestsOff() ? describe.skip : describe;

suite("the console's Merchants screen in the browser", () => {
  let t: TestServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    await buildConsole();
    t = await startTestServer(database);
    const world = baseWorld();
    world.products = [product(P, { applicable_third_shop_ids: [SHOP_1, SHOP_2] })];
    world.orders = [atShop2.order];
    expect((await t.world(world)).status).toBe(200);
    await t.clock(T);
    browser = await launchBrowser(null);
  });

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await t?.close();
  });

  const outcomeOf = (page: Page, section: string) =>
    page
      .locator("section.card", { has: page.getByRole("heading", { name: section, exact: true }) })
      .getByTestId("outcome");

  /** A real SaaS lookup of the order's code at a shop. */
  const lookupAt = (token: string, shop: string) =>
    t.query(token, { merchant_id: MERCHANT, third_shop_id: shop, code_list: atShop2.built.codes });

  it("a grant created, edited, narrowed and revoked in the console; real SaaS calls prove each", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, `#merchants/${MERCHANT}`);
      await page.locator('[data-screen="merchant"]').waitFor();
      const facts = await page.locator(".facts").first().textContent();
      expect(facts).toContain("Kopi Nusantara");
      expect(facts).toMatch(/Shops\s*2/);

      // An app: its secret is shown once, and works.
      await page.fill("#app-key", "ck_console");
      await page.fill("#app-name", "Console SaaS");
      await page.getByRole("button", { name: "Create app" }).click();
      await page.getByTestId("app-secret").waitFor();
      const secret = ((await page.getByTestId("client-secret").textContent()) ?? "").trim();
      expect(secret).toMatch(/^cs_\S{20,}$/);
      expect(await outcomeOf(page, "SaaS apps (all merchants)").textContent()).toMatch(
        /^App ck_console \(Console SaaS\) saved with a new secret\. Log id \w+\.$/,
      );
      await page.locator('[data-app="ck_console"]').waitFor();
      expect(await page.locator('[data-testid="apps"]').textContent()).not.toContain(secret);
      await noteShots(page, "merchant-app-secret");
      await page.getByRole("button", { name: "I have copied it" }).click();
      expect(await page.getByTestId("app-secret").count()).toBe(0);
      const token = () => t.token({ clientKey: "ck_console", clientSecret: secret });

      // Create: query at both shops.
      const grants = page.getByTestId("grants");
      const row = grants.locator('[data-grant="ck_console"]');
      await page.fill("#grant-key", "ck_console");
      await page.getByLabel(`${SHOP_1} (Sudirman)`).check();
      await page.getByLabel(`${SHOP_2} (Kemang)`).check();
      await page.getByRole("button", { name: "Save grant" }).click();
      await row.waitFor();
      expect(await outcomeOf(page, "Grants").textContent()).toMatch(
        /^Grant of ck_console saved: query at shops S-001, S-002\. Log id \w+\.$/,
      );
      expect(await row.getByTestId("grant-scopes").textContent()).toBe("query");
      expect(await row.getByTestId("grant-shops").textContent()).toBe("shops S-001, S-002");
      expect(await row.getByTestId("grant-status").textContent()).toBe("ACTIVE");
      const first = await token();
      const before = await lookupAt(first, SHOP_2);
      expect(before.status, before.text).toBe(200);
      expect(before.json.error.code).toBe("0");

      // Edit: add the redeem scope.
      await row.getByRole("button", { name: "Edit" }).click();
      expect(await page.inputValue("#grant-key")).toBe("ck_console");
      await page.getByLabel("redeem: redeem and cancel").check();
      await page.getByRole("button", { name: "Save grant" }).click();
      await expect.poll(() => row.getByTestId("grant-scopes").textContent()).toBe("query, redeem");
      expect(await outcomeOf(page, "Grants").textContent()).toMatch(
        /^Grant of ck_console saved: query, redeem at shops S-001, S-002\. Log id \w+\.$/,
      );

      // Narrow: no redeem, S-001 only.
      await row.getByRole("button", { name: "Edit" }).click();
      await page.getByLabel("redeem: redeem and cancel").uncheck();
      await page.getByLabel(`${SHOP_2} (Kemang)`).uncheck();
      await page.getByRole("button", { name: "Save grant" }).click();
      await expect.poll(() => row.getByTestId("grant-shops").textContent()).toBe("shops S-001");
      expect(await row.getByTestId("grant-scopes").textContent()).toBe("query");
      expect(await outcomeOf(page, "Grants").textContent()).toMatch(
        /^Grant of ck_console saved: query at shops S-001\. Narrowed: no longer scope redeem, shop S-002, at once \(its tokens already issued too\)\. Log id \w+\.$/,
      );
      await noteShots(page, "merchant-grant-narrowed");
      // At once: the token issued under the wider grant is refused at S-002 with its row (G2), and a new one too.
      const stale = await lookupAt(first, SHOP_2);
      expect(stale.status, stale.text).toBe(500);
      expect(stale.json.error.message).toBe("FulfillVerifierNoShopPermission");
      const narrowed = await token();
      const refused = await lookupAt(narrowed, SHOP_2);
      expect(refused.status, refused.text).toBe(500);
      expect(refused.json.error.message).toBe("FulfillVerifierNoShopPermission");
      expect((await lookupAt(narrowed, SHOP_1)).json.error?.message).not.toBe(
        "FulfillVerifierNoShopPermission",
      );

      // Revoke, after a confirmation (Cancel changes nothing).
      await row.getByRole("button", { name: "Revoke" }).click();
      await row.getByRole("button", { name: "Cancel" }).click();
      expect(await row.getByTestId("grant-status").textContent()).toBe("ACTIVE");
      await row.getByRole("button", { name: "Revoke" }).click();
      expect(await row.textContent()).toContain("Its tokens stop working at once.");
      await row.getByRole("button", { name: "Confirm revoke" }).click();
      await expect.poll(() => row.getByTestId("grant-status").textContent()).toMatch(/^REVOKED \d{4}-/);
      expect(await outcomeOf(page, "Grants").textContent()).toMatch(
        /^Grant of ck_console revoked: its tokens stop working now\. Log id \w+\.$/,
      );
      await noteShots(page, "merchant-grant-revoked");
      const gone = await lookupAt(narrowed, SHOP_1);
      expect(gone.status, gone.text).toBe(401);
      // The revoked app gets no token any more.
      expect(await token().catch((e: Error) => e.message)).toMatch(/^token: [45]\d\d /);
    } finally {
      await context.close();
    }
  });

  it("merchants page past the first page; a merchant created, its shop added and renamed, its devices linked", async () => {
    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, "#merchants");
      await page.locator('[data-screen="merchants"]').waitFor();
      // The base world's 2 and 4 more: 6, more than one page of 5.
      const ids = [
        "7000000000000000501",
        "7000000000000000502",
        "7000000000000000503",
        "7000000000000000504",
      ];
      for (const [i, id] of ids.entries()) {
        await page.fill("#merchant-id", id);
        await page.fill("#merchant-name", `Console Merchant ${i + 1}`);
        await page.getByRole("button", { name: "Save merchant" }).click();
        await expect
          .poll(() => page.getByTestId("outcome").first().textContent())
          .toMatch(new RegExp(`^Merchant ${id} \\(Console Merchant ${i + 1}, ID, Asia/Jakarta\\) saved\\.`));
      }
      await page.selectOption("#merchant-page-size", "5");
      const listed = () =>
        page
          .locator('[data-testid="merchants"] [data-merchant]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-merchant")));
      await expect.poll(listed).toHaveLength(5);
      const firstPage = await listed();
      expect(await page.getByTestId("merchants-page").textContent()).toBe("Page 1");
      await page.getByRole("button", { name: "Next page of merchants", exact: true }).click();
      await expect.poll(() => page.getByTestId("merchants-page").textContent()).toBe("Page 2");
      await expect.poll(listed).toEqual([ids[3]]);
      expect(firstPage).not.toContain(ids[3]);
      expect(
        await page.getByRole("button", { name: "Next page of merchants", exact: true }).isDisabled(),
      ).toBe(true);
      await noteShots(page, "merchants-page-2");
      await page.getByRole("button", { name: "Previous page of merchants", exact: true }).click();
      await expect.poll(listed).toEqual(firstPage);
      expect(await page.getByTestId("merchants-page").textContent()).toBe("Page 1");
      // Another page size is another list: its first page (all six fit in 20: no pager), and
      // back at 5 it starts again at page 1.
      await page.getByRole("button", { name: "Next page of merchants", exact: true }).click();
      await expect.poll(() => page.getByTestId("merchants-page").textContent()).toBe("Page 2");
      await page.selectOption("#merchant-page-size", "20");
      await expect.poll(listed).toHaveLength(6);
      expect(await page.getByTestId("merchants-pager").count()).toBe(0);
      await page.selectOption("#merchant-page-size", "5");
      await expect.poll(listed).toEqual(firstPage);
      expect(await page.getByTestId("merchants-page").textContent()).toBe("Page 1");

      // A merchant's page: add a shop, rename it, and the link to its devices.
      await page.getByRole("link", { name: ids[0] }).click();
      await page.locator('[data-screen="merchant"]').waitFor();
      expect(page.url()).toContain(`#merchants/${ids[0]}`);
      await page.fill("#shop-id", "7100000000000000501");
      await page.fill("#shop-third", "C-501");
      await page.fill("#shop-name", "Blok M");
      await page.getByRole("button", { name: "Save shop" }).click();
      await page.locator('[data-shop="C-501"]').waitFor();
      expect(await outcomeOf(page, "Shops").textContent()).toMatch(
        /^Shop 7100000000000000501 saved: C-501, Blok M\./,
      );
      await page.locator('[data-shop="C-501"]').getByRole("button", { name: "Edit" }).click();
      await page.fill("#shop-name", "Blok M Plaza");
      await page.getByRole("button", { name: "Save shop" }).click();
      await expect.poll(() => page.locator('[data-shop="C-501"]').textContent()).toContain("Blok M Plaza");
      await expect.poll(() => page.locator(".facts").first().textContent()).toMatch(/Shops\s*1/);
      await noteShots(page, "merchant-shops");
      await page.getByTestId("merchant-devices").click();
      await page.locator('[data-screen="devices"]').waitFor();
      expect(page.url()).toContain(`#devices/${ids[0]}`);
      // A merchant id that does not exist answers not_found in words.
      await page.evaluate(() => {
        location.hash = "#merchants/7000000000000000999";
      });
      await expect
        .poll(() => page.getByTestId("outcome").first().textContent())
        .toMatch(/^Refused \(not_found unknown merchant\)/);
    } finally {
      await context.close();
    }
  });

  it("a grant of a merchant with more than 100 shops keeps its shop beyond the first 100 when edited", async () => {
    const BIG = "7000000000000000601";
    const shops = Array.from({ length: 105 }, (_, i) => ({
      shop_id: `7100000000000009${String(i).padStart(3, "0")}`,
      third_shop_id: `B-${String(i + 1).padStart(3, "0")}`,
      name: `Branch ${i + 1}`,
    }));
    const made = await t.operator("POST", "/platform/merchants", {
      merchant_id: BIG,
      name: "Many Branches",
      country: "ID",
      timezone: "Asia/Jakarta",
      shops,
    });
    expect(made.status, made.text).toBe(200);
    const app = await t.operator("POST", "/platform/apps", {
      client_key: "ck_branches",
      client_secret: "cs_branches_0123456789abcdef0123456789",
      name: "Branches SaaS",
    });
    expect(app.status, app.text).toBe(200);
    const granted = await t.operator("PUT", `/platform/merchants/${BIG}/grants/ck_branches`, {
      scopes: ["localservice.fulfill.query"],
      third_shop_ids: ["B-105"],
    });
    expect(granted.status, granted.text).toBe(200);

    const { context, page } = await consoleContext(browser, { pageErrors });
    try {
      await signIn(page, t.url, OPERATOR_TOKEN, `#merchants/${BIG}`);
      const row = page.getByTestId("grants").locator('[data-grant="ck_branches"]');
      await row.waitFor();
      await row.getByRole("button", { name: "Edit" }).click();
      // The 105th shop is in the form, ticked.
      await expect.poll(() => page.getByLabel("B-105 (Branch 105)").isChecked()).toBe(true);
      await page.getByLabel("redeem: redeem and cancel").check();
      await page.getByRole("button", { name: "Save grant" }).click();
      await expect.poll(() => row.getByTestId("grant-scopes").textContent()).toBe("query, redeem");
      expect(await row.getByTestId("grant-shops").textContent()).toBe("shops B-105");
      const listed = await t.operator("GET", `/platform/merchants/${BIG}/grants`);
      expect(listed.json.data.grants[0]).toMatchObject({
        client_key: "ck_branches",
        third_shop_ids: ["B-105"],
      });
    } finally {
      await context.close();
    }
  });
});
