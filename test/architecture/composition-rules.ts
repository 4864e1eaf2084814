// Where each runtime's dependencies may be assembled: the adapters, stores and SDK clients below
// are constructed only in that runtime's composition file. Anything else receives them.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The one composition of each runtime. */
export const COMPOSITION_FILES: Record<string, string> = {
  gateway: "gateway/compose.ts",
  "Lambda tasks": "handlers/compose.ts",
  agents: "agents/compose.ts",
  "pf CLI": "local/runtime/target.ts",
  // The local factory's own engine clients (tables, bucket, the local SFN endpoint's callbacks).
  "local engines": "local/runtime/engines.ts",
};

/** Constructions that assemble dependencies. */
const CONSTRUCTIONS = [
  /\bnew\s+(DynamoLedger|RemoteLedger|S3EvidenceStore|JiraClient|Notifier|DynamoDBClient|S3Client|SFNClient|SNSClient|SecretsManagerClient|ECSClient|LambdaClient)\s*\(/g,
  /(?<!function\s+)\b(createForgeResolver|createTaskRegistry)\s*\(/g,
];

/** Production source roots (tests and benchmarks build their own, through these files or not). */
export const SOURCE_ROOTS = [
  "core",
  "policies",
  "integrations",
  "storage",
  "handlers",
  "gateway",
  "agents",
  "infra",
  "local",
  "bin",
];

export interface SourceFile {
  path: string;
  text: string;
}

export function sourceFiles(roots: readonly string[] = SOURCE_ROOTS): SourceFile[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return name.endsWith(".ts") ? [path] : [];
    });
  return roots.flatMap(walk).map((path) => ({ path, text: readFileSync(path, "utf8") }));
}

/** Comments say why; they may name a constructor without calling it. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** `file: construct` for every construction outside a composition file. */
export function compositionViolations(files: readonly SourceFile[]): string[] {
  const allowed = new Set(Object.values(COMPOSITION_FILES));
  const out: string[] = [];
  for (const f of files) {
    if (allowed.has(f.path)) continue;
    const body = code(f.text);
    for (const pattern of CONSTRUCTIONS) {
      for (const m of body.matchAll(pattern)) out.push(`${f.path}: ${m[1]}`);
    }
  }
  return out.sort();
}
