/**
 * Shop scope on every route (CONTRACT.md section 2): a caller limited to S-001 (an app whose
 * grant lists only S-001, and a POS device paired at S-001) sees and acts on S-001 only, while
 * S-002 has records (a redemption, a cancelled redemption of a code usable at both shops, codes
 * usable only at S-002). Every route registered on the running app has a row in the matrix
 * below: SaaS and POS routes are asked once naming S-002 and once naming no shop (where the
 * route allows it), and no answer may carry an S-002 record, code or redeem id; operator,
 * platform and sandbox routes refuse both tokens; public docs and the POS's static files answer
 * everyone and carry nothing. A route registered without a row fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { type HttpAnswer, QUERY, REDEEM, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2, SHOP_ID_2 } from "../support/world.js";

const CANCEL = "/v2/localservice/saas/fulfill/cancel_redeem/";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";
const TOKEN = "/merchant/oauth/token/";
const SESSION = "/pos/api/session";
const QUERY_SCOPE = "localservice.fulfill.query";
const REDEEM_SCOPE = "localservice.fulfill.redeem";
const P1 = "7200000000000001201"; // usable at S-001 only
const P2 = "7200000000000001202"; // usable at S-002 only
const P12 = "7200000000000001203"; // usable at both

type Who = "app" | "device";
interface Cell {
  readonly name: string;
  readonly ask: (token: string) => Promise<HttpAnswer>;
  readonly expect: (answer: HttpAnswer, who: Who) => void;
}
/** One matrix row: what the route is, and the requests it is asked with both tokens. */
interface Row {
  readonly kind: "saas" | "pos" | "credentials" | "operator" | "public";
  readonly cells: readonly Cell[];
}

/** "METHOD /path" of every route registered on the app (HEAD left out where GET answers). */
function registeredRoutes(t: TestServer): string[] {
  const app = t.server.app;
  const tree = app.printRoutes({ commonPrefix: false });
  const found = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+) \(([A-Z, ]+)\)/.exec(line);
    if (!m) continue;
    const depth = (m[1] as string).length / 4;
    const key = m[2] as string;
    const parent = depth > 0 ? (stack[depth - 1] as string) : "";
    const methods = (m[3] as string).split(", ");
    let path = parent + key;
    // The router's printout drops the static part before a wildcard: find the real pattern.
    if (key.startsWith("*")) {
      const candidates = [`${parent}/${key}`, `${parent}${key}`];
      const real = candidates.find((url) => app.hasRoute({ method: methods[0] as string, url }));
      if (!real) throw new Error(`cannot tell which route the wildcard under ${parent} is`);
      path = real;
    }
    stack[depth] = path;
    for (const method of methods) {
      if (!app.hasRoute({ method, url: path })) throw new Error(`printed route ${method} ${path} not found`);
      found.add(`${method} ${path}`);
    }
  }
  for (const r of [...found]) if (r.startsWith("HEAD ") && found.has(`GET ${r.slice(5)}`)) found.delete(r);
  return [...found].sort();
}

