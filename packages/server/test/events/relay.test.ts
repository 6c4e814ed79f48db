/**
 * The relay's parts and failure behaviour: backoff, options from the environment, the
 * signature, a relay whose database fails (logs, never throws, stops cleanly), and a server
 * whose NATS is unreachable (webhooks still go; events wait for NATS).
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.js";
import { EventRelay } from "../../src/events/index.js";
import { NatsPublisher } from "../../src/events/nats.js";
import { backoffMs, type DeliveryOptions, deliveryOptions } from "../../src/events/options.js";
import type { EventOutbox } from "../../src/events/ports.js";
import { webhookBody, webhookSignature } from "../../src/events/webhook.js";
import { type RunningServer, startServer } from "../../src/server.js";
import type { System } from "../../src/system.js";
import { load, redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { OPERATOR_TOKEN } from "../support/server.js";
import { baseWorld, NOW, order, product } from "../support/world.js";
import { fastDelivery, Receiver, sleep, waitFor } from "./support.js";

/** The relay's options from an environment, as the server reads them (config.ts). */
const deliveryOptionsFromEnv = (env: NodeJS.ProcessEnv, natsUrl: string | undefined) =>
  deliveryOptions(configFromEnv({ ...env, ...(natsUrl ? { NATS_URL: natsUrl } : {}) }));

describe("backoff and options", () => {
  const o = { baseMs: 1000, factor: 2, maxMs: 3_600_000, jitter: 0.5 };

  it("grows exponentially from the base, with jitter taking at most half, capped", () => {
    for (let i = 0; i < 200; i++) {
      const first = backoffMs(o, 1);
      expect(first).toBeGreaterThanOrEqual(500);
      expect(first).toBeLessThanOrEqual(1000);
      const fifth = backoffMs(o, 5);
      expect(fifth).toBeGreaterThanOrEqual(8000);
      expect(fifth).toBeLessThanOrEqual(16000);
      expect(backoffMs(o, 40)).toBeLessThanOrEqual(3_600_000);
      expect(backoffMs(o, 40)).toBeGreaterThanOrEqual(1_800_000);
    }
    expect(backoffMs({ ...o, jitter: 0 }, 3)).toBe(4000);
    expect(backoffMs(o, 3, () => 0)).toBe(4000);
    expect(backoffMs(o, 3, () => 1)).toBe(2000);
  });

  it("reads its timings from the environment, with the contract's defaults", () => {
    const d = deliveryOptionsFromEnv({}, undefined);
    expect(d).toMatchObject({
      baseMs: 1000,
      factor: 2,
      maxMs: 3_600_000,
      giveUpMs: 72 * 3600 * 1000,
      pollMs: 500,
      timeoutMs: 5000,
      nats: null,
    });
    const e = deliveryOptionsFromEnv(
      {
        FULFILL_WEBHOOK_BASE_MS: "10",
        FULFILL_WEBHOOK_MAX_MS: "20",
        FULFILL_WEBHOOK_GIVE_UP_MS: "30",
        FULFILL_WEBHOOK_POLL_MS: "40",
        FULFILL_WEBHOOK_TIMEOUT_MS: "50",
        FULFILL_NATS_STREAM: "S",
        FULFILL_NATS_SUBJECT_PREFIX: "a.b.",
      },
      "nats://127.0.0.1:4222",
    );
    expect(e).toMatchObject({ baseMs: 10, maxMs: 20, giveUpMs: 30, pollMs: 40, timeoutMs: 50 });
    expect(e.nats).toMatchObject({ url: "nats://127.0.0.1:4222", stream: "S", subjectPrefix: "a.b." });
    expect(deliveryOptionsFromEnv({}, "nats://x").nats).toMatchObject({
      stream: "TTLS_FULFILL",
      subjectPrefix: "",
    });
    expect(() => deliveryOptionsFromEnv({ FULFILL_WEBHOOK_BASE_MS: "soon" }, undefined)).toThrow(
      /FULFILL_WEBHOOK_BASE_MS/,
    );
    expect(() => deliveryOptionsFromEnv({ FULFILL_NATS_SUBJECT_PREFIX: "a.>" }, "nats://x")).toThrow(
      /PREFIX/,
    );
  });

  it("signs t.body with HMAC-SHA256 of the client secret; content travels as a JSON string", () => {
    const body = webhookBody("ck", {
      eventId: "9",
      eventType: "ttls.fulfill.redeem.result",
      createTime: 100,
      userId: "7",
      content: { a: 1 },
    });
    expect(JSON.parse(body)).toEqual({
      client_key: "ck",
      event: "ttls.fulfill.redeem.result",
      create_time: 100,
      user_id: "7",
      content: '{"a":1}',
      caller: "ttls-fulfill",
      event_id: "9",
    });
    const expected = createHmac("sha256", "secret").update(`1700000000.${body}`).digest("hex");
    expect(webhookSignature("secret", 1700000000, body)).toBe(`t=1700000000,s=${expected}`);
  });
});

