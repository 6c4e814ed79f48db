/**
 * `@fulfill/sdk/webhooks` against the server's own signer: the three event types verify and
 * come back typed; a tampered body, another secret, a timestamp outside the tolerance (either
 * way), malformed headers and unreadable bodies are refused with their reason. End to end, the
 * server's relay delivers to a loopback receiver that uses `verifyWebhook`. The main entry
 * never reaches `node:` modules.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestRefund } from "../../server/src/core/after-sale.js";
import { type WebhookEvent, webhookBody, webhookSignature } from "../../server/src/events/webhook.js";
import { fastDelivery, waitFor } from "../../server/test/events/support.js";
import { testDatabases } from "../../server/test/support/databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";
import { createClient } from "../src/index.js";
import {
  type VerifiedWebhook,
  verifyWebhook,
  type WebhookRefusal,
  WebhookVerificationError,
} from "../src/webhooks.js";

const SECRET = "cs_receiver_secret_0001";
const T = 1_790_000_000;
const at = (now: number) => ({ now: () => now });

const REDEEM: WebhookEvent = {
  eventId: "7300000000000000011",
  eventType: "ttls.fulfill.redeem.result",
  createTime: T - 5,
  userId: "6900000000000000001",
  content: {
    shop_order_id: "5800000000000001000",
    redeem_id: "7400000000000000001",
    item_ids: ["5800000000000001501"],
    codes: ["100000001001"],
    third_shop_id: "S-001",
    redeem_time: T - 5,
    redemption_source: 2,
  },
};
const CANCEL: WebhookEvent = {
  eventId: "7300000000000000012",
  eventType: "ttls.fulfill.redeem_cancel.result",
  createTime: T - 4,
  userId: "6900000000000000001",
  content: {
    shop_order_id: "5800000000000001000",
    redeem_id: "7400000000000000001",
    item_ids: ["5800000000000001501"],
    codes: ["100000001001"],
    third_shop_id: "S-001",
    cancel_time: T - 4,
  },
};
const AFTER_SALE: WebhookEvent = {
  eventId: "7300000000000000013",
  eventType: "ttls.fulfill.after_sale.result",
  createTime: T - 3,
  userId: "6900000000000000001",
  content: {
    after_sale_event_type: "AFTER_SALE_CREATE_SUCCESS",
    shop_order_id: "5800000000000001000",
    item_ids: ["5800000000000001501"],
    apply_source: 2,
    after_sale_order_id: "7500000000000000001",
    user_id: "6900000000000000001",
  },
};

/** What the server sends for `e`, signed at `t` with `secret`. */
function sent(e: WebhookEvent, t = T, secret = SECRET): { body: string; header: string } {
  const body = webhookBody("ck_receiver", e);
  return { body, header: webhookSignature(secret, t, body) };
}

function refusal(fn: () => unknown): WebhookRefusal | string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err.reason;
    return `not a WebhookVerificationError: ${String(err)}`;
  }
  return "accepted";
}

