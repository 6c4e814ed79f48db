/**
 * POS devices of a merchant: pair a new one for a shop (the one-time code, and a QR of the POS's
 * URL to open it with on the device), the list with each device's state (newest first, paged),
 * and revocation.
 */

import { useEffect, useState } from "preact/hooks";
import QRCode from "qrcode";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { when } from "../words.js";
import { Field } from "./field.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, type Said, Section, said } from "./parts.js";

interface Device {
  device_id: string;
  merchant_id: string;
  third_shop_id: string;
  name: string;
  client_key: string | null;
  status: "PENDING" | "PAIRED" | "REVOKED";
  create_time: number;
  pair_time: number;
  revoke_time: number;
}

interface Created extends Device {
  pairing_code: string;
  pairing_code_expires_at: number;
  pair_path: string;
}

export function DevicesScreen({ api, merchantId }: { api: OperatorApi; merchantId: string | null }) {
  const [typed, setTyped] = useState(merchantId ?? "");
  const [shop, setShop] = useState("");
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ device: Created; qr: string; url: string } | null>(null);
  const [outcome, setOutcome] = useState<Said | null>(null);
  const [busy, setBusy] = useState(false);

  const pages = usePages<PageAnswer & { devices: Device[] }>(
    api,
    merchantId ? `/platform/merchants/${seg(merchantId)}/devices` : null,
    20,
  );
  const devices = pages.page?.devices ?? null;
  const reload = pages.reload;

  // Another merchant: nothing of the last one's pairing stays on screen.
  useEffect(() => {
    setCreated(null);
    setOutcome(null);
  }, [merchantId]);

  async function pair(event: Event) {
    event.preventDefault();
    if (!merchantId || busy) return;
    setBusy(true);
    const answer = await api.call<Created>("POST", `/platform/merchants/${seg(merchantId)}/devices`, {
      third_shop_id: shop.trim(),
      ...(name.trim() ? { name: name.trim() } : {}),
    });
    setBusy(false);
    setOutcome(
      said(
        answer,
        (d) => `Device ${d.device_id} created for shop ${d.third_shop_id}: pair it within the code's time.`,
      ),
    );
    if (answer.ok) {
      const url = new URL(answer.data.pair_path, location.origin).href;
      const qr = await QRCode.toDataURL(url, { errorCorrectionLevel: "M", margin: 2, width: 192 });
      setCreated({ device: answer.data, qr, url });
    }
    await reload();
  }

  async function revoke(device: Device) {
    if (busy) return;
    setBusy(true);
    const answer = await api.call<{ revoked: boolean }>(
      "DELETE",
      `/platform/merchants/${seg(device.merchant_id)}/devices/${seg(device.device_id)}`,
    );
    setBusy(false);
    setOutcome(said(answer, () => `Device ${device.device_id} revoked: its token stops working now.`));
    await reload();
  }

  return (
    <div data-screen="devices">
      <Section title="POS devices">
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) location.hash = href("devices", typed.trim());
          }}
        >
          <label for="device-merchant">Merchant id</label>
          <input
            id="device-merchant"
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
          <button class="btn" type="submit" disabled={typed.trim() === ""}>
            Show devices
          </button>
        </form>
      </Section>
      {merchantId && (
        <Section title={`Pair a device for merchant ${merchantId}`}>
          <form class="inline" onSubmit={pair}>
            <Field id="device-shop" label="Shop (third_shop_id)" value={shop} set={setShop} />
            <Field id="device-name" label="Name" value={name} set={setName} placeholder="optional" />
            <button class="btn primary" type="submit" disabled={busy || shop.trim() === ""}>
              Pair a device
            </button>
          </form>
          <Outcome said={outcome ?? pages.failure} />
          {created && (
            <div class="pairing" data-testid="pairing">
              <img
                src={created.qr}
                alt={`QR code of ${created.url}`}
                width={192}
                height={192}
                data-testid="pos-qr"
              />
              <div>
                <p>On the device, open {created.url} (scan the QR) and type this code:</p>
                <p class="pairing-code" data-testid="pairing-code">
                  {created.device.pairing_code}
                </p>
                <p class="muted">Shown once; valid until {when(created.device.pairing_code_expires_at)}.</p>
              </div>
            </div>
          )}
        </Section>
      )}
      {devices && (
        <Section title="Devices">
          {devices.length === 0 ? (
            <p class="muted">No devices yet.</p>
          ) : (
            <div class="table-wrap">
              <table data-testid="devices">
                <thead>
                  <tr>
                    <th>Device</th>
                    <th>Name</th>
                    <th>Shop</th>
                    <th>State</th>
                    <th>Created</th>
                    <th>Paired</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {devices.map((d) => (
                    <tr key={d.device_id} data-device={d.device_id}>
                      <td>{d.device_id}</td>
                      <td>{d.name}</td>
                      <td>{d.third_shop_id}</td>
                      <td data-testid="device-status">{d.status}</td>
                      <td>{when(d.create_time)}</td>
                      <td>{when(d.pair_time)}</td>
                      <td>
                        {d.status !== "REVOKED" && (
                          <button class="btn danger" type="button" disabled={busy} onClick={() => revoke(d)}>
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager pages={pages} name="devices" />
        </Section>
      )}
    </div>
  );
}
