/**
 * The POS in a real browser (Debian's Chromium driven by playwright-core) against a real server
 * (issue 6, "Done when"): type a code → preview → redeem → history (and cancel); scan a QR from
 * a fake camera stream → redeem; a spent QR shows the refresh message; the connection cut after
 * the server committed a redeem → no double redemption and the reconciled result on screen; the
 * page at 360 px; the bundle under 150 KB gzipped. A screenshot of each screen goes to
 * test/screenshots/.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../../server/test/support/world.js";
import {
  browserTestsOff,
  buildPos,
  type CuttingProxy,
  checkFits,
  launchBrowser,
  POS_DIR,
  requireChromium,
  shot,
  startCuttingProxy,
  writeQrVideo,
} from "./support.js";

/** 14:02 in Jakarta on 2026-12-01 (NOW is 10:00 there): every redemption happens at this business time. */
const T = NOW + 4 * 3600 + 2 * 60;
const P = "7200000000000000701";
const P_SHOP2 = "7200000000000000702";
const P_MORNING = "7200000000000000703";

const typed = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
const scanned = order({
  productId: P,
  items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }, { status: "AFTER_SALE_PROCESSING" }],
});
const cut = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
const elsewhere = order({ productId: P_SHOP2, items: [{ status: "WAIT_FULFILL" }] });
const refunding = order({ productId: P, items: [{ status: "AFTER_SALE_PROCESSING" }] });
const morning = order({ productId: P_MORNING, items: [{ status: "WAIT_FULFILL" }] });
const retried = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
const shrunk = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });

const database = testDatabases()[0];

// Browser tests run unless FULFILL_BROWSER_TESTS=off (.ci/run's PostgreSQL pass: they always use
// the embedded database, so that pass would only repeat them); a missing Chromium fails them.
const run = browserTestsOff() ? describe.skip : describe;

