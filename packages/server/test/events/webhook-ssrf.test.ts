/**
 * No SSRF at send time (CONTRACT.md section 8): the host is resolved, every address checked, and
 * the connection pinned to one of them. The resolver is a stub (no test resolves a real name) and
 * the connect step a stub that records the address and fails the test unless the send was refused
 * before it: no test here opens a connection to anything but a receiver on 127.0.0.1.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.js";
import { deliveryOptions } from "../../src/events/options.js";
import { EventRelay } from "../../src/events/relay.js";
import {
  type Connect,
  type PinnedRequest,
  pinnedConnect,
  postWebhook,
  type SendOutcome,
  type WebhookTransport,
} from "../../src/events/webhook.js";
import type { ResolvedAddress } from "../../src/events/webhook-target.js";
import { EventStore } from "../../src/store/event-store.js";
import type { System } from "../../src/system.js";
import { load, redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { baseWorld, NOW, order, product } from "../support/world.js";

const never = new AbortController().signal;
const family = (a: string): 4 | 6 => (a.includes(":") ? 6 : 4);

/** A stub resolver: each name to the addresses given; any other name fails the test. */
function stubResolver(names: Record<string, string[]>, asked: string[]): WebhookTransport["resolve"] {
  return async (host) => {
    asked.push(host);
    const list = names[host];
    if (!list) throw new Error(`the test resolved an unexpected name: ${host}`);
    return list.map((address): ResolvedAddress => ({ address, family: family(address) }));
  };
}

/** Records what would have been connected to; the send must never get this far. */
function forbiddenConnect(seen: PinnedRequest[]): Connect {
  return async (r) => {
    seen.push(r);
    throw new Error(`connected to ${r.address.address}`);
  };
}

async function send(url: string, transport: WebhookTransport): Promise<SendOutcome> {
  return postWebhook(url, '{"x":1}', "t=1,s=00", 2000, never, transport);
}

const INTERNAL: Record<string, string> = {
  "loop.test": "127.0.0.1",
  "loop-other.test": "127.8.9.10",
  "ten.test": "10.0.0.1",
  "oneseventwo.test": "172.16.5.4",
  "oneninetwo.test": "192.168.1.1",
  "mapped-loop.test": "::ffff:127.0.0.1",
  "mapped-ten.test": "::ffff:10.0.0.1",
  "metadata.test": "169.254.169.254",
  "cgnat.test": "100.64.0.1",
  "linklocal6.test": "fe80::1",
  "uniquelocal6.test": "fc00::1",
  "loop6.test": "::1",
  "zero.test": "0.0.0.0",
  "zero6.test": "::",
  "multicast.test": "224.0.0.1",
  "multicast6.test": "ff02::1",
  "broadcast.test": "255.255.255.255",
  "documentation.test": "192.0.2.1",
  "documentation6.test": "2001:db8::1",
  "benchmarking.test": "198.18.0.1",
  "reserved.test": "240.0.0.1",
  "nat64.test": "64:ff9b::a00:1",
  "sixtofour.test": "2002:a00:1::",
  "compat-loop.test": "::7f00:1",
  "compat-ten.test": "::a00:1",
};

