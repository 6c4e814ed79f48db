/**
 * The request logger is built lazily: a line at an enabled level carries the request's log id
 * (and passes through redaction) exactly as a pino child's would; below the level no child is built.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { LazyChildLogger, lazyChildLoggerFactory } from "../../src/http/lazy-logger.js";

function capture(level: string) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const root = pino({ level, redact: { paths: ["*.secret"], censor: "[redacted]" } }, stream);
  let children = 0;
  const child = root.child.bind(root);
  root.child = ((b: pino.Bindings, o?: pino.ChildLoggerOptions) => {
    children += 1;
    return child(b, o);
  }) as unknown as typeof root.child;
  return { root, lines, children: () => children };
}

describe("LazyChildLogger", () => {
  it("writes enabled lines with the log id binding, redacted", () => {
    const c = capture("info");
    const log = lazyChildLoggerFactory(c.root, { log_id: "L1" }, {});
    expect(log).toBeInstanceOf(LazyChildLogger);
    log.info({ body: { secret: "s3cret" } }, "hello");
    log.warn("again");
    expect(c.children()).toBe(1);
    expect(c.lines).toHaveLength(2);
    const first = JSON.parse(c.lines[0] as string);
    expect(first).toMatchObject({ log_id: "L1", msg: "hello", body: { secret: "[redacted]" } });
    expect(JSON.parse(c.lines[1] as string)).toMatchObject({ log_id: "L1", msg: "again", level: 40 });
  });

  it("builds no child for lines below the level", () => {
    const c = capture("warn");
    const log = lazyChildLoggerFactory(c.root, { log_id: "L2" }, {});
    log.info("quiet");
    log.debug("quieter");
    log.trace("quietest");
    expect(c.children()).toBe(0);
    expect(c.lines).toHaveLength(0);
    expect(log.level).toBe("warn");
    log.error("loud");
    expect(c.children()).toBe(1);
    expect(JSON.parse(c.lines[0] as string)).toMatchObject({ log_id: "L2", msg: "loud" });
  });

  it("a route level of its own gets a real child at once", () => {
    const c = capture("warn");
    const log = lazyChildLoggerFactory(c.root, { log_id: "L3" }, { level: "debug" });
    expect(log).not.toBeInstanceOf(LazyChildLogger);
    log.debug("shown");
    expect(JSON.parse(c.lines[0] as string)).toMatchObject({ log_id: "L3", msg: "shown" });
  });
});
