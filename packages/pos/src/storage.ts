/** What the device keeps in the browser: its token and shop, the language, the input mode. */

export interface StoredDevice {
  readonly token: string;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly merchantId: string;
  readonly thirdShopId: string;
  readonly shopName: string;
}

const DEVICE = "pos.device";
const LANG = "pos.lang";
const MODE = "pos.mode";

function read(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) globalThis.localStorage?.removeItem(key);
    else globalThis.localStorage?.setItem(key, value);
  } catch {
    // Private mode without storage: the session lasts as long as the page.
  }
}

export function loadDevice(): StoredDevice | null {
  const raw = read(DEVICE);
  if (!raw) return null;
  try {
    const d = JSON.parse(raw) as Partial<StoredDevice>;
    if (
      typeof d.token === "string" &&
      typeof d.merchantId === "string" &&
      typeof d.thirdShopId === "string"
    ) {
      return {
        token: d.token,
        deviceId: String(d.deviceId ?? ""),
        deviceName: String(d.deviceName ?? ""),
        merchantId: d.merchantId,
        thirdShopId: d.thirdShopId,
        shopName: String(d.shopName ?? d.thirdShopId),
      };
    }
  } catch {
    // fall through: a damaged entry is forgotten
  }
  write(DEVICE, null);
  return null;
}

export const saveDevice = (d: StoredDevice | null) => write(DEVICE, d === null ? null : JSON.stringify(d));
export const loadLang = () => read(LANG);
export const saveLang = (lang: string) => write(LANG, lang);
export const loadMode = (): "scan" | "type" | null => {
  const m = read(MODE);
  return m === "scan" || m === "type" ? m : null;
};
export const saveMode = (mode: "scan" | "type") => write(MODE, mode);

/**
 * A test option: `pos.test.pacing` = `{"attempts":2,"backoffMs":[500,5000]}` shortens the redeem's
 * and lookup's pacing so a browser test can stop the server for seconds, not a minute. Read
 * once per redeem; anything malformed is ignored (the default pacing stands).
 */
export function loadTestPacing(): { attempts: number; backoffMs: number[] } | null {
  const raw = read("pos.test.pacing");
  if (!raw) return null;
  try {
    const p = JSON.parse(raw) as { attempts?: unknown; backoffMs?: unknown };
    const attempts = p.attempts;
    const backoff = p.backoffMs;
    if (
      typeof attempts === "number" &&
      Number.isInteger(attempts) &&
      attempts >= 1 &&
      attempts <= 10 &&
      Array.isArray(backoff) &&
      backoff.length > 0 &&
      backoff.every((ms) => typeof ms === "number" && ms >= 0 && ms <= 60_000)
    )
      return { attempts, backoffMs: backoff as number[] };
  } catch {
    // ignored
  }
  return null;
}
