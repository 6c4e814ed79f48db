/**
 * The torture clients, shared by the torture harness (run.ts) and the failover harness
 * (../failover/run.ts): the world they work on, the webhook receiver, and the client loop of
 * random lookups, redeems (with and without Idempotency-Key, retried), cancels and after-sales
 * through the HTTP API, each request recorded in the history the checker reads.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Kysely } from "kysely";
import type { DB } from "../../src/store/schema.js";
import type { Answer, Entry, Op } from "./history.js";

export const MERCHANT = "7000000000000000001";
export const SHOPS = ["S-001", "S-002"];
const PRODUCT = "7200000000000000001";

export const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

export interface WorldOrder {
  readonly shop_order_id: string;
  readonly product_id: string;
  readonly user_id: string;
  readonly items: { item_order_id: string; code: string; status: string }[];
}

/** One merchant, two shops, one product, `orders` orders of `codesPerOrder` codes each. */
export function tortureWorld(opts: { orders: number; codesPerOrder: number; hook: string }) {
  const orders: WorldOrder[] = Array.from({ length: opts.orders }, (_, i) => ({
    shop_order_id: String(5800000000000000000n + BigInt(i + 1)),
    product_id: PRODUCT,
    user_id: "6900000000000000001",
    items: Array.from({ length: opts.codesPerOrder }, (_, j) => ({
      item_order_id: String(5810000000000000000n + BigInt(i * 100 + j + 1)),
      code: String(100000000000 + i * 100 + j),
      status: "WAIT_FULFILL",
    })),
  }));
  const now = Math.floor(Date.now() / 1000);
  const world = {
    apps: [{ client_key: "ck_t", client_secret: "cs_t", name: "Torture", webhook_url: opts.hook }],
    merchants: [
      {
        merchant_id: MERCHANT,
        name: "Torture",
        country: "ID",
        timezone: "Asia/Jakarta",
        shops: SHOPS.map((s, i) => ({
          shop_id: String(7100000000000000001n + BigInt(i)),
          third_shop_id: s,
          name: s,
        })),
        grants: [
          {
            client_key: "ck_t",
            scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
            third_shop_ids: [],
          },
        ],
      },
    ],
    products: [
      {
        product_id: PRODUCT,
        third_product_id: "P-1",
        merchant_id: MERCHANT,
        name: "Set",
        image_url: "https://img.example/p.jpg",
        crossed_amount: "100",
        sale_amount: "90",
        currency: "IDR",
        refund_rule_desc: "any",
        valid_from: now - 86400,
        valid_to: now + 30 * 86400,
        usable_weekdays: [1, 2, 3, 4, 5, 6, 7],
        holidays_unavailable: false,
        applicable_third_shop_ids: SHOPS,
      },
    ],
    orders,
  };
  return { world, orders };
}

