/**
 * The core's ports on Kysely: the only code that touches the fulfillment tables. The same
 * code runs on PGlite and PostgreSQL.
 */
import { CompiledQuery, type Kysely, sql, type Transaction } from "kysely";
import {
  type CodeItems,
  CodeTaken,
  ConcurrentWriteLost,
  type ConditionalMove,
  type FaultPoints,
  type FulfillmentReads,
  type FulfillmentStore,
  type FulfillmentTx,
  type IssuedItem,
  type ReadContext,
  type RedemptionCommit,
  type RedemptionPageQuery,
  type TransactionOptions,
  type VoucherRedemptionFields,
} from "../core/ports.js";
import type {
  AfterSaleOrderRecord,
  ExecutionOrderRecord,
  Holiday,
  MerchantRecord,
  OutboxEvent,
  ProductRecord,
  RedemptionRecord,
  ShopOrderRecord,
  ShopRecord,
  ShopSnapshot,
  SubOrderRecord,
  VoucherRecord,
} from "../core/records.js";
import type { FulfillStatus } from "../domain/status.js";
import { preparedAs } from "./database.js";
import { atShop, ofSnapshots, recipientsOf } from "./event-recipients.js";
import { DependencyUnavailable } from "./faults.js";
import { ReadBatcher } from "./read-batcher.js";
import type { ReadCache } from "./read-cache.js";
import type { DB } from "./schema.js";

type Executor = Kysely<DB> | Transaction<DB>;

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

type VoucherRow = {
  item_order_id: string;
  code: string;
  shop_order_id: string;
  merchant_id: string;
  product_id: string;
  status: string;
  start_time: string | null;
  end_time: string | null;
  version: number;
  redeem_id: string | null;
  redeemed_shop_id: string | null;
  redeemed_third_shop_id: string | null;
  redemption_source: number | null;
  redeem_time: string | null;
};

function toVoucher(r: VoucherRow): VoucherRecord {
  return {
    itemOrderId: r.item_order_id,
    code: r.code,
    shopOrderId: r.shop_order_id,
    merchantId: r.merchant_id,
    productId: r.product_id,
    status: r.status as FulfillStatus,
    startTime: num(r.start_time),
    endTime: num(r.end_time),
    version: Number(r.version),
    redeemId: r.redeem_id,
    redeemedShopId: r.redeemed_shop_id,
    redeemedThirdShopId: r.redeemed_third_shop_id,
    redemptionSource: r.redemption_source === null ? null : Number(r.redemption_source),
    redeemTime: num(r.redeem_time),
  };
}

export function toRedemption(
  r: DB["redemptions"] extends infer T ? { [K in keyof T]: unknown } : never,
): RedemptionRecord {
  return {
    redeemId: String(r.redeem_id),
    shopOrderId: String(r.shop_order_id),
    appId: r.app_id === null ? null : String(r.app_id),
    merchantId: String(r.merchant_id),
    shopId: String(r.shop_id),
    thirdShopId: String(r.third_shop_id),
    source: Number(r.source),
    codes: r.codes as string[],
    itemOrderIds: r.item_order_ids as string[],
    redeemTime: Number(r.redeem_time),
    status: r.status as RedemptionRecord["status"],
    cancelTime: r.cancel_time === null ? null : Number(r.cancel_time),
  };
}

export function toProduct(r: Record<string, unknown>): ProductRecord {
  return {
    productId: String(r.product_id),
    merchantId: String(r.merchant_id),
    thirdProductId: String(r.third_product_id),
    name: String(r.name),
    names: (r.names ?? {}) as Record<string, string>,
    imageUrl: String(r.image_url),
    crossedAmount: String(r.crossed_amount),
    saleAmount: String(r.sale_amount),
    currency: String(r.currency),
    refundRuleDesc: String(r.refund_rule_desc),
    validFrom: num(r.valid_from as string | null),
    validTo: num(r.valid_to as string | null),
    usableWeekdays: (r.usable_weekdays as (number | string)[]).map(Number),
    usableHours: (r.usable_hours ?? []) as { start: string; end: string }[],
    holidaysUnavailable: Boolean(r.holidays_unavailable),
    applicableThirdShopIds: r.applicable_third_shop_ids as string[],
    autoRefundExpired: Boolean(r.auto_refund_expired),
  };
}

