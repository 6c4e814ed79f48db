/**
 * NATS JetStream publication, on every test database. CI provides NATS at 127.0.0.1:4222 (or
 * NATS_URL): when it is not reachable these tests fail rather than skip. Each describe uses a
 * stream and subject prefix of its own, deleted afterwards.
 *
 * - every outbox event reaches a JetStream consumer once, with message id = event id;
 * - a re-publish (a relay that died after publishing, before recording it) is dropped by msgID;
 * - across a relay restart (stop mid-stream, start another relay on the same database), every
 *   event is in the stream exactly once;
 * - PostgreSQL only: two server processes on one database at once, each (event, app) webhook
 *   sent exactly once and each event published once.
 */
import { randomBytes } from "node:crypto";
import {
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, configFromEnv } from "../../src/config.js";
import { cancelRedemption } from "../../src/core/cancel-redemption.js";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { openSystem, type System } from "../../src/system.js";
import { load, redeem } from "../support/core-harness.js";
import { createScratchDatabase, postgresOnly, testDatabases } from "../support/databases.js";
import { OPERATOR_TOKEN } from "../support/server.js";
import { type BuiltOrder, baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";
import { fastDelivery, Receiver, sleep, waitFor } from "./support.js";

const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";
const P = "7200000000000000401";
const SECRETS = { ck_demo: "cs_demo", ck_second: "cs_second_app_secret_0001" };

let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  try {
    nc = await connect({ servers: NATS_URL, timeout: 3000, reconnect: false });
  } catch (err) {
    throw new Error(
      `NATS is not reachable at ${NATS_URL} (CI provides it; these tests do not skip): ${(err as Error).message}`,
    );
  }
  jsm = await jetstreamManager(nc);
  js = jetstream(nc);
});
afterAll(async () => {
  await nc?.close();
});

interface Stream {
  readonly name: string;
  readonly prefix: string;
  readonly config: Partial<Config>;
}

function freshStream(): Stream {
  const tag = `${process.pid}_${randomBytes(4).toString("hex")}`;
  const name = `TTLS_FULFILL_TEST_${tag}`;
  const prefix = `test${tag}.`;
  return {
    name,
    prefix,
    config: fastDelivery({ natsStream: name, natsSubjectPrefix: prefix }),
  };
}

async function dropStream(s: Stream): Promise<void> {
  await jsm?.streams.delete(s.name).catch(() => undefined);
}

/** Every message of the stream, through an ordered JetStream consumer. */
async function readAll(stream: string): Promise<JsMsg[]> {
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  const consumer = await js.consumers.get(stream);
  const out: JsMsg[] = [];
  const until = Date.now() + 20_000;
  while (out.length < total && Date.now() < until) {
    const batch = await consumer.fetch({ max_messages: total - out.length, expires: 2000 });
    for await (const m of batch) out.push(m);
  }
  return out;
}

function msgId(m: JsMsg): string {
  return m.headers?.get("Nats-Msg-Id") ?? "";
}

async function startOn(system: System, stream: Stream): Promise<RunningServer> {
  const config: Config = {
    ...configFromEnv({}),
    port: 0,
    host: "127.0.0.1",
    sandbox: true,
    operatorToken: OPERATOR_TOKEN,
    rateLimitPerSecond: 1_000_000,
    natsUrl: NATS_URL,
    webhookAllowLoopback: true,
    ...stream.config,
  };
  return startServer(config, { memory: true, logLevel: process.env.TEST_LOG_LEVEL ?? "silent", system });
}

function natsWorld(orders: ReturnType<typeof order>[], hook: string | null): WorldT {
  const world = baseWorld();
  world.apps = [
    {
      client_key: "ck_demo",
      client_secret: SECRETS.ck_demo,
      name: "Demo POS",
      webhook_url: hook ? `${hook}/demo` : null,
    },
    {
      client_key: "ck_second",
      client_secret: SECRETS.ck_second,
      name: "Second",
      webhook_url: hook ? `${hook}/second` : null,
    },
  ];
  const merchant = world.merchants?.[0];
  if (merchant) {
    merchant.grants = ["ck_demo", "ck_second"].map((client_key) => ({
      client_key,
      scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
      third_shop_ids: [],
    }));
  }
  world.products = [product(P, { valid_to: NOW + 300 * 86400 })];
  world.orders = orders.map((o) => o.order);
  return world;
}

