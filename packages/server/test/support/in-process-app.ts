/**
 * The real Fastify app of the server, built in-process on a system of its own and driven with
 * `app.inject()` (no network port): the same context and routes as `startServer`, without the
 * listener, the device routes and the event relay. Tests raise the rate limit and the
 * enumeration miss budget by configuration, as `startTestServer` does.
 */
import type { FastifyInstance } from "fastify";
import { type Config, configFromEnv } from "../../src/config.js";
import { QrCodec } from "../../src/gateway/qr-codec.js";
import { buildApp } from "../../src/http/app.js";
import type { HttpContext } from "../../src/http/context.js";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { httpContext } from "../../src/server.js";
import { openSystem, type System } from "../../src/system.js";
import { OPERATOR_TOKEN } from "./server.js";
import { MERCHANT } from "./world.js";

export interface InjectAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  json: any;
}

export interface InProcessApp {
  readonly app: FastifyInstance;
  readonly context: HttpContext;
  readonly qr: QrCodec;
  readonly system: System;
  post(
    path: string,
    contentType: string,
    body: string,
    headers?: Record<string, string>,
  ): Promise<InjectAnswer>;
  world(world: WorldT | unknown): Promise<InjectAnswer>;
  token(): Promise<string>;
  close(): Promise<void>;
}

export async function buildInProcessApp(overrides: Partial<Config> = {}): Promise<InProcessApp> {
  const config: Config = {
    ...configFromEnv({}),
    sandbox: true,
    operatorToken: OPERATOR_TOKEN,
    rateLimitPerSecond: 1e12,
    missBudgetPerMinute: 1e12,
    authFailuresPerMinute: 1e12,
    ...overrides,
  };
  const system = await openSystem({ dataDir: null, deadlineMs: config.coreDeadlineMs });
  try {
    const qr = new QrCodec(system.qrKeys.current);
    const context = httpContext(config, system, qr, OPERATOR_TOKEN);
    const app = await buildApp(context, { logLevel: process.env.TEST_LOG_LEVEL ?? "silent" });
    await app.ready();
    const post = async (
      path: string,
      contentType: string,
      body: string,
      headers: Record<string, string> = {},
    ) => {
      const res = await app.inject({
        method: "POST",
        url: path,
        headers: { "content-type": contentType, ...headers },
        payload: body,
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
      let json: any = null;
      try {
        json = JSON.parse(res.body);
      } catch {
        json = null;
      }
      return { status: res.statusCode, headers: res.headers, text: res.body, json };
    };
    return {
      app,
      context,
      qr,
      system,
      post,
      world: (world) =>
        post("/sandbox/world", "application/json", JSON.stringify(world), {
          authorization: `Bearer ${OPERATOR_TOKEN}`,
        }),
      async token() {
        const form = new URLSearchParams({
          client_key: "ck_demo",
          client_secret: "cs_demo",
          merchant_id: MERCHANT,
          grant_type: "access_token",
        });
        const res = await post(
          "/merchant/oauth/token/",
          "application/x-www-form-urlencoded",
          form.toString(),
        );
        if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
        return res.json.access_token as string;
      },
      async close() {
        await app.close();
        await system.close();
      },
    };
  } catch (err) {
    await system.close();
    throw err;
  }
}
