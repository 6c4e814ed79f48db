/** The sandbox's fault board (CONTRACT.md section 7): armed points, optionally for one merchant. */
import type { FaultPoints } from "../core/ports.js";

interface Armed {
  times: number;
  merchantId: string | null;
}

export class FaultBoard implements FaultPoints {
  readonly #armed = new Map<string, Armed[]>();

  arm(point: string, times: number, merchantId: string | null): void {
    const list = this.#armed.get(point) ?? [];
    list.push({ times, merchantId });
    this.#armed.set(point, list);
  }

  clear(): void {
    this.#armed.clear();
  }

  list(): { point: string; times: number; merchant_id: string | null }[] {
    return [...this.#armed].flatMap(([point, list]) =>
      list.map((a) => ({ point, times: a.times, merchant_id: a.merchantId })),
    );
  }

  fires(point: string, merchantId: string): boolean {
    const list = this.#armed.get(point);
    if (!list) return false;
    const i = list.findIndex((a) => a.merchantId === null || a.merchantId === merchantId);
    if (i < 0) return false;
    const a = list[i] as Armed;
    a.times -= 1;
    if (a.times <= 0) list.splice(i, 1);
    if (list.length === 0) this.#armed.delete(point);
    return true;
  }
}

/** What a dependency failure looks like to the core: an error thrown by the port. */
export class DependencyUnavailable extends Error {
  constructor(point: string) {
    super(`dependency unavailable (fault point ${point})`);
    this.name = "DependencyUnavailable";
  }
}
