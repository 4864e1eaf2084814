import { existsSync } from "node:fs";
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { GitError, git } from "#agents/git/git.ts";
import type { ToolSpec } from "#agents/models/types.ts";
import { VERIFY_STEPS } from "#agents/repo-config.ts";
import { applyChange, checkChange, type ProposedChange } from "../change.ts";
import type { PatchLimits } from "../patch-safety.ts";
import { readPathProblem, resolveReadable, ToolError } from "./paths.ts";

/** What a finished loop hands the builder: the commit's title and summary. */
export interface Finish {
  summary: string;
  commit_title: string;
}

/** `F`: what the loop's finishing tool hands back (the builder's Finish, the planner's plan). */
export interface ToolOutput<F = Finish> {
  /** What the model reads (the dispatcher bounds it and the router redacts it on the way out). */
  text: string;
  /** Small facts for the `tool_result` ledger event (paths, verdicts); never file contents. */
  detail?: Record<string, unknown>;
  finish?: F;
}

/** The work tree a loop operates on. */
export interface Workspace {
  dir: string;
  /**
   * Put before every path a tool shows (`<repo>/`), when the model addresses several work trees
   * by repository name (agents/builder/loop/repos.ts).
   */
  shownPrefix?: string;
  limits: PatchLimits;
  /** Runs `.factory/verify.json` steps behind the sandbox (absent: no run_checks tool). */
  runChecks?: (steps: readonly (typeof VERIFY_STEPS)[number][] | undefined) => Promise<ToolOutput>;
}

export interface Tool<A = unknown, F = Finish> {
  spec: ToolSpec;
  args: z.ZodType<A>;
  run(ws: Workspace, args: A): Promise<ToolOutput<F>>;
}

const RelPath = z.string().min(1).max(4096);
const MAX_READ_FILE_BYTES = 4 * 1024 * 1024;
const MAX_LINE_CHARS = 400;

/** A tool from its name, description, argument schema (also its JSON Schema) and implementation. */
export function tool<A, F = Finish>(
  name: string,
  description: string,
  args: z.ZodType<A>,
  run: Tool<A, F>["run"],
): Tool<unknown, F> {
  const schema = z.toJSONSchema(args) as Record<string, unknown>;
  delete schema.$schema;
  return { spec: { name, description, parameters: schema }, args, run } as Tool<unknown, F>;
}

const ListArgs = z.strictObject({
  path: RelPath.optional().describe("directory to list (repository-relative); the root when absent"),
  limit: z.number().int().min(1).max(2000).default(300),
});

export const listFiles = tool<z.infer<typeof ListArgs>, never>(
  "list_files",
  "List the repository's files (tracked and new, .gitignore respected), optionally under one directory.",
  ListArgs,
  async (ws, args: z.infer<typeof ListArgs>) => {
    if (args.path !== undefined) {
      const problem = readPathProblem(args.path);
      if (problem !== undefined) throw new ToolError(problem);
    }
    const out = await git(
      [
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        ...(args.path === undefined ? [] : [args.path]),
      ],
      { cwd: ws.dir, timeoutMs: 20_000 },
    );
    // The index still lists files a patch deleted: show what is really there.
    const files = [...new Set(out.split("\0").filter((p) => p !== ""))].filter((p) =>
      existsSync(join(ws.dir, p)),
    );
    const prefix = ws.shownPrefix ?? "";
    const shown = files.slice(0, args.limit).map((p) => `${prefix}${p}`);
    const more = files.length - shown.length;
    return {
      text:
        `${shown.join("\n")}${more > 0 ? `\n[${more} more files: list a subdirectory]` : ""}` || "(no files)",
      detail: { files: files.length },
    };
  },
);

const SearchArgs = z.strictObject({
  pattern: z.string().min(1).max(500).describe("extended regular expression (or a fixed string)"),
  path: RelPath.optional().describe("only search under this path"),
  fixed_string: z.boolean().default(false),
  ignore_case: z.boolean().default(false),
  max_results: z.number().int().min(1).max(200).default(50),
});

