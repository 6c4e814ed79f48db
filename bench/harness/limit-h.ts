/**
 * H, the HTTP limit: a bare Fastify route (bench/limit/http-canned.ts) answering the real
 * answers' bytes, loaded like ours. One canned server per invocation, started with the first
 * world's answers and kept running; in --quick each (operation, concurrency) is measured once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QUERY_PATH, REDEEM_PATH } from "../lib/client.js";
import { type LoadResult, runLoad } from "../lib/load.js";
import { type PacedResult, runPacedLoad } from "../lib/paced-load.js";
import { log } from "../lib/progress.js";
import { freePort, spawnNode } from "../lib/server.js";
import { onCleanup } from "./cleanup.js";
import type { Options } from "./options.js";

export interface LimitH {
  readonly concurrency: number;
  readonly response_bytes: number;
  readonly result: LoadResult;
}

/** H measurements of this invocation by (operation, concurrency); reused across worlds only in --quick. */
const hCache = new Map<string, LimitH>();

export interface Canned {
  readonly url: string;
  readonly pid: number;
  readonly bodies: { lookup_code: string; redeem: string };
  stop(): Promise<void>;
}
let canned: Canned | null = null;

/** The canned server: started once per invocation with the first world's real answers, warmed up, kept running. */
async function cannedServer(
  bodies: { lookup_code: string; redeem: string },
  warmupS: number,
  connections: number,
  requestBody: () => string,
): Promise<Canned> {
  if (canned) return canned;
  const dir = mkdtempSync(join(tmpdir(), "bench-h-"));
  const file = join(dir, "bodies.json");
  writeFileSync(file, JSON.stringify({ [QUERY_PATH]: bodies.lookup_code, [REDEEM_PATH]: bodies.redeem }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, stop } = await spawnNode(
    "bench/limit/http-canned.ts",
    ["--port", String(port), "--bodies", file],
    { ...process.env, NODE_OPTIONS: "" },
    async () => (await fetch(`${url}/healthz`)).status === 200,
    [],
    "the canned server",
  );
  const stopAll = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(stopAll);
  log(`  H: bare Fastify, canned answers of ${bodies.lookup_code.length} and ${bodies.redeem.length} bytes`);
  canned = { url, pid: child.pid as number, bodies, stop: stopAll };
  await runLoad({
    url,
    token: "canned",
    serverPid: canned.pid,
    sampleDb: null,
    path: QUERY_PATH,
    endpoint: "query",
    connections,
    durationS: warmupS,
    body: requestBody,
  });
  return canned;
}

export async function measureH(
  opts: Options,
  op: "lookup_code" | "redeem",
  c: number,
  bodies: { lookup_code: string; redeem: string },
  requestBody: () => string,
): Promise<LimitH> {
  const key = `${op}:${c}`;
  const cached = hCache.get(key);
  if (cached && opts.mode === "quick") return cached;
  const srv = await cannedServer(bodies, opts.warmupS, c, requestBody);
  const result = await runLoad({
    url: srv.url,
    token: "canned",
    serverPid: srv.pid,
    sampleDb: null,
    path: op === "redeem" ? REDEEM_PATH : QUERY_PATH,
    endpoint: op === "redeem" ? "redeem" : "query",
    connections: c,
    durationS: opts.durationS,
    body: requestBody,
  });
  const h = { concurrency: c, response_bytes: srv.bodies[op].length, result };
  hCache.set(key, h);
  log(`    H ${op} c=${c}: ${result.throughput_rps} rps, p99 ${result.latency_ms.p99} ms`);
  return h;
}

/**
 * The same paced run on the canned server (H) at an absolute rate: the rate our server was
 * paced at, so both p99s are taken under the same offered load.
 */
export async function pacedH(
  offered: number,
  concurrency: number,
  bodies: { lookup_code: string; redeem: string },
  warmupS: number,
  durationS: number,
  requestBody: () => string,
): Promise<{ offered_rate: number; result: PacedResult }> {
  const srv = await cannedServer(bodies, warmupS, concurrency, requestBody);
  const result = await runPacedLoad({
    url: srv.url,
    token: "canned",
    serverPid: srv.pid,
    sampleDb: null,
    path: QUERY_PATH,
    endpoint: "query",
    connections: concurrency,
    durationS,
    overallRate: offered,
    body: requestBody,
  });
  log(`    H paced at the same rate (${offered} rps): p99 ${result.latency_ms.p99} ms`);
  return { offered_rate: offered, result };
}

/** Stops the canned server, if one was started. */
export async function stopCanned(): Promise<void> {
  await canned?.stop();
}
