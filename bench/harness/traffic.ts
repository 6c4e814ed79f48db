/**
 * What the load sends to a world: one token, the request bodies of each scenario, the QRs of the
 * lookup-by-QR orders, and the sample answers that become H's canned bodies.
 */
import {
  accessToken,
  lookupCodeBody,
  lookupQrBody,
  operatorPost,
  pool,
  QUERY_PATH,
  REDEEM_PATH,
  redeemBody,
  saasPost,
} from "../lib/client.js";
import { classify } from "../lib/load.js";
import { log } from "../lib/progress.js";
import { codeOf, orderOf } from "../lib/world.js";
import { OPERATOR_TOKEN, type Session, server } from "./session.js";

export type LimitOp = "lookup_code" | "redeem";

export interface Traffic {
  readonly token: string;
  /** A typed-code lookup of a random item. */
  readonly lookupBody: () => string;
  /** A lookup by one of the issued QRs, at random. */
  readonly qrBody: () => string;
  /** The real answers' bytes, which the canned server (H) sends back. */
  readonly hBodies: Record<LimitOp, string>;
  /** The request bodies H is loaded with. */
  readonly hRequest: Record<LimitOp, () => string>;
}

/** Takes a token, captures one real answer per endpoint (the sample item ends up redeemed), issues the QRs. */
export async function prepareTraffic(s: Session): Promise<Traffic> {
  const { lay, n } = s;
  const url = server(s).url;
  const token = await accessToken(url);
  const sampleLookup = await saasPost(url, token, QUERY_PATH, lookupCodeBody(codeOf(lay.sample)));
  const sampleRedeem = await saasPost(
    url,
    token,
    REDEEM_PATH,
    redeemBody(orderOf(lay.sample), codeOf(lay.sample)),
  );
  for (const [what, r, ep] of [
    ["lookup", sampleLookup, "query"],
    ["redeem", sampleRedeem, "redeem"],
  ] as const) {
    if (classify(ep, r.status, r.text) !== "OK")
      throw new Error(`sample ${what} did not succeed: ${r.status} ${r.text.slice(0, 400)}`);
  }
  const qrs = await issueQrs(s);
  log(`  ${qrs.length} QRs issued (ttl 24 h)`);
  const randomItem = () => Math.floor(Math.random() * n);
  const lookupBody = () => lookupCodeBody(codeOf(randomItem()));
  return {
    token,
    lookupBody,
    qrBody: () => lookupQrBody(qrs[Math.floor(Math.random() * qrs.length)] as string),
    hBodies: { lookup_code: sampleLookup.text, redeem: sampleRedeem.text },
    hRequest: {
      lookup_code: lookupBody,
      redeem: () => redeemBody(orderOf(lay.redeem[0]), codeOf(lay.redeem[0])),
    },
  };
}

/** One QR (24 h) per order of the QR range, 16 at a time. */
function issueQrs(s: Session): Promise<string[]> {
  const { lay } = s;
  const qrOrders = Array.from({ length: lay.qr[1] - lay.qr[0] }, (_, k) => orderOf(lay.qr[0] + k));
  return pool(qrOrders, 16, async (o) => {
    const r = (await operatorPost(server(s).url, OPERATOR_TOKEN, "/sandbox/qr", {
      shop_order_id: o,
      ttl: 86_400,
    })) as {
      data?: { qr_info?: string };
      qr_info?: string;
    };
    const qr = r.data?.qr_info ?? r.qr_info;
    if (!qr) throw new Error(`no qr_info in ${JSON.stringify(r).slice(0, 200)}`);
    return qr;
  });
}
