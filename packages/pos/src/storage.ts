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
