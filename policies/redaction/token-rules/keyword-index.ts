// One pass over the text finds every keyword of every token rule (case-insensitive, ASCII) and
// turns the hits into per-rule windows of whole lines. A rule then runs only on the lines that
// contain one of its keywords: 250 rules cost one scan plus the lines that concern them, instead
// of 250 scans of the whole text.
//
// The scan keeps a rolling 15-bit hash of the last three lower-cased chars (5 bits each) over a
// Latin-1 view of the text (one byte per UTF-16 unit, so positions stay aligned; a non-Latin-1
// char only aliases to another byte, which can cost a compare, never a miss). A table indexed by
// that hash (and by the last two chars, for the few two-char keywords) says which keywords could
// start there; only those are compared in full. A table of first two chars alone let a quarter
// of all positions through.

const TRI_BITS = 15;
const TRI_MASK = (1 << TRI_BITS) - 1;
const BI_MASK = (1 << 10) - 1;
const LOWER = new Uint8Array(256).map((_, i) => (i >= 65 && i <= 90 ? i + 32 : i));

interface Entry {
  keyword: string;
  rules: number[];
}

export interface KeywordTable {
  /** 3-char prefix hash → index into `lists`, or -1. */
  tri: Int32Array;
  /** 2-char keyword hash → index into `lists`, or -1. */
  bi: Int32Array;
  lists: Entry[][];
  ruleCount: number;
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
const triHash = (c0: number, c1: number, c2: number): number =>
  ((c0 & 31) << 10) | ((c1 & 31) << 5) | (c2 & 31);
const biHash = (c0: number, c1: number): number => ((c0 & 31) << 5) | (c1 & 31);

export function keywordTable(rules: ReadonlyArray<{ keywords: readonly string[] }>): KeywordTable {
  const tri = new Int32Array(1 << TRI_BITS).fill(-1);
  const bi = new Int32Array(BI_MASK + 1).fill(-1);
  const lists: Entry[][] = [];
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
  const add = (table: Int32Array, slot: number, entry: Entry) => {
    let at = table[slot] ?? -1;
    if (at === -1) {
      at = lists.length;
      lists.push([]);
      table[slot] = at;
    }
    lists[at]?.push(entry);
  };
  for (const [keyword, ruleIds] of byKeyword) {
    const entry = { keyword, rules: ruleIds };
    const c0 = keyword.charCodeAt(0);
    const c1 = keyword.charCodeAt(1);
    if (keyword.length === 2) add(bi, biHash(c0, c1), entry);
    else add(tri, triHash(c0, c1, keyword.charCodeAt(2)), entry);
  }
  return { tri, bi, lists, ruleCount: rules.length };
}

/** Per rule: flat `[start, end, start, end, …]` of merged whole-line windows (end excludes `\n`). */
export type RuleWindows = Array<number[] | undefined>;

export function findWindows(table: KeywordTable, text: string): RuleWindows {
  const windows: RuleWindows = new Array(table.ruleCount);
  const n = text.length;
  const { tri, bi, lists } = table;
  let lineStart = 0;
  let lineEnd = -1;

  const hit = (list: Entry[], i: number): void => {
    for (let e = 0; e < list.length; e++) {
      const entry = list[e] as Entry;
      const keyword = entry.keyword;
      if (i + keyword.length > n) continue;
      let k = 0;
      while (k < keyword.length && lower(text.charCodeAt(i + k)) === keyword.charCodeAt(k)) k++;
      if (k < keyword.length) continue;
      if (lineEnd < i) {
        lineEnd = text.indexOf("\n", i);
        if (lineEnd === -1) lineEnd = n;
      }
      const rules = entry.rules;
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r] as number;
        let w = windows[rule];
        if (w === undefined) {
          w = [];
          windows[rule] = w;
        }
        const last = w.length - 1;
        if (last > 0 && (w[last] as number) >= lineStart - 1) w[last] = lineEnd;
        else w.push(lineStart, lineEnd);
      }
    }
  };

  const bytes = Buffer.from(text, "latin1");
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i] as number;
    if (c === 10) {
      lineStart = i + 1;
      h = 0;
      continue;
    }
    h = ((h << 5) | ((LOWER[c] as number) & 31)) & TRI_MASK;
    if (i >= lineStart + 1) {
      const b = bi[h & BI_MASK] as number;
      if (b !== -1) hit(lists[b] as Entry[], i - 1);
    }
    if (i >= lineStart + 2) {
      const t = tri[h] as number;
      if (t !== -1) hit(lists[t] as Entry[], i - 2);
    }
  }
  return windows;
}
