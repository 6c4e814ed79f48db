/**
 * The OpenAPI document at /openapi.json: @fastify/swagger builds it from the routes' own schemas
 * (the request schemas the routes validate with, the response schemas beside them), plus the
 * shared components below and the whole error catalogue under `x-error-catalogue`.
 *
 * Response schemas document; they never serialize. Every answer is written by the envelope
 * (gateway/envelope.ts, a pre-serialized string, which Fastify sends as it is) or, for the few
 * object answers (/healthz), by JSON.stringify: the serializer compiler below keeps it so,
 * because Fastify's schema serializer would drop fields a schema does not list and reorder the
 * rest, and the int64 marker must reach `toJson` untouched.
 */
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { type TSchema, Type } from "typebox";
import { CATALOGUE, type CatalogueEndpoint, GENERIC, type GenericCode } from "../domain/catalogue.js";
import { OAUTH_ERRORS } from "../gateway/oauth.js";
import { CodeItem, ErrorObject, TokenFormDocumented, TokenResponse } from "../gateway/saas-schemas.js";

/** The version of the API this server documents (the package's). */
export const API_VERSION = "0.1.0";

/** The server's own paths whose documented body is the contract's, not the lenient one it validates. */
const DOCUMENTED_BODIES: Record<string, TSchema> = {
  // The token endpoint validates a lenient form so that its own checks answer RFC 6749's errors.
  "/merchant/oauth/token/": TokenFormDocumented,
};

const OAuthError = Type.Object(
  {
    error: Type.String({ enum: Object.keys(OAUTH_ERRORS) }),
    error_description: Type.String(),
    log_id: Type.String(),
  },
  {
    $id: "OAuthError",
    description: "The token endpoint's errors: RFC 6749's shape (not the envelope), plus the log id",
  },
);

/** A response header: Retry-After (seconds). */
const RETRY_AFTER = { "retry-after": { type: "integer", description: "Seconds to wait before retrying" } };

/** An envelope with empty data whose error.code is one of the generic codes. */
function genericAnswer(codes: readonly GenericCode[], description: string, headers?: object): TSchema {
  return Type.Object(
    {
      data: Type.Object({}),
      error: Type.Object({
        code: Type.String({ enum: [...codes] }),
        message: Type.String(),
        log_id: Type.String(),
      }),
    },
    { description, ...(headers ? { headers } : {}) },
  );
}

const generic = (code: GenericCode) => `${code}: ${GENERIC[code].message}`;

/** 401 and 429 of every SaaS endpoint (gateway steps 1 and 2). */
const SAAS_GATEWAY = {
  401: genericAnswer(
    ["access_token_invalid"],
    `${generic("access_token_invalid")} (missing, unknown, expired or revoked token; a revoked grant)`,
  ),
  429: genericAnswer(
    ["rate_limit_exceeded"],
    `${generic("rate_limit_exceeded")} (rate limit, or the code enumeration budget)`,
    RETRY_AFTER,
  ),
};

/** The rows an endpoint can answer, for its 500 response's description. */
function rowsOf(...endpoints: CatalogueEndpoint[]): string {
  return CATALOGUE.filter((r) => endpoints.includes(r.endpoint))
    .map((r) => r.row)
    .join(", ");
}

/** The responses of a SaaS endpoint: its success, 401, 429, and its catalogue rows (HTTP 500). */
export function saasResponses(ok: TSchema, rows: TSchema, ...endpoints: CatalogueEndpoint[]) {
  const said = (rows as { description?: string }).description ?? "";
  const described = { ...rows, description: `${said} Rows: ${rowsOf(...endpoints)}.` };
  return { 200: ok, ...SAAS_GATEWAY, 500: described };
}

/** The token endpoint's responses. */
export const TOKEN_RESPONSES = {
  200: Type.Ref("TokenPair"),
  400: Type.Ref("OAuthError", {
    description:
      "invalid_request (a required field is missing or unreadable), unsupported_grant_type, invalid_grant",
  }),
  401: Type.Ref("OAuthError", { description: "invalid_client, unauthorized_client" }),
  429: Type.Ref("OAuthError", {
    description: "rate_limit_exceeded: too many failed attempts of this client or address",
    headers: RETRY_AFTER,
  }),
};

/** The success envelope of an operator, sandbox or POS route. */
export const okAnswer = (data: TSchema, description: string) =>
  Type.Object({ data, error: Type.Ref("ErrorObject") }, { description });

/**
 * The responses of a route guarded by the operator token (platform, sandbox): its success, and
 * the generic errors of the envelope.
 */
export function operatorResponses(ok: TSchema, opts: { notFound?: string } = {}) {
  return {
    200: ok,
    400: genericAnswer(["invalid_params"], `${generic("invalid_params")} error.message says which field`),
    401: genericAnswer(
      ["access_token_invalid"],
      "access_token_invalid: the operator token is missing or wrong",
    ),
    ...(opts.notFound ? { 404: genericAnswer(["not_found"], `not_found: ${opts.notFound}`) } : {}),
    429: genericAnswer(
      ["rate_limit_exceeded"],
      "rate_limit_exceeded: too many failed operator token attempts from this address",
      RETRY_AFTER,
    ),
    503: genericAnswer(["service_unavailable"], generic("service_unavailable"), RETRY_AFTER),
  };
}

