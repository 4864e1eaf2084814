import { randomInt } from "node:crypto";
import { chmod, chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runCommand } from "#agents/process/run-command.ts";
import { type HostCapabilities, probeHost } from "./probe.ts";
import { collectFiles, copyTreeIn, writeBack } from "./tree.ts";
import {
  type Egress,
  type SandboxIsolation,
  type SandboxRequest,
  type SandboxResult,
  type SandboxRunner,
  sandboxEnv,
} from "./types.ts";

/**
 * uids/gids handed to steps: a range no distribution assigns (above the 16-bit ids and below the
 * container runtimes' subordinate ranges). No passwd entry is needed; each run gets a fresh one so
 * two concurrent steps cannot reach each other's files either.
 */
export const SANDBOX_ID_RANGE = { first: 2_100_000, size: 100_000 } as const;

export interface LocalSandboxOptions {
  /** Where per-run sandboxes are created (default `<tmpdir>/pf-sandbox`). */
  root?: string;
  /**
   * The agent's private paths (work root, HOME, secret files' directories): an empty tmpfs is
   * mounted over each inside the step's mount namespace (the uid barrier protects them too).
   */
  hide?: readonly string[];
  /** Environment the minimal step environment takes locale variables from. */
  source?: NodeJS.ProcessEnv;
  /** Override what the host offers (tests of the degraded modes). */
  capabilities?: HostCapabilities;
}

const NAMESPACE_ARGS = ["--pid", "--fork", "--kill-child", "--mount-proc"];

/** World-writable places every uid could otherwise write to (and read what others left there). */
const SHARED_WRITABLE = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock"];

/**
 * The sandbox's init, run by bash as root before the step (bash: POSIX sh cannot name fds above 9).
 * Without namespaces only the first part runs (`$1` = 0 mounts wanted). The loops use builtins and
 * expansions only (no `$(…)`, no basename): they run once per descriptor and per mount of every step.
 * 1. close every descriptor above stdio the agent may have inherited without close-on-exec;
 * 2. in the new mount namespace: every mount read-only, an empty tmpfs over each agent path
 *    (hidden) and over each shared writable place (private scratch, thrown away), then the run's
 *    own directory bound back at its path, writable;
 * 3. exec the privilege drop, `env -i` with exactly the step's environment, and the step.
 *    A toolchain that lives below a covered place is bound back read-only the same way.
 * Arguments: mount? base work toolchain-or-"" nHidden hidden… nShared shared… argv…
 */
