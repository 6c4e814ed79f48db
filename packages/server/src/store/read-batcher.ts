/**
 * Concurrent reads of the same kind share round trips (request coalescing). A read that arrives
 * while fewer than `maxInFlight` batches run goes out at once, alone; reads that arrive while
 * they all run wait for the next batch, which goes out as soon as one returns. Under load each
 * round trip then serves many requests (one query, one write to the database's socket) instead
 * of one; unloaded, nothing waits.
 *
 * One batch in flight by default: a waiting read waits at most one round trip. Measured against
 * two (bench, typed-code lookups at 10 k vouchers): +5-10 % lookups/s at 64 clients and about half
 * the database CPU (27 % instead of 50 % at 80 % of the peak).
 *
 * Every read still starts after its request arrived, so it is as fresh as a read of its own.
 * A failed batch fails each read in it, as its own query would have failed.
 */
export interface BatchedRead<K, R> {
  readonly keys: readonly K[];
  resolve(rows: R[]): void;
  reject(err: unknown): void;
}

export class ReadBatcher<K, R> {
  readonly #queue: BatchedRead<K, R>[] = [];
  #inFlight = 0;

  constructor(
    /** Runs one query for the union of the keys; its rows are split back by `belongs`. */
    private readonly run: (keys: K[]) => Promise<R[]>,
    private readonly belongs: (row: R, keys: ReadonlySet<K>) => boolean,
    private readonly maxInFlight = 1,
    private readonly maxKeys = 500,
  ) {}

  load(keys: readonly K[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.#queue.push({ keys, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.maxInFlight && this.#queue.length > 0) {
      const batch: BatchedRead<K, R>[] = [];
      const union = new Set<K>();
      while (this.#queue.length > 0) {
        const next = this.#queue[0] as BatchedRead<K, R>;
        if (batch.length > 0 && union.size + next.keys.length > this.maxKeys) break;
        this.#queue.shift();
        batch.push(next);
        for (const k of next.keys) union.add(k);
      }
      this.#inFlight += 1;
      this.run([...union])
        .then(
          (rows) => {
            for (const read of batch) {
              const mine = new Set(read.keys);
              read.resolve(rows.filter((r) => this.belongs(r, mine)));
            }
          },
          (err: unknown) => {
            for (const read of batch) read.reject(err);
          },
        )
        .finally(() => {
          this.#inFlight -= 1;
          this.#pump();
        });
    }
  }
}
