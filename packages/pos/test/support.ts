/**
 * Browser-test support: build the POS, write a fake camera video of a QR (Y4M, which Chromium
 * plays as the camera), launch Debian's Chromium through playwright-core (never a downloaded
 * browser), and a proxy that can cut the connection after the server answered.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import QRCode from "qrcode";

export const POS_DIR = fileURLToPath(new URL("..", import.meta.url));
export const SCREENSHOTS = join(POS_DIR, "test", "screenshots");

/** Builds the app into packages/pos/dist (the server serves it from there). */
export async function buildPos(): Promise<void> {
  const { build } = await import("vite");
  await build({ configFile: join(POS_DIR, "vite.config.ts"), root: POS_DIR, logLevel: "warn" });
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = () => existsSync(CHROMIUM);

export async function launchBrowser(fakeVideo: string | null): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-dev-shm-usage",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      ...(fakeVideo ? [`--use-file-for-fake-video-capture=${fakeVideo}`] : []),
    ],
  });
}

/**
 * A Y4M video (4:2:0) that shows `text` as a QR code, black on white, centred: what a phone
 * held up to the camera shows. Chromium loops it as the fake camera.
 */
export function writeQrVideo(
  path: string,
  text: string,
  opts: { width?: number; height?: number; frames?: number } = {},
): void {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const frames = opts.frames ?? 4;
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const size = qr.modules.size;
  const quiet = 4;
  const scale = Math.floor(Math.min(width, height) / (size + 2 * quiet));
  const side = (size + 2 * quiet) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const WHITE = 235;
  const BLACK = 16;
  const luma = Buffer.alloc(width * height, 200); // light grey around the phone's screen
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - quiet;
      const my = Math.floor(y / scale) - quiet;
      const dark = mx >= 0 && my >= 0 && mx < size && my < size && qr.modules.data[my * size + mx] === 1;
      luma[(top + y) * width + left + x] = dark ? BLACK : WHITE;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "w");
  try {
    writeSync(fd, `YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
    for (let f = 0; f < frames; f++) {
      writeSync(fd, "FRAME\n");
      writeSync(fd, luma);
      writeSync(fd, chroma);
      writeSync(fd, chroma);
    }
  } finally {
    closeSync(fd);
  }
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The page fits the width (no sideways scrolling) and its key buttons are visible and tall enough to touch. */
export async function checkFits(page: Page, width: number, buttons: string[]): Promise<void> {
  const scrollWidth = await page.evaluate(() =>
    Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
  );
  if (scrollWidth > width) throw new Error(`page is ${scrollWidth}px wide at a ${width}px viewport`);
  for (const selector of buttons) {
    const box = await page.locator(selector).first().boundingBox();
    if (!box) throw new Error(`${selector} is not visible`);
    if (box.height < 44) throw new Error(`${selector} is ${box.height}px tall (< 44)`);
    if (box.x < 0 || box.x + box.width > width + 0.5)
      throw new Error(`${selector} overflows the width: x=${box.x} w=${box.width}`);
  }
}

export interface CuttingProxy {
  readonly url: string;
  /** Redeem requests seen (each forwarded to the server, whose answer was then withheld). */
  readonly redeems: { idempotencyKey: string | undefined; serverStatus: number; serverBody: string }[];
  /** Every redeem request the browser sent, cut or not: its key and its codes, in order. */
  readonly sent: { idempotencyKey: string | undefined; codes: string[] }[];
  cutRedeems: boolean;
  close(): Promise<void>;
}

/**
 * A proxy between the browser and the server. While `cutRedeems` is on, a redeem_code call is
 * forwarded, the server's whole answer awaited (so the server committed), and then the
 * browser's connection destroyed without a byte of reply.
 */
export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const upstream = new URL(target);
  const redeems: CuttingProxy["redeems"] = [];
  const sent: CuttingProxy["sent"] = [];
  const proxy: { cutRedeems: boolean } = { cutRedeems: true };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, host: upstream.host };
      const isRedeem =
        req.method === "POST" && (req.url ?? "").startsWith("/v2/localservice/saas/fulfill/redeem_code/");
      if (isRedeem) {
        const codes = (JSON.parse(body.toString("utf8")) as { code_list: string[] }).code_list;
        sent.push({ idempotencyKey: req.headers["idempotency-key"] as string | undefined, codes });
      }
      const cut = proxy.cutRedeems && isRedeem;
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer: IncomingMessage) => {
          const parts: Buffer[] = [];
          answer.on("data", (c: Buffer) => parts.push(c));
          answer.on("end", () => {
            const payload = Buffer.concat(parts);
            if (cut) {
              redeems.push({
                idempotencyKey: req.headers["idempotency-key"] as string | undefined,
                serverStatus: answer.statusCode ?? 0,
                serverBody: payload.toString("utf8"),
              });
              req.socket.destroy();
              return;
            }
            const h = { ...answer.headers };
            delete h["transfer-encoding"];
            h["content-length"] = String(payload.length);
            res.writeHead(answer.statusCode ?? 502, h);
            res.end(payload);
          });
        },
      );
      out.on("error", () => req.socket.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    redeems,
    sent,
    get cutRedeems() {
      return proxy.cutRedeems;
    },
    set cutRedeems(v: boolean) {
      proxy.cutRedeems = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Whether this run drives the browser. The browser tests always use the embedded database, so
 * a second pass with DATABASE_URL would only repeat them: `.ci/run` sets
 * `FULFILL_BROWSER_TESTS=off` for its PostgreSQL pass and they run once, in the embedded pass.
 * Anything else runs them, and a missing Chromium then fails the run (never a silent skip).
 */
export const browserTestsOff = () => process.env.FULFILL_BROWSER_TESTS === "off";

/** Fails loudly when the browser tests are on but Debian's chromium is not there. */
export function requireChromium(): void {
  if (!hasChromium())
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set ` +
        "CHROMIUM_PATH; FULFILL_BROWSER_TESTS=off leaves the browser tests out on purpose",
    );
}

/** A fresh browser context as a phone at the counter (English, touch), with init-time localStorage entries. */
export async function posContext(
  browser: Browser,
  opts: { width?: number; storage?: Record<string, string>; pageErrors?: string[] } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 412, height: 860 },
    deviceScaleFactor: 1,
    locale: "en-US",
    hasTouch: true,
  });
  if (opts.storage) {
    await context.addInitScript((entries: Record<string, string>) => {
      for (const [k, v] of Object.entries(entries))
        if (localStorage.getItem(k) === null) localStorage.setItem(k, v);
    }, opts.storage);
  }
  const page = await context.newPage();
  const errors = opts.pageErrors;
  if (errors) page.on("pageerror", (err) => errors.push(err.message));
  return { context, page };
}

/** Pairs the page's POS at `base` with a pairing code. */
export async function pairPos(page: Page, base: string, pairingCode: string): Promise<void> {
  await page.goto(`${base}/pos/`);
  await page.locator('[data-screen="pair"]').waitFor();
  await page.fill("#pair-code", pairingCode);
  await page.getByRole("button", { name: "Pair", exact: true }).click();
  await page.locator('[data-screen="home"]').waitFor();
}

/** Types a code on the POS keypad, digit by digit. */
export async function typeOnKeypad(page: Page, code: string): Promise<void> {
  for (const digit of code) await page.locator(".keypad .key", { hasText: new RegExp(`^${digit}$`) }).click();
}

/** A screenshot for the notes (NOTES_SHOTS=dir); nothing when unset. */
export async function noteShot(page: Page, name: string): Promise<void> {
  const dir = process.env.NOTES_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
