/**
 * A real server on a loopback port for HTTP tests, on the given test database, with a small
 * client for the SaaS, sandbox and platform routes. Tests raise the rate limit by configuration
 * (except the rate-limit test itself).
 */
import { type Config, configFromEnv } from "../../src/config.js";
import type { RealClock } from "../../src/core/ports.js";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { type RunningServer, startServer } from "../../src/server.js";
import type { System } from "../../src/system.js";
import type { TestDatabase } from "./databases.js";
import { MERCHANT } from "./world.js";

// 32 characters at least: servers outside the sandbox refuse a shorter operator token.
export const OPERATOR_TOKEN = "op_test_operator_token_0123456789";
export const QUERY = "/v2/localservice/saas/fulfill/get_code_item_list/";
export const REDEEM = "/v2/localservice/saas/fulfill/redeem_code/";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  json: any;
}

export interface TestServer {
  readonly url: string;
  readonly server: RunningServer;
  readonly system: System;
  request(
    path: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string | undefined },
  ): Promise<HttpAnswer>;
  postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  token(opts?: { clientKey?: string; clientSecret?: string; merchantId?: string }): Promise<string>;
  query(token: string, body: Record<string, unknown>): Promise<HttpAnswer>;
  redeem(token: string, body: Record<string, unknown>, idempotencyKey?: string): Promise<HttpAnswer>;
  operator(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  world(world: WorldT): Promise<HttpAnswer>;
  fault(point: string, times?: number, merchantId?: string | null): Promise<HttpAnswer>;
  clearFaults(): Promise<HttpAnswer>;
  clock(now: number | null): Promise<HttpAnswer>;
  qr(shopOrderId: string, ttl?: number): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Capture every log line (at level debug) instead of silencing the log. */
  readonly logStream?: NodeJS.WritableStream;
  /** Serve another instance's system (one database, as two processes would share it); not closed here. */
  readonly system?: System;
  /** The real clock of the system (tests that move real time, e.g. housekeeping). */
  readonly realClock?: RealClock;
}

export async function startTestServer(
  database: TestDatabase,
  overrides: Partial<Config> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const config: Config = {
    ...configFromEnv({}),
    port: 0,
    host: "127.0.0.1",
    sandbox: true,
    operatorToken: OPERATOR_TOKEN,
    rateLimitPerSecond: 1_000_000,
    missBudgetPerMinute: 1_000_000,
    authFailuresPerMinute: 1_000_000,
    // Tests' webhook receivers listen on 127.0.0.1 (never set outside tests and the demo).
    webhookAllowLoopback: true,
    ...overrides,
  };
  const system =
    options.system ??
    (await database.open({
      deadlineMs: config.coreDeadlineMs,
      ...(options.realClock ? { realClock: options.realClock } : {}),
    }));
  let server: RunningServer;
  try {
    server = await startServer(config, {
      memory: true,
      logLevel: options.logStream ? "trace" : (process.env.TEST_LOG_LEVEL ?? "silent"),
      system,
      ...(options.logStream ? { logStream: options.logStream } : {}),
    });
  } catch (err) {
    if (!options.system) await system.close();
    throw err;
  }
  const url = server.url;

  async function request(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | undefined } = {},
  ) {
    const res = await fetch(url + path, {
      method: init.method ?? "GET",
      headers: init.headers ?? {},
      body: init.body,
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, text, json };
  }
  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const operator = (method: string, path: string, body?: unknown) =>
    request(path, {
      method,
      headers: {
        authorization: `Bearer ${OPERATOR_TOKEN}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });

  return {
    url,
    server,
    system,
    request,
    postJson,
    operator,
    async token(opts = {}) {
      const form = new URLSearchParams({
        client_key: opts.clientKey ?? "ck_demo",
        client_secret: opts.clientSecret ?? "cs_demo",
        merchant_id: opts.merchantId ?? MERCHANT,
        grant_type: "access_token",
      });
      const res = await request("/merchant/oauth/token/", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
      return res.json.access_token as string;
    },
    query: (token, body) => postJson(QUERY, body, { authorization: `Bearer ${token}` }),
    redeem: (token, body, key) =>
      postJson(REDEEM, body, {
        authorization: `Bearer ${token}`,
        ...(key !== undefined ? { "idempotency-key": key } : {}),
      }),
    world: (world) => operator("POST", "/sandbox/world", world),
    fault: (point, times = 1, merchantId = null) =>
      operator("POST", "/sandbox/faults", { point, times, merchant_id: merchantId }),
    clearFaults: () => operator("DELETE", "/sandbox/faults"),
    clock: (now) => operator("POST", "/sandbox/clock", { now }),
    async qr(shopOrderId, ttl) {
      const res = await operator("POST", "/sandbox/qr", {
        shop_order_id: shopOrderId,
        ...(ttl ? { ttl } : {}),
      });
      if (res.status !== 200) throw new Error(`qr: ${res.status} ${res.text}`);
      return res.json.data.qr_info as string;
    },
    async close() {
      await server.close();
      if (!options.system) await system.close();
    },
  };
}

/** Asserts nothing by itself: returns the parts of an error answer that conformance checks. */
export function errorOf(answer: HttpAnswer): {
  status: number;
  code: string;
  message: string;
  logId: string;
  header: string | null;
} {
  return {
    status: answer.status,
    code: answer.json?.error?.code,
    message: answer.json?.error?.message,
    logId: answer.json?.error?.log_id,
    header: answer.headers.get("x-tt-logid"),
  };
}
