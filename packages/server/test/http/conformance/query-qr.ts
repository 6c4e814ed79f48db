/** Conformance, get_code_item_list: the QR rows (G10–G12, G17, G19, G22). */

import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { QrCodec } from "../../../src/gateway/qr-codec.js";
import { MERCHANT, NOW, SHOP_1 } from "../../support/world.js";
import { CANCEL, type Conformance, codeList } from "./support.js";

export function queryQrRows(c: Conformance): void {
  const { track, query, redeem, setClock, issueQr, scanned, redeemBody, expectRow, expectOk, o, tokens } = c;
  it("G10: qr_info that is not unpadded base64url, or too short", async () => {
    const qr = await issueQr(o("q").shopOrderId);
    const body = qr.slice(3);
    expectRow(
      await query(scanned(`TT-${body.slice(0, 10)}$${body.slice(11)}`)),
      "G10",
      "a character outside the alphabet",
    );
    // A random nonce can give a body with no '-' or '_' whose length needs no padding (about
    // 1 QR in 250): its standard base64 is then the same valid QR. Issue until they differ.
    const standardOf = (b: string) => Buffer.from(b, "base64url").toString("base64");
    let standard = standardOf(body);
    for (let tries = 0; !/[+/=]/.test(standard) && tries < 50; tries++) {
      standard = standardOf((await issueQr(o("q").shopOrderId)).slice(3));
    }
    expect(standard).toMatch(/[+/=]/);
    expectRow(await query(scanned(`TT-${standard}`)), "G10", "standard base64 with + / and padding");
    expectRow(await query(scanned(`${qr}=`)), "G10", "a padding '='");
    expectRow(await query(scanned(`TT-${body.slice(0, 20)} ${body.slice(20)}`)), "G10", "a space inside");
    expectRow(await query(scanned("TT-")), "G10", "nothing after the prefix");
    expectRow(
      await query(scanned(`TT-${Buffer.alloc(28, 1).toString("base64url")}`)),
      "G10",
      "too short for version, nonce and tag",
    );
    expectRow(await query(scanned(`TT-${body}A`)), "G10", "a length no base64 has");
  });

  it("G11: decryption or authentication fails", async () => {
    const qr = await issueQr(o("q").shopOrderId);
    const bytes = Buffer.from(qr.slice(3), "base64url");
    const flipped = Buffer.from(bytes);
    flipped[20] = (flipped[20] as number) ^ 0x01;
    expectRow(
      await query(scanned(`TT-${flipped.toString("base64url")}`)),
      "G11",
      "a corrupted ciphertext byte",
    );
    const tag = Buffer.from(bytes);
    tag[tag.length - 1] = (tag[tag.length - 1] as number) ^ 0x80;
    expectRow(await query(scanned(`TT-${tag.toString("base64url")}`)), "G11", "a corrupted tag");
    const version = Buffer.from(bytes);
    version[0] = 0x02;
    expectRow(await query(scanned(`TT-${version.toString("base64url")}`)), "G11", "an unknown version byte");
    const foreign = new QrCodec(randomBytes(32)).seal({
      v: 1,
      shop_order_id: o("q").shopOrderId,
      qr_id: "x",
      iat: NOW,
      exp: NOW + 120,
    });
    expectRow(await query(scanned(foreign)), "G11", "sealed with another key");
    expectRow(
      await query(scanned(`TT-${Buffer.alloc(29, 1).toString("base64url")}`)),
      "G11",
      "just long enough, not authentic",
    );
  });

  it("G12: the QR decrypts under the server's key but is not the QR JSON", async () => {
    const codec = c.t.server.qr;
    const valid = { v: 1, shop_order_id: o("q").shopOrderId, qr_id: "qr-1", iat: NOW, exp: NOW + 120 };
    const plaintexts: [string, Buffer][] = [
      ["plain text", Buffer.from("hello, world")],
      ["an empty plaintext", Buffer.alloc(0)],
      ["invalid UTF-8", Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
      ["a JSON array", Buffer.from("[1,2,3]")],
      ["JSON null", Buffer.from("null")],
      ["version 2", Buffer.from(JSON.stringify({ ...valid, v: 2 }))],
      ["shop_order_id missing", Buffer.from(JSON.stringify({ ...valid, shop_order_id: undefined }))],
      [
        "shop_order_id a number",
        Buffer.from(JSON.stringify({ ...valid, shop_order_id: 5800000000000001000 })),
      ],
      ["shop_order_id not a decimal id", Buffer.from(JSON.stringify({ ...valid, shop_order_id: "58x" }))],
      ["qr_id missing", Buffer.from(JSON.stringify({ ...valid, qr_id: undefined }))],
      ["iat a string", Buffer.from(JSON.stringify({ ...valid, iat: String(NOW) }))],
      ["exp missing", Buffer.from(JSON.stringify({ ...valid, exp: undefined }))],
    ];
    for (const [cause, plaintext] of plaintexts)
      expectRow(await query(scanned(codec.sealBytes(plaintext))), "G12", cause);
    // control: the same shape, sealed the same way, opens
    expectOk(
      await query(scanned(codec.sealBytes(Buffer.from(JSON.stringify(valid))))),
      "a well-formed QR sealed in the test",
    );
  });

  it("G17: the QR's shop order has no vouchers for this merchant (unknown, or another merchant's)", async () => {
    const codec = c.t.server.qr;
    const unknown = codec.seal({
      v: 1,
      shop_order_id: "5899999999999999999",
      qr_id: "qr-unknown",
      iat: NOW,
      exp: NOW + 120,
    });
    expectRow(await query(scanned(unknown)), "G17", "an unknown shop order");
    expectRow(
      await query(scanned(await issueQr(o("otherMerchant").shopOrderId))),
      "G17",
      "another merchant's shop order",
    );
  });

  it("G19: a QR past its lifetime (the business clock moved on); data packs only after-sale/FINISH codes", async () => {
    const qr = await issueQr(o("g19").shopOrderId, 60);
    expectOk(await query(scanned(qr)), "the fresh QR");
    await setClock(NOW + 61);
    const a = await query(scanned(qr));
    expectRow(a, "G19", "clock 61 s after a 60 s QR was issued");
    expect(a.json.data.shop_order_id).toBe(o("g19").shopOrderId);
    expect(codeList(a).map((c) => [c.code, c.redemption_status])).toEqual([[o("g19").codes[1], 500]]);
    await setClock(NOW + 3600);
    expectRow(await query(scanned(qr)), "G19", "an hour later");
  });

  it("G22: a QR issued before a redemption of its order is spent; data packs only FINISH/after-sale codes", async () => {
    const g = o("g22");
    const qr = await issueQr(g.shopOrderId);
    expectOk(await redeem({ ...redeemBody("g22"), code_list: [g.codes[0]] }), "redeem one code");
    const a = await query(scanned(qr));
    expectRow(a, "G22", "QR issued, then one code redeemed, then the QR scanned");
    expect(a.json.data.shop_order_id).toBe(g.shopOrderId);
    const statuses = new Map(codeList(a).map((c) => [c.code, c.redemption_status]));
    expect(statuses).toEqual(
      new Map([
        [g.codes[0], 400],
        [g.codes[2], 500],
        [g.codes[3], 501],
      ]),
    );
    // a fresh QR, issued after the redemption, is not spent
    await setClock(NOW + 1);
    expectOk(await query(scanned(await issueQr(g.shopOrderId))), "a QR refreshed after the redemption");
  });

  it("G22: a redemption before the QR's iat does not spend it", async () => {
    expectOk(
      await redeem({ ...redeemBody("g22Before"), code_list: [o("g22Before").codes[0]] }),
      "redeem one code",
    );
    await setClock(NOW + 1);
    const a = expectOk(
      await query(scanned(await issueQr(o("g22Before").shopOrderId))),
      "QR issued after the redemption",
    );
    expect(codeList(a)).toHaveLength(2);
  });

  it("G22: spent even when the redemption was later cancelled", async () => {
    const qr = await issueQr(o("g22Cancelled").shopOrderId);
    const done = expectOk(await redeem(redeemBody("g22Cancelled")), "redeem");
    const cancel = track(
      await c.t.postJson(
        CANCEL,
        {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_1,
          redeem_id: done.json.data.redeem_id,
          locale: "en-US",
        },
        { authorization: `Bearer ${tokens.full}` },
      ),
      "cancel",
    );
    expectOk(cancel, "cancel the redemption");
    const a = await query(scanned(qr));
    expectRow(a, "G22", "QR issued, order redeemed, redemption cancelled, QR scanned");
    expect(codeList(a)).toEqual([]);
  });

  it("G22 wins over G19 when the QR is both spent and expired", async () => {
    const g = o("g22Expired");
    const qr = await issueQr(g.shopOrderId, 60);
    expectOk(await redeem({ ...redeemBody("g22Expired"), code_list: [g.codes[1]] }), "redeem one code");
    await setClock(NOW + 120);
    const a = await query(scanned(qr));
    expectRow(a, "G22", "spent and past its lifetime");
    expect(codeList(a).map((c) => [c.code, c.redemption_status])).toEqual([[g.codes[1], 400]]);
  });
}
