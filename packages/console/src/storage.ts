/**
 * The operator token lives in session storage: gone when the tab closes, never in the URL
 * (a URL ends up in history, logs and Referer headers).
 */
const TOKEN = "console.token";

export function loadToken(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(TOKEN) ?? null;
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) globalThis.sessionStorage?.removeItem(TOKEN);
    else globalThis.sessionStorage?.setItem(TOKEN, token);
  } catch {
    // Storage refused (private mode): the session lasts as long as the page.
  }
}
