/**
 * The running server's /openapi.json: `redocly lint` (pinned @redocly/cli, our redocly.yaml)
 * finds no problem, @apidevtools/swagger-parser validates it, and it says what a client
 * generator needs: an id, a security and 4xx answers per operation, response schemas, named
 * components, the contract's enums and required fields.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { OpenAPIV3 } from "openapi-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";

const here = dirname(fileURLToPath(import.meta.url));
const serverDir = resolve(here, "../..");
const redocly = resolve(serverDir, "../../node_modules/.bin/redocly");
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/** A property's schema (documents here inline their properties; a missing one fails the test). */
function field(schema: OpenAPIV3.SchemaObject, name: string): OpenAPIV3.SchemaObject {
  const found = schema.properties?.[name];
  if (!found) throw new Error(`no property ${name}`);
  return found as OpenAPIV3.SchemaObject;
}

type Operation = OpenAPIV3.OperationObject & { path: string; method: string };

function operations(doc: OpenAPIV3.Document): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const op = item?.[method];
      return op ? [{ ...op, path, method }] : [];
    }),
  );
}

describe("the OpenAPI document", () => {
  let t: TestServer;
  let doc: OpenAPIV3.Document;
  let folder: string;
  beforeAll(async () => {
    t = await startTestServer(testDatabases()[0] as ReturnType<typeof testDatabases>[number]);
    doc = (await t.request("/openapi.json")).json;
    folder = mkdtempSync(join(tmpdir(), "fulfill-openapi-"));
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it("redocly lint (recommended-strict, redocly.yaml): 0 errors, 0 warnings", async () => {
    const file = join(folder, "openapi.json");
    writeFileSync(file, JSON.stringify(doc));
    const run = await promisify(execFile)(
      redocly,
      ["lint", file, "--config", join(serverDir, "redocly.yaml"), "--format", "json"],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((err: { stdout: string }) => err);
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("is valid for @apidevtools/swagger-parser", async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as OpenAPIV3.Document)).resolves.toBeTruthy();
  });

  it("every operation: a unique operationId, a security, a 4xx answer, response schemas with descriptions", () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(30);
    const ids = ops.map((o) => o.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of ops) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      expect(op.security, `${where}: security`).toBeDefined();
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith("4")),
        `${where}: a 4xx answer`,
      ).toBe(true);
      for (const [status, response] of Object.entries(op.responses)) {
        const r = response as OpenAPIV3.ResponseObject;
        expect(r.description, `${where} ${status}`).not.toBe("Default Response");
        expect(r.content, `${where} ${status}: content`).toBeDefined();
        for (const media of Object.values(r.content ?? {}))
          expect(media.schema, `${where} ${status}: schema`).toBeDefined();
      }
      // A route behind a token says so, and documents the 401 it answers without one.
      if ((op.security ?? []).length > 0) expect(statuses, `${where}: 401 without a token`).toContain("401");
    }
  });

  it("operator and sandbox routes: the operator token, and their data documented", () => {
    for (const op of operations(doc).filter((o) => /^\/(platform|sandbox)\//.test(o.path))) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      expect(op.security, where).toEqual([{ operatorToken: [] }]);
      const ok = op.responses["200"] as OpenAPIV3.ResponseObject;
      const schema = ok.content?.["application/json"]?.schema as OpenAPIV3.SchemaObject;
      const data = schema.properties?.data as OpenAPIV3.SchemaObject;
      expect(Object.keys(data.properties ?? {}).length, `${where}: data's fields`).toBeGreaterThan(0);
      expect(op.responses["429"], `${where}: 429`).toBeDefined();
    }
  });

  it("operator lists: has_more and a cursor that is null on the last page (one vocabulary for every list)", () => {
    const lists = operations(doc).filter((o) => o.method === "get" && /^\/platform\//.test(o.path));
    const paged = lists.flatMap((op) => {
      const ok = op.responses["200"] as OpenAPIV3.ResponseObject;
      const body = ok.content?.["application/json"]?.schema as OpenAPIV3.SchemaObject;
      const data = body.properties?.data as OpenAPIV3.SchemaObject;
      return data.properties?.has_more ? [{ where: `GET ${op.path}`, data }] : [];
    });
    // The directory's four, audit, redemptions, after-sales, alerts, dead letters, deliveries, apps.
    expect(paged.length).toBeGreaterThanOrEqual(11);
    for (const { where, data } of paged) {
      // Nullable(...) is rendered as OpenAPI 3.0's nullable string.
      const { type, nullable } = field(data, "cursor");
      expect({ where, type, nullable }).toEqual({ where, type: "string", nullable: true });
      expect(field(data, "cursor").description, where).toContain("null on the last page");
    }
  });

  it("SaaS endpoints: the access token, 401 access_token_invalid, 429 with Retry-After, their rows", () => {
    for (const op of operations(doc).filter((o) => o.path.startsWith("/v2/localservice/saas/fulfill/"))) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      expect(op.security, where).toEqual([{ saasToken: [] }]);
      const unauthorized = op.responses["401"] as OpenAPIV3.ResponseObject;
      const body = unauthorized.content?.["application/json"]?.schema as OpenAPIV3.SchemaObject;
      const error = body.properties?.error as OpenAPIV3.SchemaObject;
      expect(field(error, "code").enum, where).toEqual(["access_token_invalid"]);
      expect((op.responses["429"] as OpenAPIV3.ResponseObject).headers, where).toHaveProperty("retry-after");
      expect(op.responses["500"], `${where}: the catalogue rows`).toBeDefined();
    }
  });

  it("components: the envelope's error, CodeItem, the tokens and the OAuth error shape", () => {
    const schemas = doc.components?.schemas ?? {};
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(["ErrorObject", "CodeItem", "TokenPair", "OAuthError"]),
    );
    const item = schemas.CodeItem as OpenAPIV3.SchemaObject;
    const status = item.properties?.redemption_status as OpenAPIV3.SchemaObject;
    expect(status.enum).toEqual([0, 100, 400, 500, 501]);
    const shopId = item.properties?.redeemed_shop_id as OpenAPIV3.SchemaObject;
    expect(shopId).toMatchObject({ type: "integer", format: "int64" });
    expect(shopId.description).toMatch(/redeemed_shop_id_str/);
    const oauth = schemas.OAuthError as OpenAPIV3.SchemaObject;
    expect(field(oauth, "error").enum).toEqual(
      expect.arrayContaining([
        "invalid_request",
        "unsupported_grant_type",
        "invalid_client",
        "invalid_grant",
      ]),
    );
  });

  it("the token form: its required fields and grant_type's two values", () => {
    const op = doc.paths["/merchant/oauth/token/"]?.post as OpenAPIV3.OperationObject;
    const body = op.requestBody as OpenAPIV3.RequestBodyObject;
    const form = body.content["application/x-www-form-urlencoded"]?.schema as OpenAPIV3.SchemaObject;
    expect(form.required).toEqual(["client_key", "client_secret", "merchant_id", "grant_type"]);
    expect(field(form, "grant_type").enum).toEqual(["access_token", "refresh_token"]);
    for (const status of ["400", "401", "429"]) expect(op.responses).toHaveProperty(status);
    expect(op.security).toEqual([]);
  });

  it('query_redeem_record/\'s cursor: "0" for the first page, in the schema', () => {
    const op = doc.paths["/v2/localservice/saas/fulfill/query_redeem_record/"]
      ?.post as OpenAPIV3.OperationObject;
    const body = (op.requestBody as OpenAPIV3.RequestBodyObject).content["application/json"]
      ?.schema as OpenAPIV3.SchemaObject;
    const cursor = body.properties?.cursor as OpenAPIV3.SchemaObject;
    expect(cursor.example).toBe("0");
  });

  it("servers: where to send requests", () => {
    expect(doc.servers?.length ?? 0).toBeGreaterThan(0);
  });
});
