/**
 * The torture checker: over the clients' history and the final database, the properties that
 * must hold whatever faults happened. Each violation carries the smallest history that shows it.
 */
import type { Kysely } from "kysely";
import { agrees } from "../../src/domain/item-state.js";
import type { FulfillStatus } from "../../src/domain/status.js";
import type { DB } from "../../src/store/schema.js";
import { type Entry, isTransient } from "./history.js";

export interface Violation {
  readonly property: string;
  readonly detail: string;
  readonly history: Entry[];
}

export interface CheckInput {
  readonly db: Kysely<DB>;
  readonly history: readonly Entry[];
  /** event ids the webhook receiver got; null when webhooks are not checked */
  readonly received: ReadonlySet<string> | null;
}

export async function check(input: CheckInput): Promise<Violation[]> {
  const { db, history } = input;
  const violations: Violation[] = [];
  const redemptions = await db.selectFrom("redemptions").selectAll().orderBy("redeem_id").execute();
  const byId = new Map(redemptions.map((r) => [r.redeem_id, r]));
  const touching = (codes: string[]) =>
    history.filter((e) =>
      ((e.request.code_list as string[] | undefined) ?? []).some((c) => codes.includes(c)),
    );

  // 1. No code redeemed twice without a cancel between.
  const perCode = new Map<string, typeof redemptions>();
  for (const r of redemptions) for (const c of r.codes) perCode.set(c, [...(perCode.get(c) ?? []), r]);
  for (const [code, list] of perCode) {
    const sorted = [...list].sort((a, b) => (BigInt(a.redeem_id) < BigInt(b.redeem_id) ? -1 : 1));
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i] as (typeof sorted)[number];
      if (a.status !== "CANCELLED") {
        violations.push({
          property: "no code redeemed twice without a cancel between",
          detail: `code ${code}: redemption ${a.redeem_id} (${a.status}) then ${sorted[i + 1]?.redeem_id}`,
          history: touching([code]),
        });
      }
    }
  }

  // 2. Every acknowledged redeem persisted.
  for (const e of history) {
    if (e.op !== "redeem" || e.answer?.code !== "0") continue;
    const id = String((e.answer.data as { redeem_id?: string } | null)?.redeem_id);
    if (!byId.has(id))
      violations.push({
        property: "every acknowledged redeem persisted",
        detail: `redeem_id ${id} missing`,
        history: [e],
      });
  }

  // 3. No redeem persisted that a client saw fail with a row that is not transient.
  const acknowledged = new Set(
    history
      .filter((e) => e.op === "redeem" && e.answer?.code === "0")
      .map((e) => String((e.answer?.data as { redeem_id?: string } | undefined)?.redeem_id)),
  );
  for (const e of history) {
    if (e.op !== "redeem" || e.answer === null || e.answer.code === "0" || isTransient(e)) continue;
    const codes = [...((e.request.code_list as string[]) ?? [])].sort().join(",");
    const suspects = redemptions.filter((r) => {
      if (acknowledged.has(r.redeem_id)) return false;
      const t = Number(r.redeem_time) * 1000;
      return [...r.codes].sort().join(",") === codes && t >= e.start - 1000 && t <= e.end + 1000;
    });
    // Another attempt with the same codes, unacknowledged and running when the redemption was
    // written (a timeout or a transient answer), explains a suspect.
    const explained = suspects.filter((r) => {
      const t = Number(r.redeem_time) * 1000;
      return history.some(
        (o) =>
          o !== e &&
          o.op === "redeem" &&
          (o.answer === null || isTransient(o)) &&
          t >= o.start - 1000 &&
          t <= o.end + 1000 &&
          [...((o.request.code_list as string[]) ?? [])].sort().join(",") === codes,
      );
    });
    if (suspects.length > explained.length) {
      violations.push({
        property: "no redeem persisted that a client saw fail for good",
        detail: `${e.answer.message} for ${codes}`,
        history: touching((e.request.code_list as string[]) ?? []),
      });
    }
  }

  // 4. The three records of every item agree.
  const items = await db
    .selectFrom("vouchers as v")
    .innerJoin("execution_orders as x", "x.item_order_id", "v.item_order_id")
    .innerJoin("sub_fulfillment_orders as s", "s.item_order_id", "v.item_order_id")
    .select(["v.code", "v.status as voucher", "x.status as execution", "s.status as sub"])
    .execute();
  for (const i of items) {
    const state = {
      voucher: i.voucher as FulfillStatus,
      execution: i.execution as FulfillStatus,
      sub: i.sub as FulfillStatus,
    };
    if (!agrees(state))
      violations.push({
        property: "the three records agree",
        detail: `${i.code}: ${i.voucher}/${i.execution}/${i.sub}`,
        history: touching([i.code]),
      });
  }

  // 5. Each committed change has exactly one outbox event (and each event reached the receiver).
  const events = await db.selectFrom("outbox").select(["event_id", "event_type", "content"]).execute();
  const redeemEvents = new Map<string, number>();
  const cancelEvents = new Map<string, number>();
  for (const ev of events) {
    const id = String((ev.content as { redeem_id?: string }).redeem_id ?? "");
    if (ev.event_type === "ttls.fulfill.redeem.result") redeemEvents.set(id, (redeemEvents.get(id) ?? 0) + 1);
    if (ev.event_type === "ttls.fulfill.redeem_cancel.result")
      cancelEvents.set(id, (cancelEvents.get(id) ?? 0) + 1);
  }
  for (const r of redemptions) {
    if (redeemEvents.get(r.redeem_id) !== 1)
      violations.push({
        property: "one outbox event per redemption",
        detail: `${r.redeem_id}: ${redeemEvents.get(r.redeem_id) ?? 0}`,
        history: touching(r.codes),
      });
    const cancels = cancelEvents.get(r.redeem_id) ?? 0;
    if (cancels !== (r.status === "CANCELLED" ? 1 : 0))
      violations.push({
        property: "one outbox event per cancel",
        detail: `${r.redeem_id}: ${cancels}`,
        history: touching(r.codes),
      });
  }
  if (redeemEvents.size !== redemptions.length)
    violations.push({
      property: "no redeem event without its redemption",
      detail: `${redeemEvents.size} events, ${redemptions.length} redemptions`,
      history: [],
    });
  const afterSales = await db
    .selectFrom("after_sale_orders")
    .select(["after_sale_order_id", "status"])
    .execute();
  const afterSaleEvents = events.filter((e) => e.event_type === "ttls.fulfill.after_sale.result");
  const expectedAfterSaleEvents = afterSales.reduce((n, a) => n + (a.status === "PROCESSING" ? 1 : 2), 0);
  if (afterSaleEvents.length !== expectedAfterSaleEvents) {
    violations.push({
      property: "one outbox event per after-sale change",
      detail: `${afterSaleEvents.length} events for ${expectedAfterSaleEvents} changes`,
      history: [],
    });
  }
  if (input.received) {
    const missing = events.filter((e) => !input.received?.has(e.event_id));
    if (missing.length > 0)
      violations.push({
        property: "each event reached the webhook receiver",
        detail: `${missing.length} of ${events.length} not received, e.g. ${missing[0]?.event_id}`,
        history: [],
      });
  }

  // 6. Idempotent replays returned the first redeem id.
  const perKey = new Map<string, Set<string>>();
  for (const e of history) {
    if (e.op !== "redeem" || !e.idempotencyKey || e.answer?.code !== "0") continue;
    const set = perKey.get(e.idempotencyKey) ?? new Set<string>();
    set.add(String((e.answer.data as { redeem_id?: string }).redeem_id));
    perKey.set(e.idempotencyKey, set);
  }
  for (const [key, ids] of perKey) {
    if (ids.size > 1)
      violations.push({
        property: "idempotent replays return the first redeem id",
        detail: `${key}: ${[...ids].join(", ")}`,
        history: history.filter((e) => e.idempotencyKey === key),
      });
  }
  return violations;
}
