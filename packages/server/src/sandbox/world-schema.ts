/** The sandbox world format (CONTRACT.md section 7): the platform's record schemas, one world. */
export * from "../core/platform-schema.js";
