/**
 * `GET /metrics` in Prometheus's text format (prom-client), behind the operator token (a
 * scraper sends `Authorization: Bearer $FULFILL_OPERATOR_TOKEN`). Business errors answer HTTP
 * 500 by contract, so a 5xx alert cannot tell a used voucher from an outage: requests are
 * counted by endpoint and catalogue row (the outcome send.ts records on the request).
 *
 * Per process: requests, latency, thrown query errors, throttled answers, enumeration trips,
 * the pool, Node's process metrics. Deployment-wide (read from the database at scrape time, the
 * same in every process): the outbox backlog, the oldest pending delivery's age, deliveries by
 * state (dead = dead letters).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { ENUMERATION_THROTTLED } from "../gateway/enumeration-guard.js";
import type { HttpContext } from "./context.js";
import { METRICS_RESPONSES, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";

/** What the metrics read of the system at scrape time (bound by the composition root). */
export interface MetricsSources {
  pool(): { total: number; idle: number; waiting: number } | null;
  outbox(): Promise<{ backlog: number; oldestPendingMs: number | null; deliveries: Record<string, number> }>;
  nowMs(): number;
  /** Request-log entries of this process not yet written to the database. */
  requestLogPending?(): number;
}

const DELIVERY_STATES = ["pending", "delivered", "dead"] as const;

/** The endpoint label: the route's log name or pattern, never a raw path (unbounded labels). */
function endpointOf(request: FastifyRequest): string {
  return request.routeOptions.config?.logName ?? request.routeOptions.url ?? "(no route)";
}

/** One registry per app (tests run several servers in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "fulfill_requests_total",
    help: "Answered requests by endpoint, catalogue row (or generic error) and HTTP status",
    labelNames: ["endpoint", "row", "status"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "fulfill_request_duration_seconds",
    help: "Time from the request's arrival to its answer, by endpoint",
    labelNames: ["endpoint"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queryErrors = new Counter({
    name: "fulfill_query_errors_total",
    help: "Database errors that reached the error handler, by class (unavailable, SQLSTATE class, unexpected)",
    labelNames: ["class"] as const,
    registers: [this.registry],
  });
  readonly throttled = new Counter({
    name: "fulfill_throttled_total",
    help: "Requests answered rate_limit_exceeded, by endpoint and reason (rate_limit, enumeration_budget, credentials)",
    labelNames: ["endpoint", "reason"] as const,
    registers: [this.registry],
  });
  readonly enumerationTrips = new Counter({
    name: "fulfill_enumeration_trips_total",
    help: "Code-enumeration budgets tripped (one alert each), by budget (own: the caller's; parent: a device's app)",
    labelNames: ["budget"] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "fulfill_db_pool_connections",
      help: "PostgreSQL connections of this process's pool: total, idle, and callers waiting for one",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        const pool = sources.pool();
        if (!pool) return;
        this.set({ state: "total" }, pool.total);
        this.set({ state: "idle" }, pool.idle);
        this.set({ state: "in_use" }, pool.total - pool.idle);
        this.set({ state: "waiting" }, pool.waiting);
      },
    });
    new Gauge({
      name: "fulfill_request_log_pending",
      help: "Request-log entries of this process accepted and not yet written to the database (queued or being inserted)",
      registers: [this.registry],
      collect() {
        if (sources.requestLogPending) this.set(sources.requestLogPending());
      },
    });
    // One read of the outbox per scrape, shared by its three gauges; when the database does not
    // answer they keep their last values (the scrape itself must work during an outage).
    type Outbox = Awaited<ReturnType<MetricsSources["outbox"]>>;
    let outbox: Promise<Outbox | null> | null = null;
    const readOutbox = (): Promise<Outbox | null> => {
      if (outbox === null) {
        outbox = sources.outbox().catch(() => null);
        void outbox.then(() =>
          setTimeout(() => {
            outbox = null;
          }, 0),
        );
      }
      return outbox;
    };
    new Gauge({
      name: "fulfill_outbox_backlog",
      help: "Events committed but not yet fanned out to deliveries (the whole deployment)",
      registers: [this.registry],
      async collect() {
        const read = await readOutbox();
        if (read) this.set(read.backlog);
      },
    });
    new Gauge({
      name: "fulfill_outbox_oldest_pending_seconds",
      help: "Age of the oldest webhook delivery not yet delivered nor dead (0: none)",
      registers: [this.registry],
      async collect() {
        const read = await readOutbox();
        if (!read) return;
        const oldest = read.oldestPendingMs;
        this.set(oldest === null ? 0 : Math.max(0, (sources.nowMs() - oldest) / 1000));
      },
    });
    new Gauge({
      name: "fulfill_webhook_deliveries",
      help: "Webhook deliveries by state (dead: dead letters), the whole deployment",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        const read = await readOutbox();
        if (!read) return;
        const { deliveries } = read;
        for (const state of new Set([...DELIVERY_STATES, ...Object.keys(deliveries)]))
          this.set({ state }, deliveries[state] ?? 0);
      },
    });
  }
}

/** Why a rate_limit_exceeded answer was given, from its recorded cause. */
function throttleReason(cause: string | null): string {
  if (cause === ENUMERATION_THROTTLED) return "enumeration_budget";
  if (cause && /attempts|throttled/.test(cause)) return "credentials";
  return "rate_limit";
}

/** The SQLSTATE class of a database error, if it carries one. */
function errorClass(error: unknown, unavailable: (e: unknown) => boolean): string | null {
  if (unavailable(error)) return "unavailable";
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return `sqlstate_${code.slice(0, 2)}`;
  return null;
}

export function installMetrics(app: FastifyInstance, ctx: HttpContext, metrics: Metrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const endpoint = endpointOf(request);
    const row = request.outcome?.row ?? "none";
    metrics.requests.inc({ endpoint, row, status: String(reply.statusCode) });
    metrics.latency.observe({ endpoint }, reply.elapsedTime / 1000);
    if (row === "rate_limit_exceeded")
      metrics.throttled.inc({ endpoint, reason: throttleReason(request.outcome?.cause ?? null) });
  });
  app.addHook("onError", async (_request, _reply, error) => {
    // A request the client got wrong (a body that does not parse) is no query error.
    if (typeof error.statusCode === "number" && error.statusCode < 500) return;
    const cls = errorClass(error, ctx.isDatabaseUnavailable) ?? "unexpected";
    metrics.queryErrors.inc({ class: cls });
  });

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["ops"],
        operationId: "metrics",
        summary: "Prometheus metrics (operator token)",
        security: SECURITY.operator,
        response: METRICS_RESPONSES,
      },
      preHandler: operatorGuard(ctx),
      config: { logName: "metrics" },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}
