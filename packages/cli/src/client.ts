/** The CLI's HTTP client: the SaaS endpoints with a token, the sandbox and platform with the operator token. */
import { ContractError, TransportError, UsageError } from "./exit-codes.js";

export interface Connection {
  readonly url: string;
  readonly clientKey?: string | undefined;
  readonly clientSecret?: string | undefined;
  readonly merchantId?: string | undefined;
  readonly operatorToken?: string | undefined;
  readonly timeoutMs: number;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes
  readonly json: any;
  readonly raw: Buffer;
}

/** int64 fields keep every digit: rewrite `"redeemed_shop_id":<digits>` as a string before parsing. */
export function parseJson(text: string): unknown {
  return JSON.parse(text.replace(/"redeemed_shop_id":(-?\d+)/g, '"redeemed_shop_id":"$1"'));
}

export async function send(
  conn: Connection,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(conn.url.replace(/\/$/, "") + path, {
      method,
      headers: init.headers ?? {},
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(conn.timeoutMs),
    });
  } catch (err) {
    throw new TransportError(
      `no answer from ${conn.url}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const raw = Buffer.from(await res.arrayBuffer());
  let json: unknown = null;
  const type = res.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      json = parseJson(raw.toString("utf8"));
    } catch {
      throw new TransportError(`${method} ${path}: the answer is not JSON`);
    }
  }
  return { status: res.status, headers: res.headers, json, raw };
}

/** Throws the contract error an answer carries, if any. */
export function expectSuccess(a: Answer): Answer {
  const err = a.json?.error;
  if (a.status === 200 && (err === undefined || err?.code === "0" || typeof err !== "object")) return a;
  if (err && typeof err === "object")
    throw new ContractError(a.status, String(err.code), String(err.message), err.log_id ?? null, a.json);
  if (typeof err === "string")
    throw new ContractError(
      a.status,
      err,
      String(a.json.error_description ?? ""),
      a.json.log_id ?? null,
      a.json,
    );
  throw new ContractError(
    a.status,
    String(a.status),
    "unexpected answer",
    a.headers.get("x-tt-logid"),
    a.json,
  );
}

export async function token(conn: Connection): Promise<string> {
  if (!conn.clientKey || !conn.clientSecret || !conn.merchantId) {
    throw new UsageError(
      "--client-key, --client-secret and --merchant-id (or FULFILL_CLIENT_KEY, FULFILL_CLIENT_SECRET, FULFILL_MERCHANT_ID) are required",
    );
  }
  const a = await send(conn, "POST", "/merchant/oauth/token/", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_key: conn.clientKey,
      client_secret: conn.clientSecret,
      merchant_id: conn.merchantId,
      grant_type: "access_token",
    }).toString(),
  });
  expectSuccess(a);
  return String(a.json.access_token);
}

export async function saas(
  conn: Connection,
  path: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const bearer = await token(conn);
  return expectSuccess(
    await send(conn, "POST", path, {
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...headers },
      body: JSON.stringify({ merchant_id: conn.merchantId, ...body }),
    }),
  );
}

export async function operator(
  conn: Connection,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  if (!conn.operatorToken) throw new UsageError("--operator-token (or FULFILL_OPERATOR_TOKEN) is required");
  return expectSuccess(
    await send(conn, method, path, {
      headers: {
        authorization: `Bearer ${conn.operatorToken}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  );
}
