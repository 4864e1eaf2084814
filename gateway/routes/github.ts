// POST /webhooks/github: X-Hub-Signature-256 on the raw bytes, then `ping` and PR comment commands.
import { emitterEventNames } from "@octokit/webhooks";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { zodIssues } from "#core/validation.ts";
import { handleComment, isLoopComment } from "#gateway/commands/handle-comment.ts";
import { GatewayError } from "#gateway/errors.ts";
import { header, parseJsonBody, requireRaw } from "#gateway/json.ts";
import { roleFromGithubAssociation } from "#policies/engine/index.ts";

export const GITHUB_BODY_LIMIT = 25 * 1024 * 1024;

const KNOWN_EVENTS: ReadonlySet<string> = new Set<string>(emitterEventNames.filter((n) => !n.includes(".")));

const IssueComment = z.looseObject({
  action: z.string(),
  comment: z.looseObject({
    body: z.string().max(262_144).nullable(),
    user: z.looseObject({ login: z.string().min(1).max(128), type: z.string().optional() }),
    author_association: z.string().optional(),
  }),
  issue: z.looseObject({
    number: z.number().int().positive(),
    title: z.string().max(1024),
    body: z.string().nullish(),
    html_url: z.url(),
    pull_request: z.looseObject({ html_url: z.url().nullish() }).nullish(),
  }),
  repository: z.looseObject({ full_name: z.string().min(3).max(512) }),
});

export async function githubRoutes(app: FastifyInstance) {
  app.post("/webhooks/github", { bodyLimit: GITHUB_BODY_LIMIT }, async (request, reply) => {
    const raw = requireRaw(request.body);
    await app.verifiers.github(raw, header(request.headers, "x-hub-signature-256"));
    const event = header(request.headers, "x-github-event");
    if (event === undefined) throw new GatewayError("missing_header", "X-GitHub-Event header is required");
    if (!KNOWN_EVENTS.has(event)) {
      throw new GatewayError(
        "unknown_event",
        `X-GitHub-Event "${event.slice(0, 64)}" is not a GitHub webhook event`,
      );
    }
    const delivery = header(request.headers, "x-github-delivery");
    if (delivery === undefined || delivery === "") {
      throw new GatewayError("missing_header", "X-GitHub-Delivery header is required");
    }
    const body = parseJsonBody(raw);
    if (event === "ping") return reply.status(200).send({ status: "pong" });
    if (event !== "issue_comment") {
      return reply.status(200).send({ status: "ignored", reason: `event "${event}" carries no commands` });
    }
    const parsed = IssueComment.safeParse(body);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error);
      throw new GatewayError(
        "invalid_payload",
        `invalid issue_comment payload: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        { issues },
      );
    }
    const p = parsed.data;
    if (p.action !== "created") {
      return reply.status(200).send({ status: "ignored", reason: `comment ${p.action}, not created` });
    }
    if (p.issue.pull_request == null) {
      return reply
        .status(200)
        .send({ status: "ignored", reason: "comment is on an issue, not a pull request" });
    }
    const text = p.comment.body ?? "";
    if (
      isLoopComment(
        text,
        p.comment.user.type === "Bot" || app.botLogins.has(`github:${p.comment.user.login}`),
      )
    ) {
      return reply.status(200).send({ status: "ignored", reason: "comment by a bot or the factory itself" });
    }
    const role = roleFromGithubAssociation(p.comment.author_association);
    const outcome = await handleComment(
      app.deps,
      {
        mr: {
          provider: "github",
          project: p.repository.full_name,
          number: p.issue.number,
          url: p.issue.pull_request.html_url ?? p.issue.html_url,
        },
        principal: `github:${p.comment.user.login}`,
        roles: role === undefined ? [] : [role],
        body: text,
        title: p.issue.title,
        branch: null,
        description: p.issue.body ?? null,
        dedupeKey: `github:${header(request.headers, "x-github-hook-id") ?? "-"}:${delivery}`,
      },
      request.log,
    );
    return reply.status(outcome.statusCode).send(outcome.body);
  });
}
