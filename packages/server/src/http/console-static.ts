/**
 * The operator's console at /console/: the built files of packages/console/dist, with strict
 * security headers (as the POS's, without the camera). When it was not built, /console/
 * answers a 503 page that says how to build it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Where the built console lives: packages/console/dist beside this package. */
export function consoleDistDir(): string {
  return fileURLToPath(new URL("../../../console/dist/", import.meta.url));
}

/**
 * Scripts and styles only from this origin, nothing inline; images from this origin and data:
 * URLs (the QR pictures it draws); calls to this origin only; never framed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONSOLE_CSP,
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The operator console is not built</h1>
<p>Build it with <code>npm run build -w @fulfill/console</code> (also done by <code>npm install</code>), then restart the server.</p>
</body></html>`;

/** Registers the console's routes in an encapsulated scope of `app` (the headers apply to them only). */
export async function installConsoleStatic(app: FastifyInstance, dir: string): Promise<{ built: boolean }> {
  const built = existsSync(join(dir, "index.html"));
  app.get("/console", { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect("/console/", 301),
  );
  await app.register(async (scope) => {
    scope.addHook("onSend", async (request: FastifyRequest, reply: FastifyReply, payload) => {
      for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) reply.header(name, value);
      const immutable = request.url.startsWith("/console/assets/") && reply.statusCode === 200;
      reply.header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
      return payload;
    });
    if (built) {
      await scope.register(fastifyStatic, {
        root: dir,
        prefix: "/console/",
        index: ["index.html"],
        wildcard: true,
        cacheControl: false,
        etag: true,
        lastModified: true,
        preCompressed: true,
        dotfiles: "deny",
        schemaHide: true,
      });
    } else {
      const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
        reply.code(503).header("retry-after", "60").type("text/html; charset=utf-8").send(NOT_BUILT);
      scope.get("/console/", { schema: { hide: true } }, notBuilt);
      scope.get("/console/*", { schema: { hide: true } }, notBuilt);
    }
  });
  return { built };
}
