/**
 * The server under test as a child process (`node --import tsx packages/server/src/main.ts`),
 * so its CPU and RSS can be read from /proc/<pid>. The rate limit is raised by configuration.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const RATE_LIMIT = 1_000_000;
/**
 * The enumeration budget (default 300 misses a minute per app and merchant), raised too: a
 * request holds each code it names as a miss while it runs, so 4 concurrent 100-code redeems
 * would hold 400 and the next be refused (redeem_100).
 */
export const MISS_BUDGET = 1_000_000;

export interface ServerOptions {
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly operatorToken: string;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a node child with tsx and waits until `ready` answers. */
export async function spawnNode(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: () => Promise<boolean>,
  nodeFlags: readonly string[] = [],
  label = script,
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", join(ROOT, script), ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = code ?? (signal ? 128 : 0);
      resolve();
    });
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== null) throw new Error(`${label} exited with ${exited} while starting:\n${output}`);
    if (await ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${label} did not become ready in 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const stop = async () => {
    if (exited !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exit;
    clearTimeout(timer);
  };
  return { child, stop };
}

export async function startServer(opts: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["--sandbox", "--port", String(port), "--data-dir", opts.dataDir];
  if (opts.databaseUrl) args.push("--database-url", opts.databaseUrl);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FULFILL_RATE_LIMIT: String(RATE_LIMIT),
    FULFILL_MISS_BUDGET: String(MISS_BUDGET),
    FULFILL_OPERATOR_TOKEN: opts.operatorToken,
    LOG_LEVEL: "warn",
  };
  delete env.DATABASE_URL;
  delete env.NODE_OPTIONS;
  const { child, stop } = await spawnNode(
    "packages/server/src/main.ts",
    args,
    env,
    async () => (await fetch(`${url}/healthz`)).status === 200,
    opts.nodeFlags ?? [],
    "the server",
  );
  return { url, pid: child.pid as number, stop };
}
