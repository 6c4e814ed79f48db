/**
 * Drives load at a fixed offered rate, paced evenly: request i is due at t0 + i/rate, whatever
 * the answers before it did (an open loop, like wrk2's constant throughput). Its latency runs
 * from when it was DUE, not from when a connection was free to send it, so time spent queued
 * behind slow answers counts (no coordinated omission).
 *
 * The client is a few lines over raw keep-alive sockets (request bytes built once per body, answers
 * framed by Content-Length): an HTTP client library cost the loader, on the same 2 cores as the
 * server, half again the CPU autocannon takes for the same rate.
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection rate/connections requests
 * per second and resets the quota on a 1 s interval, so every connection fires its quota back to
 * back at the start of each second and then idles: the "80 % of peak" run was a closed loop at
 * full concurrency for 80 % of every second, and its p99 that of a saturated server.
 */

import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { LoadResult, LoadSpec } from "./load.js";
import { classify } from "./load.js";
import { ResourceSampler } from "./proc.js";
import { percentiles, round } from "./stats.js";

export type PacedSpec = Pick<
  LoadSpec,
  "url" | "path" | "token" | "endpoint" | "durationS" | "body" | "serverPid" | "sampleDb"
> & {
  /** The most requests in flight at once (the connections); more due wait, and their wait counts. */
  readonly connections: number;
  readonly overallRate: number;
};

export interface PacedResult extends LoadResult {
  /** Latency from when the request went out on a free connection (its wait for one left out), for comparison. */
  readonly service_latency_ms: ReturnType<typeof percentiles>;
  /** Requests that went out more than 1 ms after they were due (no free connection, or the loader was late). */
  readonly late_sends: number;
  /** Per second of the run (by when requests were due): answers, p50, p99 and max latency (ms), to see where the tail comes from. */
  readonly per_second: { s: number; n: number; p50: number; p99: number; max: number }[];
}

const TIMEOUT_MS = 10_000;

interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * One keep-alive HTTP/1.1 connection, one request at a time. The server under test frames every
 * answer with Content-Length (Fastify does for the JSON bodies it sends); anything else is an error.
 */
class Connection {
  #socket: Socket;
  #chunks: Buffer[] = [];
  #size = 0;
  #pending: { resolve: (a: Answer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.#socket = this.#open();
  }

  #open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("connection closed")));
    return socket;
  }

  send(request: Buffer): Promise<Answer> {
    if (this.#socket.destroyed) this.#socket = this.#open();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new Error("timeout") as Error & { code: string };
        err.code = "TIMEOUT";
        this.#socket.destroy();
        this.#fail(err);
      }, TIMEOUT_MS);
      this.#pending = { resolve, reject, timer };
      this.#chunks = [];
      this.#size = 0;
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #fail(err: Error): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = null;
    clearTimeout(p.timer);
    p.reject(err);
  }

  #onData(chunk: Buffer): void {
    if (!this.#pending) return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    const all = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#size);
    const headEnd = all.indexOf("\r\n\r\n");
    if (headEnd < 0) return;
    const head = all.toString("latin1", 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.#socket.destroy();
      this.#fail(new Error("answer without Content-Length"));
      return;
    }
    const end = headEnd + 4 + Number(length[1]);
    if (all.length < end) return;
    const p = this.#pending;
    this.#pending = null;
    clearTimeout(p.timer);
    p.resolve({ status: Number(head.slice(9, 12)), text: all.toString("utf8", headEnd + 4, end) });
  }
}

export async function runPacedLoad(spec: PacedSpec): Promise<PacedResult> {
  const url = new URL(spec.url);
  const prefix =
    `POST ${spec.path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${spec.token}\r\n` +
    "Content-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: ";
  const requestBytes = (body: string) => Buffer.from(`${prefix}${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const idle: Connection[] = Array.from(
    { length: spec.connections },
    () => new Connection(url.hostname, Number(url.port)),
  );

  // Every connection answers once before the run (not measured), as autocannon's are open before it starts.
  await Promise.all(idle.map((c) => c.send(requestBytes(spec.body({}))).catch(() => null)));

  const answers: Record<string, number> = {};
  const latencies: number[] = [];
  const dueAt: number[] = [];
  const service: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let late = 0;
  const periodMs = 1000 / spec.overallRate;
  const total = Math.round(spec.overallRate * spec.durationS);

  const sampler = new ResourceSampler(spec.serverPid, spec.sampleDb);
  sampler.start();
  const h0 = Number(process.hrtime.bigint() / 1000n);
  const t0 = performance.now();

  // Due requests wait here for a free connection (their latency still runs from when they were due).
  const waiting: number[] = [];
  let settle: (() => void) | null = null;
  const start = (conn: Connection, due: number) => {
    const sentAt = performance.now();
    if (sentAt - due > 1) late++;
    conn
      .send(requestBytes(spec.body({})))
      .then(
        ({ status, text }) => {
          const end = performance.now();
          latencies.push(end - due);
          dueAt.push(due - t0);
          service.push(end - sentAt);
          const answer = classify(spec.endpoint, status, text);
          answers[answer] = (answers[answer] ?? 0) + 1;
        },
        (err: { code?: string }) => {
          if (err.code === "TIMEOUT") timeouts++;
          else errors++;
        },
      )
      .finally(() => {
        const nextDue = waiting.shift();
        if (nextDue !== undefined) return start(conn, nextDue);
        idle.push(conn);
        if (idle.length === spec.connections) settle?.();
      });
  };
  const fire = (i: number) => {
    const due = t0 + i * periodMs;
    const conn = idle.pop();
    if (conn) start(conn, due);
    else waiting.push(due);
  };

  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      // Every request due by now goes out; the timer then sleeps until the next one is due.
      const dueCount = Math.min(total, Math.floor((now - t0) / periodMs) + 1);
      while (next < dueCount) fire(next++);
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + next * periodMs - performance.now()));
    };
    tick();
  });
  if (idle.length < spec.connections)
    await new Promise<void>((r) => {
      settle = r;
    });
  const seconds = (performance.now() - t0) / 1000;
  const resources = sampler.stop();
  for (const c of idle) c.close();

  return {
    connections: spec.connections,
    offered_rate: spec.overallRate,
    duration_s: round(seconds, 2),
    answers_total: latencies.length,
    throughput_rps: round(latencies.length / seconds),
    ok_rps: round((answers.OK ?? 0) / seconds),
    latency_ms: percentiles(latencies),
    service_latency_ms: percentiles(service),
    late_sends: late,
    per_second: perSecond(dueAt, latencies),
    answers,
    socket_errors: errors,
    timeouts,
    resources,
    window_us: [h0, Number(process.hrtime.bigint() / 1000n)],
  };
}

function perSecond(dueAt: number[], latencies: number[]): PacedResult["per_second"] {
  const buckets = new Map<number, number[]>();
  dueAt.forEach((d, i) => {
    const s = Math.floor(d / 1000);
    const list = buckets.get(s) ?? [];
    list.push(latencies[i] as number);
    buckets.set(s, list);
  });
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([s, list]) => {
      const p = percentiles(list);
      return { s, n: list.length, p50: round(p.p50, 1), p99: round(p.p99, 1), max: round(p.max, 1) };
    });
}
