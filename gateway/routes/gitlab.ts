// POST /webhooks/gitlab: X-Gitlab-Token (+ Standard Webhooks signature when configured), then MR
// comment commands from `Note Hook` with `noteable_type: MergeRequest`, and `Merge Request Hook`
// updates that pushed commits (they void earlier approvals).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { pushBody, voidApprovalsOnPush } from "#gateway/approvals/void-on-push.ts";
import { handleComment, isLoopComment } from "#gateway/commands/handle-comment.ts";
import { GatewayError, invalidPayload } from "#gateway/errors.ts";
import { header, parseJsonBody, requireRaw } from "#gateway/json.ts";
import { authenticateHeadersFirst } from "#gateway/plugins/preflight.ts";
import { gitlabAuthHeaders } from "#gateway/verify/gitlab.ts";

/**
 * Sized to the events this route consumes: a `Note Hook` carries the note and the merge request's
 * description, each up to GitLab's 1,000,000 characters, plus ~3 KB of structure (the documented
 * examples in test/fixtures/gateway are 1.7 to 3.6 KB).
 */
export const GITLAB_BODY_LIMIT = 4 * 1024 * 1024;

/** X-Gitlab-Event values of project, group and system hooks. */
const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  "Push Hook",
  "Tag Push Hook",
  "Issue Hook",
  "Confidential Issue Hook",
  "Note Hook",
  "Confidential Note Hook",
  "Merge Request Hook",
  "Wiki Page Hook",
  "Pipeline Hook",
  "Job Hook",
  "Deployment Hook",
  "Feature Flag Hook",
  "Release Hook",
  "Milestone Hook",
  "Emoji Hook",
  "Resource Access Token Hook",
  "Member Hook",
  "Project Hook",
  "Subgroup Hook",
  "Vulnerability Hook",
  "System Hook",
]);

/**
 * Project and group access tokens act through bot users named `project_<id>_bot…` /
 * `group_<id>_bot…`: automation, never a commenter with authority.
 */
const TOKEN_BOT = /^(project|group)_\d+_bot(_[0-9a-f]+)?$/;

const NoteHook = z.looseObject({
  object_kind: z.literal("note"),
  user: z.looseObject({
    username: z.string().min(1).max(255),
    id: z.number().int().positive().optional(),
  }),
  project: z.looseObject({ path_with_namespace: z.string().min(1).max(512), web_url: z.url() }),
  object_attributes: z.looseObject({
    note: z.string().max(1_000_000),
    noteable_type: z.string(),
    system: z.boolean().nullish(),
    /** GitLab ≥ 16.11: `create` or `update` (an edit, with a new delivery id). */
    action: z.string().nullish(),
  }),
  merge_request: z
    .looseObject({
      iid: z.number().int().positive(),
      title: z.string().max(1024),
      description: z.string().nullish(),
      source_branch: z.string().nullish(),
      url: z.url(),
    })
    .optional(),
});

const SHA = z.string().regex(/^[0-9a-f]{40,64}$/, { message: "must be a commit SHA" });

/** `Merge Request Hook` for an update that pushed commits (`oldrev` is only sent then). */
const MergeRequestPush = z.looseObject({
  object_kind: z.literal("merge_request"),
  user: z.looseObject({ username: z.string().min(1).max(255) }),
  project: z.looseObject({ path_with_namespace: z.string().min(1).max(512) }),
  object_attributes: z.looseObject({
    iid: z.number().int().positive(),
    url: z.url(),
    action: z.literal("update"),
    oldrev: SHA,
    last_commit: z.looseObject({ id: SHA }),
  }),
});

function isPushUpdate(body: unknown): boolean {
  const a = (body as { object_attributes?: { action?: unknown; oldrev?: unknown } }).object_attributes;
  return a?.action === "update" && a.oldrev !== undefined && a.oldrev !== null;
}

