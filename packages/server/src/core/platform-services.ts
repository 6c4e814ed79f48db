/**
 * The operator's use cases as the HTTP layer receives them (on the request context), bound
 * to their ports by the composition root: the platform API of CONTRACT.md section 8, and the
 * sandbox of section 7 (present only in sandbox mode).
 */

import {
  type AfterSaleDeps,
  approveRefund,
  closeRefund,
  requestRefund,
  sweepExpiredRefunds,
} from "./after-sale.js";
import { type AlertPage, type AlertQuery, alertPage } from "./alert-pages.js";
import { type IssueDeps, type IssuedOrder, type IssueOrderCommand, issueShopOrder } from "./issue-order.js";
import { type IssuedQr, issueQr, type QrSealer } from "./issue-qr.js";
import {
  type AppInput,
  type CatalogueDeps,
  type CreatedApp,
  merchantOf,
  putApp,
  putGrant,
  putHoliday,
  putMerchant,
  putProduct,
  putShop,
  revokeGrant,
} from "./platform-catalogue.js";
import { type DirectoryServices, directoryServices, type PlatformDirectory } from "./platform-directory.js";
import { type OrderWithItems, shopOrderWithItems } from "./platform-orders.js";
import type {
  AlertLog,
  FaultSwitches,
  FreezableClock,
  LoggedRequest,
  RequestLogLookup,
} from "./platform-ports.js";
import type {
  WorldGrantT,
  WorldHolidayT,
  WorldMerchantT,
  WorldProductT,
  WorldShopT,
} from "./platform-schema.js";
import { applyWorld, type WorldLoadOptions, type WorldSummary } from "./platform-world.js";
import type { AfterSaleOrderRecord, MerchantRecord, RedemptionRecord } from "./records.js";
import { fail, ok, type Result } from "./result.js";

/** A request of the request log, with the redemption it made (if any). */
export interface LoggedRequestDetail {
  readonly entry: LoggedRequest;
  readonly redemption: RedemptionRecord | null;
}

export interface PlatformServices extends DirectoryServices {
  merchant(merchantId: string): Promise<Result<MerchantRecord>>;
  putApp(app: AppInput): Promise<Result<CreatedApp>>;
  putMerchant(merchant: WorldMerchantT): Promise<Result<WorldSummary>>;
  putShop(merchant: MerchantRecord, shop: WorldShopT): Promise<Result<WorldSummary>>;
  putGrant(merchant: MerchantRecord, grant: WorldGrantT): Promise<Result<WorldSummary>>;
  revokeGrant(merchantId: string, clientKey: string): Promise<Result<{ revoked: true }>>;
  putHoliday(holiday: WorldHolidayT): Promise<Result<WorldSummary>>;
  putProduct(product: WorldProductT): Promise<Result<WorldSummary>>;
  issueOrder(cmd: IssueOrderCommand): Promise<Result<IssuedOrder>>;
  order(shopOrderId: string): Promise<Result<OrderWithItems>>;
  issueQr(shopOrderId: string, ttlSeconds: number): Promise<Result<IssuedQr>>;
  requestRefund(
    merchantId: string,
    shopOrderId: string,
    itemOrderIds: readonly string[],
  ): Promise<Result<AfterSaleOrderRecord>>;
  approveRefund(merchantId: string, afterSaleOrderId: string): Promise<Result<AfterSaleOrderRecord>>;
  closeRefund(merchantId: string, afterSaleOrderId: string): Promise<Result<AfterSaleOrderRecord>>;
  /** Refunds expired unused vouchers of products that say so (also run every minute). */
  sweepExpiredRefunds(): Promise<Result<AfterSaleOrderRecord[]>>;
  /** Operator alerts of every server process, newest first, a page at a time. */
  alerts(query: AlertQuery): Promise<Result<AlertPage>>;
  requestLog(logId: string): Promise<Result<LoggedRequestDetail>>;
}

export interface SandboxServices {
  loadWorld(world: unknown, options?: WorldLoadOptions): Promise<Result<WorldSummary>>;
  readonly faults: FaultSwitches;
  readonly clock: FreezableClock;
  issueQr(shopOrderId: string, ttlSeconds: number): Promise<Result<IssuedQr>>;
}

export interface PlatformDeps {
  readonly catalogue: CatalogueDeps;
  readonly issue: IssueDeps;
  readonly afterSale: AfterSaleDeps;
  readonly qr: QrSealer;
  readonly alerts: AlertLog;
  readonly requestLog: RequestLogLookup;
  readonly directory: PlatformDirectory;
}

export function platformServices(deps: PlatformDeps): PlatformServices {
  const { catalogue, afterSale } = deps;
  const reads = catalogue.reads;
  return {
    ...directoryServices(deps.directory),
    merchant: (merchantId) => merchantOf(catalogue, merchantId),
    putApp: (app) => putApp(catalogue, app),
    putMerchant: (merchant) => putMerchant(catalogue, merchant),
    putShop: (merchant, shop) => putShop(catalogue, merchant, shop),
    putGrant: (merchant, grant) => putGrant(catalogue, merchant, grant),
    revokeGrant: (merchantId, clientKey) => revokeGrant(catalogue, merchantId, clientKey),
    putHoliday: (holiday) => putHoliday(catalogue, holiday),
    putProduct: (product) => putProduct(catalogue, product),
    issueOrder: (cmd) => issueShopOrder(deps.issue, cmd),
    order: (shopOrderId) => shopOrderWithItems(reads, shopOrderId),
    issueQr: (shopOrderId, ttl) => issueQr({ reads, clock: catalogue.clock, qr: deps.qr }, shopOrderId, ttl),
    requestRefund: (merchantId, shopOrderId, items) =>
      requestRefund(afterSale, merchantId, shopOrderId, items),
    approveRefund: (merchantId, id) => approveRefund(afterSale, merchantId, id),
    closeRefund: (merchantId, id) => closeRefund(afterSale, merchantId, id),
    sweepExpiredRefunds: async () => ok(await sweepExpiredRefunds(afterSale)),
    alerts: async (query) => ok(await alertPage(deps.alerts, query)),
    requestLog: async (logId) => {
      const entry = await deps.requestLog.requestLog(logId);
      if (!entry)
        return fail("not_found", "no request with this log id", { message: "no request with this log id" });
      const redemption = entry.redeemId
        ? await reads.redemption(entry.redeemId, { merchantId: entry.merchantId ?? "0", fault: null })
        : null;
      return ok({ entry, redemption });
    },
  };
}

export function sandboxServices(
  platform: PlatformServices,
  deps: { catalogue: CatalogueDeps; faults: FaultSwitches; clock: FreezableClock },
): SandboxServices {
  return {
    loadWorld: (world, options) => applyWorld(deps.catalogue, world, options),
    faults: deps.faults,
    clock: deps.clock,
    issueQr: (shopOrderId, ttl) => platform.issueQr(shopOrderId, ttl),
  };
}
