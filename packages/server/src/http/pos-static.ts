/**
 * The POS web app at /pos/: the built files of packages/pos/dist, with strict security
 * headers. When the app was not built, /pos/ answers a 503 page that says how to build it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Where the built POS lives: FULFILL_POS_DIR, else packages/pos/dist beside this package. */
export function posDistDir(configured: string | undefined): string {
  return configured || fileURLToPath(new URL("../../../pos/dist/", import.meta.url));
}

/**
 * Scripts and styles only from this origin, nothing inline; product images from any https
 * host; the camera for this origin only; never framed.
 */
export const POS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: https:",
  "connect-src 'self'",
  "media-src 'self' blob: mediastream:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const POS_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": POS_CSP,
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "permissions-policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
};

function applyHeaders(request: FastifyRequest, reply: FastifyReply): void {
  for (const [name, value] of Object.entries(POS_SECURITY_HEADERS)) reply.header(name, value);
  // Hashed file names never change: cache them for good; the page itself is always fresh.
  if (request.url.startsWith("/pos/assets/") && reply.statusCode === 200) {
    reply.header("cache-control", "public, max-age=31536000, immutable");
  } else {
    reply.header("cache-control", "no-cache");
  }
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>POS not built</title></head>
<body>
<h1>The POS app is not built</h1>
<p>The server is running, but the point-of-sale web app has not been built yet.</p>
<p>Build it with <code>npm run build -w @fulfill/pos</code> (it is also built by <code>npm install</code>), then restart the server.</p>
</body></html>`;

/**
 * The icon browsers ask for at /favicon.ico (a 32 px check mark on the POS's teal, PNG inside
 * an ICO; 225 bytes), answered whether or not the app is built: without it every page load of
 * the POS logs a 404.
 */
const FAVICON = Buffer.from(
  "AAABAAEAICAAAAEAIADLAAAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAJJJREFUeNrtlzsOgEAIRLmBN7X0+toZo0iAHT5mnWRb3muWMERClm3dEY8sQUFdMtFwUSILzkpkwx8ScwtUwU+JqMH3pApwmUfgLSkCVjhUwAOHCXjhooB22AjcJMANHYWbBa7DEXCXgBT4Ko6Gq35BJFz9DaPgpj1QLmDZDS3ugU9cRf9R2qeYtKhmLcppRT0/AMjqK1tZ+TgaAAAAAElFTkSuQmCC",
  "base64",
);

/** Registers the POS routes in an encapsulated scope of `app` (the headers apply to them only). */
export async function installPosStatic(app: FastifyInstance, dir: string): Promise<{ built: boolean }> {
  const built = existsSync(join(dir, "index.html"));
  app.get("/pos", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/pos/", 301));
  await app.register(async (scope) => {
    scope.addHook("onSend", async (request, reply, payload) => {
      applyHeaders(request, reply);
      return payload;
    });
    scope.get("/favicon.ico", { schema: { hide: true } }, async (_request, reply) =>
      reply.type("image/x-icon").send(FAVICON),
    );
    if (built) {
      await scope.register(fastifyStatic, {
        root: dir,
        prefix: "/pos/",
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
      scope.get("/pos/", { schema: { hide: true } }, notBuilt);
      scope.get("/pos/*", { schema: { hide: true } }, notBuilt);
    }
  });
  return { built };
}
