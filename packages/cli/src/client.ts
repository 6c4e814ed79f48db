/**
 * The CLI's small HTTP helper for the operator routes (sandbox and platform). The SaaS endpoints go
 * through `@fulfill/sdk` (see main.ts).
 */
import { parseJson, TOKEN_PATH } from "@fulfill/sdk";
import { ContractError, TransportError, UsageError } from "./exit-codes.js";

export interface Connection {
  readonly url: string;
  readonly operatorToken?: string | undefined;
  readonly timeoutMs: number;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes
  readonly json: any;
}

async function send(
  conn: Connection,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(conn.url.replace(/\/$/, "") + path, {
      method,
      headers: init.headers ?? {},
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(conn.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    throw new TransportError(
      `no answer from ${conn.url}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let json: unknown = null;
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      json = parseJson(text);
    } catch {
      throw new TransportError(`${method} ${path}: the answer is not JSON`);
    }
  }
  return { status: res.status, headers: res.headers, json };
}

/** Throws the contract error an answer carries, if any. */
function expectSuccess(a: Answer): Answer {
  const err = a.json?.error;
  if (a.status === 200 && (err === undefined || err?.code === "0" || typeof err !== "object")) return a;
  if (err && typeof err === "object")
    throw new ContractError(a.status, String(err.code), String(err.message), err.log_id ?? null, a.json);
  throw new ContractError(
    a.status,
    String(a.status),
    "unexpected answer",
    a.headers.get("x-tt-logid"),
    a.json,
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

/**
 * `POST /merchant/oauth/token/` with the app's credentials: the whole answer (access and
 * refresh token, both expiry times), or the OAuth error as a contract error.
 */
export async function tokenAnswer(
  conn: Omit<Connection, "operatorToken">,
  credentials: { clientKey: string; clientSecret: string; merchantId: string },
): Promise<Record<string, unknown>> {
  const a = await send(conn, "POST", TOKEN_PATH, {
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      client_key: credentials.clientKey,
      client_secret: credentials.clientSecret,
      merchant_id: credentials.merchantId,
      grant_type: "access_token",
    }).toString(),
  });
  const j = a.json;
  if (a.status === 200 && typeof j?.access_token === "string") return j as Record<string, unknown>;
  const code = typeof j?.error === "string" ? j.error : String(a.status);
  const message = typeof j?.error_description === "string" ? j.error_description : "token request refused";
  throw new ContractError(a.status, code, message, a.headers.get("x-tt-logid"), j);
}
