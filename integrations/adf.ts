// Atlassian Document Format (Jira Cloud API v3 rich text) → plain text, and plain text → ADF for
// comments. Runtime-neutral: the gateway reuses it for webhook payloads. Output is readable
// Markdown-ish text (headings `#`, lists `-`/`1.`, fenced code, `>` quotes, `|` tables) because
// it ends up in prompts and PR bodies; marks like bold are dropped, links keep their target.

export interface AdfNode {
  type: string;
  /** Only on the root `doc` node (always 1). */
  version?: number;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: ReadonlyArray<{ type: string; attrs?: Record<string, unknown> }>;
  content?: readonly AdfNode[];
}

/** Deeper documents are cut (Jira limits nesting far below this; it guards the recursion). */
const MAX_DEPTH = 64;

function isNode(value: unknown): value is AdfNode {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}

function kids(node: AdfNode): AdfNode[] {
  return Array.isArray(node.content) ? node.content.filter(isNode) : [];
}

function attr(node: AdfNode, name: string): unknown {
  return node.attrs?.[name];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

const INLINE_TYPES = new Set([
  "text",
  "hardBreak",
  "mention",
  "emoji",
  "inlineCard",
  "status",
  "date",
  "placeholder",
  "mediaInline",
  "inlineExtension",
]);

/**
 * A Jira description (or comment body) as plain text: ADF documents are converted, strings (API
 * v2 / Server wiki markup / plain text) pass through with normalised line ends, null → "".
 */
export function descriptionToText(value: unknown): string {
  if (typeof value === "string") return value.replace(/\r\n?/g, "\n").trim();
  if (isNode(value)) return adfToText(value);
  return "";
}

export function adfToText(doc: AdfNode): string {
  const body = doc.type === "doc" ? renderBlocks(kids(doc), "", "\n\n", 0) : renderBlock(doc, "", 0);
  return body
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function renderBlocks(nodes: readonly AdfNode[], indent: string, sep: string, depth: number): string {
  // Consecutive inline nodes at block level (lenient input) form one paragraph.
  const out: string[] = [];
  let inline: AdfNode[] = [];
  const flush = () => {
    if (inline.length > 0) out.push(prefixLines(renderInline(inline, depth), indent));
    inline = [];
  };
  for (const node of nodes) {
    if (INLINE_TYPES.has(node.type)) {
      inline.push(node);
      continue;
    }
    flush();
    out.push(renderBlock(node, indent, depth));
  }
  flush();
  return out.filter((s) => s.trim() !== "").join(sep);
}

function prefixLines(text: string, prefix: string): string {
  if (prefix === "") return text;
  return text
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

function renderBlock(node: AdfNode, indent: string, depth: number): string {
  if (depth > MAX_DEPTH) return "";
  const d = depth + 1;
  switch (node.type) {
    case "doc":
      return renderBlocks(kids(node), indent, "\n\n", d);
    case "paragraph":
      return prefixLines(renderInline(kids(node), d), indent);
    case "heading": {
      const raw = Number(attr(node, "level"));
      const level = Number.isInteger(raw) ? Math.min(6, Math.max(1, raw)) : 1;
      return `${indent}${"#".repeat(level)} ${renderInline(kids(node), d).replace(/\n/g, " ")}`;
    }
    case "bulletList":
      return renderList(kids(node), indent, () => "- ", d);
    case "orderedList": {
      const start = Number(attr(node, "order"));
      const first = Number.isInteger(start) && start >= 0 ? start : 1;
      return renderList(kids(node), indent, (i) => `${first + i}. `, d);
    }
    case "taskList":
      return renderList(
        kids(node),
        indent,
        (_i, item) => (attr(item, "state") === "DONE" ? "- [x] " : "- [ ] "),
        d,
      );
    case "decisionList":
      return renderList(kids(node), indent, () => "- ", d);
    case "codeBlock": {
      const lang = str(attr(node, "language")) ?? "";
      const code = kids(node)
        .map((k) => k.text ?? "")
        .join("");
      return prefixLines(`\`\`\`${lang}\n${code.replace(/\n$/, "")}\n\`\`\``, indent);
    }
    case "blockquote":
      return prefixLines(renderBlocks(kids(node), "", "\n\n", d), `${indent}> `).replace(/> $/gm, ">");
    case "rule":
      return `${indent}---`;
    case "table":
      return prefixLines(renderTable(node, d), indent);
    case "panel": {
      const kind = str(attr(node, "panelType"));
      const body = renderBlocks(kids(node), "", "\n\n", d);
      return prefixLines(kind === undefined ? body : `${capitalise(kind)}: ${body}`, indent);
    }
    case "expand":
    case "nestedExpand": {
      const title = str(attr(node, "title"));
      const body = renderBlocks(kids(node), "", "\n\n", d);
      return prefixLines(title === undefined ? body : `${title}\n${body}`, indent);
    }
    case "mediaSingle":
    case "mediaGroup":
      return prefixLines(
        kids(node)
          .map((k) => renderMedia(k))
          .filter((s) => s !== "")
          .join("\n"),
        indent,
      );
    case "media":
      return prefixLines(renderMedia(node), indent);
    case "blockCard":
    case "embedCard":
      return prefixLines(cardUrl(node) ?? "", indent);
    case "listItem":
    case "taskItem":
    case "decisionItem":
      return renderList([node], indent, () => "- ", d);
    default:
      if (INLINE_TYPES.has(node.type)) return prefixLines(renderInline([node], d), indent);
      if (typeof node.text === "string") return prefixLines(node.text, indent);
      return renderBlocks(kids(node), indent, "\n\n", d);
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function renderList(
  items: readonly AdfNode[],
  indent: string,
  marker: (index: number, item: AdfNode) => string,
  depth: number,
): string {
  return items
    .map((item, i) => {
      const m = marker(i, item);
      const childIndent = indent + " ".repeat(m.length);
      const content = kids(item);
      // taskItem / decisionItem hold inline content directly; listItem holds blocks.
      const body = renderBlocks(content, childIndent, "\n", depth + 1);
      if (body === "") return `${indent}${m}`.trimEnd();
      return body.startsWith(childIndent)
        ? `${indent}${m}${body.slice(childIndent.length)}`
        : `${indent}${m}${body}`;
    })
    .join("\n");
}

function renderTable(node: AdfNode, depth: number): string {
  const rows = kids(node).filter((r) => r.type === "tableRow");
  const lines: string[] = [];
  rows.forEach((row, i) => {
    const cells = kids(row).map((cell) =>
      renderBlocks(kids(cell), "", " ", depth + 1)
        .replace(/\s*\n\s*/g, " ")
        .replace(/\|/g, "\\|")
        .trim(),
    );
    lines.push(`| ${cells.join(" | ")} |`);
    if (i === 0 && kids(row).every((c) => c.type === "tableHeader")) {
      lines.push(`| ${cells.map(() => "---").join(" | ")} |`);
    }
  });
  return lines.join("\n");
}

function renderMedia(node: AdfNode): string {
  if (node.type !== "media" && node.type !== "mediaInline") return renderBlock(node, "", 0);
  const name = str(attr(node, "alt")) ?? str(attr(node, "id"));
  return name === undefined ? "[attachment]" : `[attachment: ${name}]`;
}

function cardUrl(node: AdfNode): string | undefined {
  const url = str(attr(node, "url"));
  if (url !== undefined) return url;
  const data = attr(node, "data");
  if (typeof data === "object" && data !== null) return str((data as Record<string, unknown>).url);
  return undefined;
}

function renderInline(nodes: readonly AdfNode[], depth: number): string {
  if (depth > MAX_DEPTH) return "";
  return nodes.map((n) => renderInlineNode(n, depth + 1)).join("");
}

function renderInlineNode(node: AdfNode, depth: number): string {
  switch (node.type) {
    case "text":
      return renderText(node);
    case "hardBreak":
      return "\n";
    case "mention": {
      const text = str(attr(node, "text")) ?? str(attr(node, "id")) ?? "someone";
      return text.startsWith("@") ? text : `@${text}`;
    }
    case "emoji":
      return str(attr(node, "text")) ?? str(attr(node, "shortName")) ?? "";
    case "inlineCard":
      return cardUrl(node) ?? "";
    case "status": {
      const text = str(attr(node, "text"));
      return text === undefined ? "" : `[${text}]`;
    }
    case "date": {
      const ts = Number(attr(node, "timestamp"));
      return Number.isFinite(ts) ? new Date(ts).toISOString().slice(0, 10) : "";
    }
    case "placeholder":
      return "";
    case "mediaInline":
      return renderMedia(node);
    default:
      if (typeof node.text === "string") return node.text;
      // A block inside inline context (lenient input): keep its text on one line.
      return renderBlock(node, "", depth).replace(/\n+/g, " ");
  }
}

function renderText(node: AdfNode): string {
  const text = node.text ?? "";
  let out = text;
  const marks = node.marks ?? [];
  if (marks.some((m) => m.type === "code")) out = `\`${out}\``;
  const link = marks.find((m) => m.type === "link");
  const href = link === undefined ? undefined : str(link.attrs?.href);
  if (href !== undefined && href !== text) out = `${out} (${href})`;
  return out;
}

/**
 * Plain text → a minimal ADF document for Jira comments: blank lines separate paragraphs, single
 * newlines become hard breaks, http(s) URLs become links.
 */
export function textToAdf(text: string): AdfNode {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  return {
    version: 1,
    type: "doc",
    content: paragraphs.map((p) => ({
      type: "paragraph",
      content: p
        .split("\n")
        .flatMap((line, i) => [...(i > 0 ? [{ type: "hardBreak" }] : []), ...linkify(line)]),
    })),
  };
}

function linkify(line: string): AdfNode[] {
  const out: AdfNode[] = [];
  const re = /https?:\/\/[^\s<>()]+/g;
  let last = 0;
  for (const m of line.matchAll(re)) {
    const start = m.index ?? 0;
    if (start > last) out.push({ type: "text", text: line.slice(last, start) });
    out.push({ type: "text", text: m[0], marks: [{ type: "link", attrs: { href: m[0] } }] });
    last = start + m[0].length;
  }
  if (last < line.length) out.push({ type: "text", text: line.slice(last) });
  return out;
}
