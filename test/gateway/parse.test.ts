import t from "tap";
import { isLoopComment } from "#gateway/commands/handle-comment.ts";
import { BOT_MARKER, findIssueKey, parseCommands } from "#gateway/commands/parse.ts";

t.test("one command per line, prefix required, others ignored", async (t) => {
  const cmds = parseCommands(
    "Looks good.\n/pf approve Plan\n  /pf status  \n/pfx run\nsee /pf run inline",
    "/pf",
  );
  t.same(cmds, [
    { kind: "command", line: 2, name: "approve", gate: "plan" },
    { kind: "command", line: 3, name: "status" },
  ]);
  t.same(parseCommands("/factory run", "/factory"), [{ kind: "command", line: 1, name: "run" }]);
  t.same(parseCommands("/pf run", "/factory"), [], "prefix comes from the policy");
});

t.test("malformed commands are reported, not executed", async (t) => {
  const cmds = parseCommands(
    "/pf\n/pf approve\n/pf approve ship\n/pf revoke plan now\n/pf run fast\n/pf deploy",
    "/pf",
  );
  t.same(
    cmds.map((c) => c.kind),
    ["invalid", "invalid", "invalid", "invalid", "invalid", "invalid"],
  );
  t.match(cmds[1], { problem: /needs one gate: spec \| plan \| risk \| release/ });
  t.match(cmds[4], { problem: /takes no arguments/ });
  t.match(cmds[5], { problem: 'unknown command "deploy"' });
  const secretish = parseCommands("/pf ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "/pf");
  t.match(secretish[0], { problem: 'unknown command "…"', text: "/pf …" }, "never echoes non-words");
  t.equal(parseCommands("/pf help\n".repeat(50), "/pf").length, 10, "at most 10 commands per comment");
});

t.test("issue key from title, then branch, then description", async (t) => {
  t.equal(findIssueKey("LOCATE-123: rounds", "pf/PAY-1-x", "ABC-9"), "LOCATE-123");
  t.equal(findIssueKey("Fix typo", "pf/PAY-1-abc", "ABC-9"), "PAY-1");
  t.equal(findIssueKey("Fix typo", null, "Implements ABC-9."), "ABC-9");
  t.equal(findIssueKey("Fix typo", "main", "no key here, lower-case abc-1 or ABC-0"), undefined);
});

t.test("loop guard", async (t) => {
  t.ok(isLoopComment(`${BOT_MARKER}\nStarted run`, false));
  t.ok(isLoopComment("/pf run", true));
  t.notOk(isLoopComment("/pf run", false));
});
