/**
 * The customer's dynamic QR for a shop order (CONTRACT.md section 4): a sealed payload naming
 * the order, valid `ttl` seconds of business time. The seal is the gateway's QR codec.
 */
import { randomBytes } from "node:crypto";
import { unknownShopOrder } from "./platform-orders.js";
import type { BusinessClock, FulfillmentReads } from "./ports.js";
import { ok, type Result } from "./result.js";

export interface QrPayload {
  readonly v: 1;
  readonly shop_order_id: string;
  readonly qr_id: string;
  readonly iat: number;
  readonly exp: number;
}

export interface QrSealer {
  seal(payload: QrPayload): string;
}

export interface IssueQrDeps {
  readonly reads: FulfillmentReads;
  readonly clock: BusinessClock;
  readonly qr: QrSealer;
}

export interface IssuedQr {
  readonly qr_info: string;
  readonly expires_at: number;
  /** The order's merchant (for the request log; not part of the answer). */
  readonly merchantId: string;
}

export async function issueQr(
  deps: IssueQrDeps,
  shopOrderId: string,
  ttlSeconds: number,
): Promise<Result<IssuedQr>> {
  const order = await deps.reads.shopOrderById(shopOrderId);
  if (!order) return unknownShopOrder();
  const iat = deps.clock.now();
  const exp = iat + ttlSeconds;
  const qr_info = deps.qr.seal({
    v: 1,
    shop_order_id: shopOrderId,
    qr_id: randomBytes(12).toString("base64url"),
    iat,
    exp,
  });
  return ok({ qr_info, expires_at: exp, merchantId: order.merchantId });
}