function toAfterSale(r: {
  after_sale_order_id: string;
  shop_order_id: string;
  merchant_id: string;
  item_order_ids: string[];
  status: string;
  apply_source: number;
  create_time: string;
  update_time: string;
}): AfterSaleOrderRecord {
  return {
    afterSaleOrderId: r.after_sale_order_id,
    shopOrderId: r.shop_order_id,
    merchantId: r.merchant_id,
    itemOrderIds: r.item_order_ids,
    status: r.status as AfterSaleOrderRecord["status"],
    applySource: Number(r.apply_source),
    createTime: Number(r.create_time),
    updateTime: Number(r.update_time),
  };
}

class KyselyReads implements FulfillmentReads {
  /** Typed-code reads outside transactions, coalesced under load (see ReadBatcher). */
  readonly #byCodes: ReadBatcher<string, JoinedRow> | null;

  constructor(
    protected readonly db: Executor,
    protected readonly faults: FaultPoints,
    /** Only outside transactions: reads inside a transaction always go to the database. */
    protected readonly cache: ReadCache | null = null,
    coalesce = false,
  ) {
    this.#byCodes = coalesce
      ? new ReadBatcher<string, JoinedRow>(
          async (keys) => {
            // Keys are (merchant, code) pairs: the SQL filters on both, as the direct read does,
            // so a batch never reads another merchant's voucher for a caller.
            const merchants: string[] = [];
            const codes: string[] = [];
            for (const k of keys) {
              const at = k.indexOf(":");
              merchants.push(k.slice(0, at));
              codes.push(k.slice(at + 1));
            }
            const query = CompiledQuery.raw(
              `${preparedAs("items_any_codes")}${ITEMS_SELECT} WHERE v.code = ANY($2::char(12)[])
                 AND (v.merchant_id, v.code) IN (SELECT * FROM unnest($1::bigint[], $2::char(12)[]))
               ORDER BY v.item_order_id`,
              [merchants, codes],
            );
            return (await this.db.executeQuery<JoinedRow>(query)).rows;
          },
          (row, keys) => keys.has(`${row.merchant_id}:${row.code}`),
        )
      : null;
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.cache ? this.cache.get(key, load) : load();
  }

  /** A read fails here, before its SQL, when its fault point is armed: the same error path as an outage. */
  protected check(ctx: ReadContext): void {
    if (ctx.fault && this.faults.fires(ctx.fault, ctx.merchantId)) throw new DependencyUnavailable(ctx.fault);
  }