for (const database of testDatabases()) {
  describe(`shop scope on every route on ${database.name}`, () => {
    let t: TestServer;
    const tokens = {} as Record<Who, string>;
    let unpairToken = "";
    /** Strings of S-002 that no answer to an S-001 caller may hold. */
    const secret: string[] = [];
    let s1RedeemId = "";
    let s2RedeemId = "";
    let s2CancelledId = "";
    let mixedQr = "";

    const a = order({ productId: P1, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
    const b = order({
      productId: P2,
      items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }],
    });
    const c = order({ productId: P12, items: [{ status: "WAIT_FULFILL" }] });
    // One order, items at different shops: q1 at S-001, q2 at S-002 (redeemed there).
    const q = order({
      productId: P12,
      items: [
        { status: "WAIT_FULFILL", sub_fulfillment: { applicable_third_shop_ids: [SHOP_1] } },
        { status: "WAIT_FULFILL", sub_fulfillment: { applicable_third_shop_ids: [SHOP_2] } },
      ],
    });

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const post = (path: string, body: unknown) => (token: string) => t.postJson(path, body, bearer(token));
    const noLeak = (answer: HttpAnswer, what: string, extra: readonly string[] = []) => {
      for (const s of [...secret, ...extra])
        expect(answer.text.includes(s), `${what}: the answer holds ${s}: ${answer.text.slice(0, 500)}`).toBe(
          false,
        );
    };
    const row = (status: number, message: string) => (answer: HttpAnswer) => {
      expect(answer.status, answer.text).toBe(status);
      expect(answer.json.error.message).toBe(message);
    };
    const code = (status: number, errorCode: string) => (answer: HttpAnswer) => {
      expect(answer.status, answer.text).toBe(status);
      expect(answer.json.error.code).toBe(errorCode);
    };
    const refused = code(401, "access_token_invalid");
    const NO_SHOP_PERMISSION = row(500, "FulfillVerifierNoShopPermission");
    const PARAM = row(500, "FulfillParamInvalid");

    const queryBody = (shop: string | null) => ({
      merchant_id: MERCHANT,
      ...(shop ? { third_shop_id: shop } : {}),
      code_list: [b.built.codes[2]],
    });
    const redeemBody = (shop: string | null) => ({
      merchant_id: MERCHANT,
      ...(shop ? { third_shop_id: shop } : {}),
      shop_order_id: b.built.shopOrderId,
      code_list: [b.built.codes[2]],
      locale: "en-US",
    });
    const cancelBody = (shop: string | null, redeemId: () => string) => () => ({
      merchant_id: MERCHANT,
      ...(shop ? { third_shop_id: shop } : {}),
      redeem_id: redeemId(),
      locale: "en-US",
    });
    const recordsBody = (shop: string | null) => ({
      merchant_id: MERCHANT,
      ...(shop ? { third_shop_id: shop } : {}),
      start_time: 0,
      end_time: NOW + 3600,
      cursor: "0",
      size: 50,
    });
    /** An operator, platform or sandbox route: both tokens are refused, whatever shop it names. */
    const operatorRow = (method: string, path: string): Row => ({
      kind: "operator",
      cells: [
        {
          name: "SaaS or device token, naming S-002",
          ask: (token) =>
            t.request(path, {
              method,
              headers: {
                ...bearer(token),
                ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }),
              },
              body:
                method === "GET" || method === "DELETE"
                  ? undefined
                  : JSON.stringify({ merchant_id: MERCHANT, third_shop_id: SHOP_2 }),
            }),
          expect: refused,
        },
      ],
    });
    /** Public docs and the POS's static files (503 while the POS is not built; redirects followed). */
    const publicRow = (path: string, statuses: number[]): Row => ({
      kind: "public",
      cells: [
        {
          name: "anyone",
          ask: (token) => t.request(path, { headers: bearer(token) }),
          expect: (answer) => expect(statuses).toContain(answer.status),
        },
      ],
    });
    const M = `/platform/merchants/${MERCHANT}`;

    const matrix: Record<string, Row> = {
      "GET /healthz": publicRow("/healthz", [200]),
      "GET /openapi.json": publicRow("/openapi.json", [200]),
      // Probes answer everyone and carry nothing of a shop; /metrics is the operator's (issue 15).
      "GET /livez": publicRow("/livez", [200]),
      "GET /readyz": publicRow("/readyz", [200]),
      "GET /metrics": operatorRow("GET", "/metrics"),
      "GET /pos": publicRow("/pos", [200, 503]),
      "GET /pos/*": publicRow("/pos/", [200, 503]),
      "GET /favicon.ico": publicRow("/favicon.ico", [200]),
      // The console's files are public like the POS's; everything it shows comes from operator routes.
      "GET /console": publicRow("/console", [200, 503]),
      "GET /console/*": publicRow("/console/", [200, 503]),
      [`POST ${TOKEN}`]: {
        kind: "credentials",
        cells: [
          {
            name: "a bearer is no client credential",
            ask: (token) =>
              t.request(TOKEN, {
                method: "POST",
                headers: { ...bearer(token), "content-type": "application/x-www-form-urlencoded" },
                body: new URLSearchParams({ merchant_id: MERCHANT, grant_type: "access_token" }).toString(),
              }),
            expect: (answer) => {
              expect(answer.status).toBe(400);
              expect(answer.json.access_token).toBeUndefined();
            },
          },
        ],
      },
      [`POST ${QUERY}`]: {
        kind: "saas",
        cells: [
          { name: "naming S-002", ask: post(QUERY, queryBody(SHOP_2)), expect: NO_SHOP_PERMISSION },
          { name: "naming no shop", ask: post(QUERY, queryBody(null)), expect: PARAM },
        ],
      },
      [`POST ${REDEEM}`]: {
        kind: "saas",
        cells: [
          { name: "naming S-002", ask: post(REDEEM, redeemBody(SHOP_2)), expect: NO_SHOP_PERMISSION },
          { name: "naming no shop", ask: post(REDEEM, redeemBody(null)), expect: PARAM },
        ],
      },
      [`POST ${CANCEL}`]: {
        kind: "saas",
        cells: [
          {
            name: "naming S-002 and its redemption",
            ask: (token) => post(CANCEL, cancelBody(SHOP_2, () => s2RedeemId)())(token),
            expect: NO_SHOP_PERMISSION,
          },
          {
            name: "naming S-001 and S-002's redemption: an unknown redeem id",
            ask: (token) => post(CANCEL, cancelBody(SHOP_1, () => s2RedeemId)())(token),
            expect: row(500, "FulfillRedeemRecordNotFound"),
          },
          {
            name: "naming no shop",
            ask: (token) => post(CANCEL, cancelBody(null, () => s2RedeemId)())(token),
            expect: PARAM,
          },
        ],
      },
      [`POST ${RECORDS}`]: {
        kind: "saas",
        cells: [
          { name: "naming S-002", ask: post(RECORDS, recordsBody(SHOP_2)), expect: NO_SHOP_PERMISSION },
          {
            name: "naming no shop: S-001's records only",
            ask: post(RECORDS, recordsBody(null)),
            expect: (answer) => {
              expect(answer.status, answer.text).toBe(200);
              const records = answer.json.data.records as { redeem_id: string; third_shop_id: string }[];
              expect(records.map((r) => r.redeem_id)).toContain(s1RedeemId);
              expect(new Set(records.map((r) => r.third_shop_id))).toEqual(new Set([SHOP_1]));
            },
          },
        ],
      },
      [`GET ${SESSION}`]: {
        kind: "pos",
        cells: [
          {
            name: "the device's session (no shop can be named)",
            ask: (token) => t.request(SESSION, { headers: bearer(token) }),
            expect: (answer, who) => {
              if (who === "app") return refused(answer);
              expect(answer.status, answer.text).toBe(200);
              expect(answer.json.data.third_shop_id).toBe(SHOP_1);
            },
          },
        ],
      },
      [`DELETE ${SESSION}`]: {
        kind: "pos",
        cells: [
          {
            name: "unpairing (a device of its own, so the matrix's device stays paired)",
            ask: (token) =>
              t.request(SESSION, {
                method: "DELETE",
                headers: bearer(token === tokens.device ? unpairToken : token),
              }),
            expect: (answer, who) => {
              if (who === "app") return refused(answer);
              expect(answer.status, answer.text).toBe(200);
            },
          },
        ],
      },
      "POST /pos/api/pair": {
        kind: "pos",
        cells: [
          {
            name: "a bearer pairs nothing; a wrong code is refused",
            ask: (token) => t.postJson("/pos/api/pair", { code: "AAAA-AAAA" }, bearer(token)),
            expect: code(400, "pairing_code_invalid"),
          },
        ],
      },
      "GET /platform/alerts": operatorRow("GET", "/platform/alerts"),
      "POST /platform/apps": operatorRow("POST", "/platform/apps"),
      "POST /platform/after-sales": operatorRow("POST", "/platform/after-sales"),
      "POST /platform/after-sales/:after_sale_order_id/approve": operatorRow(
        "POST",
        "/platform/after-sales/1/approve",
      ),
      "POST /platform/after-sales/:after_sale_order_id/close": operatorRow(
        "POST",
        "/platform/after-sales/1/close",
      ),
      "GET /platform/logs/:log_id": operatorRow("GET", "/platform/logs/x"),
      "POST /platform/merchants": operatorRow("POST", "/platform/merchants"),
      "POST /platform/merchants/:merchant_id/shops": operatorRow("POST", `${M}/shops`),
      "PUT /platform/merchants/:merchant_id/grants/:client_key": operatorRow("PUT", `${M}/grants/ck_s1`),
      "DELETE /platform/merchants/:merchant_id/grants/:client_key": operatorRow(
        "DELETE",
        `${M}/grants/ck_demo`,
      ),
      "POST /platform/merchants/:merchant_id/devices": operatorRow("POST", `${M}/devices`),
      "GET /platform/merchants/:merchant_id/devices": operatorRow("GET", `${M}/devices`),
      "DELETE /platform/merchants/:merchant_id/devices/:device_id": operatorRow("DELETE", `${M}/devices/1`),
      "POST /platform/holidays": operatorRow("POST", "/platform/holidays"),
      "POST /platform/products": operatorRow("POST", "/platform/products"),
      "POST /platform/orders": operatorRow("POST", "/platform/orders"),
      "GET /platform/orders/:shop_order_id": operatorRow("GET", `/platform/orders/${b.built.shopOrderId}`),
      "GET /platform/orders/:shop_order_id/qr": operatorRow(
        "GET",
        `/platform/orders/${b.built.shopOrderId}/qr`,
      ),
      "POST /platform/expired-refunds/run": operatorRow("POST", "/platform/expired-refunds/run"),
      "GET /platform/events": operatorRow("GET", `/platform/events?shop_order_id=${b.built.shopOrderId}`),
      "GET /platform/webhooks/dead-letters": operatorRow("GET", "/platform/webhooks/dead-letters"),
      "POST /platform/webhooks/dead-letters/:event_id/replay": operatorRow(
        "POST",
        "/platform/webhooks/dead-letters/1/replay",
      ),
      "GET /platform/webhooks/deliveries": operatorRow("GET", "/platform/webhooks/deliveries?outcome=dead"),
      "GET /platform/webhooks/apps": operatorRow("GET", "/platform/webhooks/apps"),
      "GET /platform/after-sales": operatorRow("GET", "/platform/after-sales"),
      "GET /platform/apps": operatorRow("GET", "/platform/apps"),
      "GET /platform/audit": operatorRow("GET", "/platform/audit"),
      "GET /platform/merchants": operatorRow("GET", "/platform/merchants"),
      "GET /platform/merchants/:merchant_id": operatorRow("GET", M),
      "GET /platform/merchants/:merchant_id/grants": operatorRow("GET", `${M}/grants`),
      "GET /platform/merchants/:merchant_id/shops": operatorRow("GET", `${M}/shops`),
      "GET /platform/redemptions": operatorRow("GET", "/platform/redemptions"),
      "POST /platform/webhooks/dead-letters/replay": operatorRow(
        "POST",
        "/platform/webhooks/dead-letters/replay",
      ),
      "POST /sandbox/world": operatorRow("POST", "/sandbox/world"),
      "POST /sandbox/faults": operatorRow("POST", "/sandbox/faults"),
      "DELETE /sandbox/faults": operatorRow("DELETE", "/sandbox/faults"),
      "GET /sandbox/faults": operatorRow("GET", "/sandbox/faults"),
      "POST /sandbox/clock": operatorRow("POST", "/sandbox/clock"),
      "POST /sandbox/qr": operatorRow("POST", "/sandbox/qr"),
    };

    beforeAll(async () => {
      t = await startTestServer(database);
      const world = baseWorld();
      world.apps?.push({
        client_key: "ck_s1",
        client_secret: "cs_s1_secret",
        name: "S-001 only",
        webhook_url: null,
      });
      world.merchants?.[0]?.grants?.push({
        client_key: "ck_s1",
        scopes: [QUERY_SCOPE, REDEEM_SCOPE],
        third_shop_ids: [SHOP_1],
      });
      world.products = [
        product(P1, { applicable_third_shop_ids: [SHOP_1] }),
        product(P2, { applicable_third_shop_ids: [SHOP_2] }),
        product(P12, { applicable_third_shop_ids: [SHOP_1, SHOP_2] }),
      ];
      world.orders = [a.order, b.order, c.order, q.order];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      const full = await t.token(); // ck_demo: every shop

      tokens.app = await t.token({ clientKey: "ck_s1", clientSecret: "cs_s1_secret" });
      const pairAt = async () => {
        const created = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
          third_shop_id: SHOP_1,
          client_key: "ck_demo",
        });
        expect(created.status, created.text).toBe(200);
        const paired = await t.postJson("/pos/api/pair", { code: created.json.data.pairing_code });
        expect(paired.status, paired.text).toBe(200);
        return paired.json.data.access_token as string;
      };
      tokens.device = await pairAt();
      unpairToken = await pairAt();

      const redeemAt = async (token: string, shop: string, o: { shopOrderId: string }, codes: string[]) => {
        const r = await t.redeem(token, {
          merchant_id: MERCHANT,
          third_shop_id: shop,
          shop_order_id: o.shopOrderId,
          code_list: codes,
          locale: "en-US",
        });
        expect(r.status, r.text).toBe(200);
        return r.json.data.redeem_id as string;
      };
      // S-001's own record, redeemed by the S-001 app.
      s1RedeemId = await redeemAt(tokens.app, SHOP_1, a.built, [a.built.codes[0] as string]);
      // S-002: a redemption of S-002-only codes, a cancelled one of a code usable at both shops.
      s2RedeemId = await redeemAt(full, SHOP_2, b.built, b.built.codes.slice(0, 2));
      s2CancelledId = await redeemAt(full, SHOP_2, c.built, c.built.codes);
      const cancelled = await t.postJson(
        CANCEL,
        { merchant_id: MERCHANT, third_shop_id: SHOP_2, redeem_id: s2CancelledId, locale: "en-US" },
        bearer(full),
      );
      expect(cancelled.status, cancelled.text).toBe(200);
      // The mixed order's QR, then its S-002 item redeemed at S-002: the QR is spent.
      mixedQr = await t.qr(q.built.shopOrderId);
      const s2MixedId = await redeemAt(full, SHOP_2, q.built, [q.built.codes[1] as string]);

      secret.push(
        ...b.built.codes,
        ...b.built.itemIds,
        ...c.built.codes,
        ...c.built.itemIds,
        q.built.codes[1] as string,
        q.built.itemIds[1] as string,
        s2RedeemId,
        s2CancelledId,
        s2MixedId,
      );
    });
    afterAll(async () => t?.close());

    it("every route registered on the app has a row in the matrix, and every row a registered route", () => {
      expect(Object.keys(matrix).sort()).toEqual(registeredRoutes(t));
    });

    for (const [route, r] of Object.entries(matrix)) {
      it(`${route} (${r.kind}): no S-002 record, code or redeem id reaches an S-001 caller`, async () => {
        for (const who of ["app", "device"] as const) {
          for (const cell of r.cells) {
            const answer = await cell.ask(tokens[who]);
            const what = `${route} ${cell.name} as the ${who}`;
            cell.expect(answer, who);
            noLeak(answer, what, r.kind === "public" ? [] : [SHOP_2, SHOP_ID_2]);
          }
        }
      });
    }

    it("lookups at S-001 of S-002's codes and of a mixed order's QR carry nothing of S-002 (G6, G1, G22, G19)", async () => {
      for (const who of ["app", "device"] as const) {
        const token = tokens[who];
        const at1 = (body: Record<string, unknown>) =>
          t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, ...body });
        const g6 = await at1({ code_list: [b.built.codes[2]] });
        row(500, "FulfillNoCodeUsableAtShop")(g6);
        noLeak(g6, `G6 as the ${who}`, [SHOP_2, SHOP_ID_2]);

        const g1 = await at1({ code_list: [a.built.codes[1], b.built.codes[2]] });
        row(500, "FulfillParamInvalid")(g1);
        noLeak(g1, `G1 as the ${who}`, [SHOP_2, SHOP_ID_2]);

        const r31 = await t.redeem(token, redeemBody(SHOP_1));
        expect(r31.status).toBe(500);
        noLeak(r31, `redeem of an S-002 code at S-001 as the ${who}`, [SHOP_2, SHOP_ID_2]);

        const g22 = await at1({ qr_info: mixedQr });
        row(500, "FulfillRedeemQRCodeExpired")(g22);
        expect(g22.json.data.shop_order_id).toBe(q.built.shopOrderId);
        noLeak(g22, `G22 as the ${who}`, [SHOP_2, SHOP_ID_2]);
      }
      // A QR issued after that redemption, past its lifetime: G19, same data rule.
      await t.clock(NOW + 10);
      const late = await t.qr(q.built.shopOrderId, 30);
      await t.clock(NOW + 60);
      try {
        for (const who of ["app", "device"] as const) {
          const g19 = await t.query(tokens[who], {
            merchant_id: MERCHANT,
            third_shop_id: SHOP_1,
            qr_info: late,
          });
          row(500, "FulfillQRCodeScreenshotExpired")(g19);
          noLeak(g19, `G19 as the ${who}`, [SHOP_2, SHOP_ID_2]);
        }
      } finally {
        await t.clock(NOW);
      }
    });
  });
}
