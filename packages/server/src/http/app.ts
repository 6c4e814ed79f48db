/**
 * The Fastify application: one place maps errors to HTTP (the error handler), every response
 * carries `X-Tt-Logid`, every request is written to the request log.
 */
import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { GATEWAY_ROWS } from "../gateway/caller.js";
import { genericReply, rowReply } from "../gateway/envelope.js";
import { newLogId } from "../gateway/log-id.js";
import { refusedDetail } from "../gateway/parameter-detail.js";
import { auditRoutes } from "./audit.js";
import type { HttpContext } from "./context.js";
import { lazyChildLoggerFactory, loggedUrl } from "./lazy-logger.js";
import { HEALTH_RESPONSES, registerOpenApi } from "./openapi.js";
import { operatorReadRoutes } from "./operator-read-routes.js";
import { platformAdminRoutes } from "./platform-admin-routes.js";
import { platformDirectoryRoutes } from "./platform-directory-routes.js";
import { platformRoutes } from "./platform-routes.js";
import { saasRoutes } from "./saas-routes.js";
import { sandboxRoutes } from "./sandbox-routes.js";
import { send } from "./send.js";

/** Paths of secrets and codes that must never reach the log stream. */
export const LOG_REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  "*.client_secret",
  "*.access_token",
  "*.refresh_token",
  "*.qr_info",
  "*.code_list",
  "*.codes",
  "*.code",
];

/** The path of the first string holding a NUL in a parsed request part, or null. */
export function nulPath(value: unknown, path: string): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (value === null || typeof value !== "object") return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = key.includes("\u0000") ? path : nulPath(inner, `${path}/${key}`);
    if (found) return found;
  }
  return null;
}

/** Fastify's request serializer, minus the query string. */
function serializeRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: loggedUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}

/**
 * Fastify's response serializer plus the route and the catalogue row, so each "request completed"
 * line says which endpoint answered what (a dashboard built on logs, like /metrics).
 */
function serializeReply(reply: { statusCode: number; request?: FastifyReply["request"] }) {
  const request = reply.request;
  return {
    statusCode: reply.statusCode,
    route: request?.routeOptions?.config?.logName ?? request?.routeOptions?.url ?? null,
    row: request?.outcome?.row ?? null,
  };
}

export interface AppOptions {
  readonly logLevel?: string;
  /** Where log lines go (tests capture them to prove no secret is ever written). */
  readonly logStream?: NodeJS.WritableStream;
}

