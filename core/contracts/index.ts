export * from "./entry-input.ts";
export * from "./ledger-event.ts";
export * from "./ledger-writer.ts";
export * from "./policy.ts";
export * from "./tasks.ts";
