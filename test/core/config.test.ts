// core/config.ts: the shared vocabulary every env loader uses; one ConfigError naming every bad variable.
import t from "tap";
import { z } from "zod";
import { Arn, BucketName, Flag, Port, parseEnv, SecretId, TableName } from "#core/config.ts";
import { ConfigError, FactoryError } from "#core/errors.ts";

const Schema = z.object({
  LEDGER_TABLE: TableName,
  EVIDENCE_BUCKET: BucketName,
  STATE_MACHINE_ARN: Arn.stateMachine.optional(),
  PORT: Port.default(8080),
  FLAG: Flag.optional(),
  SECRET: SecretId.optional(),
});

t.test("every bad variable in one ConfigError; empty means unset", async (t) => {
  const err = t.throws(() =>
    parseEnv(
      Schema,
      { LEDGER_TABLE: "", EVIDENCE_BUCKET: "UPPER", PORT: "70000", FLAG: "yes", SECRET: "a b" },
      "test env",
    ),
  ) as ConfigError;
  t.type(err, FactoryError);
  t.same(err.problems.map((p) => p.split(":")[0]).sort(), [
    "EVIDENCE_BUCKET",
    "FLAG",
    "LEDGER_TABLE",
    "PORT",
    "SECRET",
  ]);
  t.match(err.message, /^invalid test env:\n {2}/);
  t.match(err.problems, ["LEDGER_TABLE: is required"]);
  t.same(
    parseEnv(Schema, { LEDGER_TABLE: "pf-ledger", EVIDENCE_BUCKET: "pf-evidence", PORT: "", FLAG: "1" }, "x"),
    {
      LEDGER_TABLE: "pf-ledger",
      EVIDENCE_BUCKET: "pf-evidence",
      PORT: 8080,
      FLAG: true,
    },
  );
  t.ok(SecretId.safeParse("arn:aws:secretsmanager:eu-west-1:123456789012:secret:pf/jira-AbC123").success);
  t.notOk(Arn.stateMachine.safeParse("arn:aws:states:eu-west-1:1:stateMachine:x").success);
});

t.test("ConfigError takes gateway/config.ts's (problems) constructor", async (t) => {
  const err = new ConfigError(["PORT: must be a TCP port"]);
  t.equal(err.name, "ConfigError");
  t.same(err.problems, ["PORT: must be a TCP port"]);
  t.equal(err.message, "invalid configuration:\n  PORT: must be a TCP port");
});