const orderOf = (items: number) =>
  order({ productId: P, items: Array.from({ length: items }, () => ({ status: "WAIT_FULFILL" as const })) });

async function redeemOne(system: System, o: BuiltOrder, i: number): Promise<string> {
  const r = await redeem(system, o.shopOrderId, [o.codes[i] as string]);
  if (!r.ok) throw new Error(`redeem failed: ${JSON.stringify(r)}`);
  return r.value.redeemId;
}

async function outbox(system: System): Promise<{ event_id: string; event_type: string; content: unknown }[]> {
  return system.database.db
    .selectFrom("outbox")
    .select(["event_id", "event_type", "content"])
    .orderBy("event_id")
    .execute();
}

async function allPublished(system: System): Promise<boolean> {
  const events = await outbox(system);
  const published = await system.database.db
    .selectFrom("event_publications")
    .select("event_id")
    .where("published_at", "is not", null)
    .execute();
  const set = new Set(published.map((p) => p.event_id));
  return events.length > 0 && events.every((e) => set.has(e.event_id));
}

/** The stream holds every outbox event exactly once, in event order, on its subject. */
async function expectExactlyOnce(system: System, stream: Stream): Promise<JsMsg[]> {
  const events = await outbox(system);
  const msgs = await readAll(stream.name);
  const ids = msgs.map(msgId);
  expect(new Set(ids).size, "no event twice in the stream").toBe(ids.length);
  expect([...ids].sort()).toEqual(events.map((e) => e.event_id).sort());
  const byId = new Map(events.map((e) => [e.event_id, e]));
  for (const m of msgs) {
    const e = byId.get(msgId(m));
    expect(m.subject).toBe(`${stream.prefix}${e?.event_type}`);
    const payload = m.json<{ event_id: string; event: string; content: unknown; caller: string }>();
    expect(payload).toMatchObject({
      event_id: msgId(m),
      event: e?.event_type,
      content: e?.content,
      caller: "ttls-fulfill",
    });
  }
  return msgs;
}

for (const database of testDatabases()) {
  describe(`NATS JetStream on ${database.name}`, () => {
    const stream = freshStream();
    let system: System;
    let server: RunningServer | null = null;
    const orders = Array.from({ length: 4 }, () => orderOf(6));

    beforeAll(async () => {
      system = await database.open();
      await load(system, natsWorld(orders, null));
      system.clock.freeze(NOW);
    });
    afterAll(async () => {
      await server?.close();
      await system?.close();
      await dropStream(stream);
    });

    it("creates the stream and publishes every event once, message id = event id, subject = prefix + event type", async () => {
      server = await startOn(system, stream);
      const o = orders[0]?.built as BuiltOrder;
      const redeemId = await redeemOne(system, o, 0);
      await redeemOne(system, o, 1);
      expect(
        (
          await cancelRedemption(system.cancelDeps, {
            merchantId: MERCHANT,
            appId: null,
            thirdShopId: SHOP_1,
            redeemId,
          })
        ).ok,
      ).toBe(true);
      await waitFor("every event published", () => allPublished(system), 20_000);
      const info = await jsm.streams.info(stream.name);
      expect(info.config.subjects).toEqual([`${stream.prefix}ttls.fulfill.>`]);
      const msgs = await expectExactlyOnce(system, stream);
      expect(msgs.map((m) => m.subject)).toEqual([
        `${stream.prefix}ttls.fulfill.redeem.result`,
        `${stream.prefix}ttls.fulfill.redeem.result`,
        `${stream.prefix}ttls.fulfill.redeem_cancel.result`,
      ]);
    });

    it("a re-publish after a crash between publishing and recording it is dropped by the message id", async () => {
      const events = await outbox(system);
      const before = (await jsm.streams.info(stream.name)).state.messages;
      // As if the relay had died right after JetStream acknowledged these, before recording it.
      await system.database.db
        .updateTable("event_publications")
        .set({ published_at: null, stream_seq: null })
        .where(
          "event_id",
          "in",
          events.map((e) => e.event_id),
        )
        .execute();
      await waitFor("re-published", () => allPublished(system), 20_000);
      expect((await jsm.streams.info(stream.name)).state.messages).toBe(before);
      await expectExactlyOnce(system, stream);
    });

    it("across a relay restart mid-stream, every event is in the stream exactly once", async () => {
      // Events keep coming while the relay is stopped, then another relay takes over the same database.
      const [, a, b, c] = orders.map((o) => o.built);
      for (let i = 0; i < 6; i++) await redeemOne(system, a as BuiltOrder, i);
      await server?.close();
      server = null;
      for (let i = 0; i < 6; i++) await redeemOne(system, b as BuiltOrder, i);
      const pending = await system.database.db
        .selectFrom("outbox")
        .select("event_id")
        .where("delivered_at", "is", null)
        .execute();
      expect(pending.length).toBeGreaterThanOrEqual(6);
      // Some of what the first relay published is taken for unrecorded: the next one publishes it again.
      await system.database.db
        .updateTable("event_publications")
        .set({ published_at: null })
        .where(
          "event_id",
          "in",
          (await outbox(system)).slice(-8).map((e) => e.event_id),
        )
        .execute();
      server = await startOn(system, stream);
      for (let i = 0; i < 6; i++) await redeemOne(system, c as BuiltOrder, i);
      await waitFor("every event published", () => allPublished(system), 20_000);
      const msgs = await expectExactlyOnce(system, stream);
      expect(msgs).toHaveLength(3 + 18);
    });
  });
}