const INIT_SCRIPT = [
  "for fd in /proc/self/fd/*; do",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${fd##*/} (basename without a process)
  '  fd="${fd##*/}"',
  '  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null; fi',
  "done",
  'fail() { echo "pf-sandbox: $*" >&2; exit 125; }',
  'mounts="$1"; base="$2"; work="$3"; tool="$4"; shift 4',
  'if [ "$mounts" = 1 ]; then',
  '  exec 9<"$base" || fail "cannot open $base"',
  '  if [ -n "$tool" ]; then exec 8<"$tool" || fail "cannot open $tool"; fi',
  "  while read -r _ _ _ _ mp _; do",
  "    printf -v mp '%b' \"$mp\"",
  '    mount -o remount,bind,ro "$mp" 2>/dev/null || [ "$mp" = /proc ] || fail "cannot make $mp read-only"',
  "  done < /proc/self/mountinfo",
  '  n="$1"; shift',
  '  while [ "$n" -gt 0 ]; do',
  '    if [ -d "$1" ]; then mount -t tmpfs -o size=16k,mode=0000,nosuid,nodev,noexec pf-hidden "$1" || fail "cannot hide $1"; fi',
  "    shift; n=$((n - 1))",
  "  done",
  '  n="$1"; shift',
  '  while [ "$n" -gt 0 ]; do',
  '    if [ -d "$1" ]; then mount -t tmpfs -o size=64m,mode=1777,nosuid,nodev pf-scratch "$1" || fail "cannot cover $1"; fi',
  "    shift; n=$((n - 1))",
  "  done",
  '  [ -d "$base" ] || mkdir -p "$base" || fail "cannot recreate $base"',
  '  mount --no-canonicalize --bind /proc/self/fd/9 "$base" || fail "cannot bind $base"',
  '  mount --no-canonicalize -o remount,bind,rw,nosuid,nodev "$base" || fail "cannot make $base writable"',
  "  exec 9<&-",
  '  if [ -n "$tool" ]; then',
  '    mkdir -p "$tool" || fail "cannot recreate $tool"',
  '    mount --no-canonicalize --bind /proc/self/fd/8 "$tool" || fail "cannot bind $tool"',
  '    mount --no-canonicalize -o remount,bind,ro,nosuid,nodev "$tool" || fail "cannot make $tool read-only"',
  "    exec 8<&-",
  "  fi",
  "else",
  '  shift "$(( $1 + 1 ))"; shift "$(( $1 + 1 ))"',
  "fi",
  'cd "$work" || fail "cannot enter $work"',
  'exec "$@"',
].join("\n");

/** The toolchain root (parent of its bin/) when a scratch tmpfs would cover it, else "". */
function toolchainToKeep(pathPrefix: string | undefined, shared: readonly string[]): string {
  if (pathPrefix === undefined) return "";
  const toolRoot = dirname(resolve(pathPrefix));
  return shared.some((place) => toolRoot.startsWith(`${place}/`)) ? toolRoot : "";
}

function describe(caps: HostCapabilities, hidden: readonly string[]): SandboxIsolation {
  const protections: string[] = [
    "minimal environment (env -i: no agent variable), empty HOME and TMPDIR",
    "a private copy of the work tree",
    "no descriptor inherited from the agent beyond stdio",
  ];
  const limitations: string[] = [];
  if (caps.root && caps.setpriv) {
    protections.push(
      "a fresh unprivileged uid/gid per run (not the agent's): other processes' /proc/*/environ and the agent's private files are unreadable; no capabilities, no_new_privs",
    );
  } else {
    limitations.push(
      caps.root
        ? "setpriv is not usable: steps run as the agent's uid and could read its environment and files"
        : "not running as root: steps run as the agent's uid and could read its environment (/proc/<pid>/environ) and files",
    );
  }
  if (caps.namespaces) {
    protections.push(
      "network namespace with no interface up (no network, not even loopback) unless verify.json declares egress",
      "pid namespace: the step sees only its own processes, and every process it started dies with it",
      `mount namespace: the host filesystem read-only, ${SHARED_WRITABLE.join(", ")} private and empty, the agent's paths hidden (${hidden.join(", ")})`,
    );
  } else {
    limitations.push(
      "no namespaces (unshare unavailable): the step shares the agent's network (loopback and internet) and pid space, a process that escapes its group (setsid) can outlive the step, and it can write to world-writable directories such as /tmp",
    );
  }
  return { runner: "local", protections, limitations };
}

/**
 * The sandbox runner of `npm start`, the tests and CI (which run as root): each step gets a copy
 * of the tree owned by a fresh uid/gid, setpriv drops every privilege, and unshare gives it
 * network, pid and mount namespaces. What the host cannot give is listed in `isolation.limitations`.
 */
export async function createLocalSandbox(options: LocalSandboxOptions = {}): Promise<SandboxRunner> {
  const caps = options.capabilities ?? (await probeHost());
  const root = resolve(options.root ?? join(tmpdir(), "pf-sandbox"));
  await mkdir(root, { recursive: true, mode: 0o711 });
  // Traversable, not listable: a step reaches its own directory only.
  await chmod(root, 0o711);
  const hidden = [...new Set((options.hide ?? [homedir()]).map((p) => resolve(p)))].filter((p) => p !== "/");
  const shared = [...new Set([resolve(tmpdir()), ...SHARED_WRITABLE])];
  const isolation = describe(caps, hidden);
  const separate = caps.root && caps.setpriv;
  const source = options.source ?? process.env;
  const inUse = new Set<number>();

  const allocate = () => {
    for (;;) {
      const id = SANDBOX_ID_RANGE.first + randomInt(SANDBOX_ID_RANGE.size);
      if (!inUse.has(id)) {
        inUse.add(id);
        return id;
      }
    }
  };

  return {
    isolation,
    async close() {},
    async run(request: SandboxRequest): Promise<SandboxResult> {
      const id = separate ? allocate() : undefined;
      const owner = id === undefined ? undefined : { uid: id, gid: id };
      const base = await mkdtemp(join(root, "run-"));
      try {
        await chmod(base, 0o711);
        const work = join(base, "work");
        const home = join(base, "home");
        const tmp = join(base, "tmp");
        for (const dir of [work, home, tmp]) {
          await mkdir(dir, { mode: 0o700 });
          if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
        }
        await copyTreeIn(request.tree, work, owner);
        const egress: Egress[] = [...(request.egress ?? [])];
        const drop =
          owner === undefined
            ? []
            : [
                "setpriv",
                `--reuid=${owner.uid}`,
                `--regid=${owner.gid}`,
                "--clear-groups",
                "--no-new-privs",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--",
              ];
        // Declared egress needs the host network: locally it cannot be narrowed to those hosts.
        const net = egress.length === 0 ? ["--net"] : [];
        const env = sandboxEnv({
          source,
          home,
          tmp,
          ...(request.pathPrefix === undefined ? {} : { pathPrefix: request.pathPrefix }),
          ...(request.env === undefined ? {} : { declared: request.env }),
        });
        // `env -i` last: whatever a spawner adds on the way (a test harness, a wrapper) is gone.
        const step = [
          ...drop,
          "env",
          "-i",
          ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
          ...request.argv,
        ];
        const init = [
          "bash",
          "-c",
          INIT_SCRIPT,
          "pf-sandbox",
          caps.namespaces ? "1" : "0",
          base,
          work,
          toolchainToKeep(request.pathPrefix, shared),
          String(hidden.length),
          ...hidden,
          String(shared.length),
          ...shared,
          ...step,
        ];
        const argv = caps.namespaces ? ["unshare", ...net, ...NAMESPACE_ARGS, "--", ...init] : init;
        const result = await runCommand({
          argv,
          cwd: work,
          timeoutMs: request.timeoutMs,
          // The wrappers' own environment; the step's is the `env -i` list above.
          env: { PATH: env.PATH!, LANG: "C.UTF-8" },
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        });
        if (!caps.namespaces && owner !== undefined) {
          // No pid namespace: whatever still runs as the step's uid is the step's; end it.
          await runCommand({
            argv: [...drop, "kill", "-KILL", "-1"],
            cwd: "/",
            timeoutMs: 10_000,
            env: { PATH: env.PATH! },
          });
        }
        const files = await collectFiles(
          work,
          request.collect ?? [],
          owner?.uid,
          request.collectMaxBytes ?? 8 * 1024 * 1024,
        );
        const back =
          request.writeBack === true
            ? await writeBack(work, request.tree, owner?.uid)
            : { written: [], refused: [] };
        const limitations =
          egress.length > 0 && caps.namespaces
            ? [
                `declared egress (${egress.map((e) => `${e.host}:${e.port}`).join(", ")}) is granted locally as the host network: not narrowed to those hosts, loopback services included`,
              ]
            : [];
        return { ...result, files, written: back.written, refused: back.refused, egress, limitations };
      } finally {
        await rm(base, { recursive: true, force: true });
        if (id !== undefined) inUse.delete(id);
      }
    },
  };
}

/** The agent's runner, as every entry builds it: its work root and HOME hidden from steps. */
export function agentSandbox(workRoot: string, root?: string): Promise<SandboxRunner> {
  return createLocalSandbox({ ...(root === undefined ? {} : { root }), hide: [workRoot, homedir()] });
}
