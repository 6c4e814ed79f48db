/**
 * A small HTTP proxy in front of a real test server: it records every request the SDK makes (path,
 * headers, body, the status it got), and can misbehave on purpose: answer nothing (hold), or
 * forward a request, wait for the server's complete answer, then cut the client's connection
 * without sending it (a reply lost after the commit).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Hit {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Date.now() when the request arrived. */
  readonly at: number;
  /** The upstream status; 0 while held or when the proxy never forwarded it. */
  status: number;
  /** The upstream answer (also for a dropped reply: what the client never saw). */
  answer: string;
  dropped: boolean;
}

export interface RecordingProxy {
  readonly url: string;
  readonly hits: Hit[];
  count(path: string): number;
  /** The next `times` requests to `path` are forwarded, answered upstream, and their reply is cut. */
  dropReply(path: string, times?: number): void;
  /** The next `times` requests to `path` get no answer at all (until the client gives up). */
  hold(path: string, times?: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const hits: Hit[] = [];
  const drops = new Map<string, number>();
  const holds = new Map<string, number>();
  const take = (m: Map<string, number>, path: string) => {
    const n = m.get(path) ?? 0;
    if (n <= 0) return false;
    m.set(path, n - 1);
    return true;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? "/";
      const hit: Hit = {
        method: req.method ?? "GET",
        path,
        headers: req.headers,
        body: body.toString("utf8"),
        at: Date.now(),
        status: 0,
        answer: "",
        dropped: false,
      };
      hits.push(hit);
      if (take(holds, path)) return; // never answered; the client's timeout or abort ends it
      const drop = take(drops, path);
      const headers = { ...req.headers, host: upstream.host };
      delete headers.connection;
      const up = http.request(
        { hostname: upstream.hostname, port: upstream.port, path, method: req.method, headers },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on("data", (c: Buffer) => parts.push(c));
          upRes.on("end", () => {
            const answer = Buffer.concat(parts);
            hit.status = upRes.statusCode ?? 0;
            hit.answer = answer.toString("utf8");
            if (drop) {
              hit.dropped = true;
              req.socket.destroy();
              return;
            }
            const out: http.OutgoingHttpHeaders = {};
            for (const [k, v] of Object.entries(upRes.headers)) {
              if (!["connection", "transfer-encoding", "keep-alive", "content-length"].includes(k))
                out[k] = v;
            }
            out["content-length"] = answer.length;
            res.writeHead(upRes.statusCode ?? 502, out);
            res.end(answer);
          });
        },
      );
      up.on("error", () => req.socket.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    count: (path) => hits.filter((h) => h.path === path).length,
    dropReply: (path, times = 1) => drops.set(path, times),
    hold: (path, times = 1) => holds.set(path, times),
    reset() {
      hits.length = 0;
      drops.clear();
      holds.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
