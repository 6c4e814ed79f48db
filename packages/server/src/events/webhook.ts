/**
 * The webhook as TTLS sends it (CONTRACT.md section 8): the envelope, its signature, and one
 * POST of it to a receiver, pinned to an address checked by webhook-target.ts.
 */
import { createHmac } from "node:crypto";
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { hostOf, type Resolve, type ResolvedAddress, sendTargets } from "./webhook-target.js";

export const CALLER = "ttls-fulfill";

export interface WebhookEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly createTime: number;
  readonly userId: string;
  readonly content: Record<string, unknown>;
}

/** The raw body: `content` travels as a JSON string; `create_time` is the event's own (business clock). */
export function webhookBody(clientKey: string, e: WebhookEvent): string {
  return JSON.stringify({
    client_key: clientKey,
    event: e.eventType,
    create_time: e.createTime,
    user_id: e.userId,
    content: JSON.stringify(e.content),
    caller: CALLER,
    event_id: e.eventId,
  });
}

/** `TikTok-Signature: t=<unix s>,s=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` */
export function webhookSignature(secret: string, unixSeconds: number, rawBody: string): string {
  const s = createHmac("sha256", secret).update(`${unixSeconds}.${rawBody}`).digest("hex");
  return `t=${unixSeconds},s=${s}`;
}

export type SendOutcome =
  | { ok: true; status: number }
  | { ok: false; status: null | number; error: string; aborted: boolean; refused?: boolean };

/** One POST over a connection to an address already checked (the pin); the name stays the TLS SNI and Host. */
export interface PinnedRequest {
  readonly url: URL;
  readonly address: ResolvedAddress;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** Sends a pinned request; resolves with the answer's status (the body does not matter). */
export type Connect = (request: PinnedRequest) => Promise<{ status: number }>;

/** How webhooks reach receivers: the loopback allowance, the resolver and the connect step (tests stub the last two). */
export interface WebhookTransport {
  readonly allowLoopback: boolean;
  readonly resolve: Resolve;
  readonly connect: Connect;
}

/** The system resolver: every address of a name, as the OS answers it. */
export const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

/**
 * node:http(s) with a `lookup` that answers only the checked address, so the socket cannot go
 * anywhere a second resolution would say. Redirects are never followed (node:http does not).
 * Kept-alive sockets are pooled by name and were all opened to checked addresses.
 */
export const pinnedConnect: Connect = (r) =>
  new Promise((resolve, reject) => {
    const secure = r.url.protocol === "https:";
    const host = hostOf(r.url);
    const pin: LookupFunction = (_name, options, callback) => {
      if ((options as { all?: boolean }).all)
        (callback as (e: null, a: ResolvedAddress[]) => void)(null, [r.address]);
      else callback(null, r.address.address, r.address.family);
    };
    const options: https.RequestOptions = {
      hostname: host,
      port: r.url.port === "" ? undefined : Number(r.url.port),
      path: `${r.url.pathname}${r.url.search}`,
      method: "POST",
      headers: { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) },
      agent: secure ? agents.https : agents.http,
      lookup: pin,
      signal: r.signal,
      ...(secure && isIP(host) === 0 ? { servername: host } : {}),
    };
    const req = (secure ? https : http).request(options, (res) => {
      resolve({ status: res.statusCode ?? 0 });
      // Read off a little (so the connection is reused), drop the rest.
      let seen = 0;
      res.on("data", (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > 64 * 1024) res.destroy();
      });
      res.on("error", () => undefined);
    });
    req.on("error", reject);
    req.end(r.body);
  });

export const systemTransport = (allowLoopback: boolean): WebhookTransport => ({
  allowLoopback,
  resolve: systemResolve,
  connect: pinnedConnect,
});

/**
 * POSTs a body; 2xx within `timeoutMs` is success. The host is resolved (a literal address is
 * its own), every address checked (webhook-target.ts), and the connection pinned to the first;
 * a send to anything else is refused before any connection, a failed attempt like any other.
 * Redirects are not followed (a 3xx is a failure). `stop` aborts the request (the relay is stopping).
 */
export async function postWebhook(
  url: string,
  body: string,
  signature: string,
  timeoutMs: number,
  stop: AbortSignal,
  transport: WebhookTransport,
): Promise<SendOutcome> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: null, error: "webhook_url is not a valid URL", aborted: false };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, status: null, error: "webhook_url is not http(s)", aborted: false };
  }
  const refused = (error: string): SendOutcome => ({
    ok: false,
    status: null,
    error,
    aborted: false,
    refused: true,
  });
  if (parsed.username !== "" || parsed.password !== "")
    return refused("refused: webhook_url carries credentials");
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([timeout, stop]);
  try {
    const host = hostOf(parsed);
    const family = isIP(host);
    const resolved: readonly ResolvedAddress[] =
      family !== 0
        ? [{ address: host, family: family as 4 | 6 }]
        : await abortable(transport.resolve(host), signal);
    const target = sendTargets(parsed, resolved, transport.allowLoopback);
    if (!target.ok) return refused(target.error);
    const res = await transport.connect({
      url: parsed,
      address: target.addresses[0] as ResolvedAddress,
      headers: {
        "content-type": "application/json",
        "tiktok-signature": signature,
        "user-agent": `${CALLER}-webhook`,
      },
      body,
      signal,
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: `HTTP ${res.status}`, aborted: false };
  } catch (err) {
    if (stop.aborted) return { ok: false, status: null, error: "relay stopping", aborted: true };
    if (timeout.aborted)
      return { ok: false, status: null, error: `no answer within ${timeoutMs} ms`, aborted: false };
    return { ok: false, status: null, error: describe(err), aborted: false };
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** A short cause without the URL's query or credentials (they may carry a receiver's token). */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message ?? e.code;
  const message = e.message ?? String(err);
  const text = cause && !message.includes(cause) ? `${message}: ${cause}` : message;
  return text
    .replace(/\?[^\s]*/g, "?…")
    .replace(/\/\/[^/\s@]*@/g, "//…@")
    .slice(0, 300);
}
