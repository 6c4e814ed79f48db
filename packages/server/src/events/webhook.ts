/**
 * The webhook as TTLS sends it (CONTRACT.md section 8): the envelope, its signature, and one
 * POST of it to a receiver.
 */
import { createHmac } from "node:crypto";

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
  | { ok: false; status: number | null; error: string; aborted: boolean };

/**
 * POSTs a body; 2xx within `timeoutMs` is success. Redirects are not followed (a 3xx is a
 * failure). `stop` aborts the request (the relay is stopping).
 */
export async function postWebhook(
  url: string,
  body: string,
  signature: string,
  timeoutMs: number,
  stop: AbortSignal,
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
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(parsed, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "tiktok-signature": signature,
        "user-agent": `${CALLER}-webhook`,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.any([timeout, stop]),
    });
    await drain(res);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: `HTTP ${res.status}`, aborted: false };
  } catch (err) {
    if (stop.aborted) return { ok: false, status: null, error: "relay stopping", aborted: true };
    if (timeout.aborted)
      return { ok: false, status: null, error: `no answer within ${timeoutMs} ms`, aborted: false };
    return { ok: false, status: null, error: describe(err), aborted: false };
  }
}

/** The answer's body does not matter: read off a little (so the connection is reused), drop the rest. */
async function drain(res: Response): Promise<void> {
  const body = res.body;
  if (!body) return;
  const reader = body.getReader();
  let seen = 0;
  try {
    while (seen < 64 * 1024) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value?.byteLength ?? 0;
    }
    await reader.cancel();
  } catch {
    // the answer was already judged by its status
  }
}

/** A short cause without the URL's query (it may carry a receiver's token). */
function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  const text = cause ? `${e.message ?? "fetch failed"}: ${cause}` : (e.message ?? String(err));
  return text.replace(/\?[^\s]*/g, "?…").slice(0, 300);
}
