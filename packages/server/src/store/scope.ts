/** What every aggregate module of the store reads with: the database, the fault board, the rule cache. */
import type { Kysely, Transaction } from "kysely";
import type { FaultPoints, ReadContext } from "../core/ports.js";
import { DependencyUnavailable } from "./faults.js";
import type { RuleCache } from "./read-cache.js";
import type { DB } from "./schema.js";

export type Executor = Kysely<DB> | Transaction<DB>;

export interface StoreScope {
  readonly db: Executor;
  readonly faults: FaultPoints;
  /** Rule data (merchants, shops, products, holidays) may come from it; records of state never do. */
  readonly cache: RuleCache | null;
}

/** A read fails here, before its SQL, when its fault point is armed: the same error path as an outage. */
export function checkFault(faults: FaultPoints, ctx: ReadContext): void {
  if (ctx.fault && faults.fires(ctx.fault, ctx.merchantId)) throw new DependencyUnavailable(ctx.fault);
}

export function cached<T>(scope: StoreScope, key: string, load: () => Promise<T>): Promise<T> {
  return scope.cache ? scope.cache.get(key, load) : load();
}

/** An int8 column (a decimal string on both drivers) as a number; null stays null. */
export const num = (value: string | number | null): number | null => (value === null ? null : Number(value));
