/** Pairing: the one-time code a manager created for this shop, exchanged for the device token. */
import { useRef, useState } from "preact/hooks";
import type { Api } from "../api.js";
import type { Notice } from "../app.js";
import type { Translate } from "../i18n.js";
import { failureKey, failureLogId } from "../messages.js";
import type { StoredDevice } from "../storage.js";

export function PairScreen({
  t,
  api,
  notice,
  onPaired,
}: {
  t: Translate;
  api: Api;
  notice: Notice | undefined;
  onPaired: (d: StoredDevice) => void;
}) {
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Notice | undefined>(notice);
  const inFlight = useRef(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (inFlight.current || code.trim() === "") return;
    inFlight.current = true;
    setBusy(true);
    try {
      const r = await api.pair(code);
      if (r.ok) {
        const d = r.data;
        onPaired({
          token: d.access_token,
          deviceId: d.device_id,
          deviceName: d.device_name,
          merchantId: d.merchant_id,
          thirdShopId: d.third_shop_id,
          shopName: d.shop_name,
        });
        return;
      }
      const f = r.failure;
      const key =
        f.kind === "row" && f.code === "pairing_code_invalid"
          ? "pair.invalid"
          : f.kind === "row" && f.code === "pairing_not_allowed"
            ? "pair.notAllowed"
            : failureKey(f);
      setError({ tone: "error", key, logId: failureLogId(f) });
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  return (
    <section class="screen pair" data-screen="pair">
      <h1>{t("pair.title")}</h1>
      <p class="help">{t("pair.help")}</p>
      {error && (
        <div class="notice error" role="alert" data-testid="notice">
          <p class="notice-text">{t(error.key)}</p>
          {error.logId && <p class="logid">{t("err.logId", { id: error.logId })}</p>}
        </div>
      )}
      <form onSubmit={submit} class="pair-form">
        <label for="pair-code">{t("pair.label")}</label>
        <input
          id="pair-code"
          class="pair-input"
          value={code}
          onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value.toUpperCase())}
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck={false}
          maxLength={12}
          placeholder="ABCD-EFGH"
          inputMode="text"
        />
        <button type="submit" class="btn primary big" disabled={busy || code.trim() === ""}>
          {busy ? t("pair.busy") : t("pair.submit")}
        </button>
      </form>
    </section>
  );
}
