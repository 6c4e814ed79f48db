/**
 * `@fulfill/sdk/webhooks`: checks a webhook's `TikTok-Signature` and reads its envelope
 * (CONTRACT.md section 8). A subpath of its own because it needs `node:crypto`: the main entry
 * stays browser-safe and never imports this file.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { RedemptionSourceValue } from "./wire/types.js";

/** The header's name as Node.js spells incoming headers (lower case). */
export const SIGNATURE_HEADER = "tiktok-signature";

export type WebhookRefusal = "malformed_header" | "bad_signature" | "stale_timestamp" | "malformed_body";

/** The webhook is not ours, not now, or not readable: answer it with a 4xx and do not act on it. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookRefusal,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

export interface VerifyWebhookOptions {
  /** Largest accepted |now - t|, seconds. Default 300. */
  toleranceSeconds?: number;
  /** Unix seconds; default the system clock. */
  now?: () => number;
}

export const AfterSaleEventType = {
  AFTER_SALE_CREATE_SUCCESS: "AFTER_SALE_CREATE_SUCCESS",
  AFTER_SALE_SUCCESS: "AFTER_SALE_SUCCESS",
  AFTER_SALE_CLOSE: "AFTER_SALE_CLOSE",
} as const;
export type AfterSaleEventTypeValue = (typeof AfterSaleEventType)[keyof typeof AfterSaleEventType];

/** `apply_source` of an after-sale event. */
export const ApplySource = {
  EXPIRE_AUTO_REFUND: 1,
  USER_REFUND_BEFORE_FULFILL: 2,
  USER_REFUND_AFTER_FULFILL: 3,
} as const;
export type ApplySourceValue = (typeof ApplySource)[keyof typeof ApplySource];

/** Content of `ttls.fulfill.after_sale.result` (as TTLS). */
export interface AfterSaleResultContent {
  after_sale_event_type: AfterSaleEventTypeValue;
  shop_order_id: string;
  item_ids: string[];
  apply_source: ApplySourceValue;
  after_sale_order_id: string;
  user_id: string;
}

/** (ext) Content of `ttls.fulfill.redeem.result`. */
export interface RedeemResultContent {
  shop_order_id: string;
  redeem_id: string;
  item_ids: string[];
  codes: string[];
  third_shop_id: string;
  /** Unix seconds. */
  redeem_time: number;
  redemption_source: RedemptionSourceValue;
}

/** (ext) Content of `ttls.fulfill.redeem_cancel.result`. */
export interface RedeemCancelResultContent {
  shop_order_id: string;
  redeem_id: string;
  item_ids: string[];
  codes: string[];
  third_shop_id: string;
  /** Unix seconds. */
  cancel_time: number;
}

interface Envelope<E extends string, C, K extends boolean> {
  /** True for the event types this SDK knows (and checked the content of). */
  known: K;
  client_key: string;
  event: E;
  /** The event's own time (Unix seconds); keep the latest per shop order, replays keep theirs. */
  create_time: number;
  user_id: string;
  /** The envelope's `content`, parsed. */
  content: C;
  caller: string;
  /** (ext) Stable across retries and replays: deduplicate on it. */
  event_id: string;
  /** The signature's `t`. */
  signed_at: number;
}

export type AfterSaleResultWebhook = Envelope<"ttls.fulfill.after_sale.result", AfterSaleResultContent, true>;
export type RedeemResultWebhook = Envelope<"ttls.fulfill.redeem.result", RedeemResultContent, true>;
export type RedeemCancelResultWebhook = Envelope<
  "ttls.fulfill.redeem_cancel.result",
  RedeemCancelResultContent,
  true
>;
/** An event type newer than this SDK: signed and readable, its content unchecked. */
export type OtherWebhook = Envelope<string, Record<string, unknown>, false>;

export type KnownWebhook = AfterSaleResultWebhook | RedeemResultWebhook | RedeemCancelResultWebhook;
/** Narrow on `known` first, then on `event`. */
export type VerifiedWebhook = KnownWebhook | OtherWebhook;

type Kind = "string" | "number" | "strings";
const CONTENT: Record<KnownWebhook["event"], Record<string, Kind>> = {
  "ttls.fulfill.after_sale.result": {
    after_sale_event_type: "string",
    shop_order_id: "string",
    item_ids: "strings",
    apply_source: "number",
    after_sale_order_id: "string",
    user_id: "string",
  },
  "ttls.fulfill.redeem.result": {
    shop_order_id: "string",
    redeem_id: "string",
    item_ids: "strings",
    codes: "strings",
    third_shop_id: "string",
    redeem_time: "number",
    redemption_source: "number",
  },
  "ttls.fulfill.redeem_cancel.result": {
    shop_order_id: "string",
    redeem_id: "string",
    item_ids: "strings",
    codes: "strings",
    third_shop_id: "string",
    cancel_time: "number",
  },
};

