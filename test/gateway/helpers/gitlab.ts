// GitLab comment-command plumbing shared by the gateway tests: a policy naming GitLab users (GitLab
// payloads carry no role) and Note Hook deliveries on a merge request the harness opened.
import { readFileSync } from "node:fs";
import type { CommandName, Gate } from "#core/contracts/policy.ts";
import { loadPolicyFile, type Policy, parsePolicy } from "#policies/engine/index.ts";
import { type Harness, type OpenedMr, POLICY_PATH } from "./harness.ts";
import { gitlabHeaders } from "./sign.ts";

const NOTE_FIXTURE = JSON.parse(readFileSync("test/fixtures/gateway/gitlab-note-merge-request.json", "utf8"));

/** The shipped policy with `gitlab:<user>` allowed these commands and listed as approver of these gates. */
export function policyForGitlabUser(
  user: string,
  commands: readonly CommandName[],
  gates: readonly Gate[] = [],
): Policy {
  const doc = structuredClone(loadPolicyFile(POLICY_PATH).doc);
  const principal = `gitlab:${user}`;
  for (const c of commands) {
    const current = doc.commands.permissions[c] ?? { anyone: false, users: [], roles: [] };
    doc.commands.permissions[c] = { ...current, users: [principal] };
  }
  for (const g of gates) doc.approvers[g].users = [principal];
  return parsePolicy(doc);
}

/** A fresh copy of the Note Hook fixture (GitLab's documented payload shape). */
export function gitlabNoteFixture(): typeof NOTE_FIXTURE {
  return structuredClone(NOTE_FIXTURE);
}

/** A stable GitLab user id per username (the members API is addressed by id). */
export function gitlabUserId(username: string): number {
  let n = 7;
  for (const ch of username) n = (n * 31 + ch.charCodeAt(0)) % 1_000_000;
  return n + 1;
}

/** Make `username` a member of `project` with this access level (40 maintainer, 30 developer, …). */
export function grantGitlab(h: Harness, project: string, username: string, accessLevel: number): void {
  h.gl.setMember(project, { id: gitlabUserId(username), username }, accessLevel);
}

/**
 * A Note Hook body commenting `text` as `username` on `mr` (or, without `mr`, on the fixture's own
 * merge request).
 */
export function gitlabNoteBody(
  text: string,
  mr?: OpenedMr,
  options: { username?: string; edit?: (payload: typeof NOTE_FIXTURE) => void } = {},
): string {
  const p = gitlabNoteFixture();
  if (mr !== undefined) {
    p.merge_request.iid = mr.number;
    p.merge_request.url = mr.url;
    p.merge_request.source_branch = mr.branch;
    p.merge_request.title = mr.title;
    p.project.path_with_namespace = mr.project;
  }
  p.object_attributes.note = text;
  p.user.username = options.username ?? "alice";
  p.user.id = gitlabUserId(p.user.username);
  p.object_attributes.author_id = p.user.id;
  options.edit?.(p);
  return JSON.stringify(p);
}

/**
 * `post(text, username?, uuid?)`: deliver a signed Note Hook on `mr`, each with a fresh delivery id
 * unless one is given; `post.lastDeliveryId()` is the id of the latest delivery (for redeliveries).
 */
export function gitlabCommenter(
  h: Harness,
  mr: OpenedMr,
  options: { uuidPrefix?: string; edit?: (payload: typeof NOTE_FIXTURE) => void } = {},
) {
  let n = 0;
  let last = "";
  const post = (text: string, username?: string, uuid = `${options.uuidPrefix ?? "note"}-${++n}`) => {
    last = uuid;
    const body = gitlabNoteBody(text, mr, {
      ...(username === undefined ? {} : { username }),
      ...(options.edit === undefined ? {} : { edit: options.edit }),
    });
    return h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(body, "Note Hook", uuid),
      payload: body,
    });
  };
  return Object.assign(post, { lastDeliveryId: () => last });
}
