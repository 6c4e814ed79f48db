/**
 * A short-lived cache for what every request reads and almost never changes (tokens, grants,
 * apps, merchants, shops, products, holidays). Entries live at most `ttlMs` (default 1 s), so a
 * change made by another process (a revoked grant) takes effect within that bound everywhere;
 * this process's own writes clear it at once. Fault points are consulted before the cache, so
 * an armed fault still makes the port fail.
 *
 * A transaction reads through `settledOnly`: it takes an entry only once its read has finished,
 * and otherwise reads on its own connection (a miss it fills like any other reader). Joining a read still in flight outside it would
 * make the transaction, holding a connection, wait for a read that is itself waiting for a
 * connection: with every connection of the pool (or of pgBouncer's small server pool) held by
 * such transactions, nothing moves until the query timeout.
 */
export interface RuleCache {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
}

interface Entry {
  readonly at: number;
  readonly value: Promise<unknown>;
  settled: boolean;
}

export class ReadCache implements RuleCache {
  readonly #entries = new Map<string, Entry>();
  /** The same entries, for reads inside a transaction: a read in flight is not joined. */
  readonly settledOnly: RuleCache = {
    get: <T>(key: string, load: () => Promise<T>): Promise<T> => this.#get(key, load, false),
  };

  constructor(
    readonly ttlMs: number,
    readonly nowMs: () => number = Date.now,
    readonly maxEntries = 50_000,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.#get(key, load, true);
  }

  #get<T>(key: string, load: () => Promise<T>, joinInFlight: boolean): Promise<T> {
    if (this.ttlMs <= 0) return load();
    const hit = this.#fresh(key);
    if (hit && (hit.settled || joinInFlight)) return hit.value as Promise<T>;
    // In flight and not to be joined: read on the caller's own connection, leave the entry.
    if (hit) return load();
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    const value = load();
    const entry: Entry = { at: this.nowMs(), value, settled: false };
    this.#entries.set(key, entry);
    value.then(
      () => {
        entry.settled = true;
      },
      // A failed read is not remembered: the next request reads again.
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return value;
  }

  #fresh(key: string): Entry | undefined {
    if (this.ttlMs <= 0) return undefined;
    const hit = this.#entries.get(key);
    return hit && this.nowMs() - hit.at < this.ttlMs ? hit : undefined;
  }

  clear(): void {
    this.#entries.clear();
  }
}
