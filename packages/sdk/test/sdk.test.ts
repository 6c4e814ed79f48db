/**
 * The SDK against a real server (no mocks), through a recording proxy: each handling class with
 * sandbox faults, a reply lost after the commit, refresh_qr and rescan, `none`, timeouts and
 * AbortSignal, int64 without loss, cancel and records.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { QUERY, REDEEM, type TestServer } from "../../server/test/support/server.js";
import {
  baseWorld,
  DAY,
  MERCHANT,
  NOW,
  order,
  product,
  SHOP_1,
  SHOP_2,
  SHOP_ID_1,
} from "../../server/test/support/world.js";
import {
  FinalError,
  type FulfillClient,
  NotRedeemedError,
  PATHS,
  RecheckError,
  RedemptionSource,
  RedemptionStatus,
  RefreshQrError,
  RescanError,
  TransportError,
  TtlsError,
} from "../src/index.js";
import { closeHarness, freshTest, type Harness, startHarness } from "./support/harness.js";
import type { RecordingProxy } from "./support/proxy.js";

const P = "7200000000000000301";
const RECORDS = PATHS.records;

const waiting = (n: number) =>
  order({ productId: P, items: Array.from({ length: n }, () => ({ status: "WAIT_FULFILL" as const })) });

for (const database of testDatabases()) {
  describe(`SDK against a real server on ${database.name}`, () => {
    const orders = {
      transient: waiting(1),
      lost: waiting(2),
      recheck: waiting(2),
      alreadyHere: waiting(1),
      otherShop: waiting(1),
      spent: waiting(2),
      expired: waiting(1),
      wrongShop: waiting(1),
      int64: waiting(1),
      cancel: waiting(2),
      timeout: waiting(1),
      interrupted: waiting(1),
    };
    const world = baseWorld();
    world.products = [product(P, { applicable_third_shop_ids: [SHOP_1, SHOP_2] })];
    world.orders = Object.values(orders).map((o) => o.order);

    let h: Harness;
    let t: TestServer;
    let proxy: RecordingProxy;
    let client: FulfillClient;

    beforeAll(async () => {
      h = await startHarness(database, world);
      ({ t, proxy, client } = h);
    });
    afterAll(() => closeHarness(h));
    beforeEach(() => freshTest(h));

    /** Redemption records (the server's) that contain any of these codes. */
    async function recordsFor(codes: string[]) {
      const page = await client.records({ startTime: NOW - DAY, endTime: NOW + DAY, size: 100 });
      return page.records.filter((r) => r.codes.some((c) => codes.includes(c)));
    }

    it("retry: transient lookup faults are retried to success, three requests in all", async () => {
      const { built } = orders.transient;
      expect((await t.fault("query.certificate", 2, MERCHANT)).status).toBe(200);
      const found = await client.lookup({ thirdShopId: SHOP_1, codes: built.codes });
      expect(found.shopOrderId).toBe(built.shopOrderId);
      expect(found.codeList.map((i) => i.code)).toEqual(built.codes);
      const queries = proxy.hits.filter((h) => h.path === QUERY);
      expect(queries.map((h) => h.status)).toEqual([500, 500, 200]);
      expect(JSON.parse(queries[0]?.answer ?? "{}").error).toMatchObject({
        message: "FulfillGetCertificateFailed",
        handling: "retry",
      });
    });

    it("retry: exhausted attempts throw a RetryableError carrying row, code, message, log id", async () => {
      const { built } = orders.transient;
      await t.fault("query.product", 5, MERCHANT);
      const err = await client
        .lookup({ thirdShopId: SHOP_1, codes: built.codes, maxAttempts: 2 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TtlsError);
      expect(err).toMatchObject({
        name: "RetryableError",
        row: "G18",
        code: "-9990202",
        message: "FulfillGetProductFailed",
        handling: "retry",
        httpStatus: 500,
      });
      expect((err as TtlsError).logId).toMatch(/^[0-9A-F]+$/);
      expect(proxy.count(QUERY)).toBe(2);
    });

    it("recheck: a reply lost after the commit ends with the original redeem id, redeemed once", async () => {
      const { built } = orders.lost;
      proxy.dropReply(REDEEM);
      const result = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: built.codes,
        locale: "en-US",
      });
      const dropped = proxy.hits.find((h) => h.path === REDEEM);
      expect(dropped?.dropped).toBe(true);
      const original = JSON.parse(dropped?.answer ?? "{}").data.redeem_id as string;
      expect(original).toMatch(/^\d+$/);
      expect(result).toMatchObject({ redeemId: original, reconciled: true, attempts: 1 });
      expect(result.redeemIds).toEqual(Object.fromEntries(built.codes.map((c) => [c, original])));
      // The SDK rechecked with one lookup and did not redeem again.
      expect(proxy.count(REDEEM)).toBe(1);
      expect(proxy.count(QUERY)).toBe(1);
      // The server's own records: exactly one redemption of these codes, the original one.
      const records = await recordsFor(built.codes);
      expect(records.map((r) => r.redeem_id)).toEqual([original]);
      expect(records[0]?.codes.slice().sort()).toEqual(built.codes.slice().sort());
      const after = await client.lookup({ thirdShopId: SHOP_1, codes: built.codes });
      for (const item of after.codeList) {
        expect(item.redemption_status).toBe(RedemptionStatus.FINISH);
        expect(item.redeem_id).toBe(original);
      }
    });

    it("recheck: a transient redeem row is rechecked, then redeemed again with the same Idempotency-Key", async () => {
      const { built } = orders.recheck;
      await t.fault("redeem.voucher_read", 1, MERCHANT);
      const result = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: built.codes,
        locale: "en-US",
      });
      expect(result.reconciled).toBe(false);
      expect(result.attempts).toBe(2);
      const redeems = proxy.hits.filter((h) => h.path === REDEEM);
      expect(redeems.map((h) => h.status)).toEqual([500, 200]);
      expect(JSON.parse(redeems[0]?.answer ?? "{}").error.message).toBe("FulfillVoucherReadFailed");
      const keys = redeems.map((h) => h.headers["idempotency-key"]);
      expect(keys[0]).toBe(result.idempotencyKey);
      expect(keys[1]).toBe(result.idempotencyKey);
      expect(proxy.count(QUERY)).toBe(1);
      expect((await recordsFor(built.codes)).map((r) => r.redeem_id)).toEqual([result.redeemId]);
    });

    it("recheck: codes already FINISH at this shop through the SaaS count as redeemed, with their redeem id", async () => {
      const { built } = orders.alreadyHere;
      const first = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: built.codes,
      });
      proxy.reset();
      const second = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: built.codes,
      });
      expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
      expect(second).toMatchObject({ redeemId: first.redeemId, reconciled: true });
      expect(JSON.parse(proxy.hits.find((h) => h.path === REDEEM)?.answer ?? "{}").error.message).toBe(
        "FulfillVoucherAlreadyUsed",
      );
      expect(await recordsFor(built.codes)).toHaveLength(1);
    });

    it("recheck: attempts out, the last recheck answered 200 with the code still redeemable: NotRedeemedError, not the stale no-answer", async () => {
      const { built } = orders.interrupted;
      // Both redeem attempts get no answer (never forwarded: nothing is redeemed); the lookups are answered.
      proxy.hold(REDEEM, 2);
      const err = await client
        .redeem({
          thirdShopId: SHOP_1,
          shopOrderId: built.shopOrderId,
          codes: built.codes,
          maxAttempts: 2,
          timeoutMs: 300,
        })
        .catch((e: unknown) => e);
      expect(proxy.count(REDEEM)).toBe(2);
      expect(proxy.count(QUERY)).toBe(2);
      expect(err).toBeInstanceOf(NotRedeemedError);
      expect(err).toMatchObject({
        code: "not_redeemed",
        handling: "retry",
        redeemable: built.codes,
        redeemIds: {},
      });
      expect((err as NotRedeemedError).cause).toBeInstanceOf(TransportError);
      expect(await recordsFor(built.codes)).toHaveLength(0);
      // The same redeem sent again (as the error says) redeems it once.
      const again = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: built.codes,
      });
      expect(again.reconciled).toBe(false);
      expect((await recordsFor(built.codes)).map((r) => r.redeem_id)).toEqual([again.redeemId]);
    });

    it("recheck: a code redeemed at another shop is not reconciled; the RecheckError is thrown", async () => {
      const { built } = orders.otherShop;
      await client.redeem({ thirdShopId: SHOP_1, shopOrderId: built.shopOrderId, codes: built.codes });
      proxy.reset();
      const err = await client
        .redeem({ thirdShopId: SHOP_2, shopOrderId: built.shopOrderId, codes: built.codes })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RecheckError);
      expect(err).toMatchObject({ row: "R18", code: "-3000102", handling: "recheck" });
      expect(proxy.count(REDEEM)).toBe(1);
      expect(proxy.count(QUERY)).toBe(1);
    });

    it("refresh_qr: a spent QR surfaces RefreshQrError with the order's redeemed codes", async () => {
      const { built } = orders.spent;
      const qr = await t.qr(built.shopOrderId);
      const [firstCode] = built.codes as [string, string];
      const redeemed = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: [firstCode],
      });
      proxy.reset();
      const err = await client.lookup({ thirdShopId: SHOP_1, qrInfo: qr }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RefreshQrError);
      const e = err as RefreshQrError;
      expect(e).toMatchObject({ row: "G22", code: "-3000109", message: "FulfillRedeemQRCodeExpired" });
      expect(e.codeList.map((i) => [i.code, i.redeem_id])).toEqual([[firstCode, redeemed.redeemId]]);
      expect(proxy.count(QUERY)).toBe(1);
    });

    it("refresh_qr: a QR past its lifetime surfaces RefreshQrError at once", async () => {
      const { built } = orders.expired;
      const qr = await t.qr(built.shopOrderId, 60);
      await t.clock(NOW + 61);
      const err = await client.lookup({ thirdShopId: SHOP_1, qrInfo: qr }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RefreshQrError);
      expect(err).toMatchObject({
        row: "G19",
        message: "FulfillQRCodeScreenshotExpired",
        handling: "refresh_qr",
      });
      expect(proxy.count(QUERY)).toBe(1);
    });

    it("rescan: an unreadable QR surfaces RescanError without a retry", async () => {
      const err = await client
        .lookup({ thirdShopId: SHOP_1, qrInfo: "TT-not*base64url" })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RescanError);
      expect(err).toMatchObject({ row: "G10", code: "-3000110", handling: "rescan" });
      expect(proxy.count(QUERY)).toBe(1);
    });

    it("none: an unknown code is thrown at once, one request", async () => {
      const err = await client
        .lookup({ thirdShopId: SHOP_1, codes: ["999999999999"] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FinalError);
      expect(err).toMatchObject({ row: "G5", code: "-3000111", message: "FulfillCertificateNotFound" });
      expect((err as FinalError).description).toMatch(/voucher/i);
      expect(proxy.count(QUERY)).toBe(1);
    });

    it("none: a redeem at a shop that is not the merchant's is thrown at once, no recheck", async () => {
      const { built } = orders.wrongShop;
      const err = await client
        .redeem({ thirdShopId: "S-404", shopOrderId: built.shopOrderId, codes: built.codes })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FinalError);
      expect(err).toMatchObject({ row: "R2", code: "-3000000", message: "FulfillVerifierNoShopPermission" });
      expect(proxy.count(REDEEM)).toBe(1);
      expect(proxy.count(QUERY)).toBe(0);
    });

    it("int64: redeemed_shop_id arrives with every digit, as a decimal string", async () => {
      const { built } = orders.int64;
      const { redeemId } = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: built.codes,
      });
      proxy.reset();
      const found = await client.lookup({ thirdShopId: SHOP_1, codes: built.codes });
      const raw = proxy.hits.find((h) => h.path === QUERY)?.answer ?? "";
      expect(raw).toContain(`"redeemed_shop_id":${SHOP_ID_1}`);
      expect(String(JSON.parse(raw).data.code_list[0].redeemed_shop_id)).not.toBe(SHOP_ID_1);
      expect(found.codeList[0]).toMatchObject({
        redeemed_shop_id: SHOP_ID_1,
        redeem_id: redeemId,
        redeemed_third_shop_id: SHOP_1,
        redemption_source: RedemptionSource.SAAS,
      });
    });

    it("cancel and records: the section-8 extension endpoints", async () => {
      const { built } = orders.cancel;
      const [one, two] = built.codes as [string, string];
      const { redeemId } = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: [one],
      });
      await client.redeem({ thirdShopId: SHOP_1, shopOrderId: built.shopOrderId, codes: [two] });
      const before = await recordsFor([one]);
      expect(before).toMatchObject([{ redeem_id: redeemId, status: "REDEEMED", can_cancel: true }]);
      const cancelled = await client.cancel({ thirdShopId: SHOP_1, redeemId });
      expect(cancelled).toMatchObject({ redeemId, cancelTime: NOW });
      expect(await recordsFor([one])).toMatchObject([{ redeem_id: redeemId, status: "CANCELLED" }]);
      const again = await client.cancel({ thirdShopId: SHOP_1, redeemId }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(FinalError);
      expect(again).toMatchObject({ row: "C3", message: "FulfillRedeemAlreadyCancelled" });
      const page = await client.records({ thirdShopId: SHOP_1, startTime: NOW, endTime: NOW + 1, size: 1 });
      expect(page.records).toHaveLength(1);
      expect(page.hasMore).toBe(true);
      expect(page.cursor).not.toBe("0");
      expect(proxy.count(RECORDS)).toBeGreaterThan(0);
    });

    it("timeout: a call without an answer ends in a TransportError; a lookup retries it", async () => {
      const { built } = orders.timeout;
      proxy.hold(QUERY, 1);
      const err = await client
        .lookup({ thirdShopId: SHOP_1, codes: built.codes, timeoutMs: 150, maxAttempts: 1 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ timedOut: true, httpStatus: 0, handling: "retry" });
      proxy.reset();
      proxy.hold(QUERY, 1);
      const found = await client.lookup({ thirdShopId: SHOP_1, codes: built.codes, timeoutMs: 150 });
      expect(found.codeList).toHaveLength(1);
      expect(proxy.count(QUERY)).toBe(2);
    });

    it("AbortSignal: aborting ends the call at once with the signal's reason, and no retry follows", async () => {
      const { built } = orders.timeout;
      proxy.hold(QUERY, 5);
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);
      const err = await client
        .lookup({ thirdShopId: SHOP_1, codes: built.codes, signal: controller.signal, timeoutMs: 10_000 })
        .catch((e: unknown) => e);
      expect((err as Error).name).toBe("AbortError");
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(proxy.count(QUERY)).toBe(1);
      // An aborted signal sends nothing.
      proxy.reset();
      const pre = await client
        .redeem({
          thirdShopId: SHOP_1,
          shopOrderId: built.shopOrderId,
          codes: built.codes,
          signal: AbortSignal.abort(),
        })
        .catch((e: unknown) => e);
      expect((pre as Error).name).toBe("AbortError");
      expect(proxy.hits).toHaveLength(0);
    });
  });
}
