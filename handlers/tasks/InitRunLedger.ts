// InitRunLedger: writes the run header (`run_started`, seq 1) with the GSI attributes that let
// the gateway find runs by Jira issue and by MR/PR. A replay with the same input returns the
// existing header; a different input for a run that already started is refused.
import { type LedgerEvent, LedgerEvent as LedgerEventSchema } from "#core/contracts/ledger-event.ts";
import { InitRunLedgerInput } from "#core/contracts/tasks.ts";
import { PermanentError, ValidationError } from "#core/errors.ts";
import { sha256OfJson } from "#core/hash.ts";
import { RUN_STARTED, RunAlreadyStartedError } from "#core/ledger/chain.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { parseTaskInput } from "./common.ts";
import type { LedgerTaskDeps } from "./deps.ts";

const TASK = "InitRunLedger";

export interface InitRunLedgerResult {
  head_hash: string;
  seq: string;
}

function fromHeader(header: LedgerEvent, runId: string, inputSha256: string): InitRunLedgerResult {
  if (header.event_type !== RUN_STARTED || header.input_sha256 !== inputSha256) {
    throw new PermanentError(
      `run ${runId} already started with a different input (ledger seq ${header.seq} is ${header.event_type} with input_sha256 ${header.input_sha256}, this input is ${inputSha256}); start a new run instead`,
      { context: { run_id: runId, existing_input_sha256: header.input_sha256, input_sha256: inputSha256 } },
    );
  }
  return { head_hash: header.event_hash, seq: header.seq };
}

export async function initRunLedger(
  payload: unknown,
  deps: Pick<LedgerTaskDeps, "ledger">,
): Promise<InitRunLedgerResult> {
  const input = parseTaskInput(InitRunLedgerInput, payload, TASK);
  const { entry } = input;
  if (input.run_id !== entry.run_id) {
    throw new ValidationError(`invalid ${TASK} input: run_id: must equal entry.run_id (${entry.run_id})`, [
      { path: "run_id", message: `must equal entry.run_id (${entry.run_id})` },
    ]);
  }
  const expected = sha256OfJson(entry);
  if (input.input_sha256 !== expected) {
    throw new ValidationError(
      `invalid ${TASK} input: input_sha256: does not match the entry (expected ${expected}); pass NormalizeInput's output unchanged`,
      [{ path: "input_sha256", message: `must be the SHA-256 of the canonical entry (${expected})` }],
    );
  }

  const [existing] = await deps.ledger.read(input.run_id);
  if (existing !== undefined) return fromHeader(existing, input.run_id, expected);

  const mrRef = entry.trigger.mr === undefined ? undefined : formatMrRef(entry.trigger.mr);
  try {
    const header = await deps.ledger.append(
      {
        run_id: input.run_id,
        event_type: RUN_STARTED,
        phase: "intake",
        input_sha256: expected,
        actor: TASK,
        detail: {
          trigger_type: entry.trigger.type,
          project: entry.trigger.project,
          risk_class: entry.trigger.risk_class,
          repos: entry.repos.map((r) => r.name),
          policy_version: entry.policy.policy_version,
          model_routing: entry.policy.model_routing,
          ...(entry.trigger.command === undefined ? {} : { command: entry.trigger.command }),
          // A follow-up names the run whose branch and MR it continues.
          ...(entry.parent_run_id === undefined ? {} : { parent_run_id: entry.parent_run_id }),
          ...(entry.follow_up === undefined ? {} : { follow_up: entry.follow_up.mode }),
          // Run → execution, recorded by the run itself: status, cancel and GET /runs read it here.
          ...(input.execution_arn === undefined ? {} : { execution_arn: input.execution_arn }),
        },
      },
      { trigger_key: entry.trigger.key, ...(mrRef === undefined ? {} : { mr_ref: mrRef }) },
    );
    return { head_hash: header.event_hash, seq: header.seq };
  } catch (err) {
    // A concurrent attempt wrote the header between our read and our append.
    if (!(err instanceof RunAlreadyStartedError)) throw err;
    const [header] = await deps.ledger.read(input.run_id);
    return fromHeader(LedgerEventSchema.parse(header), input.run_id, expected);
  }
}
