/**
 * Which screen is open, from the URL's fragment (`#support`, `#logs/<id>`, `#orders/<id>`):
 * links work and the back button goes back. The token is never part of it.
 */
export interface Route {
  readonly screen: string;
  readonly arg: string | null;
}

export function parseRoute(hash: string): Route {
  const [screen, ...rest] = hash.replace(/^#\/?/, "").split("/");
  return { screen: screen || "support", arg: rest.length ? decodeURIComponent(rest.join("/")) : null };
}

export const href = (screen: string, arg?: string) => `#${screen}${arg ? `/${encodeURIComponent(arg)}` : ""}`;
