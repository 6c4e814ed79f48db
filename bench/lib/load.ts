/**
 * Drives load with autocannon at a fixed concurrency (a closed loop; a fixed rate is paced-load.ts): one request
 * shape per scenario, a body per request from the scenario, every answer counted by its
 * catalogue row. Latency is taken from every answer (autocannon's own histogram keeps only
 * 2xx, and catalogue rows answer 500), at sub-millisecond precision.
 */
import autocannon from "autocannon";
import { CATALOGUE } from "../../packages/server/src/domain/catalogue.js";
import { ResourceSampler, type ResourceWindow } from "./proc.js";
import { type Latency, percentiles, round } from "./stats.js";

export type Endpoint = "query" | "redeem";

// The seed's rows come first in the catalogue: a message shared with an extension row (R34 and X2,
// FulfillRedeemUpdateConflict; X2 needs an Idempotency-Key, which the bench never sends) names the seed's row.
const ROW_BY_MESSAGE = new Map<string, string>();
for (const r of CATALOGUE) {
  const key = `${r.endpoint}:${r.message}`;
  if (!ROW_BY_MESSAGE.has(key)) ROW_BY_MESSAGE.set(key, r.row);
}

/** "OK", "<row> <message>" for a catalogue row, the generic code (e.g. rate_limit_exceeded), or "http_<status>". */
export function classify(endpoint: Endpoint, status: number, body: string): string {
  const i = body.lastIndexOf('"error":{"code":"');
  if (i < 0) return `http_${status}`;
  const m = /^"error":\{"code":"([^"]*)","message":"([^"]*)"/.exec(body.slice(i));
  if (!m) return `http_${status}`;
  if (m[1] === "0") return "OK";
  const row = ROW_BY_MESSAGE.get(`${endpoint}:${m[2]}`);
  return row ? `${row} ${m[2]}` : (m[1] as string);
}

export interface LoadSpec {
  readonly url: string;
  readonly path: string;
  readonly token: string;
  readonly endpoint: Endpoint;
  readonly connections: number;
  readonly durationS: number;
  /** The body of the next request; may keep what it chose in the connection's context. */
  readonly body: (context: Record<string, unknown>) => string;
  /** Sees every answer with the context of the request it answers. */
  readonly onAnswer?: (answer: string, context: Record<string, unknown>) => void;
  /** Checked after every request built and every answer: true ends the run early. */
  readonly stopWhen?: () => boolean;
  /** The server process to sample, and the PostgreSQL database it uses (null: none). */
  readonly serverPid: number | null;
  readonly sampleDb: string | null;
}

export interface LoadResult {
  readonly connections: number;
  readonly offered_rate: number | null;
  readonly duration_s: number;
  readonly answers_total: number;
  readonly throughput_rps: number;
  readonly ok_rps: number;
  readonly latency_ms: Latency;
  readonly answers: Record<string, number>;
  readonly socket_errors: number;
  readonly timeouts: number;
  readonly resources: ResourceWindow;
  /** The run's span on the monotonic clock, µs (to cut a CPU profile to the measurements). */
  readonly window_us: [number, number];
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const answers: Record<string, number> = {};
  const latencies: number[] = [];
  const sampler = new ResourceSampler(spec.serverPid, spec.sampleDb);
  return new Promise((resolve, reject) => {
    let stopping = false;
    let instance: ReturnType<typeof autocannon> | null = null;
    const maybeStop = () => {
      if (stopping || !spec.stopWhen?.()) return;
      stopping = true;
      setImmediate(() => instance?.stop());
    };
    const t0 = performance.now();
    const h0 = Number(process.hrtime.bigint() / 1000n);
    sampler.start();
    instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            method: "POST",
            path: spec.path,
            headers: { authorization: `Bearer ${spec.token}`, "content-type": "application/json" },
            setupRequest: (request, context) => {
              const body = spec.body(context);
              maybeStop();
              return { ...request, body };
            },
            onResponse: (status, body, context) => {
              const answer = classify(spec.endpoint, status, String(body));
              answers[answer] = (answers[answer] ?? 0) + 1;
              spec.onAnswer?.(answer, context);
              maybeStop();
            },
          },
        ],
      },
      (err, result) => {
        const resources = sampler.stop();
        if (err) return reject(err);
        const seconds = (performance.now() - t0) / 1000;
        const total = latencies.length;
        resolve({
          connections: spec.connections,
          offered_rate: null,
          duration_s: round(seconds, 2),
          answers_total: total,
          throughput_rps: round(total / seconds),
          ok_rps: round((answers.OK ?? 0) / seconds),
          latency_ms: percentiles(latencies),
          answers,
          socket_errors: result.errors,
          timeouts: result.timeouts,
          resources,
          window_us: [h0, Number(process.hrtime.bigint() / 1000n)],
        });
      },
    );
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}
