/**
 * A production start (issue 15, item 7): `npm run serve` and `fulfill serve` run the compiled
 * server (no tsx at run time), generate the secrets that are unset and print where; SIGTERM to
 * the npm process reaches node, which drains and exits. The Dockerfile's PID 1 is node
 * (exec-form CMD), and its install and start steps work in a scratch folder.
 * (Before: no `serve` script, `fulfill serve` ran the sources through tsx, `kill -TERM` of
 * `npm start` left the node process serving.)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/private-postgres.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BIN = join(ROOT, "node_modules/.bin/fulfill");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const scratch = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `fulfill-${name}-`));
  dirs.push(d);
  return d;
};

/** The environment without this machine's deployment variables (the test sets its own). */
const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(PORT|HOST|DATABASE_|FULFILL_|NATS_|REDIS_|LOG_LEVEL)/.test(k),
    ),
  ) as Record<string, string>;

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Running {
  const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const r: Running = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (c) => {
    r.stdout += String(c);
  });
  child.stderr?.on("data", (c) => {
    r.stderr += String(c);
  });
  return r;
}

async function waitLive(url: string, r: Running): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/livez`)).status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until || r.child.exitCode !== null) throw new Error(`not up: ${r.stderr}${r.stdout}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Every process below `pid` (from /proc), with its command line. */
function descendants(pid: number): { pid: number; cmdline: string }[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const below = (p: number): number[] =>
    [...parentOf].filter(([, parent]) => parent === p).flatMap(([child]) => [child, ...below(child)]);
  return below(pid).map((p) => {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      // gone meanwhile
    }
    return { pid: p, cmdline };
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm run serve", () => {
  it("runs the compiled server, prints the generated secrets' paths, and stops on SIGTERM to npm", {
    timeout: 120_000,
  }, async () => {
    expect(existsSync(join(ROOT, "packages/server/dist/main.js")), "npm run build first").toBe(true);
    const dataDir = scratch("serve");
    const port = await freePort();
    const r = run("npm", ["run", "--silent", "serve"], ROOT, {
      ...cleanEnv(),
      PORT: String(port),
      FULFILL_DATA_DIR: dataDir,
    });
    await waitLive(`http://127.0.0.1:${port}`, r);
    const nodes = descendants(r.child.pid as number).filter((p) => p.cmdline.includes("dist/main.js"));
    expect(nodes).toHaveLength(1);
    const server = nodes[0] as { pid: number; cmdline: string };
    expect(server.cmdline).not.toContain("tsx");
    // The first start says the embedded database is being created; the banner is on stderr.
    expect(r.stderr).toContain("initialising the embedded database");
    expect(r.stderr).toContain(`/pos/`);
    for (const file of ["operator.token", "qr.key", "secret.key"]) {
      expect(r.stderr).toContain(join(dataDir, file));
      expect(existsSync(join(dataDir, file))).toBe(true);
    }
    // stdout is the JSON log stream only.
    for (const line of r.stdout.split("\n").filter(Boolean))
      expect(() => JSON.parse(line), line).not.toThrow();

    r.child.kill("SIGTERM"); // to npm, not to node
    const code = await r.exited;
    const until = Date.now() + 15_000;
    while (alive(server.pid) && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    expect(alive(server.pid), "node still serving after SIGTERM to npm").toBe(false);
    expect(code).toBe(0);
    expect(r.stderr).toContain("SIGTERM: draining");
  });
});

describe("fulfill serve", () => {
  it("runs the compiled server, not its sources through tsx", { timeout: 120_000 }, async () => {
    const dataDir = scratch("cli-serve");
    const port = await freePort();
    const r = run(BIN, ["serve", "--port", String(port), "--data-dir", dataDir], ROOT, cleanEnv());
    await waitLive(`http://127.0.0.1:${port}`, r);
    expect(r.stderr).not.toContain("not built");
    expect(r.stderr).toContain("listening on");
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  });
});

describe("the Dockerfile", () => {
  const text = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const steps = text
    .split("\n")
    .filter((l) => /^[A-Z]+ /.test(l))
    .map((l) => ({ op: l.slice(0, l.indexOf(" ")), arg: l.slice(l.indexOf(" ") + 1).trim() }));

  it("starts node as PID 1 (exec-form CMD, no ENTRYPOINT, no shell)", () => {
    const cmds = steps.filter((s) => s.op === "CMD");
    expect(cmds).toHaveLength(1);
    const cmd = JSON.parse((cmds[0] as { arg: string }).arg) as string[];
    expect(cmd[0]).toBe("node");
    expect(cmd[1]).toMatch(/dist\/main\.js$/);
    expect(steps.filter((s) => s.op === "ENTRYPOINT")).toEqual([]);
  });

  it("installs and starts in a scratch folder as its steps say", { timeout: 300_000 }, async () => {
    const app = scratch("image");
    const env: Record<string, string> = {};
    for (const s of steps) {
      if (s.op === "COPY") {
        const parts = s.arg.split(/\s+/);
        const dest = parts.pop() as string;
        for (const src of parts) {
          // `COPY a b dir/` puts each into dir/; `COPY dir other` copies dir as other.
          const target = dest.endsWith("/") ? join(app, dest, basename(src)) : join(app, dest);
          mkdirSync(dirname(target), { recursive: true });
          cpSync(join(ROOT, src), target, { recursive: true });
        }
      } else if (s.op === "ENV") {
        for (const m of s.arg.matchAll(/([A-Z_]+)=(\S+)/g)) env[m[1] as string] = m[2] as string;
      } else if (s.op === "RUN" && s.arg.startsWith("npm ")) {
        execFileSync("sh", ["-c", s.arg], { cwd: app, stdio: "pipe", env: { ...cleanEnv(), ...env } });
      }
    }
    // The image runs JavaScript with node alone: no TypeScript compiler installed, and the start
    // below works with tsx taken away (the CLI's workspace still lists it as a dependency).
    expect(existsSync(join(app, "node_modules/typescript"))).toBe(false);
    rmSync(join(app, "node_modules/tsx"), { recursive: true, force: true });
    rmSync(join(app, "node_modules/.bin/tsx"), { force: true });
    const cmd = JSON.parse((steps.find((s) => s.op === "CMD") as { arg: string }).arg) as string[];
    const port = await freePort();
    const r = run(process.execPath, cmd.slice(1), app, {
      ...cleanEnv(),
      ...env,
      HOST: "127.0.0.1",
      PORT: String(port),
      FULFILL_DATA_DIR: join(app, "data"),
    });
    await waitLive(`http://127.0.0.1:${port}`, r);
    expect((await fetch(`http://127.0.0.1:${port}/pos/`)).status).toBe(200);
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  });
});
