/**
 * The SDK tests' setup: a real test server holding a world, the recording proxy in front of it,
 * and a client that talks through the proxy (short backoff unless told otherwise).
 */
import { expect } from "vitest";
import type { TestDatabase } from "../../../server/test/support/databases.js";
import { startTestServer, type TestServer } from "../../../server/test/support/server.js";
import { type baseWorld, MERCHANT, NOW } from "../../../server/test/support/world.js";
import { type ClientOptions, createClient, type FulfillClient } from "../../src/index.js";
import { type RecordingProxy, startProxy } from "./proxy.js";

export interface Harness {
  readonly t: TestServer;
  readonly proxy: RecordingProxy;
  readonly client: FulfillClient;
}

export async function startHarness(
  database: TestDatabase,
  world: ReturnType<typeof baseWorld>,
  options: { server?: Parameters<typeof startTestServer>[1]; client?: Partial<ClientOptions> } = {},
): Promise<Harness> {
  const t = await startTestServer(database, options.server);
  expect((await t.world(world)).status).toBe(200);
  const proxy = await startProxy(t.url);
  const client = createClient({
    baseUrl: proxy.url,
    clientKey: "ck_demo",
    clientSecret: "cs_demo",
    merchantId: MERCHANT,
    baseDelayMs: 5,
    maxDelayMs: 20,
    ...options.client,
  } as ClientOptions);
  return { t, proxy, client };
}

export async function closeHarness(h: Partial<Harness> | undefined): Promise<void> {
  await h?.proxy?.close();
  await h?.t?.close();
}

/** Before each test: no faults, the clock at NOW, a token in hand, nothing recorded yet. */
export async function freshTest(h: Harness): Promise<void> {
  await h.t.clearFaults();
  await h.t.clock(NOW);
  await h.client.accessToken(); // the token exchange is not what the tests count
  h.proxy.reset();
}
