// Review comments addressed to the factory: GitHub `pull_request_review_comment` (a comment on a
// diff line, action `created`) and `pull_request_review` (the review's summary body, action
// `submitted`) run the same `/pf` command lines as an issue comment on the PR. Edits and
// dismissals run nothing.
import { z } from "zod";
import type { CommentContext } from "#gateway/commands/context.ts";
import { invalidPayload } from "#gateway/errors.ts";

export const REVIEW_EVENTS = ["pull_request_review_comment", "pull_request_review"] as const;
export type ReviewEvent = (typeof REVIEW_EVENTS)[number];

const User = z.looseObject({
  login: z.string().min(1).max(128),
  id: z.number().int().positive().optional(),
  type: z.string().optional(),
});
const PullRequest = z.looseObject({
  number: z.number().int().positive(),
  title: z.string().max(1024),
  body: z.string().nullish(),
  html_url: z.url(),
  head: z.looseObject({ ref: z.string().max(255) }).optional(),
});
const Repository = z.looseObject({ full_name: z.string().min(3).max(512) });

const ReviewComment = z.looseObject({
  action: z.string(),
  comment: z.looseObject({ body: z.string().max(262_144).nullable(), user: User }),
  pull_request: PullRequest,
  repository: Repository,
});
const Review = z.looseObject({
  action: z.string(),
  review: z.looseObject({ body: z.string().max(262_144).nullable(), user: User }),
  pull_request: PullRequest,
  repository: Repository,
});

export type ReviewComment =
  | { ignored: string }
  | { author: z.infer<typeof User>; context: Omit<CommentContext, "dedupeKey"> };

export function reviewComment(event: ReviewEvent, body: unknown): ReviewComment {
  const parsed = (event === "pull_request_review_comment" ? ReviewComment : Review).safeParse(body);
  if (!parsed.success) throw invalidPayload(event, parsed.error);
  const p = parsed.data as z.infer<typeof ReviewComment> & z.infer<typeof Review>;
  const wanted = event === "pull_request_review_comment" ? "created" : "submitted";
  if (p.action !== wanted) return { ignored: `${event} ${p.action}, not ${wanted}` };
  const note = event === "pull_request_review_comment" ? p.comment : p.review;
  return {
    author: note.user,
    context: {
      mr: {
        provider: "github",
        project: p.repository.full_name,
        number: p.pull_request.number,
        url: p.pull_request.html_url,
      },
      principal: `github:${note.user.login}`,
      user: { username: note.user.login },
      body: note.body ?? "",
      title: p.pull_request.title,
      branch: p.pull_request.head?.ref ?? null,
      description: p.pull_request.body ?? null,
    },
  };
}