  async merchant(merchantId: string, ctx: ReadContext): Promise<MerchantRecord | null> {
    this.check(ctx);
    return this.#cached(`merchant:${merchantId}`, async () => {
      const r = await this.db
        .selectFrom("merchants")
        .selectAll()
        .where("merchant_id", "=", merchantId)
        .executeTakeFirst();
      return r ? { merchantId: r.merchant_id, name: r.name, country: r.country, timezone: r.timezone } : null;
    });
  }

  async shopByThirdId(merchantId: string, thirdShopId: string, ctx: ReadContext): Promise<ShopRecord | null> {
    this.check(ctx);
    return this.#cached(`shop:${merchantId}:${thirdShopId}`, async () => {
      const r = await this.db
        .selectFrom("shops")
        .selectAll()
        .where("merchant_id", "=", merchantId)
        .where("third_shop_id", "=", thirdShopId)
        .executeTakeFirst();
      return r
        ? { shopId: r.shop_id, merchantId: r.merchant_id, thirdShopId: r.third_shop_id, name: r.name }
        : null;
    });
  }

  itemsByCodes(merchantId: string, codes: readonly string[], ctx: ReadContext): Promise<CodeItems> {
    return this.itemsQuery(merchantId, { codes }, ctx, false);
  }

  itemsByShopOrder(merchantId: string, shopOrderId: string, ctx: ReadContext): Promise<CodeItems> {
    return this.itemsQuery(merchantId, { shopOrderId }, ctx, false);
  }

  /** One query for the vouchers and their records (CodeItems); `lock` row-locks the vouchers. */
  protected async itemsQuery(
    merchantId: string,
    of: { codes: readonly string[] } | { shopOrderId: string },
    ctx: ReadContext,
    lock: boolean,
  ): Promise<CodeItems> {
    this.check(ctx);
    if ("codes" in of && of.codes.length === 0) return new JoinedItems([], this.faults);
    if ("codes" in of && !lock && this.#byCodes) {
      const rows = await this.#byCodes.load(of.codes.map((c) => `${merchantId}:${c}`));
      return new JoinedItems(rows, this.faults);
    }
    // Written out once (no query builder per request): this is the hottest read of the system.
    const where = "codes" in of ? "v.code = ANY($2::char(12)[])" : "v.shop_order_id = $2::bigint";
    const param = "codes" in of ? [...of.codes] : of.shopOrderId;
    const name = `items_${"codes" in of ? "codes" : "order"}${lock ? "_lock" : ""}`;
    const query = CompiledQuery.raw(
      `${preparedAs(name)}${ITEMS_SELECT} WHERE v.merchant_id = $1::bigint AND ${where} ORDER BY v.item_order_id${lock ? " FOR UPDATE OF v" : ""}`,
      [merchantId, param],
    );
    try {
      return new JoinedItems((await this.db.executeQuery<JoinedRow>(query)).rows, this.faults);
    } catch (err) {
      // 40001 while locking: a voucher changed by a writer that committed after this transaction's snapshot.
      if (lock && (err as { code?: unknown }).code === "40001")
        throw new ConcurrentWriteLost((err as Error).message);
      throw err;
    }
  }

  async vouchersByCodes(
    merchantId: string,
    codes: readonly string[],
    ctx: ReadContext,
  ): Promise<VoucherRecord[]> {
    this.check(ctx);
    if (codes.length === 0) return [];
    const rows = await this.db
      .selectFrom("vouchers")
      .selectAll()
      .where("code", "in", codes)
      .where("merchant_id", "=", merchantId)
      .execute();
    return rows.map(toVoucher);
  }

  async vouchersByShopOrder(
    merchantId: string,
    shopOrderId: string,
    ctx: ReadContext,
  ): Promise<VoucherRecord[]> {
    this.check(ctx);
    const rows = await this.db
      .selectFrom("vouchers")
      .selectAll()
      .where("shop_order_id", "=", shopOrderId)
      .where("merchant_id", "=", merchantId)
      .orderBy("item_order_id")
      .execute();
    return rows.map(toVoucher);
  }

  async vouchersByItems(itemOrderIds: readonly string[], ctx: ReadContext): Promise<VoucherRecord[]> {
    this.check(ctx);
    if (itemOrderIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("vouchers")
      .selectAll()
      .where("item_order_id", "in", itemOrderIds)
      .execute();
    return rows.map(toVoucher);
  }

  async executionOrders(itemOrderIds: readonly string[], ctx: ReadContext): Promise<ExecutionOrderRecord[]> {
    this.check(ctx);
    if (itemOrderIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("execution_orders")
      .selectAll()
      .where("item_order_id", "in", itemOrderIds)
      .execute();
    return rows.map((r) => ({
      itemOrderId: r.item_order_id,
      status: r.status as FulfillStatus,
      startTime: num(r.start_time),
      endTime: num(r.end_time),
      version: Number(r.version),
    }));
  }

  async subOrders(itemOrderIds: readonly string[], ctx: ReadContext): Promise<SubOrderRecord[]> {
    this.check(ctx);
    if (itemOrderIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("sub_fulfillment_orders")
      .selectAll()
      .where("item_order_id", "in", itemOrderIds)
      .execute();
    return rows.map((r) => ({
      itemOrderId: r.item_order_id,
      status: r.status as FulfillStatus,
      version: Number(r.version),
    }));
  }

  async shopSnapshots(itemOrderIds: readonly string[], ctx: ReadContext): Promise<ShopSnapshot[]> {
    this.check(ctx);
    if (itemOrderIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("shop_snapshots")
      .selectAll()
      .where("item_order_id", "in", itemOrderIds)
      .execute();
    return rows.map((r) => ({ itemOrderId: r.item_order_id, thirdShopIds: r.third_shop_ids }));
  }

  async shopOrder(
    merchantId: string,
    shopOrderId: string,
    ctx: ReadContext,
  ): Promise<ShopOrderRecord | null> {
    this.check(ctx);
    const r = await this.db
      .selectFrom("shop_orders")
      .selectAll()
      .where("shop_order_id", "=", shopOrderId)
      .where("merchant_id", "=", merchantId)
      .executeTakeFirst();
    return r
      ? {
          shopOrderId: r.shop_order_id,
          merchantId: r.merchant_id,
          productId: r.product_id,
          userId: r.user_id,
          createTime: Number(r.create_time),
        }
      : null;
  }

  async shopOrderById(shopOrderId: string): Promise<ShopOrderRecord | null> {
    const r = await this.db
      .selectFrom("shop_orders")
      .selectAll()
      .where("shop_order_id", "=", shopOrderId)
      .executeTakeFirst();
    return r
      ? {
          shopOrderId: r.shop_order_id,
          merchantId: r.merchant_id,
          productId: r.product_id,
          userId: r.user_id,
          createTime: Number(r.create_time),
        }
      : null;
  }

  async redemptionsOfOrderSince(
    shopOrderId: string,
    since: number,
    ctx: ReadContext,
  ): Promise<RedemptionRecord[]> {
    this.check(ctx);
    const rows = await this.db
      .selectFrom("redemptions")
      .selectAll()
      .where("shop_order_id", "=", shopOrderId)
      .where("redeem_time", ">=", String(since))
      .execute();
    return rows.map(toRedemption);
  }

  async afterSaleOrdersOfOrder(shopOrderId: string, ctx: ReadContext): Promise<AfterSaleOrderRecord[]> {
    this.check(ctx);
    const rows = await this.db
      .selectFrom("after_sale_orders")
      .selectAll()
      .where("shop_order_id", "=", shopOrderId)
      .execute();
    return rows.map(toAfterSale);
  }

  async productImages(
    productIds: readonly string[],
    ctx: ReadContext,
  ): Promise<{ productId: string; imageUrl: string }[]> {
    this.check(ctx);
    if (productIds.length === 0) return [];
    return this.#cached(`images:${productIds.join(",")}`, async () => {
      const rows = await this.db
        .selectFrom("products")
        .select(["product_id", "image_url"])
        .where("product_id", "in", productIds)
        .execute();
      return rows.map((r) => ({ productId: r.product_id, imageUrl: r.image_url }));
    });
  }

  async products(productIds: readonly string[], ctx: ReadContext): Promise<ProductRecord[]> {
    this.check(ctx);
    if (productIds.length === 0) return [];
    return this.#cached(`products:${productIds.join(",")}`, async () => {
      const rows = await this.db
        .selectFrom("products")
        .selectAll()
        .where("product_id", "in", productIds)
        .execute();
      return rows.map((r) => toProduct(r as unknown as Record<string, unknown>));
    });
  }

  async holidays(country: string, ctx: ReadContext): Promise<Holiday[]> {
    this.check(ctx);
    return this.#cached(`holidays:${country}`, async () => {
      const rows = await this.db
        .selectFrom("holidays")
        .select(["date", "name"])
        .where("country", "=", country)
        .execute();
      return rows.map((r) => ({ date: r.date, name: r.name }));
    });
  }

  async redemption(redeemId: string, ctx: ReadContext): Promise<RedemptionRecord | null> {
    this.check(ctx);
    const r = await this.db
      .selectFrom("redemptions")
      .selectAll()
      .where("redeem_id", "=", redeemId)
      .executeTakeFirst();
    return r ? toRedemption(r) : null;
  }

  async expiredUnusedItems(
    now: number,
    limit: number,
  ): Promise<{ merchantId: string; shopOrderId: string; itemOrderId: string }[]> {
    const rows = await this.db
      .selectFrom("vouchers as v")
      .innerJoin("products as p", "p.product_id", "v.product_id")
      .innerJoin("sub_fulfillment_orders as s", "s.item_order_id", "v.item_order_id")
      .select(["v.merchant_id", "v.shop_order_id", "v.item_order_id"])
      .where("v.status", "=", "WAIT_FULFILL")
      .where("s.status", "=", "WAIT_FULFILL")
      .where("v.end_time", "<=", String(now))
      .where("p.auto_refund_expired", "=", true)
      .orderBy("v.shop_order_id")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      merchantId: r.merchant_id,
      shopOrderId: r.shop_order_id,
      itemOrderId: r.item_order_id,
    }));
  }

  async redemptionPage(q: RedemptionPageQuery, ctx: ReadContext): Promise<RedemptionRecord[]> {
    this.check(ctx);
    let query = this.db
      .selectFrom("redemptions")
      .selectAll()
      .where("merchant_id", "=", q.merchantId)
      .where("redeem_time", ">=", String(q.startTime))
      .where("redeem_time", "<", String(q.endTime));
    if (q.thirdShopIds.length > 0) query = query.where("third_shop_id", "in", q.thirdShopIds);
    if (q.after) {
      const after = q.after;
      query = query.where((eb) =>
        eb.or([
          eb("redeem_time", "<", String(after.redeemTime)),
          eb.and([eb("redeem_time", "=", String(after.redeemTime)), eb("redeem_id", "<", after.redeemId)]),
        ]),
      );
    }
    const rows = await query
      .orderBy("redeem_time", "desc")
      .orderBy("redeem_id", "desc")
      .limit(q.size)
      .execute();
    return rows.map(toRedemption);
  }

  async afterSaleOrder(afterSaleOrderId: string, ctx: ReadContext): Promise<AfterSaleOrderRecord | null> {
    this.check(ctx);
    const r = await this.db
      .selectFrom("after_sale_orders")
      .selectAll()
      .where("after_sale_order_id", "=", afterSaleOrderId)
      .executeTakeFirst();
    return r ? toAfterSale(r) : null;
  }
}

