/**
 * The `data` of the directory's answers (http/platform-directory-routes.ts), for /openapi.json:
 * each list is one page, with `has_more` and the next page's `cursor`.
 */
import { type TSchema, Type } from "typebox";

const Id = (description?: string) =>
  Type.String({ pattern: "^[0-9]{1,19}$", ...(description ? { description } : {}) });
const Nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const Paged = (name: string, row: TSchema) =>
  Type.Object({
    [name]: Type.Array(row),
    has_more: Type.Boolean(),
    cursor: Nullable(Type.String({ description: "The next page's cursor, null on the last page" })),
  });

const Merchant = Type.Object({
  merchant_id: Id(),
  name: Type.String(),
  country: Type.String(),
  timezone: Type.String(),
});

export const MerchantsData = Paged("merchants", Merchant);

export const MerchantDetailData = Type.Object({
  ...Merchant.properties,
  shop_count: Type.Integer(),
  grant_count: Type.Integer({ description: "Grants of SaaS apps not revoked (POS devices' not counted)" }),
});

export const ShopsData = Paged(
  "shops",
  Type.Object({ shop_id: Id(), merchant_id: Id(), third_shop_id: Type.String(), name: Type.String() }),
);

export const AppsData = Paged(
  "apps",
  Type.Object({
    app_id: Id(),
    client_key: Type.String(),
    name: Type.String(),
    webhook_url: Nullable(Type.String()),
    create_time: Type.Integer({ format: "int64", description: "Unix seconds" }),
  }),
);

export const GrantsData = Paged(
  "grants",
  Type.Object({
    app_id: Id(),
    client_key: Type.String(),
    app_name: Type.String(),
    scopes: Type.Array(Type.String()),
    third_shop_ids: Type.Array(Type.String(), { description: "Empty: every shop of the merchant" }),
    status: Type.String({ enum: ["ACTIVE", "REVOKED"] }),
    revoke_time: Nullable(Type.Integer({ format: "int64", description: "Unix seconds (business clock)" })),
    version: Type.Integer({ description: "Bumped by every change and revocation" }),
  }),
);
