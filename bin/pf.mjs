#!/usr/bin/env node
// The `pf` executable (package.json "bin"): runs the TypeScript CLI through tsx's ESM loader.
import { register } from "tsx/esm/api";

register();
await import("./pf.ts");
