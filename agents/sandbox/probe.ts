import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What this machine lets the local sandbox use (probed once per process). */
export interface HostCapabilities {
  /** Running as root: a step can be given its own uid/gid with setpriv. */
  root: boolean;
  /** `setpriv` (util-linux) works for a uid switch. */
  setpriv: boolean;
  /** `unshare --net --pid --fork --mount-proc` works (network, pid and mount namespaces). */
  namespaces: boolean;
}

async function works(file: string, args: string[]): Promise<boolean> {
  try {
    await run(file, args, { timeout: 10_000, env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
    return true;
  } catch {
    return false;
  }
}

let cached: Promise<HostCapabilities> | undefined;

/** Try each mechanism for real (a container may forbid what the binary offers). */
export function probeHost(): Promise<HostCapabilities> {
  cached ??= (async () => {
    const root = process.getuid?.() === 0;
    const [setpriv, namespaces] = await Promise.all([
      root
        ? works("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "true"])
        : Promise.resolve(false),
      root
        ? works("unshare", ["--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--", "true"])
        : Promise.resolve(false),
    ]);
    return { root, setpriv, namespaces };
  })();
  return cached;
}
