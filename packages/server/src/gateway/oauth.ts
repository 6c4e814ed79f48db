/**
 * POST /merchant/oauth/token/ (CONTRACT.md section 2): access and refresh tokens bound to
 * (app, merchant), stored only as hashes; refreshing rotates the refresh token.
 */
import { randomBytes } from "node:crypto";
import type { BusinessClock } from "../core/ports.js";
import { describeError, fail, ok, type Result } from "../core/result.js";
import { hashToken, type SecretBox, secretsEqual } from "../security/secret-box.js";
import type { Caller } from "./caller.js";
import { type FailureThrottle, keyDigest } from "./failure-throttle.js";
import type { GatewayStore } from "./ports.js";
import type { TokenFormT } from "./saas-schemas.js";

/** The token endpoint's errors (RFC 6749's shape, not the envelope: gateway/envelope.ts `oauthReply`). */
export const OAUTH_ERRORS = {
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
  /** Too many failed attempts of this client or address (with Retry-After). */
  rate_limit_exceeded: {
    status: 429,
    description: "Too many failed attempts; retry after the Retry-After delay.",
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type OAuthError = keyof typeof OAUTH_ERRORS;

export interface TokenPair {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

/** The tokens issued, and to whom (for the request log). */
export interface IssuedTokens {
  readonly tokens: TokenPair;
  readonly caller: Caller;
}

export type TokenResult = Result<IssuedTokens, OAuthError>;

export interface OAuthDeps {
  readonly gateway: GatewayStore;
  readonly secrets: SecretBox;
  readonly clock: BusinessClock;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
}

/** NUL cannot be stored nor matched; a digit merchant_id outside int64 names nobody. */
function unreadableField(req: TokenFormT): string | null {
  for (const [field, value] of Object.entries(req)) {
    if (typeof value === "string" && value.includes("\u0000")) return field;
  }
  const m = req.merchant_id;
  if (m && /^\d+$/.test(m) && (m.length > 19 || BigInt(m) > 9223372036854775807n)) return "merchant_id";
  return null;
}

const newToken = (prefix: string) => `${prefix}.${randomBytes(32).toString("base64url")}`;

export interface TokenEndpointDeps extends OAuthDeps {
  /** Failed attempts, per (client_key, address) and per address. */
  readonly throttle: FailureThrottle;
}

/** The token endpoint: failed attempts are throttled per (client_key, address) and per address. */
export async function tokenEndpoint(
  deps: TokenEndpointDeps,
  req: TokenFormT,
  address: string,
): Promise<TokenResult> {
  const keys = [`${keyDigest(req.client_key ?? "")}|${address}`, address];
  const wait = await deps.throttle.blocked(keys);
  if (wait !== null)
    return fail<OAuthError>("rate_limit_exceeded", "failed token attempts throttled", {
      retryAfterSeconds: wait,
    });
  const result = await exchangeToken(deps, req);
  if (!result.ok) await deps.throttle.fail(keys);
  return result;
}

const refused = (error: OAuthError, cause: string) => fail<OAuthError>(error, cause);

export async function exchangeToken(deps: OAuthDeps, req: TokenFormT): Promise<TokenResult> {
  const { client_key, client_secret, merchant_id, grant_type } = req;
  if (!client_key || !client_secret || !merchant_id || !grant_type) {
    return refused("invalid_request", "client_key, client_secret, merchant_id and grant_type are required");
  }
  const unreadable = unreadableField(req);
  if (unreadable) {
    return refused("invalid_request", `${unreadable} holds a NUL or an id outside int64`);
  }
  if (grant_type !== "access_token" && grant_type !== "refresh_token") {
    return refused("unsupported_grant_type", `grant_type ${grant_type.slice(0, 32)}`);
  }
  if (grant_type === "refresh_token" && !req.refresh_token) {
    return refused("invalid_request", "refresh_token is required");
  }
  const app = await deps.gateway.appByClientKey(client_key);
  let secretOk = false;
  if (app) {
    try {
      secretOk = secretsEqual(deps.secrets.open(app.clientSecretEnc), client_secret);
    } catch (err) {
      return refused("invalid_client", `stored secret unreadable: ${describeError(err)}`);
    }
  }
  if (!app || !secretOk) return refused("invalid_client", "unknown client or wrong secret");
  const ctx = { merchantId: merchant_id, fault: null };
  const grant = /^\d{1,19}$/.test(merchant_id) ? await deps.gateway.grant(app.appId, merchant_id, ctx) : null;
  if (!grant || grant.revoked) return refused("unauthorized_client", "the merchant has not granted this app");

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
      return refused("invalid_grant", "refresh token unknown, expired or of another client");
    }
    // Rotation: only one refresh can consume the token; a second use is invalid_grant.
    if (!(await deps.gateway.consumeRefreshToken(hash, now))) {
      return refused("invalid_grant", "refresh token revoked or already rotated");
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
  return ok({ tokens, caller: { appId: app.appId, merchantId: merchant_id } });
}