/** Loads the world through the sandbox API and returns an access token of its app. */
export async function loadWorld(url: string, operator: string, world: unknown): Promise<string> {
  const loaded = await fetch(`${url}/sandbox/world`, {
    method: "POST",
    headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
    body: JSON.stringify(world),
  });
  if (loaded.status !== 200) throw new Error(`world: ${loaded.status} ${await loaded.text()}`);
  const res = await fetch(`${url}/merchant/oauth/token/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_key: "ck_t",
      client_secret: "cs_t",
      merchant_id: MERCHANT,
      grant_type: "access_token",
    }).toString(),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A webhook receiver on loopback that records every event id it gets. */
export async function startReceiver() {
  const received = new Set<string>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { event_id?: string };
        if (body.event_id) received.add(String(body.event_id));
      } catch {
        // not ours
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  return {
    hook: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((r) => receiver.close(() => r())),
  };
}

export interface WorkloadOptions {
  readonly history: Entry[];
  readonly orders: readonly WorldOrder[];
  readonly token: string;
  readonly operator: string;
  /** A server to send the next request to (its index in the history), or null: none is up. */
  readonly target: () => [number, string] | null;
  readonly stopping: () => boolean;
  /** A pause after an answer that is not a success (a client backing off); default none. */
  readonly pauseAfterFailureMs?: number;
}

/** Starts `clients` client loops; the promise settles once `stopping()` holds and all ended. */
export async function runClients(clients: number, opts: WorkloadOptions): Promise<void> {
  const { history, orders, token, operator, stopping } = opts;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function call(
    client: number,
    op: Op,
    path: string,
    body: Record<string, unknown>,
    auth: string,
    key: string | null = null,
  ): Promise<Entry> {
    const target = opts.target();
    const entry: Entry = {
      client,
      op,
      server: target?.[0] ?? -1,
      request: body,
      idempotencyKey: key,
      start: Date.now(),
      end: 0,
      answer: null,
    };
    history.push(entry);
    if (!target) {
      entry.end = Date.now();
      await pause(50);
      return entry;
    }
    try {
      const res = await fetch(target[1] + path, {
        method: "POST",
        headers: {
          authorization: `Bearer ${auth}`,
          "content-type": "application/json",
          ...(key ? { "idempotency-key": key } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      const json = (await res.json()) as {
        data?: Record<string, unknown>;
        error?: { code?: string; message?: string; handling?: string };
      };
      entry.answer = {
        status: res.status,
        code: json.error?.code ?? null,
        message: json.error?.message ?? null,
        handling: json.error?.handling ?? null,
        data: json.data ?? null,
      } satisfies Answer;
    } catch {
      entry.answer = null;
    }
    entry.end = Date.now();
    if (opts.pauseAfterFailureMs && entry.answer?.code !== "0") await pause(opts.pauseAfterFailureMs);
    return entry;
  }

  const redeemed: { redeemId: string; shop: string }[] = [];
  const pendingAfterSales: string[] = [];
  async function client(id: number) {
    while (!stopping()) {
      const order = pick(orders);
      const shop = pick(SHOPS);
      const roll = Math.random();
      if (roll < 0.3) {
        await call(
          id,
          "lookup",
          "/v2/localservice/saas/fulfill/get_code_item_list/",
          { merchant_id: MERCHANT, third_shop_id: shop, code_list: [pick(order.items).code] },
          token,
        );
      } else if (roll < 0.7) {
        const codes = order.items.filter(() => Math.random() < 0.5).map((i) => i.code);
        if (codes.length === 0) codes.push(pick(order.items).code);
        const key = Math.random() < 0.5 ? randomUUID() : null;
        const body = {
          merchant_id: MERCHANT,
          third_shop_id: shop,
          shop_order_id: order.shop_order_id,
          code_list: codes,
          locale: "en-US",
        };
        for (let attempt = 0; attempt < 3 && !stopping(); attempt++) {
          const e = await call(id, "redeem", "/v2/localservice/saas/fulfill/redeem_code/", body, token, key);
          if (e.answer?.code === "0") {
            redeemed.push({ redeemId: String((e.answer.data as { redeem_id: string }).redeem_id), shop });
            break;
          }
          if (e.answer !== null && e.answer.handling === "none") break;
          if (!key) break; // without a key, a retry is a new attempt: the client rechecks instead
          await pause(100);
        }
      } else if (roll < 0.8 && redeemed.length > 0) {
        const r = pick(redeemed);
        await call(
          id,
          "cancel",
          "/v2/localservice/saas/fulfill/cancel_redeem/",
          { merchant_id: MERCHANT, third_shop_id: r.shop, redeem_id: r.redeemId, locale: "en-US" },
          token,
        );
      } else if (roll < 0.9) {
        const e = await call(
          id,
          "refund_request",
          "/platform/after-sales",
          {
            merchant_id: MERCHANT,
            shop_order_id: order.shop_order_id,
            item_order_ids: [pick(order.items).item_order_id],
          },
          operator,
        );
        const asId = (e.answer?.data as { after_sale_order_id?: string } | null)?.after_sale_order_id;
        if (asId) pendingAfterSales.push(asId);
      } else if (pendingAfterSales.length > 0) {
        const asId = pendingAfterSales.splice(
          Math.floor(Math.random() * pendingAfterSales.length),
          1,
        )[0] as string;
        const verb = Math.random() < 0.5 ? "approve" : "close";
        await call(
          id,
          verb === "approve" ? "refund_approve" : "refund_close",
          `/platform/after-sales/${asId}/${verb}`,
          { merchant_id: MERCHANT },
          operator,
        );
      }
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
}

/** The outbox's size: every event the relay must deliver. */
export async function eventCount(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom("outbox")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Answers counted by operation and row ("redeem: success", "lookup: 500 …", "no answer"). */
export function answersByRow(history: readonly Entry[]): Record<string, number> {
  const answers: Record<string, number> = {};
  for (const e of history) {
    const k =
      e.answer === null
        ? "no answer"
        : e.answer.code === "0"
          ? `${e.op}: success`
          : `${e.op}: ${e.answer.status} ${e.answer.message}`;
    answers[k] = (answers[k] ?? 0) + 1;
  }
  return answers;
}