/** The responses of a POS route: its success and the errors its device token or body meet. */
export function posResponses(ok: TSchema, errors: Record<number, [GenericCode[], string]>) {
  const answers: Record<number, TSchema> = { 200: ok };
  for (const [status, [codes, description]] of Object.entries(errors))
    answers[Number(status)] = genericAnswer(
      codes,
      description,
      Number(status) === 429 || Number(status) === 503 ? RETRY_AFTER : undefined,
    );
  return answers;
}

/** /healthz: JSON.stringify of these objects (no envelope). */
export const HEALTH_RESPONSES = {
  200: Type.Object(
    { status: Type.String({ enum: ["ok"] }), database: Type.String({ description: "pglite or postgres" }) },
    { description: "Up, and the database answers" },
  ),
  503: Type.Object(
    { status: Type.String({ enum: ["unavailable"] }) },
    { description: "The database does not answer" },
  ),
  // The app's NUL check (http/app.ts) covers every route but the SaaS ones: /healthz?x=%00.
  400: genericAnswer(["invalid_params"], "invalid_params: a NUL character in the query string"),
};

/** /livez and /readyz: JSON.stringify of these objects (no envelope). */
export const PROBE_RESPONSES = {
  200: Type.Object(
    { status: Type.String({ enum: ["ok", "ready"] }) },
    { description: "Up (/livez), or ready for traffic (/readyz)" },
  ),
  503: Type.Object(
    {
      status: Type.String({ enum: ["unavailable"] }),
      reason: Type.String({ description: "draining, database unreachable, or migrations not applied" }),
    },
    { description: "/readyz only: not ready for traffic now" },
  ),
  400: HEALTH_RESPONSES[400],
};

/** /metrics: Prometheus's text format, behind the operator token. */
export const METRICS_RESPONSES = {
  200: {
    description: "Prometheus text exposition format (version 0.0.4)",
    content: { "text/plain": { schema: { type: "string" } } },
  },
  401: operatorResponses(Type.Object({}))[401],
  429: operatorResponses(Type.Object({}))[429],
};

export const SECURITY = {
  saas: [{ saasToken: [] }],
  operator: [{ operatorToken: [] }],
  device: [{ deviceToken: [] }],
  none: [],
} as const;

/** Registers @fastify/swagger (call before any route) and serves /openapi.json. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of [ErrorObject, CodeItem, TokenResponse, OAuthError]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "ttls-fulfill",
        version: API_VERSION,
        description:
          "A TTLS-compatible voucher fulfillment API. SaaS errors use the TTLS envelope; the full error catalogue is in x-error-catalogue. (ext) marks what TTLS does not have.",
        license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
      },
      servers: [
        {
          url: "http://{host}:{port}",
          description: "A server of this project (npm start: 127.0.0.1:8080)",
          variables: { host: { default: "127.0.0.1" }, port: { default: "8080" } },
        },
      ],
      tags: [
        { name: "oauth", description: "Tokens of the SaaS apps (CONTRACT.md section 2)" },
        { name: "saas", description: "The TTLS SaaS fulfillment endpoints and (ext) cancel and records" },
        { name: "platform", description: "(ext) The operator's platform API (operator token)" },
        { name: "sandbox", description: "(ext) Sandbox only: world, faults, clock, QR (operator token)" },
        { name: "pos", description: "(ext) The web POS's own routes (device token)" },
        { name: "ops", description: "Health" },
      ],
      components: {
        securitySchemes: {
          saasToken: {
            type: "http",
            scheme: "bearer",
            description: "A SaaS access token (POST /merchant/oauth/token/), or a paired POS device's token",
          },
          operatorToken: {
            type: "http",
            scheme: "bearer",
            description: "The operator token (FULFILL_OPERATOR_TOKEN, or the file the server prints)",
          },
          deviceToken: {
            type: "http",
            scheme: "bearer",
            description: "A paired POS device's token (POST /pos/api/pair)",
          },
        },
      },
    },
    // Components keep their own names ($id), not def-0, def-1…
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string | undefined) ?? `def-${i}`,
    },
    transform: ({ schema, url }) => {
      const body = DOCUMENTED_BODIES[url];
      return { schema: body ? ({ ...schema, body } as typeof schema) : schema, url };
    },
  });

  app.get("/openapi.json", { schema: { hide: true } }, async (_request, reply) => {
    const doc = app.swagger() as unknown as Record<string, unknown>;
    return reply.send({
      ...doc,
      "x-error-catalogue": CATALOGUE.map((r) => ({
        row: r.row,
        endpoint: r.endpoint,
        http_status: r.httpStatus,
        code: r.code,
        message: r.message,
        description: r.description,
        handling: r.handling,
        ...(r.fault ? { fault: r.fault } : {}),
      })),
    });
  });
}