describe("send time with the loopback allowance off: every non-public address is refused before connecting", () => {
  const asked: string[] = [];
  const seen: PinnedRequest[] = [];
  const names: Record<string, string[]> = Object.fromEntries(
    Object.entries(INTERNAL).map(([k, v]) => [k, [v]]),
  );
  names["mixed.test"] = ["93.184.216.34", "10.0.0.1"];
  const transport: WebhookTransport = {
    allowLoopback: false,
    resolve: stubResolver(names, asked),
    connect: forbiddenConnect(seen),
  };

  for (const [name, address] of Object.entries(INTERNAL)) {
    it(`https://${name}/ resolving to ${address}`, async () => {
      const out = await send(`https://${name}/hook?token=s3cr3t`, transport);
      expect(out).toMatchObject({ ok: false, status: null, aborted: false, refused: true });
      if (out.ok) return;
      expect(out.error).toContain(`refused: ${name} resolves to ${address}`);
      expect(out.error).not.toContain("s3cr3t");
      expect(seen).toEqual([]);
    });
  }

  it("a name with one private address among public ones is refused", async () => {
    const out = await send("https://mixed.test/hook", transport);
    expect(out).toMatchObject({ ok: false, refused: true });
    expect(seen).toEqual([]);
  });

  for (const [url, address] of [
    ["https://127.0.0.1/", "127.0.0.1"],
    ["https://2130706433/", "127.0.0.1"],
    ["https://0177.0.0.1/", "127.0.0.1"],
    ["https://0x7f.0.0.1/", "127.0.0.1"],
    ["https://0x7f000001/", "127.0.0.1"],
    ["https://[::1]/", "::1"],
    ["https://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
    ["https://[::ffff:a00:1]/", "::ffff:a00:1"],
    ["https://[::127.0.0.1]/", "::7f00:1"],
    ["https://169.254.169.254/latest/meta-data/", "169.254.169.254"],
    ["https://0251.0376.0251.0376/", "169.254.169.254"],
    ["https://100.64.0.1/", "100.64.0.1"],
    ["https://[fe80::1]/", "fe80::1"],
    ["https://0.0.0.0/", "0.0.0.0"],
    ["https://224.0.0.1/", "224.0.0.1"],
  ] as const) {
    it(`a literal host ${url} is refused without resolving`, async () => {
      const before = asked.length;
      const out = await send(url, transport);
      expect(out).toMatchObject({ ok: false, refused: true });
      if (!out.ok) expect(out.error).toContain(`refused: ${address} is a`);
      expect(asked.length).toBe(before);
      expect(seen).toEqual([]);
    });
  }

  it("credentials in the URL are refused, and the error does not repeat them", async () => {
    const out = await send("https://user:pa55word@public.test/hook", {
      ...transport,
      resolve: stubResolver({ "public.test": ["93.184.216.34"] }, asked),
    });
    expect(out).toMatchObject({ ok: false, refused: true });
    expect(JSON.stringify(out)).not.toContain("pa55word");
    expect(seen).toEqual([]);
  });

  it("http to a public host is refused (https only)", async () => {
    const out = await send("http://public.test/hook", {
      ...transport,
      resolve: stubResolver({ "public.test": ["93.184.216.34"] }, asked),
    });
    expect(out).toMatchObject({ ok: false, refused: true, error: "refused: webhook_url must use https" });
    expect(seen).toEqual([]);
  });
});

describe("send time with FULFILL_WEBHOOK_ALLOW_LOOPBACK: loopback only, never other ranges", () => {
  const asked: string[] = [];
  const seen: PinnedRequest[] = [];
  const names = Object.fromEntries(Object.entries(INTERNAL).map(([k, v]) => [k, [v]]));
  const transport: WebhookTransport = {
    allowLoopback: true,
    resolve: stubResolver(names, asked),
    connect: forbiddenConnect(seen),
  };
  const loopback = new Set(["loop.test", "loop-other.test", "loop6.test", "mapped-loop.test"]);
  for (const [name, address] of Object.entries(INTERNAL).filter(([n]) => !loopback.has(n))) {
    it(`https://${name}/ resolving to ${address} is still refused`, async () => {
      const out = await send(`https://${name}/hook`, transport);
      expect(out).toMatchObject({ ok: false, refused: true });
      expect(seen).toEqual([]);
    });
  }
  it("http to a name resolving to a private address is refused", async () => {
    const out = await send("http://ten.test/hook", transport);
    expect(out).toMatchObject({ ok: false, refused: true });
    expect(seen).toEqual([]);
  });
});

describe("an allowed send is pinned to the checked address, the name kept", () => {
  it("a public name connects to the address it resolved to, with the URL (and so SNI and Host) unchanged", async () => {
    const seen: PinnedRequest[] = [];
    const out = await send("https://hooks.public.test:8443/in?x=1", {
      allowLoopback: false,
      resolve: stubResolver({ "hooks.public.test": ["93.184.216.34", "2606:2800:220:1::1"] }, []),
      // Records only: no connection is opened.
      connect: async (r) => {
        seen.push(r);
        return { status: 204 };
      },
    });
    expect(out).toEqual({ ok: true, status: 204 });
    expect(seen.map((r) => [r.address, r.url.hostname, r.url.port, r.url.pathname + r.url.search])).toEqual([
      [{ address: "93.184.216.34", family: 4 }, "hooks.public.test", "8443", "/in?x=1"],
    ]);
  });

  describe("over a real connection to a receiver on 127.0.0.1", () => {
    const got: { path: string; headers: IncomingHttpHeaders }[] = [];
    let redirectTo = "";
    let server: Server;
    let other: Server;
    let otherHits = 0;
    let port = 0;
    beforeAll(async () => {
      server = createServer((req, res) => {
        got.push({ path: req.url ?? "", headers: req.headers });
        req.resume();
        if (req.url === "/moved") res.writeHead(302, { location: redirectTo }).end();
        else res.writeHead(200).end("ok");
      });
      other = createServer((req, res) => {
        otherHits++;
        req.resume();
        res.writeHead(200).end("ok");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
      port = (server.address() as AddressInfo).port;
      redirectTo = `http://127.0.0.1:${(other.address() as AddressInfo).port}/stolen`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      other.closeAllConnections();
      await new Promise((r) => server.close(r));
      await new Promise((r) => other.close(r));
    });
    const transport = (): WebhookTransport => ({
      allowLoopback: true,
      resolve: stubResolver({ "receiver.test": ["127.0.0.1"] }, []),
      connect: pinnedConnect,
    });

    it("a name resolving (stub) to 127.0.0.1 reaches the receiver, with the name as Host", async () => {
      const out = await send(`http://receiver.test:${port}/hook?k=v`, transport());
      expect(out).toEqual({ ok: true, status: 200 });
      expect(got.at(-1)?.path).toBe("/hook?k=v");
      expect(got.at(-1)?.headers.host).toBe(`receiver.test:${port}`);
      expect(got.at(-1)?.headers["tiktok-signature"]).toBe("t=1,s=00");
    });

    it("a redirect is not followed: a 3xx is a failed attempt and its Location gets nothing", async () => {
      const out = await send(`http://receiver.test:${port}/moved`, transport());
      expect(out).toMatchObject({ ok: false, status: 302, error: "HTTP 302" });
      expect(otherHits).toBe(0);
    });
  });
});

const database = testDatabases()[0];
if (!database) throw new Error("no test database");

describe(`the relay records a refused send as a failed attempt, logged without the URL's secrets, on ${database.name}`, () => {
  const P = "7200000000000000801";
  const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
  let system: System;
  beforeAll(async () => {
    system = await database.open();
    const world = baseWorld();
    world.apps = [
      {
        client_key: "ck_demo",
        client_secret: "cs_demo",
        name: "Demo",
        webhook_url: "https://hooks.internal.test/in?token=s3cr3t",
      },
    ];
    world.products = [product(P, { valid_to: NOW + 300 * 86400 })];
    world.orders = [o.order];
    await load(system, world);
    system.clock.freeze(NOW);
  });
  afterAll(async () => system?.close());

  it("the delivery stays pending with one failed attempt naming the refused address; nothing connected", async () => {
    const seen: PinnedRequest[] = [];
    const lines: { level: string; obj: object; msg: string }[] = [];
    const at = (level: string) => (obj: object, msg: string) => lines.push({ level, obj, msg });
    const relay = new EventRelay({
      store: new EventStore(system.database.db),
      secrets: system.secrets,
      realClock: { nowMs: () => Date.now() },
      options: { ...deliveryOptions(configFromEnv({})), baseMs: 60_000 },
      log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
      transport: {
        allowLoopback: true,
        resolve: stubResolver({ "hooks.internal.test": ["10.0.0.7"] }, []),
        connect: forbiddenConnect(seen),
      },
    });
    const r = await redeem(system, o.built.shopOrderId, [o.built.codes[0] as string]);
    expect(r.ok).toBe(true);
    expect(await relay.runOnce()).toEqual({ fannedOut: 1, claimed: 1 });
    await relay.stop();
    expect(seen).toEqual([]);
    const rows = await system.database.db
      .selectFrom("webhook_deliveries")
      .select(["state", "attempts", "last_status", "last_error"])
      .where("shop_order_id", "=", o.built.shopOrderId)
      .execute();
    expect(rows).toEqual([
      {
        state: "pending",
        attempts: 1,
        last_status: null,
        last_error: "refused: hooks.internal.test resolves to 10.0.0.7, a private address, not a public one",
      },
    ]);
    const warned = lines.filter((l) => l.level === "warn");
    expect(warned.map((l) => l.msg)).toEqual(["webhook send refused before connecting"]);
    expect(JSON.stringify(lines)).not.toContain("s3cr3t");
  });
});
