/** The sandbox's request schemas (the SaaS endpoints' are in gateway/saas-schemas.ts). */
import { Type } from "typebox";

export { INT64_ID } from "../gateway/saas-schemas.js";

export const FaultBody = Type.Object({
  point: Type.String(),
  times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  merchant_id: Type.Optional(Type.Union([Type.String({ pattern: "^[0-9]{1,19}$" }), Type.Null()])),
});

export const ClockBody = Type.Object({
  now: Type.Union([Type.Integer({ minimum: 0, maximum: 253402300799 }), Type.Null()]),
});

export const QrBody = Type.Object({
  shop_order_id: Type.String({ pattern: "^[0-9]{1,19}$" }),
  ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
});
