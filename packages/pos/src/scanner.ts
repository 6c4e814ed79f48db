/**
 * Reads a QR code from the camera: the browser's BarcodeDetector where it can read QR codes,
 * else jsQR on video frames (loaded only then, as a separate chunk).
 */

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (opts: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

type JsQr = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: "dontInvert" | "onlyInvert" | "attemptBoth" | "invertFirst" },
) => { data: string } | null;

type Decoder = (video: HTMLVideoElement) => Promise<string | null>;

export type CameraProblem = "denied" | "noCamera" | "insecure" | "failed";

export class CameraError extends Error {
  constructor(readonly problem: CameraProblem) {
    super(problem);
  }
}

async function nativeDecoder(): Promise<Decoder | null> {
  const Detector = (globalThis as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    const formats = await Detector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    const detector = new Detector({ formats: ["qr_code"] });
    return async (video) => {
      const found = await detector.detect(video);
      return found[0]?.rawValue ?? null;
    };
  } catch {
    return null;
  }
}

/** Frames are scaled down to at most this width: enough for a phone-screen QR, cheap to scan. */
const MAX_WIDTH = 800;

async function jsqrDecoder(): Promise<Decoder> {
  // jsQR is a CommonJS module whose exports hold `default`; bundlers and Node unwrap it differently.
  const mod = (await import("jsqr")) as unknown as { default: JsQr | { default: JsQr } };
  const jsQR: JsQr = typeof mod.default === "function" ? mod.default : mod.default.default;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new CameraError("failed");
  return async (video) => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) return null;
    const scale = Math.min(1, MAX_WIDTH / w);
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
    return found?.data || null;
  };
}

export interface Scanner {
  readonly engine: "native" | "jsqr";
  stop(): void;
}

/**
 * Starts the camera into `video` and calls `onCode` once with the first QR read; the camera is
 * stopped before `onCode` runs. Throws a CameraError when the camera cannot start.
 */
export async function startScanner(
  video: HTMLVideoElement,
  onCode: (text: string) => void,
  intervalMs = 150,
): Promise<Scanner> {
  if (!globalThis.isSecureContext || !navigator.mediaDevices?.getUserMedia) throw new CameraError("insecure");
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "NotAllowedError" || name === "SecurityError") throw new CameraError("denied");
    if (name === "NotFoundError" || name === "OverconstrainedError") throw new CameraError("noCamera");
    throw new CameraError("failed");
  }
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  try {
    video.srcObject = stream;
    video.muted = true;
    video.setAttribute("playsinline", "");
    await video.play();
  } catch {
    stop();
    throw new CameraError("failed");
  }
  const native = await nativeDecoder();
  const decode = native ?? (await jsqrDecoder());
  const tick = async () => {
    if (stopped) return;
    let text: string | null = null;
    try {
      if (video.readyState >= 2) text = await decode(video);
    } catch {
      text = null;
    }
    if (stopped) return;
    if (text) {
      stop();
      onCode(text);
      return;
    }
    timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, 0);
  return { engine: native ? "native" : "jsqr", stop };
}
