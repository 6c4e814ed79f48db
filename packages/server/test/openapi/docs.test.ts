/**
 * The repository carries its own API documentation (docs/): the catalogue table is generated
 * from the catalogue and must be fresh, the contract copy names its revision (and equals the
 * contract when the source is beside the repository), and the README links docs/ rather than a
 * file a clone does not have.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ERRORS_PATH, renderErrors } from "../../scripts/generate-error-docs.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const read = (path: string) => readFileSync(resolve(root, path), "utf8");

describe("docs/", () => {
  it("errors.md is the catalogue (run packages/server/scripts/generate-error-docs.ts when it is stale)", () => {
    expect(readFileSync(ERRORS_PATH, "utf8")).toBe(renderErrors());
  });

  it("contract.md names its revision, docs/README.md the same one", () => {
    const [header, ...rest] = read("docs/contract.md").split("\n\n");
    const body = rest.join("\n\n");
    const revision = createHash("sha256").update(body).digest("hex").slice(0, 12);
    expect(header).toContain(`revision ${revision}`);
    expect(read("docs/README.md")).toContain(`revision \`${revision}\``);
    const source = resolve(root, "../shared/spec/CONTRACT.md");
    if (existsSync(source)) expect(body).toBe(readFileSync(source, "utf8"));
  });

  it("webhooks.md: envelope, events, recipients, TikTok-Signature with and without the SDK, de-duplication", () => {
    const text = read("docs/webhooks.md");
    for (const needle of [
      "event_id",
      "create_time",
      "TikTok-Signature",
      "verifyWebhook",
      "createHmac",
      "ttls.fulfill.after_sale.result",
      "ttls.fulfill.redeem.result",
      "ttls.fulfill.redeem_cancel.result",
      "Who receives them",
    ])
      expect(text).toContain(needle);
  });

  it("the README links docs/, not ../shared", () => {
    const readme = read("README.md");
    expect(readme).not.toContain("../shared/spec/CONTRACT.md");
    for (const page of ["docs/README.md", "docs/contract.md", "docs/errors.md", "docs/webhooks.md"])
      expect(readme).toContain(`(${page})`);
    for (const page of ["sandbox.md", "platform.md"])
      expect(existsSync(resolve(root, "docs", page))).toBe(true);
  });
});
