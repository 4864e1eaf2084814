// POST /webhooks/github: X-Hub-Signature-256 on the raw bytes, then `ping`, PR comment commands
// (issue comments, review comments and review bodies), and `pull_request.synchronize` (a push
// voids earlier approvals).
import { emitterEventNames } from "@octokit/webhooks";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { pushBody, voidApprovalsOnPush } from "#gateway/approvals/void-on-push.ts";
import { handleComment, isLoopComment } from "#gateway/commands/handle-comment.ts";
import { GatewayError, invalidPayload } from "#gateway/errors.ts";
import { header, parseJsonBody, requireRaw } from "#gateway/json.ts";
import { authenticateHeadersFirst } from "#gateway/plugins/preflight.ts";
import { REVIEW_EVENTS, type ReviewEvent, reviewComment } from "#gateway/routes/github-review.ts";

/**
 * Sized to the events this route consumes, not GitHub's 25 MB cap on any event: the largest
 * `issue_comment` / `pull_request` example of @octokit/webhooks-examples is ~27 KB, and what grows
 * them is user text that GitHub caps at 65,536 characters per body (comment, issue / PR body);
 * two such bodies at the worst JSON escaping (6 bytes a character) plus the rest stay under 1 MiB.
 */
export const GITHUB_BODY_LIMIT = 1024 * 1024;

const KNOWN_EVENTS: ReadonlySet<string> = new Set<string>(emitterEventNames.filter((n) => !n.includes(".")));

const IssueComment = z.looseObject({
  action: z.string(),
  comment: z.looseObject({
    body: z.string().max(262_144).nullable(),
    user: z.looseObject({
      login: z.string().min(1).max(128),
      id: z.number().int().positive().optional(),
      type: z.string().optional(),
    }),
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

/** `pull_request` with `action: synchronize`: new commits were pushed to the PR's head branch. */
const PullRequestSync = z.looseObject({
  action: z.literal("synchronize"),
  number: z.number().int().positive(),
  before: z.string().regex(/^[0-9a-f]{40,64}$/, { message: "must be a commit SHA" }),
  after: z.string().regex(/^[0-9a-f]{40,64}$/, { message: "must be a commit SHA" }),
  pull_request: z.looseObject({ html_url: z.url() }),
  repository: z.looseObject({ full_name: z.string().min(3).max(512) }),
  sender: z.looseObject({ login: z.string().min(1).max(128) }),
});

export async function githubRoutes(app: FastifyInstance) {
  // Headers are authenticated before the body is read (gateway/plugins/preflight.ts).
  const route = {
    bodyLimit: GITHUB_BODY_LIMIT,
    onRequest: authenticateHeadersFirst(app.verifiers.preflight.github),
  };
  app.post("/webhooks/github", route, async (request, reply) => {
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
    const dedupeKey = `github:${header(request.headers, "x-github-hook-id") ?? "-"}:${delivery}`;
    if (event === "pull_request") {
      if ((body as { action?: unknown }).action !== "synchronize") {
        return reply.status(200).send({ status: "ignored", reason: "pull_request action carries no push" });
      }
      const sync = PullRequestSync.safeParse(body);
      if (!sync.success) throw invalidPayload("pull_request", sync.error);
      const p = sync.data;
      const outcome = await voidApprovalsOnPush(
        app.deps,
        {
          mr: {
            provider: "github",
            project: p.repository.full_name,
            number: p.number,
            url: p.pull_request.html_url,
          },
          principal: `github:${p.sender.login}`,
          oldHead: p.before,
          newHead: p.after,
          dedupeKey,
        },
        request.log,
      );
      return reply.status(200).send(pushBody(outcome));
    }
    if ((REVIEW_EVENTS as readonly string[]).includes(event)) {
      const review = reviewComment(event as ReviewEvent, body);
      if ("ignored" in review) return reply.status(200).send({ status: "ignored", reason: review.ignored });
      const author = review.author;
      if (
        isLoopComment(
          review.context.body,
          author.type === "Bot" || app.botLogins.has(`github:${author.login}`),
        )
      ) {
        return reply
          .status(200)
          .send({ status: "ignored", reason: "comment by a bot or the factory itself" });
      }
      const outcome = await handleComment(app.deps, { ...review.context, dedupeKey }, request.log);
      return reply.status(outcome.statusCode).send(outcome.body);
    }
    if (event !== "issue_comment") {
      return reply.status(200).send({ status: "ignored", reason: `event "${event}" carries no commands` });
    }
    const parsed = IssueComment.safeParse(body);
    if (!parsed.success) throw invalidPayload("issue_comment", parsed.error);
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
        // `author_association` is organisation membership, not repository permission: ignored.
        user: { username: p.comment.user.login },
        body: text,
        title: p.issue.title,
        branch: null,
        description: p.issue.body ?? null,
        dedupeKey,
      },
      request.log,
    );
    return reply.status(outcome.statusCode).send(outcome.body);
  });
}
