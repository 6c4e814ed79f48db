/**
 * Secrets long enough to guess at nobody's pace (issue 13, item 7): the platform API takes client
 * secrets of 32 characters or more, and outside the sandbox a server refuses an operator token
 * shorter than that, naming the variable, never the token. The sandbox world keeps its short
 * test secrets (ck_demo / cs_demo), in the sandbox only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.js";
import { startServer } from "../../src/server.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld } from "../support/world.js";

for (const database of testDatabases()) {
  describe(`secret lengths on ${database.name}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(database);
      expect((await t.world(baseWorld())).status).toBe(200);
    });
    afterAll(async () => t?.close());

    it("the platform API refuses a client secret under 32 characters, naming the field", async () => {
      const short = await t.operator("POST", "/platform/apps", {
        client_key: "ck_short",
        client_secret: "s".repeat(31),
        name: "Short",
      });
      expect(short.status, short.text).toBe(400);
      expect(short.json.error.code).toBe("invalid_params");
      expect(short.text).toContain("client_secret");
      expect(short.text).not.toContain("s".repeat(31));
      const enough = await t.operator("POST", "/platform/apps", {
        client_key: "ck_long",
        client_secret: "s".repeat(32),
        name: "Long",
      });
      expect(enough.status, enough.text).toBe(200);
    });

    it("the sandbox world keeps its short test secrets", async () => {
      expect(await t.token({ clientKey: "ck_demo", clientSecret: "cs_demo" })).toMatch(/^mat\./);
    });

    it("outside the sandbox, a short FULFILL_OPERATOR_TOKEN refuses to start, naming the variable", async () => {
      const config = { ...configFromEnv({}), port: 0, sandbox: false };
      const secret = "op_short_but_not_empty_1234";
      const system = await database.open();
      try {
        const error = await startServer(
          { ...config, operatorToken: secret },
          { memory: true, system, logLevel: "silent" },
        ).then(
          async (s) => {
            await s.close();
            return null;
          },
          (err: Error) => err,
        );
        expect(error, "it started with a short operator token").not.toBeNull();
        expect(error?.message).toContain("FULFILL_OPERATOR_TOKEN");
        expect(error?.message).toContain("32");
        expect(error?.message).not.toContain(secret);
        const long = await startServer(
          { ...config, operatorToken: "o".repeat(32) },
          { memory: true, system, logLevel: "silent" },
        );
        await long.close();
      } finally {
        await system.close();
      }
    });
  });
}
