/**
 * The dependency rule of the README and ARCHITECTURE.md, checked in `npm test`
 * (packages/server/test/architecture/). Dependencies point inward: domain ← core ← gateway ←
 * http; the store is reached only through the composition root (packages/server/src/system.ts),
 * which alone imports it to wire its adapters into the ports. The patterns start at `(^|/)` so
 * the checked-in fixture (a tiny tree under test/architecture/fixture/) is judged by the same
 * rules as the real tree.
 */
const SERVER = "(^|/)packages/server/src/";
const DRIVERS = "(^|/)node_modules/(kysely|pg|@types/pg|@electric-sql/pglite)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "domain/ holds pure rules and data: it imports nothing of ours outside domain/.",
      severity: "error",
      from: { path: `${SERVER}domain/` },
      to: { path: "(^|/)packages/[^/]+/src/", pathNot: `${SERVER}domain/` },
    },
    {
      name: "core-imports-only-domain",
      comment:
        "core/ is use cases over ports: it imports domain/ and core/ only (and the pure crypto of security/secret-box.ts).",
      severity: "error",
      from: { path: `${SERVER}core/` },
      to: {
        path: "(^|/)packages/[^/]+/src/",
        pathNot: [`${SERVER}(core|domain)/`, `${SERVER}security/secret-box\\.ts$`],
      },
    },
    {
      name: "gateway-never-store",
      comment: "gateway/ holds the SaaS rules over ports; it never reaches the store.",
      severity: "error",
      from: { path: `${SERVER}gateway/` },
      to: { path: `${SERVER}store/` },
    },
    {
      name: "only-the-root-imports-store",
      comment: "Only the composition root (system.ts) wires the store; everything else receives ports.",
      severity: "error",
      from: { path: SERVER, pathNot: [`${SERVER}store/`, `${SERVER}system\\.ts$`] },
      to: { path: `${SERVER}store/` },
    },
    {
      name: "database-drivers-only-in-store",
      comment: "Kysely, pg and PGlite are the store's business: no file outside store/ imports them.",
      severity: "error",
      from: { path: "(^|/)packages/[^/]+/src/", pathNot: `${SERVER}store/` },
      to: { path: DRIVERS },
    },
    {
      name: "clients-use-only-the-sdk-wire",
      comment:
        "The POS (and the operator console) run in the browser: from the SDK they import @fulfill/sdk/wire only.",
      severity: "error",
      from: { path: "(^|/)packages/(pos|console)/" },
      to: {
        // Resolved into the SDK's tree, or (not built yet) the bare specifier.
        path: ["(^|/)packages/sdk/", "^@fulfill/sdk($|/)"],
        pathNot: ["(^|/)packages/sdk/(src|dist)/wire(/|\\.)", "^@fulfill/sdk/wire$"],
      },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "(^|/)packages/[^/]+/dist/"] },
    // Type-only imports count: a type from the store is a dependency on the store.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "default"],
      mainFields: ["module", "main", "types"],
    },
    exclude: { path: "^packages/[^/]+/(data|test/(fuzz|torture)/results)/" },
  },
};
