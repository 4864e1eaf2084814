export interface TestSummary {
  format: "tap" | "junit";
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Summarise TAP output (top-level test points only; subtests are indented). Returns undefined
 * when the output does not look like TAP.
 */
export function parseTap(output: string): TestSummary | undefined {
  const lines = output.split(/\r?\n/);
  if (!lines.some((l) => /^TAP version \d+/.test(l) || /^1\.\.\d+/.test(l))) return undefined;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const line of lines) {
    const m = /^(not )?ok\b(?:\s+\d+)?[^#]*(#\s*(SKIP|TODO)\b.*)?$/i.exec(line);
    if (!m) continue;
    if (m[3] !== undefined) skipped += 1;
    else if (m[1] !== undefined) failed += 1;
    else passed += 1;
  }
  return { format: "tap", total: passed + failed + skipped, passed, failed, skipped };
}

function attr(tag: string, name: string): number {
  const m = new RegExp(`\\s${name}="(\\d+)"`).exec(tag);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** Summarise a JUnit XML report: the root `<testsuites>` totals, else the sum of `<testsuite>`s. */
export function parseJunit(xml: string): TestSummary | undefined {
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0];
  const suites =
    root !== undefined && /\stests="/.test(root) ? [root] : (xml.match(/<testsuite\b[^>]*>/g) ?? []);
  if (suites.length === 0) return undefined;
  let total = 0;
  let failed = 0;
  let skipped = 0;
  for (const tag of suites) {
    total += attr(tag, "tests");
    failed += attr(tag, "failures") + attr(tag, "errors");
    skipped += attr(tag, "skipped");
  }
  return { format: "junit", total, passed: Math.max(0, total - failed - skipped), failed, skipped };
}

/** Does the running Node satisfy a pin like "20.x", "20.19.x" or "20.19.2"? */
export function nodeSatisfies(pin: string, version: string = process.versions.node): boolean {
  const want = pin.split(".");
  const have = version.split(".");
  return want.every((part, i) => part === "x" || part === have[i]);
}
