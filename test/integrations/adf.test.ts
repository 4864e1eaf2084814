import t from "tap";
import { adfToText, descriptionToText, textToAdf } from "#integrations/adf.ts";

const text = (s: string, marks?: Array<{ type: string; attrs?: Record<string, unknown> }>) => ({
  type: "text",
  text: s,
  ...(marks ? { marks } : {}),
});
const para = (...content: unknown[]) => ({ type: "paragraph", content });
const doc = (...content: unknown[]) => ({ version: 1, type: "doc", content }) as never;

t.test("paragraphs, headings, marks, links, mentions, emoji, hard breaks", async (t) => {
  const out = adfToText(
    doc(
      { type: "heading", attrs: { level: 2 }, content: [text("Goal")] },
      para(
        text("Hi "),
        { type: "mention", attrs: { id: "abc", text: "@Ada" } },
        text(", see "),
        text("the docs", [{ type: "link", attrs: { href: "https://example.com/docs" } }]),
        text(" and "),
        text("https://example.com/x", [{ type: "link", attrs: { href: "https://example.com/x" } }]),
        { type: "hardBreak" },
        text("run "),
        text("npm test", [{ type: "code" }, { type: "strong" }]),
        text(" "),
        { type: "emoji", attrs: { shortName: ":smile:", text: "😄" } },
        { type: "mention", attrs: { id: "xyz" } },
      ),
      para(),
      { type: "rule" },
    ),
  );
  t.equal(
    out,
    "## Goal\n\nHi @Ada, see the docs (https://example.com/docs) and https://example.com/x\nrun `npm test` 😄@xyz\n\n---",
  );
});

t.test("nested bullet / ordered / task lists", async (t) => {
  const li = (...content: unknown[]) => ({ type: "listItem", content });
  const out = adfToText(
    doc(
      {
        type: "bulletList",
        content: [
          li(para(text("one")), {
            type: "orderedList",
            attrs: { order: 3 },
            content: [li(para(text("three"))), li(para(text("four")), para(text("more")))],
          }),
          li(para(text("two"))),
        ],
      },
      {
        type: "taskList",
        content: [
          { type: "taskItem", attrs: { state: "DONE" }, content: [text("done")] },
          { type: "taskItem", attrs: { state: "TODO" }, content: [text("todo")] },
        ],
      },
    ),
  );
  t.equal(out, "- one\n  3. three\n  4. four\n     more\n- two\n\n- [x] done\n- [ ] todo");
});

t.test("code blocks, quotes, panels, tables, cards, media, status, date", async (t) => {
  const cell = (type: string, s: string) => ({ type, content: [para(text(s))] });
  const out = adfToText(
    doc(
      { type: "codeBlock", attrs: { language: "ts" }, content: [text("const a = 1;\nconst b = 2;")] },
      { type: "blockquote", content: [para(text("quoted")), para(text("twice"))] },
      { type: "panel", attrs: { panelType: "warning" }, content: [para(text("careful"))] },
      {
        type: "table",
        content: [
          { type: "tableRow", content: [cell("tableHeader", "Col A"), cell("tableHeader", "Col|B")] },
          { type: "tableRow", content: [cell("tableCell", "1"), cell("tableCell", "2")] },
        ],
      },
      { type: "blockCard", attrs: { url: "https://example.com/card" } },
      { type: "mediaSingle", content: [{ type: "media", attrs: { id: "m1", alt: "diagram.png" } }] },
      para(
        { type: "status", attrs: { text: "IN PROGRESS" } },
        text(" due "),
        { type: "date", attrs: { timestamp: "1767225600000" } },
        text(" "),
        { type: "inlineCard", attrs: { url: "https://example.com/i" } },
      ),
      { type: "expand", attrs: { title: "Details" }, content: [para(text("hidden"))] },
    ),
  );
  t.equal(
    out,
    [
      "```ts\nconst a = 1;\nconst b = 2;\n```",
      "> quoted\n>\n> twice",
      "Warning: careful",
      "| Col A | Col\\|B |\n| --- | --- |\n| 1 | 2 |",
      "https://example.com/card",
      "[attachment: diagram.png]",
      "[IN PROGRESS] due 2026-01-01 https://example.com/i",
      "Details\nhidden",
    ].join("\n\n"),
  );
});

t.test("unknown nodes keep their text; junk and deep nesting are safe", async (t) => {
  t.equal(adfToText(doc({ type: "futureBlock", content: [para(text("inside"))] })), "inside");
  t.equal(adfToText(doc(null, 3, { notAType: true }, para(text("ok")))), "ok");
  let deep: Record<string, unknown> = para(text("bottom"));
  for (let i = 0; i < 500; i++) deep = { type: "blockquote", content: [deep] };
  t.doesNotThrow(() => adfToText(doc(deep)));
});

t.test("descriptionToText: ADF, wiki/plain strings pass through, null → empty", async (t) => {
  t.equal(descriptionToText(doc(para(text("adf")))), "adf");
  t.equal(descriptionToText("h1. Title\r\n* item\r\n"), "h1. Title\n* item");
  t.equal(descriptionToText(null), "");
  t.equal(descriptionToText(undefined), "");
  t.equal(descriptionToText(42), "");
});

t.test("textToAdf round-trips through adfToText", async (t) => {
  const src = "First para\nsecond line https://example.com/a\n\nSecond para";
  const adf = textToAdf(src);
  t.equal(adf.version, 1);
  t.equal(adfToText(adf), src);
  t.same(textToAdf("").content, []);
});
