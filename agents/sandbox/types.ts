import type { CommandResult } from "#agents/process/run-command.ts";

/**
 * The boundary between the trusted agent and untrusted code (verify steps, formatters, the
 * builder's check runs). A runner takes a work tree and an argv and gives back exit status and
 * output; it never hands the step a credential, the agent's environment or the agent's files.
 * Runtimes: `local.ts` (separate uid/gid + namespaces on this machine) and `ecs.ts` (a Fargate
 * task with no role, no secrets and egress only to S3). The agent computes verdicts from what `run` returns.
 */
export interface SandboxRunner {
  /** What this runner protects against here, and what it cannot (reported, never silently weaker). */
  readonly isolation: SandboxIsolation;
  run(request: SandboxRequest): Promise<SandboxResult>;
  /** Release what the runner holds (an ECS sandbox task, temp directories). */
  close(): Promise<void>;
}

/** A host:port the repository's config declares the step needs (e.g. a package registry). */
export interface Egress {
  host: string;
  port: number;
}

export interface SandboxRequest {
  argv: readonly string[];
  /** The trusted work tree: the step gets a private copy, never this directory. */
  tree: string;
  timeoutMs: number;
  /** Non-secret variables the repository's config declares (added after the minimal env). */
  env?: Readonly<Record<string, string>>;
  /** Directory put in front of PATH (the pinned toolchain). */
  pathPrefix?: string;
  /** Egress the repository declared; empty or absent means no network. */
  egress?: readonly Egress[];
  /**
   * Copy what the step left in its tree back into `tree` (formatters). Only regular files the
   * step owns, never .git/, never symlinks or hard links; returns the changed paths.
   */
  writeBack?: boolean;
  /** Repository-relative files to read from the step's tree afterwards (e.g. a JUnit report). */
  collect?: readonly string[];
  /** Most bytes read per collected file. */
  collectMaxBytes?: number;
  signal?: AbortSignal;
}

export interface SandboxResult extends CommandResult {
  /** Content of each `collect` path that exists as a regular file inside the step's tree. */
  files: Record<string, string>;
  /** Paths `writeBack` changed (created, modified or deleted) in the trusted tree. */
  written: string[];
  /** Refused write-backs (symlinks, hard links, files of another owner) with the reason. */
  refused: Array<{ path: string; reason: string }>;
  /** The egress that was actually granted for this run. */
  egress: Egress[];
  /** What this run could not be given beyond the runner's own limitations (e.g. narrowed egress). */
  limitations: string[];
  /** ECS: the sandbox task's ARN (recorded in the ledger). */
  task_arn?: string;
}

/** Recorded in every verifier report and step ledger event. */
export interface SandboxIsolation {
  runner: "local" | "ecs" | "none";
  /** Protections in force, e.g. "uid 200123/gid 200123 (not the agent's)", "network namespace". */
  protections: string[];
  /** Protections missing here, each a sentence (empty when the boundary is complete). */
  limitations: string[];
}

/** The variables a step may see besides the ones verify.json declares. */
export const SANDBOX_ENV_PASS = ["LANG", "LC_ALL", "TZ", "TERM"] as const;

/** The minimal environment of a step: no agent variable beyond locale and a PATH. */
export function sandboxEnv(options: {
  source: NodeJS.ProcessEnv;
  home: string;
  tmp: string;
  pathPrefix?: string;
  declared?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of SANDBOX_ENV_PASS) {
    const value = options.source[name];
    if (value !== undefined) env[name] = value;
  }
  env.LANG ??= "C.UTF-8";
  // The system directories only: the agent's own PATH may name its private directories.
  const base = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  Object.assign(env, options.declared ?? {});
  env.PATH = options.pathPrefix === undefined ? base : `${options.pathPrefix}:${base}`;
  // A private, empty HOME and TMPDIR: no ~/.npmrc, ~/.aws or ~/.gitconfig of the agent leaks in.
  env.HOME = options.home;
  env.TMPDIR = options.tmp;
  env.CI = "true";
  return env;
}
