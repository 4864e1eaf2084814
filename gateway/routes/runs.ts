// GET /runs/:runId (operator bearer token): execution state and times, ledger event count and head.
import type { FastifyInstance } from "fastify";
import { isRunId } from "#core/ids.ts";
import { GatewayError } from "#gateway/errors.ts";
import { header } from "#gateway/json.ts";
import { executionOfRun } from "#gateway/run-execution.ts";

export async function runRoutes(app: FastifyInstance) {
  app.get<{ Params: { runId: string } }>("/runs/:runId", async (request) => {
    const auth = header(request.headers, "authorization");
    const token = auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : undefined;
    if (token === undefined)
      throw new GatewayError("unauthorized", "Authorization: Bearer <OPERATOR_TOKEN> is required");
    if (!(await app.verifiers.operator(token)))
      throw new GatewayError("unauthorized", "the operator token is not valid");
    const { runId } = request.params;
    if (!isRunId(runId)) {
      throw new GatewayError("invalid_payload", "runId must be `pf-` followed by a 26-character ULID", {
        issues: [{ path: "runId", message: "must be `pf-` followed by a 26-character ULID" }],
      });
    }
    const { sfn, ledger } = app.deps;
    const events = await ledger.read(runId);
    const arn = executionOfRun(events);
    if (events.length === 0) throw new GatewayError("not_found", `run ${runId} is unknown`);
    const execution = arn === undefined ? undefined : await sfn.describe(arn);
    const head = events.at(-1);
    return {
      run_id: runId,
      execution:
        arn === undefined
          ? null
          : {
              arn,
              status: execution?.status ?? "UNKNOWN",
              start_date: execution?.startDate?.toISOString() ?? null,
              stop_date: execution?.stopDate?.toISOString() ?? null,
            },
      ledger: { events: events.length, head_hash: head?.event_hash ?? null },
    };
  });
}