export async function buildApp(ctx: HttpContext, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: opts.logLevel ?? ctx.config.logLevel,
      redact: { paths: LOG_REDACT, censor: "[redacted]" },
      serializers: { req: serializeRequest, res: serializeReply },
      ...(opts.logStream ? { stream: opts.logStream } : {}),
    },
    // The client address (request.ip) is X-Forwarded-For's only behind a listed proxy.
    trustProxy: ctx.config.trustProxy.length > 0 ? [...ctx.config.trustProxy] : false,
    genReqId: () => newLogId(),
    childLoggerFactory: lazyChildLoggerFactory,
    requestIdLogLabel: "log_id",
    requestIdHeader: false,
    bodyLimit: ctx.config.bodyLimitBytes,
    // Slow clients: the whole request (headers and body) must arrive within 10 s, idle
    // keep-alive connections close after 72 s, headers are at most 16 KB.
    connectionTimeout: 30_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 72_000,
    http: {
      maxHeaderSize: 16 * 1024,
      headersTimeout: 10_000,
      requestTimeout: 10_000,
      connectionsCheckingInterval: 1_000,
    },
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    ajv: { customOptions: { allErrors: false } },
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.decorateRequest("outcome", null);
  app.decorateRequest("caller", null);

  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("X-Tt-Logid", request.id);
    // Security headers for an API that only ever answers JSON (the POS sets its own CSP).
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("X-Frame-Options", "DENY");
    reply.header("Referrer-Policy", "no-referrer");
    reply.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    reply.header("Cross-Origin-Resource-Policy", "same-origin");
    reply.header("Cache-Control", "no-store");
  });

  // Outside the SaaS endpoints (whose schemas refuse a NUL field by field, and the token
  // endpoint, which answers invalid_request), a NUL anywhere in the request is a parameter
  // error: the database cannot store it and would fail as an unexpected error.
  app.addHook("preValidation", async (request, reply) => {
    const config = request.routeOptions.config as { endpoint?: string; logName?: string } | undefined;
    if (config?.endpoint || config?.logName === "oauth.token") return;
    for (const [part, value] of [
      ["params", request.params],
      ["querystring", request.query],
      ["body", request.body],
    ] as const) {
      const path = nulPath(value, part);
      if (path) {
        return send(
          request,
          reply,
          genericReply("invalid_params", request.id, `${path} holds a NUL character`),
          "NUL in the request",
        );
      }
    }
  });

  app.addHook("onClose", async () => {
    await ctx.requestLog.flush();
  });

  app.addHook("onResponse", async (request, reply) => {
    const o = request.outcome;
    if (!o) return;
    ctx.requestLog.add({
      logId: request.id,
      endpoint: o.endpoint,
      appId: o.appId,
      merchantId: o.merchantId,
      outcomeRow: o.row,
      httpStatus: reply.statusCode,
      durationMs: Math.max(0, Math.round(reply.elapsedTime)),
      cause: o.cause?.slice(0, 1000) ?? null,
      redeemId: o.redeemId,
      createdAt: Math.floor(ctx.realClock.nowMs() / 1000),
    });
  });

  // The one place that maps thrown errors to HTTP. On the SaaS endpoints a body the parser
  // refuses (not JSON, wrong content type, too large, empty) answers the schema row.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const endpoint = request.routeOptions.config?.endpoint;
    const clientError =
      typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500;
    if (endpoint && clientError) {
      return send(
        request,
        reply,
        rowReply(GATEWAY_ROWS[endpoint].schema, request.id, {}, refusedDetail(error)),
        `${error.code ?? "body"}: ${error.message}`,
      );
    }
    if (clientError) {
      return send(
        request,
        reply,
        genericReply("invalid_params", request.id, error.message.slice(0, 200)),
        error.code ?? null,
      );
    }
    if (ctx.isDatabaseUnavailable(error)) {
      // Classified, not unexpected: the database is away (an outage, a restart). The SaaS
      // endpoints answer their catalogue rows for this; other routes answer 503 with Retry-After.
      request.log.warn({ err: { message: error.message, code: error.code } }, "database unavailable");
      reply.header("retry-after", "1");
      return send(
        request,
        reply,
        genericReply("service_unavailable", request.id),
        `${error.name}: ${error.message}`,
      );
    }
    request.log.error({ err: { message: error.message, code: error.code } }, "unexpected error");
    return send(
      request,
      reply,
      genericReply("internal_error", request.id),
      `${error.name}: ${error.message}`,
    );
  });

  app.setNotFoundHandler((request, reply) =>
    send(request, reply, genericReply("not_found", request.id), "no route"),
  );

  await registerOpenApi(app);

  app.get(
    "/healthz",
    {
      schema: {
        tags: ["ops"],
        operationId: "health",
        summary: "Up, and the database reachable",
        security: [],
        response: HEALTH_RESPONSES,
      },
    },
    async (_request, reply) => {
      const health = await ctx.health();
      return health.ok
        ? reply.send({ status: "ok", database: health.database })
        : reply.code(503).send({ status: "unavailable" });
    },
  );

  saasRoutes(app, ctx);
  platformRoutes(app, ctx);
  platformAdminRoutes(app, ctx);
  platformDirectoryRoutes(app, ctx);
  auditRoutes(app, ctx);
  operatorReadRoutes(app, ctx);
  if (ctx.config.sandbox) sandboxRoutes(app, ctx);
  return app;
}