describe("a relay whose database fails", () => {
  it("logs (rate-limited), never throws, and stops cleanly", async () => {
    const warnings: string[] = [];
    const failing = new Error("connection refused");
    const store = {
      fanOut: async () => {
        throw failing;
      },
      claimDeliveries: async () => {
        throw failing;
      },
    } as unknown as EventOutbox;
    const options: DeliveryOptions = { ...deliveryOptionsFromEnv({}, undefined), pollMs: 5 };
    const log = {
      debug: () => undefined,
      info: () => undefined,
      warn: (_o: object, m: string) => warnings.push(m),
      error: (_o: object, m: string) => warnings.push(m),
    };
    const relay = new EventRelay({
      store,
      secrets: { open: (s: string) => s },
      realClock: { nowMs: () => Date.now() },
      options,
      log,
    });
    relay.start();
    await sleep(200);
    relay.nudge();
    await relay.stop();
    expect(warnings).toEqual([
      "event fan-out failed; retrying",
      "claiming webhook deliveries failed; retrying",
    ]);
    relay.nudge(); // after stop: nothing happens
    await relay.stop();
  });

  it("a NATS publisher that cannot connect answers not-ready, backs off, and closes", async () => {
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (_o: object, m: string) => warnings.push(m) };
    const p = new NatsPublisher(
      {
        url: "nats://127.0.0.1:1",
        stream: "X",
        subjectPrefix: "",
        duplicateWindowMs: 60_000,
        ackTimeoutMs: 1000,
      },
      log,
      () => Date.now(),
    );
    expect(await p.ready()).toBe(false);
    const started = Date.now();
    expect(await p.ready()).toBe(false); // within the back-off: no new attempt
    expect(Date.now() - started).toBeLessThan(50);
    expect(warnings).toEqual(["NATS unavailable; events wait for it"]);
    await p.close();
  });
});

const database = testDatabases()[0];
if (!database) throw new Error("no test database");

describe(`with NATS unreachable on ${database.name}`, () => {
  const P = "7200000000000000501";
  const receiver = new Receiver({ ck_demo: "cs_demo" });
  const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
  let system: System;
  let server: RunningServer;
  let closed = false;

  beforeAll(async () => {
    await receiver.start();
    system = await database.open();
    const world = baseWorld();
    world.apps = [
      { client_key: "ck_demo", client_secret: "cs_demo", name: "Demo", webhook_url: `${receiver.url}/hook` },
    ];
    world.products = [product(P)];
    world.orders = [o.order];
    await load(system, world);
    system.clock.freeze(NOW);
    const config = {
      ...configFromEnv({}),
      port: 0,
      host: "127.0.0.1",
      operatorToken: OPERATOR_TOKEN,
      natsUrl: "nats://127.0.0.1:1",
      webhookAllowLoopback: true,
    };
    server = await startServer(
      { ...config, ...fastDelivery() },
      { memory: true, logLevel: "silent", system },
    );
  });
  afterAll(async () => {
    if (!closed) await server?.close();
    await system?.close();
    await receiver.stop();
  });

  it("webhooks still go, the event waits for NATS, and the server stops promptly", async () => {
    const r = await redeem(system, o.built.shopOrderId, [o.built.codes[0] as string]);
    expect(r.ok).toBe(true);
    await waitFor("the webhook", () => receiver.delivered().size === 1);
    const pubs = await system.database.db.selectFrom("event_publications").selectAll().execute();
    expect(pubs).toHaveLength(1);
    expect(pubs[0]).toMatchObject({ published_at: null, lease_owner: null });
    const started = Date.now();
    await server.close();
    closed = true;
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