export const search = tool<z.infer<typeof SearchArgs>, never>(
  "search",
  "Search file contents with git grep: matching lines as path:line:text (bounded).",
  SearchArgs,
  async (ws, args: z.infer<typeof SearchArgs>) => {
    if (args.path !== undefined) {
      const problem = readPathProblem(args.path);
      if (problem !== undefined) throw new ToolError(problem);
    }
    let out: string;
    try {
      out = await git(
        [
          "grep",
          "-n",
          "-I",
          "--untracked",
          "--no-color",
          "--full-name",
          args.fixed_string ? "-F" : "-E",
          ...(args.ignore_case ? ["-i"] : []),
          "-e",
          args.pattern,
          "--",
          ...(args.path === undefined ? [] : [args.path]),
        ],
        { cwd: ws.dir, timeoutMs: 20_000 },
      );
    } catch (err) {
      // git grep exits 1 for "no match"; anything else (a bad regex) is the model's to fix.
      if (err instanceof GitError && err.context.code === 1)
        return { text: "no matches", detail: { matches: 0 } };
      if (err instanceof GitError) throw new ToolError(err.message, { cause: err });
      throw err;
    }
    const lines = out.split("\n").filter((l) => l !== "");
    const shown = lines
      .slice(0, args.max_results)
      .map(
        (l) => `${ws.shownPrefix ?? ""}${l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}…` : l}`,
      );
    const more = lines.length - shown.length;
    return {
      text: `${shown.join("\n")}${more > 0 ? `\n[${more} more matches: narrow the pattern or path]` : ""}`,
      detail: { matches: lines.length },
    };
  },
);

const ReadArgs = z.strictObject({
  path: RelPath,
  start_line: z.number().int().min(1).default(1),
  end_line: z.number().int().min(1).optional().describe("last line to read (inclusive); the end when absent"),
});

export const readFileTool = tool<z.infer<typeof ReadArgs>, never>(
  "read_file",
  "Read a text file, optionally a line range; lines are prefixed with their number and a tab.",
  ReadArgs,
  async (ws, args: z.infer<typeof ReadArgs>) => {
    const full = await resolveReadable(ws.dir, args.path);
    const stats = await lstat(full);
    if (!stats.isFile()) throw new ToolError(`"${args.path}" is not a regular file`);
    if (stats.size > MAX_READ_FILE_BYTES)
      throw new ToolError(`"${args.path}" is ${stats.size} bytes: search it instead of reading it whole`);
    const text = await readFile(full, "utf8");
    if (text.includes("\0")) throw new ToolError(`"${args.path}" is a binary file`);
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const end = Math.min(args.end_line ?? lines.length, lines.length);
    if (args.start_line > Math.max(lines.length, 1))
      throw new ToolError(
        `"${args.path}" has ${lines.length} lines; start_line ${args.start_line} is past the end`,
      );
    const body = lines
      .slice(args.start_line - 1, end)
      .map((l, i) => `${args.start_line + i}\t${l}`)
      .join("\n");
    return {
      text: `${ws.shownPrefix ?? ""}${args.path} (lines ${args.start_line}-${end} of ${lines.length})\n${body}`,
      detail: { path: args.path, lines: lines.length },
    };
  },
);

/** Every write goes through the builder's patch safety (checkChange), then applyChange. */
async function applyChecked(ws: Workspace, change: Pick<ProposedChange, "diff" | "files">) {
  const full = { summary: "-", commit_title: "-", ...change } as ProposedChange;
  const paths = await checkChange(ws.dir, full, ws.limits);
  await applyChange(ws.dir, full);
  return paths;
}

const PatchArgs = z.strictObject({
  diff: z
    .string()
    .min(1)
    .max(2_000_000)
    .describe("a unified diff as `git diff` writes it (a/ and b/ prefixes)"),
});

export const applyPatch = tool(
  "apply_patch",
  "Apply a unified diff to the work tree (checked first: it must apply cleanly and stay inside the repository).",
  PatchArgs,
  async (ws, args: z.infer<typeof PatchArgs>) => {
    const paths = await applyChecked(ws, { diff: args.diff });
    return { text: `applied: ${paths.join(", ")}`, detail: { paths } };
  },
);

const WriteArgs = z.strictObject({
  path: RelPath,
  content: z.string().max(2_000_000).describe("the whole new content of the file"),
});

export const writeFileTool = tool(
  "write_file",
  "Create or replace one text file with the given whole content.",
  WriteArgs,
  async (ws, args: z.infer<typeof WriteArgs>) => {
    const paths = await applyChecked(ws, { files: [{ path: args.path, content: args.content }] });
    return { text: `written: ${paths.join(", ")}`, detail: { paths } };
  },
);

const ChecksArgs = z.strictObject({
  steps: z
    .array(z.enum(VERIFY_STEPS))
    .min(1)
    .max(VERIFY_STEPS.length)
    .optional()
    .describe("which steps of .factory/verify.json to run; all when absent"),
});

export const runChecks = tool(
  "run_checks",
  "Run the repository's checks (.factory/verify.json: lint, build, test, …) on the current work tree in the sandbox; stops at the first failing step and shows its log.",
  ChecksArgs,
  async (ws, args: z.infer<typeof ChecksArgs>) => {
    if (ws.runChecks === undefined) throw new ToolError("run_checks is not available here");
    return ws.runChecks(args.steps);
  },
);

const FinishArgs = z.strictObject({
  summary: z.string().min(1).max(4000).describe("what changed and why, for the pull request"),
  commit_title: z
    .string()
    .min(1)
    .max(72)
    .regex(/^[^\n]+$/, { message: "must be a single line" }),
});

export const finish = tool(
  "finish",
  "End the work: the change in the work tree is complete (and the checks pass).",
  FinishArgs,
  async (ws, args: z.infer<typeof FinishArgs>) => {
    const status = await git(["status", "--porcelain"], { cwd: ws.dir });
    if (status.trim() === "")
      throw new ToolError("nothing changed yet: make the change before calling finish");
    return { text: "finished", finish: args };
  },
);

/** The builder's tools, in the order the model is told about them. */
export const BUILDER_TOOLS: readonly Tool[] = [
  listFiles,
  search,
  readFileTool,
  applyPatch,
  writeFileTool,
  runChecks,
  finish,
];
/** What a planner may use: reading only. They never finish a loop, so they fit any loop's `F`. */
export const READ_ONLY_TOOLS: readonly Tool<unknown, never>[] = [listFiles, search, readFileTool];
