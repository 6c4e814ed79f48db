/**
 * The console's client of the platform API: the operator token as the bearer token (the same
 * header `fulfill --operator-token-file` sends), every answer read by `@fulfill/sdk/wire` into
 * data or one `Failure` the screens put in plain words.
 */
import { type Answer, classify, exchange } from "@fulfill/sdk/wire";

export type { Answer, Failure } from "@fulfill/sdk/wire";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export class OperatorApi {
  constructor(
    readonly token: string,
    readonly base = "",
    readonly timeoutMs = 15_000,
  ) {}

  async call<T>(method: Method, path: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization: `Bearer ${this.token}`,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    return classify<T>(
      null,
      await exchange({
        url: this.base + path,
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        timeoutMs: this.timeoutMs,
        fetch: (...args) => globalThis.fetch(...args),
        requestInit: { cache: "no-store", credentials: "omit" },
      }),
    );
  }

  get<T>(path: string) {
    return this.call<T>("GET", path);
  }

  /**
   * A picture the platform draws (the customer's QR as PNG), as an object URL for an <img>;
   * an error answer (JSON) is read as any other.
   */
  async picture(path: string): Promise<Answer<string>> {
    let response: Response;
    try {
      response = await globalThis.fetch(this.base + path, {
        headers: { authorization: `Bearer ${this.token}` },
        cache: "no-store",
        credentials: "omit",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      return this.call<string>("GET", path);
    }
    if (response.ok && response.headers.get("content-type")?.startsWith("image/"))
      return {
        ok: true,
        data: URL.createObjectURL(await response.blob()),
        logId: response.headers.get("x-tt-logid"),
      };
    return this.call<string>("GET", path);
  }
}

/** A path segment or query value, escaped. */
export const seg = (value: string) => encodeURIComponent(value);