type MoveTable = "vouchers" | "execution_orders" | "sub_fulfillment_orders";

const ITEMS_SELECT = `SELECT v.*, x.status AS x_status, x.start_time AS x_start_time, x.end_time AS x_end_time,
  x.version AS x_version, s.status AS s_status, s.version AS s_version, ss.third_shop_ids AS ss_third_shop_ids,
  o.shop_order_id AS o_shop_order_id
FROM vouchers v
LEFT JOIN execution_orders x ON x.item_order_id = v.item_order_id
LEFT JOIN sub_fulfillment_orders s ON s.item_order_id = v.item_order_id
LEFT JOIN shop_snapshots ss ON ss.item_order_id = v.item_order_id
LEFT JOIN shop_orders o ON o.shop_order_id = v.shop_order_id`;

type JoinedRow = VoucherRow & {
  x_status: string | null;
  x_start_time: string | null;
  x_end_time: string | null;
  x_version: number | null;
  s_status: string | null;
  s_version: number | null;
  ss_third_shop_ids: string[] | null;
  o_shop_order_id: string | null;
};

/** The rows of itemsByCodes, handed out stage by stage (see CodeItems). */
class JoinedItems implements CodeItems {
  readonly vouchers: VoucherRecord[];

  constructor(
    private readonly rows: readonly JoinedRow[],
    private readonly faults: FaultPoints,
  ) {
    this.vouchers = rows.map(toVoucher);
  }

