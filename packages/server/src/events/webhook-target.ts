/**
 * Where a webhook may go (CONTRACT.md section 8): `https` to a host name or a public address,
 * no credentials in the URL; with FULFILL_WEBHOOK_ALLOW_LOOPBACK=1 (tests, the demo; never in
 * production) also `http` or `https` to loopback (127.0.0.0/8, [::1]) and nothing else.
 * Checked when a URL is written (sandbox world, platform API) and, at send time, on every
 * address the host resolves to (webhook.ts pins the connection to one of them).
 *
 * Ranges come from ipaddr.js: only its `unicast` range is public; private, loopback,
 * link-local, CGNAT, multicast, unspecified, broadcast, documentation, benchmarking, reserved,
 * unique-local and the IPv6 transition ranges (6to4, Teredo, NAT64) are not. An IPv4-mapped
 * IPv6 address is judged as its IPv4 address. Decimal, octal and hex IPv4 forms
 * (http://2130706433/, 0177.0.0.1, 0x7f.1) are normalized to dotted quads by the WHATWG URL
 * parser before any of this looks at them.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses (send time). */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** ipaddr.js's name of the range an address is in (`unicast` = public); null when it is no address. */
export function addressRange(address: string): string | null {
  try {
    return ipaddr.process(address).range();
  } catch {
    return null;
  }
}

/**
 * The deprecated IPv4-compatible IPv6 form (::a.b.c.d, RFC 4291 2.5.5.1), which ipaddr.js calls
 * unicast: `[::127.0.0.1]` must not pass as public. `::` and `::1` have ranges of their own.
 */
function isIpv4Compatible(address: string): boolean {
  try {
    const a = ipaddr.parse(address);
    if (a.kind() !== "ipv6") return false;
    const parts = (a as ipaddr.IPv6).parts;
    return parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || (parts[7] ?? 0) > 1);
  } catch {
    return false;
  }
}

/** Whether a webhook may connect to this address. */
export function addressAllowed(address: string, allowLoopback: boolean): boolean {
  if (isIpv4Compatible(address)) return false;
  const range = addressRange(address);
  return range === "unicast" || (allowLoopback && range === "loopback");
}

export const isLoopbackAddress = (address: string): boolean => addressRange(address) === "loopback";

/** The URL's host as an address or a name: an IPv6 literal without its brackets. */
export function hostOf(url: URL): string {
  const h = url.hostname;
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** RFC 6761: `localhost` and its subdomains are loopback whatever a resolver says. */
const isLocalhostName = (host: string): boolean => /(^|\.)localhost\.?$/i.test(host);

/** What the range of a refused address is called in an error. */
function rangeWords(address: string): string {
  if (isIpv4Compatible(address)) return "an IPv4-compatible IPv6 address (deprecated), not a public one";
  const range = addressRange(address);
  return range === null ? "not an address" : `a ${range} address, not a public one`;
}

/**
 * Write time: why `raw` may not be stored as a webhook_url, or null when it may. The reason
 * names the field. An empty string stays what it is today: no webhook.
 */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | null {
  if (raw === "") return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "webhook_url is not a valid absolute URL";
  }
  if (url.username !== "" || url.password !== "")
    return "webhook_url must not carry credentials (user:password@)";
  const host = hostOf(url);
  const literal = isIP(host) !== 0;
  const loopback = literal ? isLoopbackAddress(host) : isLocalhostName(host);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && allowLoopback && loopback)) {
    return allowLoopback
      ? "webhook_url must use https (http only to a loopback receiver)"
      : "webhook_url must use https";
  }
  if (loopback && !allowLoopback) return `webhook_url host ${host} is loopback, not a public host`;
  if (literal && !addressAllowed(host, allowLoopback))
    return `webhook_url host ${host} is ${rangeWords(host)}`;
  return null;
}

/**
 * Send time: the addresses the connection may be pinned to, or why the send is refused. Every
 * address the host resolves to must be allowed (a name that resolves to one private address
 * among public ones is refused: the choice among them is not ours to trust). `http` goes only
 * to loopback, with the allowance.
 */
export function sendTargets(
  url: URL,
  addresses: readonly ResolvedAddress[],
  allowLoopback: boolean,
): { ok: true; addresses: readonly ResolvedAddress[] } | { ok: false; error: string } {
  const host = hostOf(url);
  if (addresses.length === 0) return { ok: false, error: `refused: ${host} resolves to no address` };
  const named = isIP(host) === 0;
  for (const a of addresses) {
    if (!addressAllowed(a.address, allowLoopback)) {
      const what = named ? `${host} resolves to ${a.address},` : `${a.address} is`;
      return { ok: false, error: `refused: ${what} ${rangeWords(a.address)}` };
    }
  }
  if (url.protocol === "http:" && !(allowLoopback && addresses.every((a) => isLoopbackAddress(a.address))))
    return { ok: false, error: "refused: webhook_url must use https" };
  return { ok: true, addresses };
}