export async function gitlabRoutes(app: FastifyInstance) {
  // Headers are authenticated before the body is read (gateway/plugins/preflight.ts).
  const route = {
    bodyLimit: GITLAB_BODY_LIMIT,
    onRequest: authenticateHeadersFirst(app.verifiers.preflight.gitlab),
  };
  app.post("/webhooks/gitlab", route, async (request, reply) => {
    const raw = requireRaw(request.body);
    const h = request.headers;
    const signedId = await app.verifiers.gitlab(raw, gitlabAuthHeaders(h));
    const event = header(h, "x-gitlab-event");
    if (event === undefined) throw new GatewayError("missing_header", "X-Gitlab-Event header is required");
    if (!KNOWN_EVENTS.has(event)) {
      throw new GatewayError(
        "unknown_event",
        `X-Gitlab-Event "${event.slice(0, 64)}" is not a GitLab webhook event`,
      );
    }
    // Signed deliveries dedupe on the signed webhook-id: Idempotency-Key is not signed, so a replay
    // with a fresh one would otherwise count as a new delivery.
    const delivery = signedId ?? header(h, "idempotency-key") ?? header(h, "x-gitlab-event-uuid");
    if (delivery === undefined || delivery === "") {
      throw new GatewayError("missing_header", "Idempotency-Key or X-Gitlab-Event-UUID header is required");
    }
    const body = parseJsonBody(raw);
    if (event === "Merge Request Hook") {
      if (!isPushUpdate(body)) {
        return reply.status(200).send({ status: "ignored", reason: "merge request event carries no push" });
      }
      const push = MergeRequestPush.safeParse(body);
      if (!push.success) throw invalidPayload("Merge Request Hook", push.error);
      const p = push.data;
      const outcome = await voidApprovalsOnPush(
        app.deps,
        {
          mr: {
            provider: "gitlab",
            project: p.project.path_with_namespace,
            number: p.object_attributes.iid,
            url: p.object_attributes.url,
          },
          principal: `gitlab:${p.user.username}`,
          oldHead: p.object_attributes.oldrev,
          newHead: p.object_attributes.last_commit.id,
          dedupeKey: `gitlab:${delivery}`,
        },
        request.log,
      );
      return reply.status(200).send(pushBody(outcome));
    }
    if (event !== "Note Hook") {
      return reply.status(200).send({ status: "ignored", reason: `event "${event}" carries no commands` });
    }
    const parsed = NoteHook.safeParse(body);
    if (!parsed.success) throw invalidPayload("Note Hook", parsed.error);
    const p = parsed.data;
    if (p.object_attributes.noteable_type !== "MergeRequest") {
      return reply.status(200).send({
        status: "ignored",
        reason: `note on a ${p.object_attributes.noteable_type}, not a merge request`,
      });
    }
    if (p.merge_request === undefined) {
      throw new GatewayError(
        "invalid_payload",
        "invalid Note Hook payload: merge_request: is required for MergeRequest notes",
        {
          issues: [{ path: "merge_request", message: "is required for MergeRequest notes" }],
        },
      );
    }
    const action = p.object_attributes.action;
    if (action !== undefined && action !== null && action !== "create") {
      // An edited note is a new delivery of an old comment: running it again would repeat its
      // commands (an approval recorded twice, a cancel replayed).
      return reply.status(200).send({ status: "ignored", reason: `note ${action}, not create` });
    }
    const note = p.object_attributes.note;
    if (
      p.object_attributes.system === true ||
      isLoopComment(note, app.botLogins.has(`gitlab:${p.user.username}`) || TOKEN_BOT.test(p.user.username))
    ) {
      return reply
        .status(200)
        .send({ status: "ignored", reason: "system note, bot, or the factory's own comment" });
    }
    const mr = {
      provider: "gitlab" as const,
      project: p.project.path_with_namespace,
      number: p.merge_request.iid,
      url: p.merge_request.url,
    };
    const outcome = await handleComment(
      app.deps,
      {
        mr,
        principal: `gitlab:${p.user.username}`,
        // GitLab sends no role: the members API is asked by user id (deps.roles).
        user: { username: p.user.username, ...(p.user.id === undefined ? {} : { id: p.user.id }) },
        body: note,
        title: p.merge_request.title,
        branch: p.merge_request.source_branch ?? null,
        description: p.merge_request.description ?? null,
        dedupeKey: `gitlab:${delivery}`,
      },
      request.log,
    );
    return reply.status(outcome.statusCode).send(outcome.body);
  });
}
