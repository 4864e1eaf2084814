// POST /webhooks/jira: admin webhook (X-Hub-Signature) or Automation (Bearer) → trigger rules →
// project routing → risk → redaction → entry input → StartExecution (once per delivery).
import type { FastifyInstance } from "fastify";
import { sha256Hex } from "#core/hash.ts";
import { parseJiraDelivery, signedJiraTimestamp } from "#gateway/jira/payload.ts";
import { header, parseJsonBody, requireRaw } from "#gateway/json.ts";
import { noteLockedOnJira } from "#gateway/lock-notice.ts";
import { authenticateHeadersFirst } from "#gateway/plugins/preflight.ts";
import { startRunOnce } from "#gateway/start-run.ts";
import { jiraAuthHeaders } from "#gateway/verify/index.ts";
import { assertSignedRecently } from "#gateway/verify/replay.ts";

/**
 * Sized to Jira issue events: summary, description (≤ 32,767 characters) and changelog texts plus
 * the issue's fields; the examples are under 2.5 KB, the benchmark's 10 KB issue is a large one.
 */
export const JIRA_BODY_LIMIT = 1024 * 1024;

export async function jiraRoutes(app: FastifyInstance) {
  // Headers are authenticated before the body is read (gateway/plugins/preflight.ts).
  const route = {
    bodyLimit: JIRA_BODY_LIMIT,
    onRequest: authenticateHeadersFirst(app.verifiers.preflight.jira),
  };
  app.post("/webhooks/jira", route, async (request, reply) => {
    const raw = requireRaw(request.body);
    const auth = await app.verifiers.jira(raw, jiraAuthHeaders(request.headers));
    const body = parseJsonBody(raw);
    const signed = auth === "signature";
    if (signed) {
      assertSignedRecently(
        "the payload timestamp",
        signedJiraTimestamp(body),
        app.deps.clock().getTime(),
        app.deps.dedupe.retentionSeconds,
        "the dedupe retention",
      );
    }
    const delivery = parseJiraDelivery(body, signed ? "webhook" : "automation");
    if ("ignored" in delivery) return reply.status(200).send({ status: "ignored", reason: delivery.ignored });
    const { policy } = app.deps;
    const decision = policy.shouldTrigger({
      source: delivery.source,
      event: delivery.event,
      labels: delivery.labels,
      changelog: delivery.changelog,
    });
    if (!decision.start) return reply.status(200).send({ status: "ignored", reason: decision.reason });
    const route = policy.projectRoute(delivery.project);
    if (route === undefined) {
      return reply.status(200).send({
        status: "ignored",
        reason: `project ${delivery.project} is not routed to any repository by pf-policy-v1`,
      });
    }
    // Free text never enters the execution input (FetchJiraIssue refetches the issue and redacts
    // it there), so it is not redacted here: only the labels travel, at the project's level.
    const redactor = app.deps.redactor(route.redaction);
    const labels = redactor.redactValue(delivery.labels);
    const risk = policy.riskClass({
      labels: labels.value,
      priority: delivery.priority,
      issueType: delivery.issueType,
    });
    // X-Atlassian-Webhook-Identifier is not covered by the HMAC: a replay could carry a fresh one,
    // so signed deliveries dedupe on the signed bytes. Automation requests have no signature to
    // lean on; their identifier (when the rule sends one) is the sender's.
    const identifier = signed ? undefined : header(request.headers, "x-atlassian-webhook-identifier");
    const outcome = await startRunOnce(app.deps, {
      source: "jira",
      dedupeKey: `jira:${identifier ?? sha256Hex(raw)}`,
      buildInput: (runId) => ({
        run_id: runId,
        trigger: {
          type: "jira_issue",
          key: delivery.key,
          url: delivery.url,
          project: delivery.project,
          labels: labels.value,
          risk_class: risk,
        },
        repos: route.repos,
        policy: policy.entryPolicy(delivery.project),
      }),
    });
    request.log.info(
      {
        issue: delivery.key,
        run_id: outcome.run_id,
        outcome: outcome.status,
        risk_class: risk,
        redactions: labels.report.total,
      },
      "jira delivery handled",
    );
    if (outcome.status === "locked")
      await noteLockedOnJira(app.deps, delivery.key, outcome.holder, request.log);
    return reply
      .status(outcome.status === "started" ? 202 : 200)
      .send({ status: outcome.status, run_id: outcome.run_id, execution_arn: outcome.execution_arn });
  });
}
