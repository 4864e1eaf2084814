// One pass over the text finds every keyword of every token rule (case-insensitive, ASCII) and
// turns the hits into per-rule windows of whole lines. A rule then runs only on the lines that
// contain one of its keywords: 200 rules cost one scan plus the lines that concern them, instead
// of 200 scans of the whole text.

export interface KeywordTable {
  /** bigram (two lower-cased ASCII codes, `c0 * 128 + c1`) → index into `lists`, or -1. */
  buckets: Int32Array;
  lists: Array<Array<{ keyword: string; rules: number[] }>>;
  ruleCount: number;
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

export function keywordTable(rules: ReadonlyArray<{ keywords: readonly string[] }>): KeywordTable {
  const buckets = new Int32Array(128 * 128).fill(-1);
  const lists: KeywordTable["lists"] = [];
  const byKeyword = new Map<string, number[]>();
  rules.forEach((rule, i) => {
    for (const raw of rule.keywords) {
      const keyword = raw.toLowerCase();
      if (keyword.length < 2 || /[^\x20-\x7e]/.test(keyword)) {
        throw new Error(`token rule keyword ${JSON.stringify(raw)}: needs 2+ printable ASCII chars`);
      }
      const list = byKeyword.get(keyword) ?? [];
      if (!list.includes(i)) list.push(i);
      byKeyword.set(keyword, list);
    }
  });
  for (const [keyword, ruleIds] of byKeyword) {
    const b = keyword.charCodeAt(0) * 128 + keyword.charCodeAt(1);
    let at = buckets[b] ?? -1;
    if (at === -1) {
      at = lists.length;
      lists.push([]);
      buckets[b] = at;
    }
    lists[at]?.push({ keyword, rules: ruleIds });
  }
  return { buckets, lists, ruleCount: rules.length };
}

/** Per rule: flat `[start, end, start, end, …]` of merged whole-line windows (end excludes `\n`). */
export type RuleWindows = Array<number[] | undefined>;

export function findWindows(table: KeywordTable, text: string): RuleWindows {
  const windows: RuleWindows = new Array(table.ruleCount);
  const n = text.length;
  let lineStart = 0;
  let lineEnd = -1;
  let next = n > 0 ? lower(text.charCodeAt(0)) : 0;
  for (let i = 0; i < n - 1; i++) {
    const c0 = next;
    next = lower(text.charCodeAt(i + 1));
    if (c0 === 10) {
      lineStart = i + 1;
      continue;
    }
    if (c0 >= 128 || next >= 128) continue;
    const at = table.buckets[c0 * 128 + next] ?? -1;
    if (at === -1) continue;
    for (const { keyword, rules } of table.lists[at] ?? []) {
      if (i + keyword.length > n) continue;
      let k = 2;
      while (k < keyword.length && lower(text.charCodeAt(i + k)) === keyword.charCodeAt(k)) k++;
      if (k < keyword.length) continue;
      if (lineEnd < i) {
        lineEnd = text.indexOf("\n", i);
        if (lineEnd === -1) lineEnd = n;
      }
      for (const r of rules) {
        let w = windows[r];
        if (w === undefined) {
          w = [];
          windows[r] = w;
        }
        const last = w.length - 1;
        if (last > 0 && (w[last] ?? 0) >= lineStart - 1) {
          w[last] = lineEnd;
        } else w.push(lineStart, lineEnd);
      }
    }
  }
  return windows;
}
