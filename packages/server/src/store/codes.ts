import { randomInt } from "node:crypto";
import type { CodeSource } from "../core/ports.js";

/** 12 random digits from the CSPRNG (uniqueness is the database's unique index). */
export const cryptoCodes: CodeSource = {
  nextCode: () =>
    String(randomInt(0, 1_000_000)).padStart(6, "0") + String(randomInt(0, 1_000_000)).padStart(6, "0"),
};