const ENVELOPE: Record<string, "string" | "number"> = {
  client_key: "string",
  event: "string",
  create_time: "number",
  user_id: "string",
  content: "string",
  caller: "string",
  event_id: "string",
};

/**
 * Verifies a webhook and returns its envelope with `content` parsed. `rawBody` is the body
 * exactly as received (before any JSON parsing), `signatureHeader` the `TikTok-Signature` value,
 * `clientSecret` your app's secret. Throws `WebhookVerificationError` when it is refused.
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  signatureHeader: string | readonly string[] | null | undefined,
  clientSecret: string,
  options: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const { t, signatures } = parseHeader(signatureHeader);
  if (typeof clientSecret !== "string" || clientSecret === "") {
    throw new TypeError("verifyWebhook: clientSecret must be a non-empty string");
  }
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody;
  const expected = createHmac("sha256", clientSecret).update(`${t}.`).update(body).digest();
  // Every candidate is compared, so the time taken says nothing about which one was close.
  let match = false;
  for (const s of signatures) match = timingSafeEqual(expected, s) || match;
  if (!match) throw new WebhookVerificationError("bad_signature", "the signature does not match");
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now?.() ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > tolerance) {
    throw new WebhookVerificationError(
      "stale_timestamp",
      `signed at ${t}, ${now - t} s from now (tolerance ${tolerance} s)`,
    );
  }
  return parseEnvelope(body, t);
}

function parseHeader(header: string | readonly string[] | null | undefined): {
  t: number;
  signatures: Buffer[];
} {
  const value = typeof header === "string" ? header : Array.isArray(header) ? header.join(",") : null;
  if (value === null) throw malformedHeader("missing");
  let t: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw malformedHeader("an element is not key=value");
    const key = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== null || !/^\d{1,15}$/.test(v)) throw malformedHeader("t is not one Unix time");
      t = Number(v);
    } else if (key === "s") {
      // More than one `s` is accepted (one per secret while a secret is being rotated).
      if (!/^[0-9a-fA-F]{64}$/.test(v)) throw malformedHeader("s is not a hex SHA-256");
      signatures.push(Buffer.from(v, "hex"));
    }
    // Other keys are ignored: room for later signature versions.
  }
  if (t === null || signatures.length === 0) throw malformedHeader("t or s is missing");
  return { t, signatures };
}

const malformedHeader = (why: string) =>
  new WebhookVerificationError("malformed_header", `TikTok-Signature: ${why}`);
const malformedBody = (why: string) => new WebhookVerificationError("malformed_body", why);

function parseEnvelope(body: Uint8Array, signedAt: number): VerifiedWebhook {
  let text: string;
  let envelope: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    envelope = JSON.parse(text);
  } catch {
    throw malformedBody("the body is not UTF-8 JSON");
  }
  if (!isObject(envelope)) throw malformedBody("the body is not a JSON object");
  for (const [field, kind] of Object.entries(ENVELOPE)) {
    if (typeof envelope[field] !== kind) throw malformedBody(`envelope field ${field} is not a ${kind}`);
  }
  let content: unknown;
  try {
    content = JSON.parse(envelope.content as string);
  } catch {
    throw malformedBody("content is not a JSON string");
  }
  if (!isObject(content)) throw malformedBody("content is not a JSON object");
  const event = envelope.event as string;
  const fields = Object.hasOwn(CONTENT, event) ? CONTENT[event as KnownWebhook["event"]] : null;
  for (const [field, kind] of Object.entries(fields ?? {})) {
    if (!hasKind(content[field], kind)) throw malformedBody(`content field ${field} is not a ${kind}`);
  }
  return {
    known: fields !== null,
    client_key: envelope.client_key,
    event,
    create_time: envelope.create_time,
    user_id: envelope.user_id,
    content,
    caller: envelope.caller,
    event_id: envelope.event_id,
    signed_at: signedAt,
  } as VerifiedWebhook;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasKind(v: unknown, kind: Kind): boolean {
  if (kind === "strings") return Array.isArray(v) && v.every((x) => typeof x === "string");
  return typeof v === kind;
}
