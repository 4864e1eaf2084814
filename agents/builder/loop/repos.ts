import { readPathProblem, ToolError } from "./paths.ts";
import type { Finish, Tool, Workspace } from "./tools.ts";

/**
 * The read-only tools over several work trees (the planner's checkouts, one per repository of
 * the run): the same tools, addressed with paths that start with the repository name
 * (`svc/src/x.ts`). A path-less list or search covers every repository. The name picks the work
 * tree and the rest of the path goes through the tool's own checks (traversal, `.git/`,
 * symlinks, the real path inside that tree), so one repository's path can never reach another's
 * or leave the checkouts.
 */
export function acrossRepos<F = Finish>(
  tools: readonly Tool<unknown, F>[],
  dirs: ReadonlyMap<string, string>,
): Tool<unknown, F>[] {
  const names = [...dirs.keys()];
  // The dispatcher's workspace with the repository's tree in place of its own.
  const within = (base: Workspace, repo: string): Workspace => {
    const dir = dirs.get(repo);
    if (dir === undefined)
      throw new ToolError(
        `"${repo}" is not a repository of this run: paths start with one of ${names.join(", ")}`,
      );
    return { ...base, dir, shownPrefix: `${repo}/` };
  };
  return tools.map((t) => ({
    ...t,
    spec: {
      ...t.spec,
      description: `${t.spec.description} Paths start with the repository name (${names.map((n) => `${n}/…`).join(", ")}).`,
    },
    async run(base, raw) {
      const args = raw as { path?: string };
      if (args.path === undefined) {
        // Every repository in turn, each shown under its name.
        const parts: string[] = [];
        let detail: Record<string, unknown> = {};
        for (const repo of names) {
          const out = await t.run(within(base, repo), raw);
          parts.push(out.text);
          detail = { ...detail, [repo]: out.detail ?? {} };
        }
        return { text: parts.join("\n"), detail: { repos: detail } };
      }
      const problem = readPathProblem(args.path);
      if (problem !== undefined) throw new ToolError(problem);
      const slash = args.path.indexOf("/");
      const repo = slash === -1 ? args.path : args.path.slice(0, slash);
      const rest = slash === -1 ? undefined : args.path.slice(slash + 1);
      const ws = within(base, repo);
      const { path: _whole, ...others } = args;
      // The bare repository name: the whole tree for list and search; read_file needs a file.
      const inner = t.args.safeParse(rest === undefined ? others : { ...others, path: rest });
      if (!inner.success) throw new ToolError(`"${args.path}" is a repository: give a path inside it`);
      const out = await t.run(ws, inner.data);
      return { ...out, detail: { repo, ...(out.detail ?? {}) } };
    },
  }));
}
