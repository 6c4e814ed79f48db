/** A progress bar on stderr (a line every 10 % when stderr is not a terminal). */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #t0 = performance.now();
  #lastDecile = -1;
  #lastDraw = 0;

  constructor(label: string, total: number) {
    this.#label = label;
    this.#total = total;
  }

  update(done: number): void {
    const frac = this.#total ? Math.min(1, done / this.#total) : 1;
    const secs = (performance.now() - this.#t0) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    const text = `${this.#label} ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString("en")}/${this.#total.toLocaleString("en")} (${rate.toLocaleString("en")}/s, ${secs.toFixed(1)} s)`;
    if (process.stderr.isTTY) {
      const now = performance.now();
      if (now - this.#lastDraw < 100 && frac < 1) return;
      this.#lastDraw = now;
      const width = 30;
      const full = Math.round(frac * width);
      process.stderr.write(`\r[${"#".repeat(full)}${" ".repeat(width - full)}] ${text}\u001b[K`);
      if (frac >= 1) process.stderr.write("\n");
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.#lastDecile) {
        this.#lastDecile = decile;
        process.stderr.write(`  ${text}\n`);
      }
    }
  }
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
