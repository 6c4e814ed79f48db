import { defineConfig } from "vitest/config";

const FAILOVER = "packages/server/test/failover/**/*.test.ts";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["packages/*/test/**/*.test.ts"],
          exclude: [FAILOVER, "**/node_modules/**"],
        },
      },
      // The failover run kills database members under load: alone, after every other file.
      { extends: true, test: { name: "failover", include: [FAILOVER], sequence: { groupOrder: 1 } } },
    ],
  },
});