describe("verifyWebhook with the server's signer", () => {
  it("verifies each event type and returns the envelope with its content parsed and typed", () => {
    for (const e of [REDEEM, CANCEL, AFTER_SALE]) {
      const { body, header } = sent(e);
      const hook = verifyWebhook(body, header, SECRET, at(T));
      expect(hook).toEqual({
        known: true,
        client_key: "ck_receiver",
        event: e.eventType,
        create_time: e.createTime,
        user_id: e.userId,
        content: e.content,
        caller: "ttls-fulfill",
        event_id: e.eventId,
        signed_at: T,
      });
    }
    // The types narrow per event (this is checked by the type check of the tests).
    const hook: VerifiedWebhook = verifyWebhook(sent(REDEEM).body, sent(REDEEM).header, SECRET, at(T));
    if (!hook.known || hook.event !== "ttls.fulfill.redeem.result") throw new Error("not a redeem");
    const codes: string[] = hook.content.codes;
    const redeemTime: number = hook.content.redeem_time;
    expect([codes, redeemTime]).toEqual([["100000001001"], T - 5]);
  });

  it("takes the body as a string, a Buffer or a Uint8Array, and a header with spaces", () => {
    const { body, header } = sent(REDEEM);
    const spaced = ` t = ${T} ,  s=${header.split("s=")[1]} `;
    for (const raw of [body, Buffer.from(body), new TextEncoder().encode(body)]) {
      expect(verifyWebhook(raw, header, SECRET, at(T)).event_id).toBe(REDEEM.eventId);
      expect(verifyWebhook(raw, spaced, SECRET, at(T)).event_id).toBe(REDEEM.eventId);
    }
    // Another `s` beside ours (a secret being rotated) and unknown keys do not stand in the way.
    const rotated = `t=${T},s=${"0".repeat(64)},v=2,s=${header.split("s=")[1]}`;
    expect(verifyWebhook(body, rotated, SECRET, at(T)).event_id).toBe(REDEEM.eventId);
    // Node's header type may be a list: one value is the header.
    expect(verifyWebhook(body, [header], SECRET, at(T)).event_id).toBe(REDEEM.eventId);
    // Non-ASCII in the body: the HMAC is over its UTF-8 bytes, whichever form it comes in.
    const accented = sent({ ...REDEEM, content: { ...REDEEM.content, third_shop_id: "Kemang-é" } });
    expect(verifyWebhook(Buffer.from(accented.body), accented.header, SECRET, at(T)).content).toMatchObject({
      third_shop_id: "Kemang-é",
    });
  });

  it("refuses a tampered body and another secret's signature", () => {
    const { body, header } = sent(REDEEM);
    const tampered = body.replace("100000001001", "100000001002"); // a code inside the content string
    expect(tampered).not.toBe(body);
    expect(refusal(() => verifyWebhook(tampered, header, SECRET, at(T)))).toBe("bad_signature");
    expect(refusal(() => verifyWebhook(`${body} `, header, SECRET, at(T)))).toBe("bad_signature");
    expect(refusal(() => verifyWebhook(body, header, "cs_someone_else", at(T)))).toBe("bad_signature");
    const other = sent(REDEEM, T, "cs_someone_else");
    expect(refusal(() => verifyWebhook(other.body, other.header, SECRET, at(T)))).toBe("bad_signature");
    // The signed time is part of what is signed: moving t breaks the signature.
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(refusal(() => verifyWebhook(body, moved, SECRET, at(T)))).toBe("bad_signature");
  });

  it("accepts |now - t| up to the tolerance and refuses beyond it, in both directions", () => {
    const { body, header } = sent(REDEEM);
    expect(refusal(() => verifyWebhook(body, header, SECRET, at(T + 300)))).toBe("accepted");
    expect(refusal(() => verifyWebhook(body, header, SECRET, at(T - 300)))).toBe("accepted");
    expect(refusal(() => verifyWebhook(body, header, SECRET, at(T + 301)))).toBe("stale_timestamp");
    expect(refusal(() => verifyWebhook(body, header, SECRET, at(T - 301)))).toBe("stale_timestamp");
    const tight = { toleranceSeconds: 10 };
    expect(refusal(() => verifyWebhook(body, header, SECRET, { ...tight, now: () => T + 11 }))).toBe(
      "stale_timestamp",
    );
    expect(refusal(() => verifyWebhook(body, header, SECRET, { ...tight, now: () => T - 10 }))).toBe(
      "accepted",
    );
    // The default clock: a signature of a day ago is stale now.
    const old = sent(REDEEM, Math.floor(Date.now() / 1000) - 86_400);
    expect(refusal(() => verifyWebhook(old.body, old.header, SECRET))).toBe("stale_timestamp");
  });

  it("refuses malformed headers", () => {
    const { body, header } = sent(REDEEM);
    const s = header.split("s=")[1] as string;
    const bad: (string | null | undefined | string[])[] = [
      undefined,
      null,
      "",
      [],
      `t=,s=${s}`,
      `t=${T}`,
      `s=${s}`,
      `t=${T},s=`,
      `t=${T},s=${s.slice(1)}`,
      `t=${T},s=${s}00`,
      `t=${T},s=${s.slice(1)}z`,
      `t=-${T},s=${s}`,
      `t=${T}.5,s=${s}`,
      `t=1e9,s=${s}`,
      `t=${T},t=${T},s=${s}`,
      `t=${T};s=${s}`,
      `t=${T},s=${s},garbage`,
      `sha256=${s}`,
    ];
    for (const h of bad) {
      expect(
        refusal(() => verifyWebhook(body, h, SECRET, at(T))),
        JSON.stringify(h),
      ).toBe("malformed_header");
    }
  });

  it("refuses a signed body that is not the envelope, and reports an event it does not know as unknown", () => {
    // The server signs strings; bytes that are not UTF-8 are signed here the same way, over the bytes.
    const signed = (body: string | Uint8Array) =>
      typeof body === "string"
        ? { body, header: webhookSignature(SECRET, T, body) }
        : {
            body,
            header: `t=${T},s=${createHmac("sha256", SECRET).update(`${T}.`).update(body).digest("hex")}`,
          };
    const envelope = JSON.parse(sent(REDEEM).body);
    const bodies: (string | Uint8Array)[] = [
      "not json",
      "[]",
      "null",
      JSON.stringify({ ...envelope, content: JSON.parse(envelope.content) }),
      JSON.stringify({ ...envelope, content: "{not json" }),
      JSON.stringify({ ...envelope, content: "[1]" }),
      JSON.stringify({ ...envelope, create_time: String(envelope.create_time) }),
      JSON.stringify({ ...envelope, event_id: undefined }),
      JSON.stringify({ ...envelope, content: JSON.stringify({ ...REDEEM.content, codes: "100000001001" }) }),
      JSON.stringify({ ...envelope, content: JSON.stringify({ ...REDEEM.content, redeem_time: undefined }) }),
      new Uint8Array([0x7b, 0xff, 0x7d]), // not UTF-8
    ];
    for (const b of bodies) {
      const { body, header } = signed(b);
      expect(
        refusal(() => verifyWebhook(body, header, SECRET, at(T))),
        String(b),
      ).toBe("malformed_body");
    }
    const future = sent({ ...REDEEM, eventType: "ttls.fulfill.something_new", content: { a: 1 } });
    const hook = verifyWebhook(future.body, future.header, SECRET, at(T));
    expect(hook).toMatchObject({ known: false, event: "ttls.fulfill.something_new", content: { a: 1 } });
  });
});

