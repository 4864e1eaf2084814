import { isMixed } from "../chars.ts";
import { regexDetector } from "../regex-detector.ts";

/**
 * OpenAI keys: legacy `sk-` + 48, `sk-proj-` / `sk-svcacct-` / `sk-admin-` + ~150. `sk-` alone is a
 * common fragment (`sk-learn-…`), so the body must look random (upper + lower + digit, ≥ 32
 * chars) or carry OpenAI's `T3BlbkFJ` marker. `sk-ant-` belongs to Anthropic.
 */
export const openaiApiKey = regexDetector({
  id: "openai_api_key",
  pattern: /(?<![A-Za-z0-9_-])sk-(?!ant-)[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])/,
  hints: ["sk-"],
  select(m) {
    const body = m[0].slice(3);
    if (body.includes("T3BlbkFJ") || (body.length >= 32 && isMixed(body))) {
      return [m.index, m.index + m[0].length];
    }
    return undefined;
  },
});
