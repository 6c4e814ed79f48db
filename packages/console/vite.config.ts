import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

/** Writes .gz and .br beside each text file of the build; the server sends them to browsers that accept them. */
function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "console-precompress",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (/\.(js|css|html|svg|json)$/.test(name)) {
            const body = readFileSync(path);
            writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
            writeFileSync(
              `${path}.br`,
              brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
            );
          }
        }
      };
      walk(outDir);
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: "/console/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  plugins: [precompress()],
  // The SDK's wire module from its sources, so the console builds before (and without) the SDK's dist.
  resolve: {
    alias: { "@fulfill/sdk/wire": resolve(import.meta.dirname, "../sdk/src/wire/index.ts") },
  },
  // `npm run dev -w @fulfill/console`: the app with hot reload, the API from a server on :8080.
  server: {
    proxy: {
      "/platform": process.env.CONSOLE_API ?? "http://127.0.0.1:8080",
      "/sandbox": process.env.CONSOLE_API ?? "http://127.0.0.1:8080",
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
});
