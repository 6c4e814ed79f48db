/**
 * The redeem-row scenario world: one shop order per state, window or snapshot that produces a
 * core row (R15–R32), over products whose rules produce them. The core's row tests
 * (test/core/redeem-rows.test.ts) and the HTTP conformance suite both load it.
 */
import type { WorldT } from "../../src/sandbox/world-schema.js";
import {
  type BuiltOrder,
  baseWorld,
  DAY,
  NOW,
  type OrderSpec,
  OTHER_MERCHANT,
  order,
  product,
  SHOP_2,
} from "./world.js";

export type Item = OrderSpec["items"][number];
export const wait: Item = { status: "WAIT_FULFILL" };

/** The scenario products, their ids `${prefix}01` … `${prefix}10` (prefix: 17 digits). */
export function scenarioProducts(prefix: string) {
  const id = (n: number) => `${prefix}${String(n).padStart(2, "0")}`;
  return {
    any: id(1), // usable any time, at S-001
    future: id(2), // window starts tomorrow
    past: id(3), // window ended yesterday
    weekend: id(4), // Saturday and Sunday only (NOW is a Tuesday)
    evening: id(5), // 18:00–22:00 only (NOW is 10:00 local)
    holiday: id(6), // not on holidays; NOW's local date is a holiday
    noShop: id(7), // applicable to no shop
    other: id(8), // another merchant's product
    daytime: id(9), // 08:00–22:00 (NOW is inside; NOW + 13 h is not)
    endsSoon: id(10), // window ends one hour after NOW
  };
}
export type ScenarioProducts = ReturnType<typeof scenarioProducts>;

export interface ScenarioWorld {
  readonly world: WorldT;
  readonly P: ScenarioProducts;
  /** Adds one shop order named `name` to the world. */
  add(name: string, productId: string, items: Item[]): void;
  /** The built order named `name`. */
  o(name: string): BuiltOrder;
  /** Adds the orders of the redeem rows R15–R32, one per scenario (after the caller's own). */
  addRowScenarios(): void;
}

/** The base world with NOW's date a holiday and the scenario products; orders are added by the caller. */
export function scenarioWorld(productPrefix: string): ScenarioWorld {
  const P = scenarioProducts(productPrefix);
  const world = baseWorld();
  world.holidays = [...(world.holidays ?? []), { country: "ID", date: "2026-12-01", name: "Test Holiday" }];
  world.products = [
    product(P.any),
    product(P.future, { valid_from: NOW + DAY }),
    product(P.past, { valid_to: NOW - DAY }),
    product(P.weekend, { usable_weekdays: [6, 7] }),
    product(P.evening, { usable_hours: [{ start: "18:00", end: "22:00" }] }),
    product(P.holiday, { holidays_unavailable: true }),
    product(P.noShop, { applicable_third_shop_ids: [] }),
    product(P.other, { merchant_id: OTHER_MERCHANT, applicable_third_shop_ids: ["O-001"] }),
    product(P.daytime, { usable_hours: [{ start: "08:00", end: "22:00" }] }),
    product(P.endsSoon, { valid_to: NOW + 3600 }),
  ];
  const orders: Record<string, BuiltOrder> = {};
  const add = (name: string, productId: string, items: Item[]) => {
    const o = order({ productId, items });
    world.orders?.push(o.order);
    orders[name] = o.built;
  };
  const addRowScenarios = () => {
    add("refunded", P.any, [{ status: "AFTER_SALE_SUCCESS" }]);
    add("refundedAndExpired", P.past, [{ status: "AFTER_SALE_SUCCESS" }]);
    add("future", P.future, [wait]);
    add("past", P.past, [wait]);
    add("weekend", P.weekend, [wait]);
    add("evening", P.evening, [wait]);
    add("holiday", P.holiday, [wait]);
    add("daytime", P.daytime, [wait]);
    add("endsSoon", P.endsSoon, [wait]);
    add("used", P.any, [{ status: "FINISH" }]);
    add("init", P.any, [{ status: "INIT" }]);
    add("execRefunded", P.any, [{ status: "WAIT_FULFILL", execution: { status: "AFTER_SALE_SUCCESS" } }]);
    add("execSlot", P.any, [
      { status: "WAIT_FULFILL", execution: { start_time: NOW + 3600, end_time: NOW + 7200 } },
    ]);
    add("execSlotOver", P.any, [
      { status: "WAIT_FULFILL", execution: { start_time: NOW - 7200, end_time: NOW - 3600 } },
    ]);
    add("execUsed", P.any, [{ status: "WAIT_FULFILL", execution: { status: "FINISH" } }]);
    add("execInit", P.any, [{ status: "WAIT_FULFILL", execution: { status: "INIT" } }]);
    add("noShop", P.noShop, [wait]);
    add("subRefunded", P.any, [
      { status: "WAIT_FULFILL", sub_fulfillment: { status: "AFTER_SALE_SUCCESS" } },
    ]);
    add("refunding", P.any, [{ status: "AFTER_SALE_PROCESSING" }]);
    add("refundingNoShop", P.any, [
      { status: "AFTER_SALE_PROCESSING", sub_fulfillment: { applicable_third_shop_ids: [] } },
    ]);
    add("otherShop", P.any, [
      { status: "WAIT_FULFILL", sub_fulfillment: { applicable_third_shop_ids: [SHOP_2] } },
    ]);
    add("subInit", P.any, [{ status: "WAIT_FULFILL", sub_fulfillment: { status: "INIT" } }]);
    add("mixedStages", P.any, [
      { status: "WAIT_FULFILL", execution: { status: "FINISH" } },
      { status: "FINISH" },
    ]);
  };
  return { world, P, add, o: (name) => orders[name] as BuiltOrder, addRowScenarios };
}
