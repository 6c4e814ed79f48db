/**
 * POST /merchant/oauth/token/ (CONTRACT.md section 2): access and refresh tokens bound to
 * (app, merchant), stored only as hashes; refreshing rotates the refresh token.
 */
import { randomBytes } from "node:crypto";
import type { BusinessClock } from "../core/ports.js";
import { describeError } from "../core/result.js";
import { hashToken, type SecretBox, secretsEqual } from "../security/secret-box.js";
import type { GatewayStore } from "./ports.js";

export type OAuthError =
  | "invalid_request"
  | "unsupported_grant_type"
  | "invalid_client"
  | "unauthorized_client"
  | "invalid_grant";

export const OAUTH_ERRORS: Record<OAuthError, { status: number; description: string }> = {
  invalid_request: {
    status: 400,
    description: "A required field is missing, or a field holds a NUL or an id outside int64.",
  },
  unsupported_grant_type: { status: 400, description: "grant_type must be access_token or refresh_token." },
  invalid_client: { status: 401, description: "Unknown client or wrong client secret." },
  unauthorized_client: { status: 401, description: "The merchant has not granted this app." },
  invalid_grant: {
    status: 400,
    description: "The refresh token is unknown, expired, revoked or already rotated.",
  },
};

/** Too many failed attempts of this client or address (the OAuth shape, with Retry-After). */
export const OAUTH_THROTTLED = {
  error: "rate_limit_exceeded",
  status: 429,
  description: "Too many failed attempts; retry after the Retry-After delay.",
} as const;

export interface TokenPair {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export type OAuthOutcome =
  | { ok: true; tokens: TokenPair; appId: string; merchantId: string }
  | { ok: false; error: OAuthError; cause: string };

export interface OAuthDeps {
  readonly gateway: GatewayStore;
  readonly secrets: SecretBox;
  readonly clock: BusinessClock;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
}

export interface TokenRequest {
  client_key?: string | undefined;
  client_secret?: string | undefined;
  merchant_id?: string | undefined;
  grant_type?: string | undefined;
  refresh_token?: string | undefined;
}

/** NUL cannot be stored nor matched; a digit merchant_id outside int64 names nobody. */
function unreadableField(req: TokenRequest): string | null {
  for (const [field, value] of Object.entries(req)) {
    if (typeof value === "string" && value.includes("\u0000")) return field;
  }
  const m = req.merchant_id;
  if (m && /^\d+$/.test(m) && (m.length > 19 || BigInt(m) > 9223372036854775807n)) return "merchant_id";
  return null;
}

const newToken = (prefix: string) => `${prefix}.${randomBytes(32).toString("base64url")}`;

export async function exchangeToken(deps: OAuthDeps, req: TokenRequest): Promise<OAuthOutcome> {
  const { client_key, client_secret, merchant_id, grant_type } = req;
  if (!client_key || !client_secret || !merchant_id || !grant_type) {
    return {
      ok: false,
      error: "invalid_request",
      cause: "client_key, client_secret, merchant_id and grant_type are required",
    };
  }
  const unreadable = unreadableField(req);
  if (unreadable) {
    return { ok: false, error: "invalid_request", cause: `${unreadable} holds a NUL or an id outside int64` };
  }
  if (grant_type !== "access_token" && grant_type !== "refresh_token") {
    return { ok: false, error: "unsupported_grant_type", cause: `grant_type ${grant_type.slice(0, 32)}` };
  }
  if (grant_type === "refresh_token" && !req.refresh_token) {
    return { ok: false, error: "invalid_request", cause: "refresh_token is required" };
  }
  const app = await deps.gateway.appByClientKey(client_key);
  let secretOk = false;
  if (app) {
    try {
      secretOk = secretsEqual(deps.secrets.open(app.clientSecretEnc), client_secret);
    } catch (err) {
      return { ok: false, error: "invalid_client", cause: `stored secret unreadable: ${describeError(err)}` };
    }
  }
  if (!app || !secretOk)
    return { ok: false, error: "invalid_client", cause: "unknown client or wrong secret" };
  const ctx = { merchantId: merchant_id, fault: null };
  const grant = /^\d{1,19}$/.test(merchant_id) ? await deps.gateway.grant(app.appId, merchant_id, ctx) : null;
  if (!grant || grant.revoked)
    return { ok: false, error: "unauthorized_client", cause: "the merchant has not granted this app" };

  const now = deps.clock.now();
  if (grant_type === "refresh_token") {
    const hash = hashToken(req.refresh_token as string);
    const old = await deps.gateway.token(hash);
    if (
      !old ||
      old.kind !== "refresh" ||
      old.appId !== app.appId ||
      old.merchantId !== merchant_id ||
      old.expiresAt <= now
    ) {
      return {
        ok: false,
        error: "invalid_grant",
        cause: "refresh token unknown, expired or of another client",
      };
    }
    // Rotation: only one refresh can consume the token; a second use is invalid_grant.
    if (!(await deps.gateway.consumeRefreshToken(hash, now))) {
      return { ok: false, error: "invalid_grant", cause: "refresh token revoked or already rotated" };
    }
  }
  const access = newToken("mat");
  const refresh = newToken("mrt");
  const tokens: TokenPair = {
    access_token: access,
    expires_in: now + deps.accessTtlSeconds,
    refresh_token: refresh,
    refresh_expires_in: now + deps.refreshTtlSeconds,
  };
  await deps.gateway.insertTokens(
    [
      {
        tokenHash: hashToken(access),
        kind: "access",
        appId: app.appId,
        merchantId: merchant_id,
        expiresAt: tokens.expires_in,
        revoked: false,
      },
      {
        tokenHash: hashToken(refresh),
        kind: "refresh",
        appId: app.appId,
        merchantId: merchant_id,
        expiresAt: tokens.refresh_expires_in,
        revoked: false,
      },
    ],
    now,
  );
  return { ok: true, tokens, appId: app.appId, merchantId: merchant_id };
}
