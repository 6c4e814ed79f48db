/**
 * The operator's reads of the directory (operator token), each one page in id order:
 * - `GET /platform/merchants`, `GET /platform/merchants/:merchant_id` (with its counts),
 * - `GET /platform/merchants/:merchant_id/shops`, `GET /platform/merchants/:merchant_id/grants`,
 * - `GET /platform/apps` (never a secret: it is shown once, when the app is created).
 * `limit` is 1 to 100 (default 50); `cursor` is the previous page's, null on the last page.
 */
import type { FastifyInstance } from "fastify";
import { type Static, type TSchema, Type } from "typebox";
import type { AppEntry, GrantEntry, MerchantEntry, Page, ShopEntry } from "../core/platform-directory.js";
import type { Result } from "../core/result.js";
import type { HttpContext } from "./context.js";
import { AppsData, GrantsData, MerchantDetailData, MerchantsData, ShopsData } from "./directory-answers.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { PageQuery, pageOf } from "./page-query.js";
import { INT64_ID } from "./schemas.js";
import { sendResult } from "./send.js";

const IdParam = Type.String({ pattern: INT64_ID });
const MerchantParams = Type.Object({ merchant_id: IdParam });
const merchantView = (m: MerchantEntry) => ({
  merchant_id: m.merchantId,
  name: m.name,
  country: m.country,
  timezone: m.timezone,
});
const shopView = (s: ShopEntry) => ({
  shop_id: s.shopId,
  merchant_id: s.merchantId,
  third_shop_id: s.thirdShopId,
  name: s.name,
});
const appView = (a: AppEntry) => ({
  app_id: a.appId,
  client_key: a.clientKey,
  name: a.name,
  webhook_url: a.webhookUrl,
  create_time: a.createdAt,
});
const grantView = (g: GrantEntry) => ({
  app_id: g.appId,
  client_key: g.clientKey,
  app_name: g.appName,
  scopes: g.scopes,
  third_shop_ids: g.thirdShopIds,
  status: g.revokedAt === null ? "ACTIVE" : "REVOKED",
  revoke_time: g.revokedAt,
  version: g.version,
});

export function platformDirectoryRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);
  const platform = ctx.platform;
  const doc = (operationId: string, summary: string, ok: TSchema, notFound?: string) => ({
    tags: ["platform"],
    operationId,
    summary,
    security: SECURITY.operator,
    response: operatorResponses(okAnswer(ok, summary), notFound ? { notFound } : {}),
  });
  /** A page's answer: its rows under `name`, has_more and cursor. */
  const pageAnswer =
    <T>(name: string, view: (row: T) => Record<string, unknown>) =>
    (p: Page<T>) => ({ [name]: p.items.map(view), has_more: p.hasMore, cursor: p.cursor });

  app.get(
    "/platform/merchants",
    {
      onRequest,
      schema: {
        ...doc("listMerchants", "Merchants, by id, one page", MerchantsData),
        querystring: PageQuery,
      },
    },
    async (request, reply) => {
      const page = pageOf(request.query as Static<typeof PageQuery>);
      return sendResult(
        request,
        reply,
        await platform.merchants(page),
        pageAnswer("merchants", merchantView),
      );
    },
  );

  app.get(
    "/platform/merchants/:merchant_id",
    {
      onRequest,
      schema: {
        ...doc(
          "getMerchant",
          "A merchant with its counts of shops and grants",
          MerchantDetailData,
          "unknown merchant",
        ),
        params: MerchantParams,
      },
    },
    async (request, reply) => {
      const { merchant_id } = request.params as Static<typeof MerchantParams>;
      return sendResult(request, reply, await platform.merchantDetail(merchant_id), (m) => ({
        ...merchantView(m),
        shop_count: m.shopCount,
        grant_count: m.grantCount,
      }));
    },
  );

  const merchantList = <T>(
    path: string,
    operationId: string,
    summary: string,
    data: TSchema,
    list: (merchantId: string, page: ReturnType<typeof pageOf>) => Promise<Result<Page<T>>>,
    name: string,
    view: (row: T) => Record<string, unknown>,
  ) =>
    app.get(
      path,
      {
        onRequest,
        schema: {
          ...doc(operationId, summary, data, "unknown merchant"),
          params: MerchantParams,
          querystring: PageQuery,
        },
      },
      async (request, reply) => {
        const { merchant_id } = request.params as Static<typeof MerchantParams>;
        const page = pageOf(request.query as Static<typeof PageQuery>);
        return sendResult(request, reply, await list(merchant_id, page), pageAnswer(name, view), {
          merchantId: merchant_id,
        });
      },
    );

  merchantList(
    "/platform/merchants/:merchant_id/shops",
    "listShops",
    "A merchant's shops, by id, one page",
    ShopsData,
    (m, p) => platform.shops(m, p),
    "shops",
    shopView,
  );
  merchantList(
    "/platform/merchants/:merchant_id/grants",
    "listGrants",
    "A merchant's grants to SaaS apps (scopes, shops; revoked ones too), by app id, one page",
    GrantsData,
    (m, p) => platform.grants(m, p),
    "grants",
    grantView,
  );

  app.get(
    "/platform/apps",
    {
      onRequest,
      schema: {
        ...doc("listApps", "SaaS apps, by id, one page (never their secrets)", AppsData),
        querystring: PageQuery,
      },
    },
    async (request, reply) => {
      const page = pageOf(request.query as Static<typeof PageQuery>);
      return sendResult(request, reply, await platform.apps(page), pageAnswer("apps", appView));
    },
  );
}