  #check(ctx: ReadContext): void {
    if (ctx.fault && this.faults.fires(ctx.fault, ctx.merchantId)) throw new DependencyUnavailable(ctx.fault);
  }

  servedRead(ctx: ReadContext): void {
    this.#check(ctx);
  }

  executionOrders(ctx: ReadContext): ExecutionOrderRecord[] {
    this.#check(ctx);
    return this.rows
      .filter((r) => r.x_status !== null)
      .map((r) => ({
        itemOrderId: r.item_order_id,
        status: r.x_status as FulfillStatus,
        startTime: num(r.x_start_time),
        endTime: num(r.x_end_time),
        version: Number(r.x_version),
      }));
  }

  subOrders(ctx: ReadContext): SubOrderRecord[] {
    this.#check(ctx);
    return this.rows
      .filter((r) => r.s_status !== null)
      .map((r) => ({
        itemOrderId: r.item_order_id,
        status: r.s_status as FulfillStatus,
        version: Number(r.s_version),
      }));
  }

  shopSnapshots(ctx: ReadContext): ShopSnapshot[] {
    this.#check(ctx);
    return this.rows
      .filter((r) => r.ss_third_shop_ids !== null)
      .map((r) => ({ itemOrderId: r.item_order_id, thirdShopIds: r.ss_third_shop_ids as string[] }));
  }
}

class KyselyTx extends KyselyReads implements FulfillmentTx {
  /** Rule data (products, holidays, shops) may come from the cache; records of state never do. */
  constructor(
    protected override readonly db: Transaction<DB>,
    faults: FaultPoints,
    cache: ReadCache | null,
  ) {
    super(db, faults, cache);
  }

  itemsByCodesForUpdate(merchantId: string, codes: readonly string[], ctx: ReadContext): Promise<CodeItems> {
    return this.itemsQuery(merchantId, { codes }, ctx, true);
  }

  async lockVouchers(itemOrderIds: readonly string[]): Promise<void> {
    if (itemOrderIds.length === 0) return;
    await this.db
      .selectFrom("vouchers")
      .select("item_order_id")
      .where("item_order_id", "in", itemOrderIds)
      .orderBy("item_order_id")
      .forUpdate()
      .execute();
  }

