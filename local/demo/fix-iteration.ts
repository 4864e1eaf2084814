// One `/pf fix` iteration on a factory MR of the local factory, as a reviewer would do it: a GitLab
// note on the MR → the follow-up run → the same MR with a new commit, evidence and description.
// Used by `npm run demo`, local/demo/record-demo.ts (which records its model calls) and the e2e tests.
import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { followExecution } from "../runtime/executions.ts";
import { gitlabNoteHook, type HttpReply, type LocalMr, localMrFor, sendGitlabNote } from "./demo-client.ts";

/** The instruction of the demo's iteration (its model responses are recorded for it). */
export const DEMO_FIX_INSTRUCTION = "add a test for the empty case";

export interface FixIteration {
  reply: HttpReply;
  runId: string | undefined;
  executionArn: string | undefined;
  final: DescribeExecutionCommandOutput | undefined;
  mr: LocalMr | undefined;
}

export function mrTarget(gatewayUrl: string, project: string, mr: LocalMr) {
  return {
    project,
    iid: mr.number,
    title: mr.title,
    sourceBranch: mr.source_branch,
    description: mr.body,
    url: `${gatewayUrl}/local/${project}/-/merge_requests/${mr.number}`,
  };
}

export async function fixIteration(o: {
  gatewayUrl: string;
  gitlabToken: string;
  dataDir: string;
  sfn: SFNClient;
  project: string;
  mr: LocalMr;
  instruction?: string;
  onState?: (name: string) => void;
}): Promise<FixIteration> {
  const note = gitlabNoteHook(
    mrTarget(o.gatewayUrl, o.project, o.mr),
    `Looks good, one thing:\n/pf fix ${o.instruction ?? DEMO_FIX_INSTRUCTION}`,
  );
  const reply = await sendGitlabNote(`${o.gatewayUrl}/webhooks/gitlab`, note, o.gitlabToken);
  const runId = reply.body.run_id as string | undefined;
  const executionArn = reply.body.execution_arn as string | undefined;
  if (reply.status !== 202 || executionArn === undefined) {
    return { reply, runId, executionArn, final: undefined, mr: undefined };
  }
  const final = await followExecution(o.sfn, executionArn, {
    pollMs: 100,
    ...(o.onState === undefined ? {} : { onState: (v: { name: string }) => o.onState?.(v.name) }),
  });
  const mr = await localMrFor(o.dataDir, o.project, o.mr.source_branch);
  return { reply, runId, executionArn, final, mr };
}
