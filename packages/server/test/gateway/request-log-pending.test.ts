import { describe, expect, it } from "vitest";
import type { RequestLogEntry } from "../../src/gateway/ports.js";
import { RequestLogWriter } from "../../src/gateway/request-log-writer.js";

const entry = (logId: string): RequestLogEntry => ({
  logId,
  endpoint: "redeem",
  appId: null,
  merchantId: null,
  outcomeRow: "OK",
  httpStatus: 200,
  durationMs: 1,
  cause: null,
  redeemId: null,
  createdAt: 0,
});

describe("RequestLogWriter.pending (the bench waits for it to reach 0)", () => {
  it("counts queued entries and those of a batch being inserted, until written", async () => {
    let release: () => void = () => undefined;
    const written: string[] = [];
    const writer = new RequestLogWriter(
      {
        insertRequestLogs: (batch) =>
          new Promise<void>((resolve) => {
            release = () => {
              written.push(...batch.map((e) => e.logId));
              resolve();
            };
          }),
      },
      () => undefined,
      60_000,
    );
    writer.add(entry("a"));
    writer.add(entry("b"));
    expect(writer.pending).toBe(2);
    const flushed = writer.flush();
    writer.add(entry("c"));
    expect(writer.pending).toBe(3);
    await new Promise((r) => setTimeout(r, 0));
    release();
    await flushed;
    expect(written).toEqual(["a", "b"]);
    expect(writer.pending).toBe(1);
  });
});