  /**
   * One conditional UPDATE for all records of a table: a record moves only if its version and
   * status are still those read. An armed `redeem.update_conflict` fault makes the condition
   * name a version no record has, so the update really matches nothing.
   */
  async #move(
    table: MoveTable,
    moves: readonly ConditionalMove[],
    ctx: ReadContext | null,
    set: ReturnType<typeof sql> | null,
  ): Promise<number> {
    if (moves.length === 0) return 0;
    const conflict = ctx?.fault ? this.faults.fires(ctx.fault, ctx.merchantId) : false;
    const ids = moves.map((m) => m.itemOrderId);
    const versions = moves.map((m) => (conflict ? -1 : m.fromVersion));
    const froms = moves.map((m) => m.fromStatus);
    const tos = moves.map((m) => m.toStatus);
    const extra = set ? sql`, ${set}` : sql``;
    const result = await sql`
      UPDATE ${sql.table(table)} AS t
      SET status = m.to_status, version = t.version + 1 ${extra}
      FROM (SELECT unnest(${ids}::bigint[]) AS id, unnest(${versions}::int[]) AS ver,
                   unnest(${froms}::text[]) AS from_status, unnest(${tos}::text[]) AS to_status) AS m
      WHERE t.item_order_id = m.id AND t.version = m.ver AND t.status = m.from_status`.execute(this.db);
    return Number(result.numAffectedRows ?? 0n);
  }

  moveVouchers(
    moves: readonly ConditionalMove[],
    fields: VoucherRedemptionFields | null,
    ctx: ReadContext,
  ): Promise<number> {
    const set = fields
      ? sql`redeem_id = ${fields.redeemId}::bigint, redeemed_shop_id = ${fields.redeemedShopId}::bigint,
            redeemed_third_shop_id = ${fields.redeemedThirdShopId}::text, redemption_source = ${fields.redemptionSource}::smallint,
            redeem_time = ${fields.redeemTime}::bigint`
      : null;
    return this.#move("vouchers", moves, ctx, set);
  }

  moveExecutionOrders(moves: readonly ConditionalMove[], ctx: ReadContext): Promise<number> {
    return this.#move("execution_orders", moves, ctx, null);
  }

  moveSubOrders(moves: readonly ConditionalMove[], ctx: ReadContext): Promise<number> {
    return this.#move("sub_fulfillment_orders", moves, ctx, null);
  }

  async insertRedemption(r: RedemptionRecord): Promise<void> {
    await this.db
      .insertInto("redemptions")
      .values({
        redeem_id: r.redeemId,
        shop_order_id: r.shopOrderId,
        app_id: r.appId,
        merchant_id: r.merchantId,
        shop_id: r.shopId,
        third_shop_id: r.thirdShopId,
        source: r.source,
        codes: [...r.codes],
        item_order_ids: [...r.itemOrderIds],
        redeem_time: r.redeemTime,
        status: r.status,
        cancel_time: r.cancelTime,
      })
      .execute();
  }

  async cancelRedemption(redeemId: string, cancelTime: number): Promise<boolean> {
    const r = await this.db
      .updateTable("redemptions")
      .set({ status: "CANCELLED", cancel_time: cancelTime })
      .where("redeem_id", "=", redeemId)
      .where("status", "=", "REDEEMED")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async insertAfterSaleOrder(a: AfterSaleOrderRecord): Promise<void> {
    await this.db
      .insertInto("after_sale_orders")
      .values({
        after_sale_order_id: a.afterSaleOrderId,
        shop_order_id: a.shopOrderId,
        merchant_id: a.merchantId,
        item_order_ids: [...a.itemOrderIds],
        status: a.status,
        apply_source: a.applySource,
        create_time: a.createTime,
        update_time: a.updateTime,
      })
      .execute();
  }

  async updateAfterSaleOrder(
    id: string,
    from: AfterSaleOrderRecord["status"],
    to: AfterSaleOrderRecord["status"],
    at: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable("after_sale_orders")
      .set({ status: to, update_time: at })
      .where("after_sale_order_id", "=", id)
      .where("status", "=", from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async insertEvent(e: OutboxEvent): Promise<void> {
    await this.db
      .insertInto("outbox")
      .values({
        event_id: e.eventId,
        event_type: e.eventType,
        shop_order_id: e.shopOrderId,
        merchant_id: e.merchantId,
        app_id: e.appId,
        user_id: e.userId,
        create_time: e.createTime,
        content: JSON.stringify(e.content),
        recipients: recipientsOf(
          e.merchantId,
          "thirdShopId" in e.audience ? atShop(e.audience.thirdShopId) : ofSnapshots(e.audience.snapshotsOf),
        ),
      })
      .execute();
  }
  async commitRedemption(
    c: RedemptionCommit,
    ctx: ReadContext,
  ): Promise<{ moved: number; written: boolean }> {
    const conflict = ctx.fault ? this.faults.fires(ctx.fault, ctx.merchantId) : false;
    const arrays = (moves: readonly ConditionalMove[]) => ({
      ids: moves.map((m) => m.itemOrderId),
      versions: moves.map((m) => (conflict ? -1 : m.fromVersion)),
    });
    const v = arrays(c.vouchers);
    const x = arrays(c.executions);
    const s = arrays(c.subs);
    const n = c.vouchers.length;
    const r = c.redemption;
    const f = c.fields;
    const e = c.event;
    // Every move requires the version and status that were read; the inserts happen only when
    // all of them moved, so a lost race writes no redemption and no event.
    const result = await sql<{
      v: string;
      x: string;
      s: string;
      r: string;
      e: string;
    }>`${sql.raw(preparedAs("commit_redemption"))}
      WITH v AS (
        UPDATE vouchers AS t SET status = 'FINISH', version = t.version + 1,
          redeem_id = ${f.redeemId}::bigint, redeemed_shop_id = ${f.redeemedShopId}::bigint,
          redeemed_third_shop_id = ${f.redeemedThirdShopId}::text, redemption_source = ${f.redemptionSource}::smallint,
          redeem_time = ${f.redeemTime}::bigint
        FROM (SELECT unnest(${v.ids}::bigint[]) AS id, unnest(${v.versions}::int[]) AS ver) AS m
        WHERE t.item_order_id = m.id AND t.version = m.ver AND t.status = 'WAIT_FULFILL'
        RETURNING t.item_order_id
      ), x AS (
        UPDATE execution_orders AS t SET status = 'FINISH', version = t.version + 1
        FROM (SELECT unnest(${x.ids}::bigint[]) AS id, unnest(${x.versions}::int[]) AS ver) AS m
        WHERE t.item_order_id = m.id AND t.version = m.ver AND t.status = 'WAIT_FULFILL'
        RETURNING t.item_order_id
      ), s AS (
        UPDATE sub_fulfillment_orders AS t SET status = 'FINISH', version = t.version + 1
        FROM (SELECT unnest(${s.ids}::bigint[]) AS id, unnest(${s.versions}::int[]) AS ver) AS m
        WHERE t.item_order_id = m.id AND t.version = m.ver AND t.status = 'WAIT_FULFILL'
        RETURNING t.item_order_id
      ), ok AS (
        SELECT (SELECT count(*) FROM v) = ${n}::int AND (SELECT count(*) FROM x) = ${n}::int AND (SELECT count(*) FROM s) = ${n}::int AS all_moved
      ), r AS (
        INSERT INTO redemptions (redeem_id, shop_order_id, app_id, merchant_id, shop_id, third_shop_id, source, codes, item_order_ids, redeem_time, status, cancel_time)
        SELECT ${r.redeemId}::bigint, ${r.shopOrderId}::bigint, ${r.appId}::bigint, ${r.merchantId}::bigint, ${r.shopId}::bigint, ${r.thirdShopId}::text,
               ${r.source}::smallint, ${[...r.codes]}::text[], ${[...r.itemOrderIds]}::text[], ${r.redeemTime}::bigint, 'REDEEMED', NULL
        FROM ok WHERE ok.all_moved
        RETURNING redeem_id
      ), e AS (
        INSERT INTO outbox (event_id, event_type, shop_order_id, merchant_id, app_id, user_id, create_time, content, recipients)
        SELECT ${e.eventId}::bigint, ${e.eventType}::text, ${e.shopOrderId}::bigint, ${e.merchantId}::bigint, ${e.appId}::bigint,
               coalesce((SELECT user_id FROM shop_orders WHERE shop_order_id = ${e.shopOrderId}::bigint), 0),
               ${e.createTime}::bigint, ${JSON.stringify(e.content)}::jsonb, ${recipientsOf(e.merchantId, atShop(r.thirdShopId))}
        FROM r
        RETURNING event_id
      )
      SELECT (SELECT count(*) FROM v)::text AS v, (SELECT count(*) FROM x)::text AS x, (SELECT count(*) FROM s)::text AS s,
             (SELECT count(*) FROM r)::text AS r, (SELECT count(*) FROM e)::text AS e`.execute(this.db);
    const row = result.rows[0];
    const moved = Number(row?.v ?? 0) + Number(row?.x ?? 0) + Number(row?.s ?? 0);
    return { moved, written: Number(row?.r ?? 0) === 1 && Number(row?.e ?? 0) === 1 };
  }

  async insertShopOrder(order: ShopOrderRecord, items: readonly IssuedItem[]): Promise<void> {
    try {
      await this.#insertShopOrder(order, items);
    } catch (err) {
      // 23505 unique_violation: the only unique key an issue can hit is the voucher's code.
      if ((err as { code?: string } | null)?.code === "23505") throw new CodeTaken();
      throw err;
    }
  }

  async #insertShopOrder(order: ShopOrderRecord, items: readonly IssuedItem[]): Promise<void> {
    await this.db
      .insertInto("shop_orders")
      .values({
        shop_order_id: order.shopOrderId,
        merchant_id: order.merchantId,
        product_id: order.productId,
        user_id: order.userId,
        create_time: order.createTime,
      })
      .execute();
    if (items.length === 0) return;
    const ids = items.map((i) => i.itemOrderId);
    await this.db
      .insertInto("item_orders")
      .values(
        items.map((i) => ({
          item_order_id: i.itemOrderId,
          shop_order_id: order.shopOrderId,
          product_id: i.productId,
        })),
      )
      .execute();
    await this.db
      .insertInto("vouchers")
      .values(
        items.map((i) => ({
          item_order_id: i.itemOrderId,
          code: i.code,
          shop_order_id: order.shopOrderId,
          merchant_id: order.merchantId,
          product_id: i.productId,
          status: i.status,
          start_time: i.startTime,
          end_time: i.endTime,
        })),
      )
      .execute();
    await this.db
      .insertInto("execution_orders")
      .values(
        items.map((i) => ({
          item_order_id: i.itemOrderId,
          status: i.status,
          start_time: i.startTime,
          end_time: i.endTime,
        })),
      )
      .execute();
    await this.db
      .insertInto("sub_fulfillment_orders")
      .values(items.map((i) => ({ item_order_id: i.itemOrderId, status: i.status })))
      .execute();
    await this.db
      .insertInto("shop_snapshots")
      .values(items.map((i, n) => ({ item_order_id: ids[n] as string, third_shop_ids: [...i.snapshot] })))
      .execute();
  }
}

export class KyselyFulfillmentStore implements FulfillmentStore {
  readonly primary: FulfillmentReads;
  readonly replica: FulfillmentReads;

  constructor(
    readonly db: Kysely<DB>,
    readonly faults: FaultPoints,
    replicaDb?: Kysely<DB>,
    readonly cache: ReadCache | null = null,
  ) {
    this.primary = new KyselyReads(db, faults, cache, true);
    this.replica = replicaDb ? new KyselyReads(replicaDb, faults, cache, true) : this.primary;
  }

  transaction<T>(fn: (tx: FulfillmentTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { signal, commitFault, stallFault, consistentSnapshot } = options;
    // A stalled port waits before taking a connection (as when the pool is exhausted), so the
    // embedded database's single connection stays free for others meanwhile.
    const stall =
      stallFault?.fault && this.faults.fires(stallFault.fault, stallFault.merchantId)
        ? stallUntilAborted(signal)
        : Promise.resolve();
    return stall.then(() => this.#run(fn, signal, commitFault, consistentSnapshot === true));
  }

  #run<T>(
    fn: (tx: FulfillmentTx) => Promise<T>,
    signal: AbortSignal | undefined,
    commitFault: ReadContext | undefined,
    snapshot: boolean,
  ): Promise<T> {
    const builder = snapshot
      ? this.db.transaction().setIsolationLevel("repeatable read")
      : this.db.transaction();
    return builder.execute(async (trx) => {
      if (signal?.aborted) throw new Error("deadline passed before the transaction started");
      const result = await fn(new KyselyTx(trx, this.faults, this.cache));
      if (signal?.aborted) throw new Error("deadline passed before commit; rolled back");
      if (commitFault?.fault && this.faults.fires(commitFault.fault, commitFault.merchantId)) {
        throw new DependencyUnavailable(commitFault.fault);
      }
      return result;
    });
  }
}

/** A slow database, on demand: waits until the caller's deadline has passed (at most 30 s). */
function stallUntilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const cap = setTimeout(resolve, 30_000);
    if (!signal) return;
    if (signal.aborted) {
      clearTimeout(cap);
      resolve();
      return;
    }
    signal.addEventListener("abort", () => {
      clearTimeout(cap);
      setTimeout(resolve, 10);
    });
  });
}
