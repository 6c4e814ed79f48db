/** Set-up calls to the server under test: world, token, QR, one sample answer per operation. */
import { APP, LOCALE, MERCHANT, THIRD_SHOP } from "./world.js";

export const QUERY_PATH = "/v2/localservice/saas/fulfill/get_code_item_list/";
export const REDEEM_PATH = "/v2/localservice/saas/fulfill/redeem_code/";

async function call(url: string, path: string, init: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(url + path, init);
  return { status: res.status, text: await res.text() };
}

export async function operatorPost(
  url: string,
  operatorToken: string,
  path: string,
  body: unknown,
): Promise<unknown> {
  const r = await call(url, path, {
    method: "POST",
    headers: { authorization: `Bearer ${operatorToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${path} answered ${r.status}: ${r.text.slice(0, 500)}`);
  return JSON.parse(r.text);
}

export async function accessToken(url: string): Promise<string> {
  const form = new URLSearchParams({
    client_key: APP.clientKey,
    client_secret: APP.clientSecret,
    merchant_id: MERCHANT,
    grant_type: "access_token",
  });
  const r = await call(url, "/merchant/oauth/token/", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text.slice(0, 300)}`);
  return (JSON.parse(r.text) as { access_token: string }).access_token;
}

export function lookupCodeBody(code: string): string {
  return JSON.stringify({ merchant_id: MERCHANT, third_shop_id: THIRD_SHOP, code_list: [code] });
}
export function lookupQrBody(qr: string): string {
  return JSON.stringify({ merchant_id: MERCHANT, third_shop_id: THIRD_SHOP, qr_info: qr });
}
export function redeemBody(shopOrderId: string, code: string): string {
  return redeemBodyOf(shopOrderId, [code]);
}
export function redeemBodyOf(shopOrderId: string, codes: readonly string[]): string {
  return JSON.stringify({
    merchant_id: MERCHANT,
    third_shop_id: THIRD_SHOP,
    shop_order_id: shopOrderId,
    code_list: codes,
    locale: LOCALE,
  });
}

export async function saasPost(
  url: string,
  token: string,
  path: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return call(url, path, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
}

/** Runs `fn` over items with a bounded number in flight. */
export async function pool<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}
