/**
 * Probes and graceful shutdown (issue 15, item 6), on the real server process: 64 keep-alive
 * clients fire requests, SIGTERM arrives mid-load. Every request the server received gets a
 * complete answer; no request sent on an open keep-alive connection is reset (only a fresh
 * connection may be refused once the listener is closed); every answer has its request-log
 * row (none lost in the last batch). (Before: 28–30 requests reset; main.ts closed at once.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSystem } from "../../src/system.js";
import { freePort } from "../support/private-postgres.js";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const CLIENTS = 64;
const TOKEN_PATH = "/merchant/oauth/token/";

interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  output: string;
  exited: Promise<number | null>;
}

async function startServer(dataDir: string): Promise<Server> {
  const port = await freePort();
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(PORT|HOST|DATABASE_|FULFILL_|NATS_|REDIS_|LOG_LEVEL)/.test(k),
    ),
  );
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--sandbox", "--port", String(port)], {
    env: {
      ...clean,
      FULFILL_DATA_DIR: dataDir,
      FULFILL_SHUTDOWN_GRACE_MS: "8000",
      FULFILL_AUTH_FAILURES: "1000000",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const server: Server = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (c) => {
    server.output += String(c);
  });
  child.stderr?.on("data", (c) => {
    server.output += String(c);
  });
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${server.url}/healthz`);
      if (res.status === 200) return server;
    } catch {
      // not up yet
    }
    if (Date.now() > until || child.exitCode !== null)
      throw new Error(`server did not start: ${server.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Attempt {
  readonly reused: boolean;
  readonly status?: number;
  readonly logId?: string;
  readonly connection?: string;
  readonly complete?: boolean;
  readonly error?: string;
  readonly afterSignal: boolean;
}

/** One request on the agent: its answer (complete or not) or the error, and whether the socket was reused. */
function attempt(agent: http.Agent, port: number, n: number, signalled: () => boolean): Promise<Attempt> {
  return new Promise((resolve) => {
    // Alternately a route that reads the database (the token endpoint) and one that does not.
    const body = new URLSearchParams({
      client_key: `ck_load_${n % 7}`,
      client_secret: "not-the-secret",
      merchant_id: "7000000000000000001",
      grant_type: "access_token",
    }).toString();
    const post = n % 2 === 0;
    const req = http.request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: post ? "POST" : "GET",
        path: post ? TOKEN_PATH : `/no-such-route/${n}`,
        headers: post ? { "content-type": "application/x-www-form-urlencoded" } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          text += c;
        });
        const finish = (error?: string) => {
          let complete = false;
          try {
            JSON.parse(text);
            complete = res.complete;
          } catch {
            complete = false;
          }
          resolve({
            reused: req.reusedSocket,
            status: res.statusCode ?? 0,
            logId: String(res.headers["x-tt-logid"] ?? ""),
            connection: String(res.headers.connection ?? ""),
            complete,
            ...(error ? { error } : {}),
            afterSignal: signalled(),
          });
        };
        res.on("end", () => finish());
        res.on("error", (err) => finish(`response: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      },
    );
    req.on("error", (err) =>
      resolve({
        reused: req.reusedSocket,
        error: (err as NodeJS.ErrnoException).code ?? err.message,
        afterSignal: signalled(),
      }),
    );
    req.end(post ? body : undefined);
  });
}

describe("SIGTERM under 64 keep-alive clients", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "fulfill-drain-"));
  let server: Server;
  beforeAll(async () => {
    server = await startServer(dataDir);
  }, 90_000);
  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers /livez without the database and /readyz once ready", async () => {
    const live = await fetch(`${server.url}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("answers every request it received, resets none on an open connection, loses no log row", {
    timeout: 120_000,
  }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    let signalled = false;
    const attempts: Attempt[] = [];
    let n = 0;
    const client = async () => {
      for (;;) {
        const a = await attempt(agent, server.port, n++, () => signalled);
        attempts.push(a);
        if (a.error) return; // refused once the listener is closed: this client is done
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await new Promise((r) => setTimeout(r, 2000));
    const before = attempts.length;
    signalled = true;
    server.child.kill("SIGTERM");
    const code = await server.exited;
    await Promise.all(clients);
    agent.destroy();

    const answers = attempts.filter((a) => a.status !== undefined);
    const failures = attempts.filter((a) => a.error !== undefined);
    expect(before, "load ran before the signal").toBeGreaterThan(CLIENTS);
    expect(answers.filter((a) => a.afterSignal).length, "answers after SIGTERM").toBeGreaterThan(0);
    // Every answer is complete; a request on an open (reused) keep-alive connection is never reset.
    expect(answers.filter((a) => !a.complete || a.error)).toEqual([]);
    expect(failures.filter((a) => a.reused)).toEqual([]);
    // A fresh connection may only be refused (or reset unread in the closed listener's backlog).
    expect(failures.filter((a) => a.error !== "ECONNREFUSED" && a.error !== "ECONNRESET")).toEqual([]);
    // Answers once draining close their connection after the response.
    // (the client's clock runs ahead of the server's signal handling: early ones may not yet).
    const drained = attempts.filter((a) => a.afterSignal && a.status !== undefined);
    expect(drained.some((a) => a.connection === "close")).toBe(true);
    expect(code, server.output).toBe(0);

    // The request log holds exactly the answered requests: none lost, none answered unread.
    const system = await openSystem({ dataDir });
    try {
      // Only the load wrote request-log rows (the probes are not logged): all of them are counted.
      const rows = await system.database.db.selectFrom("request_log").select(["log_id"]).execute();
      const logged = new Set(rows.map((r) => r.log_id));
      const answeredIds = answers.map((a) => a.logId as string);
      expect(answeredIds.filter((id) => !logged.has(id))).toEqual([]);
      expect(rows.length).toBe(answers.length);
    } finally {
      await system.close();
    }
  });
});