for (const database of postgresOnly()) {
  describe(`two server processes on one ${database.name} database`, () => {
    const stream = freshStream();
    const receiver = new Receiver(SECRETS);
    const servers: RunningServer[] = [];
    const systems: System[] = [];
    let drop: (() => Promise<void>) | null = null;
    const orders = Array.from({ length: 6 }, () => orderOf(5));

    beforeAll(async () => {
      await receiver.start();
      const scratch = await createScratchDatabase(process.env.DATABASE_URL as string);
      drop = scratch.drop;
      const secretKey = randomBytes(32).toString("base64");
      for (let i = 0; i < 2; i++)
        systems.push(await openSystem({ databaseUrl: scratch.url, dataDir: null, secretKey }));
      const [first] = systems;
      await load(first as System, natsWorld(orders, `${receiver.url}/hook`));
      for (const s of systems) {
        s.clock.freeze(NOW);
        servers.push(await startOn(s, stream));
      }
    });
    afterAll(async () => {
      for (const s of servers) await s.close();
      for (const s of systems) await s.close();
      await drop?.();
      await receiver.stop();
      await dropStream(stream);
    });

    it("each (event, app) webhook is sent exactly once and each event published once, with both relays running", async () => {
      await Promise.all(
        orders.map(async (o, n) => {
          const system = systems[n % 2] as System;
          for (let i = 0; i < 5; i++) await redeemOne(system, o.built, i);
        }),
      );
      const first = systems[0] as System;
      const events = await outbox(first);
      expect(events).toHaveLength(30);
      await waitFor(
        "every webhook delivered",
        () => {
          const d = receiver.delivered();
          return events.every((e) => (d.get(e.event_id)?.length ?? 0) >= 2);
        },
        30_000,
      );
      await waitFor("every event published", () => allPublished(first), 20_000);
      await sleep(300);
      const d = receiver.delivered();
      for (const e of events) {
        const got = (d.get(e.event_id) ?? []).map((r) => r.body.client_key).sort();
        expect(got, `deliveries of ${e.event_id}`).toEqual(["ck_demo", "ck_second"]);
      }
      expect(receiver.receipts.every((r) => r.signatureValid)).toBe(true);
      // Order per (app, shop order) holds across processes too.
      for (const o of orders) {
        const ids = events
          .filter((e) => (e.content as { shop_order_id: string }).shop_order_id === o.built.shopOrderId)
          .map((e) => e.event_id);
        for (const ck of ["ck_demo", "ck_second"]) {
          const seen = receiver.receipts
            .filter((r) => r.body.client_key === ck && ids.includes(r.body.event_id))
            .map((r) => r.body.event_id);
          expect(seen).toEqual(ids);
        }
      }
      await expectExactlyOnce(first, stream);
    });
  });
}