describe("the main entry stays browser-safe", () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

  /** Every module reachable from `file` by static or dynamic imports. */
  function graph(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
    if (seen.has(file)) return seen;
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1] as string);
    seen.set(file, specs);
    for (const s of specs) {
      if (s.startsWith(".")) graph(resolve(dirname(file), s.replace(/\.js$/, ".ts")), seen);
    }
    return seen;
  }

  it("src/index.ts reaches no node: module and not the webhooks module; the subpath is exported", () => {
    const reached = graph(resolve(src, "index.ts"));
    const external = [...reached.values()].flat().filter((s) => !s.startsWith("."));
    expect(external).toEqual([]);
    expect([...reached.keys()].map((f) => f.slice(src.length + 1)).sort()).not.toContain("webhooks.ts");
    // The check would see it: the webhooks module does import node:crypto.
    expect(graph(resolve(src, "webhooks.ts")).get(resolve(src, "webhooks.ts"))).toContain("node:crypto");
    const pkg = JSON.parse(readFileSync(resolve(src, "../package.json"), "utf8"));
    expect(pkg.exports["./webhooks"]).toEqual({
      types: "./dist/webhooks.d.ts",
      import: "./dist/webhooks.js",
    });
  });
});

/** A receiver as an integrator writes it: the raw body, the header, our secret. */
class VerifyingReceiver {
  readonly verified: VerifiedWebhook[] = [];
  readonly refused: WebhookRefusal[] = [];
  #server: Server | null = null;
  url = "";

  async start(secret: string): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          this.verified.push(verifyWebhook(Buffer.concat(chunks), req.headers["tiktok-signature"], secret));
          res.writeHead(200).end("ok");
        } catch (err) {
          if (!(err instanceof WebhookVerificationError)) throw err;
          this.refused.push(err.reason);
          res.writeHead(400).end(err.reason);
        }
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((ok) => (this.#server ? this.#server.close(() => ok()) : ok()));
  }
}

for (const database of testDatabases()) {
  describe(`the server's relay to a receiver using verifyWebhook, on ${database.name}`, () => {
    const P = "7200000000000000301";
    const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
    const receiver = new VerifyingReceiver();
    let t: TestServer;

    beforeAll(async () => {
      await receiver.start("cs_demo");
      t = await startTestServer(database, fastDelivery({ webhookAllowLoopback: true }));
      const world = baseWorld();
      (world.apps?.[0] as { webhook_url: string | null }).webhook_url = receiver.url;
      world.products = [product(P)];
      world.orders = [o.order];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
    });
    afterAll(async () => {
      await t?.close();
      await receiver.stop();
    });

    it("redeem, cancel and after-sale events arrive signed and verify, with their typed content", async () => {
      const client = createClient({
        baseUrl: t.url,
        clientKey: "ck_demo",
        clientSecret: "cs_demo",
        merchantId: MERCHANT,
      });
      const r = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: o.built.shopOrderId,
        codes: [o.built.codes[0] as string],
      });
      await client.cancel({ thirdShopId: SHOP_1, redeemId: r.redeemId });
      const refund = await requestRefund(t.system.afterSaleDeps, MERCHANT, o.built.shopOrderId, [
        o.built.itemIds[1] as string,
      ]);
      expect(refund.ok).toBe(true);
      const got = await waitFor("three verified webhooks", () =>
        receiver.verified.length >= 3 ? receiver.verified : null,
      );
      expect(receiver.refused).toEqual([]);
      expect(got.map((h) => [h.known, h.event, h.client_key, h.create_time])).toEqual([
        [true, "ttls.fulfill.redeem.result", "ck_demo", NOW],
        [true, "ttls.fulfill.redeem_cancel.result", "ck_demo", NOW],
        [true, "ttls.fulfill.after_sale.result", "ck_demo", NOW],
      ]);
      expect(got[0]?.content).toEqual({
        shop_order_id: o.built.shopOrderId,
        redeem_id: r.redeemId,
        item_ids: [o.built.itemIds[0]],
        codes: [o.built.codes[0]],
        third_shop_id: SHOP_1,
        redeem_time: NOW,
        redemption_source: 2,
      });
      expect(got[1]?.content).toEqual({
        shop_order_id: o.built.shopOrderId,
        redeem_id: r.redeemId,
        item_ids: [o.built.itemIds[0]],
        codes: [o.built.codes[0]],
        third_shop_id: SHOP_1,
        cancel_time: NOW,
      });
      expect(got[2]?.content).toMatchObject({
        after_sale_event_type: "AFTER_SALE_CREATE_SUCCESS",
        shop_order_id: o.built.shopOrderId,
        item_ids: [o.built.itemIds[1]],
        apply_source: 2,
        user_id: "6900000000000000001",
      });
    });
  });
}
