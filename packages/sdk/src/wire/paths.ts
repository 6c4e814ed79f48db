/** Where each call of the contract goes (CONTRACT.md sections 2, 4, 5 and 8). */

export const PATHS = {
  query: "/v2/localservice/saas/fulfill/get_code_item_list/",
  redeem: "/v2/localservice/saas/fulfill/redeem_code/",
  cancel: "/v2/localservice/saas/fulfill/cancel_redeem/",
  records: "/v2/localservice/saas/fulfill/query_redeem_record/",
} as const;

export const TOKEN_PATH = "/merchant/oauth/token/";

/** A call of the contract: the token exchange or one of the four SaaS endpoints. */
export type Endpoint = "token" | keyof typeof PATHS;

/** The four SaaS endpoints, which answer the `{data, error}` envelope. */
export type SaasEndpoint = keyof typeof PATHS;
