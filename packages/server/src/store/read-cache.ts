/**
 * A short-lived cache for what every request reads and almost never changes (tokens, grants,
 * apps, merchants, shops, products, holidays). Entries live at most `ttlMs` (default 1 s), so a
 * change made by another process (a revoked grant) takes effect within that bound everywhere;
 * this process's own writes clear it at once. Fault points are consulted before the cache, so
 * an armed fault still makes the port fail.
 */
export class ReadCache {
  readonly #entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    readonly ttlMs: number,
    readonly nowMs: () => number = Date.now,
    readonly maxEntries = 50_000,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return load();
    const now = this.nowMs();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>;
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    const value = load();
    this.#entries.set(key, { at: now, value });
    // A failed read is not remembered: the next request reads again.
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
