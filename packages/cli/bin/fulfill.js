#!/usr/bin/env node
// The `fulfill` command: the built bundle (npm run build), or the TypeScript sources through tsx.
import { existsSync } from "node:fs";

const built = new URL("../dist/fulfill.mjs", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
}
