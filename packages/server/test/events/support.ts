/**
 * Event-delivery test support: a real webhook receiver on a loopback port that verifies the
 * TikTok-Signature with the sending app's client secret, can be taken down and brought back on
 * the same port, and answers what the test says; plus small waiting helpers.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../../src/config.js";

export interface Receipt {
  /** When it arrived (ms). */
  readonly at: number;
  readonly path: string;
  readonly raw: string;
  readonly headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the envelope as JSON
  readonly body: any;
  // biome-ignore lint/suspicious/noExplicitAny: the parsed content string
  readonly content: any;
  readonly signatureValid: boolean;
  readonly signatureTime: number | null;
  /** The status the receiver answered. */
  readonly status: number;
}

export class Receiver {
  readonly receipts: Receipt[] = [];
  /** Decides the answer of each webhook; default 200. */
  answer: (body: Receipt["body"], receipt: Omit<Receipt, "status">) => number = () => 200;
  /** Holds each answer this long (ms). */
  delayMs = 0;
  #server: Server | null = null;
  #port = 0;

  constructor(readonly secrets: Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get up(): boolean {
    return this.#server !== null;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        let body: Receipt["body"] = null;
        let content: Receipt["content"] = null;
        try {
          body = JSON.parse(raw);
          content = typeof body?.content === "string" ? JSON.parse(body.content) : null;
        } catch {
          body = null;
        }
        const { valid, time } = verify(
          this.secrets[body?.client_key] ?? "",
          raw,
          req.headers["tiktok-signature"],
        );
        const partial = {
          at: Date.now(),
          path: req.url ?? "",
          raw,
          headers: req.headers,
          body,
          content,
          signatureValid: valid,
          signatureTime: time,
        };
        let status = 200;
        try {
          status = this.answer(body, partial);
        } catch {
          status = 500;
        }
        this.receipts.push({ ...partial, status });
        const reply = () => {
          if (!res.destroyed)
            res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
        };
        if (this.delayMs > 0) setTimeout(reply, this.delayMs);
        else reply();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Down: the port refuses connections until `start()` again (same port). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Receipts answered 200, by event id. */
  delivered(): Map<string, Receipt[]> {
    const m = new Map<string, Receipt[]>();
    for (const r of this.receipts) {
      if (r.status !== 200 || !r.body?.event_id) continue;
      const list = m.get(r.body.event_id) ?? [];
      list.push(r);
      m.set(r.body.event_id, list);
    }
    return m;
  }
}

export function verify(
  secret: string,
  raw: string,
  header: string | string[] | undefined,
): { valid: boolean; time: number | null } {
  if (typeof header !== "string") return { valid: false, time: null };
  const m = /^t=(\d+),s=([0-9a-f]{64})$/.exec(header);
  if (!m?.[1] || !m[2]) return { valid: false, time: null };
  const expected = createHmac("sha256", secret).update(`${m[1]}.${raw}`).digest();
  const given = Buffer.from(m[2], "hex");
  return {
    valid: secret !== "" && given.length === expected.length && timingSafeEqual(given, expected),
    time: Number(m[1]),
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Short, test-sized delivery timings, as configuration overrides. */
export function fastDelivery(overrides: Partial<Config> = {}): Partial<Config> {
  return {
    webhookPollMs: 25,
    webhookBaseMs: 40,
    webhookMaxMs: 200,
    webhookGiveUpMs: 60 * 60 * 1000,
    webhookTimeoutMs: 2000,
    ...overrides,
  };
}
