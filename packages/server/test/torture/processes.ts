/** Server processes for the torture harness: spawned with tsx, killed with SIGKILL, restarted. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../support/private-postgres.js";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  child: ChildProcess | null;
  alive: boolean;
}

export async function waitHealthy(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`server at ${url} did not become healthy`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function spawnServer(
  env: Record<string, string>,
  existing?: ServerProcess,
  onStderr?: (chunk: Buffer) => void,
): Promise<ServerProcess> {
  const port = existing?.port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--sandbox", "--port", String(port)], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", onStderr ?? (() => undefined));
  const proc: ServerProcess = existing ?? {
    port,
    url: `http://127.0.0.1:${port}`,
    child: null,
    alive: false,
  };
  proc.child = child;
  child.once("exit", () => {
    proc.alive = false;
  });
  await waitHealthy(proc.url);
  proc.alive = true;
  return proc;
}

export function killHard(proc: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    const child = proc.child;
    if (!child || child.exitCode !== null) {
      proc.alive = false;
      resolve();
      return;
    }
    proc.alive = false;
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}
