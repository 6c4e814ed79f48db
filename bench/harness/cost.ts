/**
 * Cost per operation: CPU milliseconds of PostgreSQL (every process of the private cluster) and
 * of the server per operation, over a window that runs from the load's start until the work the
 * operations left behind is done: the outbox backlog is 0 (every event fanned out by the relay)
 * and the request-log queue is flushed (`fulfill_request_log_pending` 0), read from the server's
 * own /metrics. For D the window is pgbench's run until its backends have ended. On the private
 * cluster, pg_stat_statements over the same window says which statements took the time.
 */

import { readStatements, resetStatements, type StatementRow } from "../lib/cluster.js";
import type { LoadResult } from "../lib/load.js";
import { ResourceSampler, type ResourceWindow } from "../lib/proc.js";
import { round } from "../lib/stats.js";
import { OPERATOR_TOKEN, type Session } from "./session.js";

export interface StatementCost extends StatementRow {
  readonly calls_per_op: number;
  readonly ms_per_op: number;
  /** Share of all statements' time in the window, %. */
  readonly share_pct: number;
}

export interface OpCost {
  readonly ops: number;
  readonly seconds: number;
  readonly pg_cpu_ms: number | null;
  readonly pg_cpu_ms_per_op: number | null;
  readonly server_cpu_ms: number | null;
  readonly server_cpu_ms_per_op: number | null;
  readonly other_cpu_pct: number | null;
  /** Ours: what was left at the window's end (both 0 when it drained) and how long draining took. */
  readonly drained?: { outbox_backlog: number | null; request_log_pending: number | null; drain_ms: number };
  /** pg_stat_statements over the window (private cluster only). */
  readonly statements?: {
    readonly calls: number;
    readonly total_ms: number;
    readonly calls_per_op: number;
    readonly ms_per_op: number;
    readonly top: StatementCost[];
  };
}

/** The comparison of one operation at one level: ours, D and (lookup) H. */
export interface LevelCost {
  readonly ours: OpCost;
  readonly D: OpCost | null;
  readonly H: { requests: number; server_cpu_ms: number | null; server_cpu_ms_per_op: number | null } | null;
  readonly pg_cpu_ms_ratio_to_d: number | null;
  readonly server_cpu_ms_ratio_to_h: number | null;
}

const per = (x: number | null, n: number) => (x === null || n <= 0 ? null : round(x / n, 4));

/** A cost window: start before the load, `end` after it (ours drains first). */
export class CostWindow {
  readonly #s: Session;
  readonly #sampler: ResourceSampler;
  readonly #statements: boolean;

  private constructor(s: Session, serverPid: number | null, statements: boolean) {
    this.#s = s;
    this.#sampler = new ResourceSampler(serverPid, s.dbName);
    this.#statements = statements;
  }

  static async start(s: Session, serverPid: number | null): Promise<CostWindow> {
    const statements = s.opts.privateCluster && s.db === "postgres";
    if (statements) await resetStatements(s.opts.adminUrl);
    const w = new CostWindow(s, serverPid, statements);
    w.#sampler.start();
    return w;
  }

  async end(ops: number, drained?: OpCost["drained"]): Promise<OpCost> {
    const r: ResourceWindow = this.#sampler.stop();
    let statements: OpCost["statements"];
    if (this.#statements) {
      const rows = await readStatements(this.#s.opts.adminUrl, this.#s.dbName, 1000);
      const total = rows.reduce((a, x) => a + x.total_ms, 0);
      const calls = rows.reduce((a, x) => a + x.calls, 0);
      statements = {
        calls,
        total_ms: round(total),
        calls_per_op: per(calls, ops) ?? 0,
        ms_per_op: per(total, ops) ?? 0,
        top: rows.slice(0, 20).map((x) => ({
          ...x,
          calls_per_op: per(x.calls, ops) ?? 0,
          ms_per_op: per(x.total_ms, ops) ?? 0,
          share_pct: total > 0 ? round((100 * x.total_ms) / total, 1) : 0,
        })),
      };
    }
    return {
      ops,
      seconds: r.seconds,
      pg_cpu_ms: r.db_cpu_ms,
      pg_cpu_ms_per_op: per(r.db_cpu_ms, ops),
      server_cpu_ms: r.server_cpu_ms,
      server_cpu_ms_per_op: per(r.server_cpu_ms, ops),
      other_cpu_pct: r.other_cpu_pct,
      ...(drained ? { drained } : {}),
      ...(statements ? { statements } : {}),
    };
  }
}

/** One gauge's value in a Prometheus text page (null when absent). */
function gauge(text: string, name: string): number | null {
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : null;
}

/** Waits until the server's outbox backlog is 0 and its request log flushed (polls /metrics; at most 30 s). */
export async function drain(url: string): Promise<NonNullable<OpCost["drained"]>> {
  const t0 = performance.now();
  let backlog: number | null = null;
  let pending: number | null = null;
  for (;;) {
    try {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
      const text = await res.text();
      backlog = gauge(text, "fulfill_outbox_backlog");
      pending = gauge(text, "fulfill_request_log_pending");
    } catch {
      // try again
    }
    if (backlog === 0 && pending === 0) break;
    if (performance.now() - t0 > 30_000) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    outbox_backlog: backlog,
    request_log_pending: pending,
    drain_ms: Math.round(performance.now() - t0),
  };
}

/** Ours: a load run inside a cost window that ends once the server drained. */
export async function withCost<T extends LoadResult>(
  s: Session,
  serverPid: number,
  url: string,
  run: () => Promise<T>,
): Promise<{ result: T; cost: OpCost }> {
  const w = await CostWindow.start(s, serverPid);
  const result = await run();
  const drained = await drain(url);
  return { result, cost: await w.end(result.answers_total, drained) };
}

export function levelCost(
  ours: OpCost,
  D: OpCost | null,
  H: { answers_total: number; resources: ResourceWindow } | null,
): LevelCost {
  const h = H
    ? {
        requests: H.answers_total,
        server_cpu_ms: H.resources.server_cpu_ms,
        server_cpu_ms_per_op: per(H.resources.server_cpu_ms, H.answers_total),
      }
    : null;
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a === null || a === undefined || b === null || b === undefined || b <= 0 ? null : round(a / b, 3);
  return {
    ours,
    D,
    H: h,
    pg_cpu_ms_ratio_to_d: ratio(ours.pg_cpu_ms_per_op, D?.pg_cpu_ms_per_op),
    server_cpu_ms_ratio_to_h: ratio(ours.server_cpu_ms_per_op, h?.server_cpu_ms_per_op),
  };
}