run("POS in the browser", () => {
  let t: TestServer;
  let browser: Browser;
  let qr: string;
  const video = join(tmpdir(), `pos-fake-camera-${process.pid}.y4m`);
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    // The tests check the app as it is in the source: build it first (into dist, where the server serves it from).
    await buildPos();
    t = await startTestServer(database as NonNullable<typeof database>);
    const world = baseWorld();
    world.products = [
      product(P),
      product(P_SHOP2, { name: "Kemang brunch", applicable_third_shop_ids: [SHOP_2] }),
      product(P_MORNING, {
        name: "Morning pastry",
        usable_hours: [{ start: "07:00", end: "11:00" }],
        holidays_unavailable: true,
      }),
    ];
    world.orders = [
      typed.order,
      scanned.order,
      cut.order,
      elsewhere.order,
      refunding.order,
      morning.order,
      retried.order,
      shrunk.order,
    ];
    const loaded = await t.world(world);
    expect(loaded.status, loaded.text).toBe(200);
    await t.clock(T);
    qr = await t.qr(scanned.built.shopOrderId, 3600);
    writeQrVideo(video, qr);
    browser = await launchBrowser(video);
  });

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await t?.close();
    rmSync(video, { force: true });
  });

  async function newContext(
    opts: { width?: number; mode?: "scan" | "type" } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: opts.width ?? 412, height: 860 },
      deviceScaleFactor: 1,
      locale: "en-US",
      hasTouch: true,
    });
    if (opts.mode) {
      const mode = opts.mode;
      await context.addInitScript((m) => {
        if (!localStorage.getItem("pos.mode")) localStorage.setItem("pos.mode", m);
      }, mode);
    }
    const page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(err.message));
    return { context, page };
  }

  async function pairingCode(): Promise<string> {
    const r = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, { third_shop_id: SHOP_1 });
    expect(r.status, r.text).toBe(200);
    return r.json.data.pairing_code as string;
  }

  async function pair(page: Page, base: string, screenshot?: string): Promise<void> {
    await page.goto(`${base}/pos/`);
    await page.locator('[data-screen="pair"]').waitFor();
    await page.fill("#pair-code", await pairingCode());
    if (screenshot) await shot(page, screenshot);
    await page.getByRole("button", { name: "Pair", exact: true }).click();
    await page.locator('[data-screen="home"]').waitFor();
  }

  async function typeCode(page: Page, code: string): Promise<void> {
    for (const digit of code)
      await page.locator(".keypad .key", { hasText: new RegExp(`^${digit}$`) }).click();
  }

  async function redemptionsOf(codes: string[]) {
    const rows = await t.system.database.db.selectFrom("redemptions").selectAll().execute();
    return rows.filter((r) => r.codes.some((c) => codes.includes(c)));
  }

  it("type a code → preview → redeem → history and cancel, at 360 px, in English and Indonesian", async () => {
    const { context, page } = await newContext({ width: 360, mode: "type" });
    try {
      await page.setViewportSize({ width: 360, height: 740 });
      await pair(page, t.url, "01-pair");
      await checkFits(page, 360, [".keypad .key", ".tab", ".lang", ".nav-btn"]);
      await shot(page, "02-keypad-empty");

      const code = typed.built.codes[0] as string;
      await typeCode(page, code);
      await expect
        .poll(() => page.getByTestId("code-display").textContent())
        .toBe(code.replace(/(\d{4})(?=\d)/g, "$1 "));
      await checkFits(page, 360, [".keypad .key", ".btn.primary.big"]);
      await shot(page, "03-keypad-typed");
      await page.getByRole("button", { name: "Look up" }).click();

      const preview = page.locator('[data-screen="preview"]');
      await preview.waitFor();
      await expect.poll(() => preview.locator(".product").first().textContent()).toBe("Coffee set for two");
      expect(await preview.locator(".state").first().textContent()).toBe("Ready to redeem");
      expect(await preview.locator('[data-testid="reminder-use_time"]').first().textContent()).toContain(
        "Every day",
      );
      expect(await preview.locator(".price strong").first().textContent()).toMatch(/99,000/);
      expect(await preview.locator('input[type="checkbox"]').first().isChecked()).toBe(true);
      await checkFits(page, 360, ['[data-testid="redeem"]', ".btn.secondary"]);
      await shot(page, "04-preview-typed");

      // Indonesian: the words and the product's own name switch.
      await page.locator(".lang").click();
      await expect.poll(() => page.getByTestId("redeem").textContent()).toBe("Tukarkan 1 kode");
      await expect.poll(() => preview.locator(".product").first().textContent()).toBe("Paket kopi berdua");
      expect(await preview.locator('[data-testid="reminder-use_time"]').first().textContent()).toContain(
        "Setiap hari",
      );
      await shot(page, "05-preview-id-ID");
      await page.locator(".lang").click();
      await expect.poll(() => page.getByTestId("redeem").textContent()).toBe("Redeem 1 code");

      // Redeem with a double tap: the second tap, before the screen even changed, sends nothing more.
      await page.getByTestId("redeem").evaluate((button: HTMLElement) => {
        button.click();
        button.click();
      });
      const result = page.locator('[data-screen="result"]');
      await result.waitFor();
      expect(await result.getAttribute("data-outcome")).toBe("redeemed");
      const rows = await redemptionsOf([code]);
      expect(rows).toHaveLength(1);
      const row = rows[0] as (typeof rows)[number];
      expect(await result.getByTestId("redeem-id").textContent()).toContain(row.redeem_id);
      expect(await result.getByTestId("redeem-time").textContent()).toBe("at 14:02");
      await checkFits(page, 360, ['[data-testid="next"]']);
      await shot(page, "06-result-redeemed");

      // Today's history at this shop, and cancel within the window.
      await page.getByRole("button", { name: "Today" }).click();
      const record = page.locator(`[data-redeem-id="${row.redeem_id}"]`);
      await record.waitFor();
      expect(await record.locator(".record-time").textContent()).toBe("14:02");
      expect(await record.getAttribute("data-status")).toBe("REDEEMED");
      await checkFits(page, 360, [".btn.danger", ".nav-btn"]);
      await shot(page, "07-history");
      await record.getByRole("button", { name: "Cancel redemption" }).click();
      await shot(page, "08-history-cancel-confirm");
      await record.getByTestId("cancel-yes").click();
      await expect.poll(() => record.getAttribute("data-status")).toBe("CANCELLED");
      expect(await page.getByTestId("notice").textContent()).toContain("Redemption cancelled");
      await shot(page, "09-history-cancelled");
      const after = await redemptionsOf([code]);
      expect(after.map((r) => r.status)).toEqual(["CANCELLED"]);
    } finally {
      await context.close();
    }
  });

  it("scan a QR from the camera → preview of the order → redeem; the spent QR then asks for a refresh", async () => {
    const { context, page } = await newContext({ mode: "scan" });
    try {
      await pair(page, t.url);
      const preview = page.locator('[data-screen="preview"]');
      // The fake camera shows the QR: the POS reads it by itself (jsQR where BarcodeDetector is missing).
      await preview.waitFor({ timeout: 20_000 });
      const items = preview.locator(".item");
      await expect.poll(() => items.count()).toBe(3);
      expect(await preview.locator(".item.can").count()).toBe(2);
      expect(await preview.locator('.state[data-state="refund_in_progress"]').textContent()).toBe(
        "Refund in progress: cannot be used",
      );
      expect(await page.getByTestId("redeem").textContent()).toBe("Redeem 2 codes");
      await shot(page, "10-preview-scanned");

      await page.getByTestId("redeem").click();
      const result = page.locator('[data-screen="result"]');
      await result.waitFor();
      expect(await result.getAttribute("data-outcome")).toBe("redeemed");
      expect(await result.locator(".result-count").textContent()).toBe("2 codes redeemed");
      const codes = scanned.built.codes.slice(0, 2);
      const rows = await redemptionsOf(codes);
      expect(rows).toHaveLength(1);
      expect([...(rows[0]?.codes ?? [])].sort()).toEqual([...codes].sort());
      await shot(page, "11-result-scanned");

      // Next customer: the camera sees the same (now spent) QR.
      await page.getByTestId("next").click();
      const notice = page.locator('[data-screen="home"] [data-testid="notice"]');
      await notice.waitFor({ timeout: 20_000 });
      expect(await notice.locator(".notice-text").textContent()).toBe(
        "Ask the customer to refresh the QR code in their app, then scan again.",
      );
      expect(await notice.textContent()).toContain("Already used at this shop at 14:02");
      expect(await notice.getByTestId("logid").textContent()).toMatch(/^Ref\. \d{14}[0-9A-F]{20}$/);
      await shot(page, "12-spent-qr-refresh");
      expect(await redemptionsOf(codes)).toHaveLength(1);
    } finally {
      await context.close();
    }
  });

  it("the connection cut after the server committed a redeem: no double redemption, the reconciled result shown", async () => {
    const proxy: CuttingProxy = await startCuttingProxy(t.url);
    const { context, page } = await newContext({ mode: "type" });
    try {
      await pair(page, proxy.url);
      const codes = cut.built.codes;
      await typeCode(page, codes[0] as string);
      await page.getByRole("button", { name: "Look up" }).click();
      await page.locator('[data-screen="preview"]').waitFor();
      await page.getByTestId("redeem").click();

      const result = page.locator('[data-screen="result"]');
      await result.waitFor({ timeout: 20_000 });
      // The server answered every redeem the proxy forwarded; the browser got none of the answers.
      expect(proxy.redeems.length).toBeGreaterThanOrEqual(1);
      expect(new Set(proxy.redeems.map((r) => r.idempotencyKey)).size).toBe(1);
      const rows = await redemptionsOf(codes);
      expect(rows).toHaveLength(1);
      const row = rows[0] as (typeof rows)[number];
      expect(row.codes).toEqual([codes[0]]);
      expect(Number(row.redeem_time)).toBe(T);

      expect(await result.getAttribute("data-outcome")).toBe("redeemed");
      expect(await result.getAttribute("data-reconciled")).toBe("yes");
      expect(await result.getByTestId("reconciled").textContent()).toContain(
        "the server confirms the redemption",
      );
      expect(await result.getByTestId("redeem-id").textContent()).toContain(row.redeem_id);
      // The time on screen is the lookup's redeem_time (the business clock's 14:02), not the browser's clock.
      const time = result.getByTestId("redeem-time");
      expect(await time.getAttribute("data-unix")).toBe(String(T));
      expect(await time.textContent()).toBe("at 14:02");
      await shot(page, "13-result-reconciled");

      // The network down: a clear state.
      await context.setOffline(true);
      await page.getByTestId("offline").waitFor();
      await page.getByTestId("next").click();
      await shot(page, "14-offline");
      await context.setOffline(false);
      await page.getByTestId("offline").waitFor({ state: "detached", timeout: 15_000 });
    } finally {
      await context.close();
      await proxy.close();
    }
  });

  it("explains in plain words: unknown code, not usable at this shop, refund in progress, not usable now", async () => {
    const { context, page } = await newContext({ width: 360, mode: "type" });
    try {
      await page.setViewportSize({ width: 360, height: 740 });
      await pair(page, t.url);
      const home = page.locator('[data-screen="home"]');

      await typeCode(page, "999999999999");
      await page.getByRole("button", { name: "Look up" }).click();
      await home.getByTestId("notice").waitFor();
      expect(await home.locator(".notice-text").textContent()).toBe(
        "No voucher has this code. Check the digits.",
      );
      expect(await home.getByTestId("logid").textContent()).toMatch(/^Ref\. /);
      await shot(page, "15-error-not-found");
      await home.getByRole("button", { name: "OK", exact: true }).click();
      // The digits stay for a fix; clear them for the next code.
      expect(await page.getByTestId("code-display").textContent()).toBe("9999 9999 9999");
      await page.getByRole("button", { name: "Clear" }).click();

      await typeCode(page, elsewhere.built.codes[0] as string);
      await page.getByRole("button", { name: "Look up" }).click();
      await expect.poll(() => home.locator(".notice-text").textContent()).toBe("Not usable at this shop.");
      await checkFits(page, 360, [".keypad .key"]);
      await shot(page, "16-error-not-here");
      await page.getByRole("button", { name: "Clear" }).click();

      await typeCode(page, refunding.built.codes[0] as string);
      await page.getByRole("button", { name: "Look up" }).click();
      const preview = page.locator('[data-screen="preview"]');
      await preview.waitFor();
      expect(await preview.locator(".state").textContent()).toBe("Refund in progress: cannot be used");
      expect(await preview.getByTestId("none-redeemable").isVisible()).toBe(true);
      expect(await preview.getByTestId("redeem").count()).toBe(0);
      await shot(page, "17-preview-refund-in-progress");
      await preview.getByRole("button", { name: "Back" }).click();

      await typeCode(page, morning.built.codes[0] as string);
      await page.getByRole("button", { name: "Look up" }).click();
      await preview.waitFor();
      await expect
        .poll(() => preview.locator(".state").textContent())
        .toBe("Not usable right now (see usable times)");
      expect(await preview.locator('[data-testid="reminder-use_time"]').textContent()).toContain(
        "07:00-11:00",
      );
      expect(await preview.locator('[data-testid="reminder-cannot_use_date"]').textContent()).toContain(
        "Christmas Day",
      );
      await checkFits(page, 360, [".btn.secondary"]);
      await shot(page, "18-preview-not-usable-now");
    } finally {
      await context.close();
    }
  });

  // The Idempotency-Key rule of @fulfill/sdk/wire, as the POS follows it.
  it("a retry of the same body carries the same Idempotency-Key", async () => {
    const proxy: CuttingProxy = await startCuttingProxy(t.url);
    proxy.cutRedeems = false;
    const { context, page } = await newContext({ mode: "type" });
    try {
      await pair(page, proxy.url);
      const code = retried.built.codes[0] as string;
      await typeCode(page, code);
      await page.getByRole("button", { name: "Look up" }).click();
      await page.locator('[data-screen="preview"]').waitFor();
      // The first redeem answers a transient row (recheck); the lookup shows the code still redeemable.
      expect((await t.fault("redeem.voucher_read", 1, MERCHANT)).status).toBe(200);
      await page.getByTestId("redeem").click();
      const result = page.locator('[data-screen="result"]');
      await result.waitFor({ timeout: 20_000 });
      expect(await result.getAttribute("data-outcome")).toBe("redeemed");
      expect(proxy.sent.map((r) => r.codes)).toEqual([[code], [code]]);
      expect(proxy.sent[0]?.idempotencyKey).toMatch(/^pos-/);
      expect(proxy.sent[1]?.idempotencyKey).toBe(proxy.sent[0]?.idempotencyKey);
      expect(await redemptionsOf([code])).toHaveLength(1);
    } finally {
      await t.clearFaults();
      await context.close();
      await proxy.close();
    }
  });

  it("when the pending codes change, the smaller body goes with a new Idempotency-Key", async () => {
    const proxy: CuttingProxy = await startCuttingProxy(t.url);
    proxy.cutRedeems = false;
    // A camera that shows this order's QR: the preview lists both codes.
    const shrunkVideo = join(tmpdir(), `pos-fake-camera-shrunk-${process.pid}.y4m`);
    writeQrVideo(shrunkVideo, await t.qr(shrunk.built.shopOrderId, 3600));
    const scanner = await launchBrowser(shrunkVideo);
    const context = await scanner.newContext({ viewport: { width: 412, height: 860 }, locale: "en-US" });
    await context.addInitScript(() => localStorage.setItem("pos.mode", "scan"));
    const page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(err.message));
    try {
      await pair(page, proxy.url);
      const preview = page.locator('[data-screen="preview"]');
      await preview.waitFor({ timeout: 20_000 });
      await expect.poll(() => preview.locator(".item.can").count()).toBe(2);
      const [one, two] = shrunk.built.codes as [string, string];
      // Another counter of this shop redeems the first code between the preview and the tap.
      const other = await t.redeem(await t.token(), {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: shrunk.built.shopOrderId,
        code_list: [one],
        locale: "en-US",
      });
      expect(other.status, other.text).toBe(200);
      await page.getByTestId("redeem").click();
      const result = page.locator('[data-screen="result"]');
      await result.waitFor({ timeout: 20_000 });
      expect(await result.getAttribute("data-outcome")).toBe("redeemed");
      expect(await result.getAttribute("data-reconciled")).toBe("yes");
      expect(proxy.sent.map((r) => r.codes)).toEqual([[one, two], [two]]);
      expect(proxy.sent[1]?.idempotencyKey).not.toBe(proxy.sent[0]?.idempotencyKey);
      const rows = await redemptionsOf([one, two]);
      expect(rows.map((r) => r.codes)).toEqual(expect.arrayContaining([[one], [two]]));
      expect(rows).toHaveLength(2);
    } finally {
      await context.close();
      await scanner.close();
      await proxy.close();
      rmSync(shrunkVideo, { force: true });
    }
  });
});

describe("POS bundle", () => {
  it("ships under 150 KB of gzipped JavaScript", () => {
    const assets = join(POS_DIR, "dist", "assets");
    const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
    expect(js.length).toBeGreaterThan(0);
    const total = js.reduce(
      (sum, f) => sum + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length,
      0,
    );
    expect(total).toBeLessThan(150 * 1024);
  });
});
