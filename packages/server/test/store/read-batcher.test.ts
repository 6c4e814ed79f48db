/**
 * Request coalescing of reads: concurrent reads share round trips, each gets exactly its own
 * rows, a failed batch fails each read in it, and an unloaded read goes out at once, alone.
 */
import { describe, expect, it } from "vitest";
import { ReadBatcher } from "../../src/store/read-batcher.js";

interface Row {
  key: string;
  n: number;
}

function harness(maxInFlight = 2, maxKeys = 500) {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  let fail = false;
  const batcher = new ReadBatcher<string, Row>(
    async (keys) => {
      calls.push([...keys]);
      await new Promise<void>((resolve) => gates.push(resolve));
      if (fail) throw new Error("connection reset");
      return keys.filter((k) => !k.startsWith("missing")).map((key, n) => ({ key, n }));
    },
    (row, keys) => keys.has(row.key),
    maxInFlight,
    maxKeys,
  );
  const openAll = async () => {
    while (gates.length > 0) {
      for (const g of gates.splice(0)) g();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  return {
    batcher,
    calls,
    openAll,
    failNext: () => {
      fail = true;
    },
  };
}

describe("ReadBatcher", () => {
  it("sends a read at once while fewer than maxInFlight batches run", async () => {
    const h = harness(2);
    const a = h.batcher.load(["a"]);
    const b = h.batcher.load(["b"]);
    expect(h.calls).toEqual([["a"], ["b"]]);
    await h.openAll();
    expect((await a).map((r) => r.key)).toEqual(["a"]);
    expect((await b).map((r) => r.key)).toEqual(["b"]);
  });

  it("coalesces the reads that wait into one round trip, and splits the rows back", async () => {
    const h = harness(1);
    const first = h.batcher.load(["a"]);
    const waiting = [h.batcher.load(["b", "c"]), h.batcher.load(["c", "missing-1"]), h.batcher.load(["d"])];
    expect(h.calls).toEqual([["a"]]);
    await h.openAll();
    expect(h.calls).toEqual([["a"], ["b", "c", "missing-1", "d"]]);
    expect((await first).map((r) => r.key)).toEqual(["a"]);
    const [bc, cm, d] = await Promise.all(waiting);
    expect(bc?.map((r) => r.key)).toEqual(["b", "c"]);
    expect(cm?.map((r) => r.key)).toEqual(["c"]);
    expect(d?.map((r) => r.key)).toEqual(["d"]);
  });

  it("caps a batch at maxKeys (a single larger read still goes alone)", async () => {
    const h = harness(1, 3);
    const reads = [
      h.batcher.load(["a"]),
      h.batcher.load(["b", "c"]),
      h.batcher.load(["d", "e"]),
      h.batcher.load(["f", "g", "h", "i"]),
    ];
    await h.openAll();
    expect(h.calls).toEqual([["a"], ["b", "c"], ["d", "e"], ["f", "g", "h", "i"]]);
    expect((await Promise.all(reads)).map((rows) => rows.length)).toEqual([1, 2, 2, 4]);
  });

  it("a failed batch fails each read in it; the next batch runs", async () => {
    const h = harness(1);
    const first = h.batcher.load(["a"]);
    const second = h.batcher.load(["b"]);
    const third = h.batcher.load(["c"]);
    h.failNext();
    const settled = Promise.allSettled([first, second, third]);
    await h.openAll();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(h.calls).toEqual([["a"], ["b", "c"]]);
  });
});
