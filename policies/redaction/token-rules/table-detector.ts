import type { Detector, DetectorId, Emit } from "../types.ts";
import { shannonEntropy } from "./entropy.ts";
import { findWindows, keywordTable, type RuleWindows } from "./keyword-index.ts";
import { re2ToJs } from "./re2-to-js.ts";
import type { TokenRule } from "./types.ts";

// The operator part of gitleaks' "semi-generic" rules (`name … = value`): rules with it are
// keyword-named values, where gitleaks' entropy threshold separates secrets from words.
const NAMED_OPERATOR = "(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)";

interface Compiled {
  rule: TokenRule;
  re: RegExp;
  unnamed: number[];
  named: boolean;
}

function compile(rule: TokenRule): Compiled {
  const c = re2ToJs(rule.regex);
  try {
    // `m`: `^`/`$` are line boundaries, the engine's unit; `d`: group offsets for the secret.
    return {
      rule,
      re: new RegExp(c.source, `${c.flags}gmd`),
      unnamed: c.unnamedGroups,
      named: c.source.includes(NAMED_OPERATOR),
    };
  } catch (cause) {
    throw new Error(`token rule ${rule.source}: invalid pattern`, { cause });
  }
}

function secretSpan(c: Compiled, m: RegExpExecArray): [number, number] | undefined {
  const indices = m.indices;
  if (indices === undefined) return [m.index, m.index + m[0].length];
  if (c.rule.secretGroup !== undefined) {
    const g = indices[c.rule.secretGroup];
    return g === undefined ? undefined : [g[0], g[1]];
  }
  for (const k of c.unnamed) {
    const g = indices[k];
    if (g !== undefined && g[1] > g[0]) return [g[0], g[1]];
  }
  return [m.index, m.index + m[0].length];
}

function runRule(c: Compiled, text: string, windows: number[], emit: Emit): void {
  const re = c.re;
  for (let w = 0; w < windows.length; w += 2) {
    const from = windows[w] ?? 0;
    const to = windows[w + 1] ?? 0;
    const chunk = from === 0 && to === text.length ? text : text.slice(from, to);
    re.lastIndex = 0;
    let restarts = 16 + (chunk.length >> 6);
    for (let m = re.exec(chunk); m !== null; m = re.exec(chunk)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const span = secretSpan(c, m);
      // A named rule's value can hold the next name (`password= api_key = …`): search again from
      // the value. Each restart costs up to a value's bound (150 chars), so a window gets one per
      // 64 chars at most; a text denser with assignments than that is searched without overlaps
      // (as gitleaks does) and stays linear with a small constant.
      if (c.named && restarts > 0) {
        const at = Math.max(m.index + 1, span?.[0] ?? 0);
        if (at < re.lastIndex) {
          re.lastIndex = at;
          restarts--;
        }
      }
      if (span === undefined || span[1] <= span[0]) continue;
      const secret = chunk.slice(span[0], span[1]);
      if (c.named && c.rule.entropy !== undefined && shannonEntropy(secret) < c.rule.entropy) continue;
      if (c.rule.check !== undefined && !c.rule.check(secret, m)) continue;
      emit(from + span[0], from + span[1]);
    }
  }
}

/**
 * One detector per family over a shared keyword index: the index of the last text scanned is
 * kept, since the engine asks every detector about the same chunk in turn.
 */
export function tableDetectors(rules: readonly TokenRule[]): Map<DetectorId, Detector> {
  const compiled = rules.map(compile);
  const table = keywordTable(rules);
  let lastText: string | undefined;
  let lastWindows: RuleWindows = [];
  const windowsFor = (text: string): RuleWindows => {
    if (text !== lastText) {
      lastWindows = findWindows(table, text);
      lastText = text;
    }
    return lastWindows;
  };
  const byFamily = new Map<DetectorId, number[]>();
  compiled.forEach((c, i) => {
    byFamily.set(c.rule.family, [...(byFamily.get(c.rule.family) ?? []), i]);
  });
  const detectors = new Map<DetectorId, Detector>();
  for (const [id, indexes] of byFamily) {
    detectors.set(id, {
      id,
      mayMatch: (text) => {
        const w = windowsFor(text);
        return indexes.some((i) => w[i] !== undefined);
      },
      scan(text, emit) {
        const w = windowsFor(text);
        for (const i of indexes) {
          const windows = w[i];
          const c = compiled[i];
          if (windows !== undefined && c !== undefined) runRule(c, text, windows, emit);
        }
      },
    });
  }
  return detectors;
}
