import type { BuildOptions } from "esbuild";

export declare const EXTERNAL: Readonly<Record<string, readonly string[]>>;
export declare function runtimeOptions(runtime: string): BuildOptions;
export declare function bundleOptions(runtime: string, entry: string, outfile: string): BuildOptions;
