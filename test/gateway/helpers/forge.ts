// Stand-in ForgePort recording replies and serving head commits, until the forge adapters and
// their fake servers land on main.
import type { MrRef } from "#core/contracts/entry-input.ts";
import type { ForgePort } from "#integrations/types.ts";

export class RecordingForge implements ForgePort {
  readonly comments: Array<{ mr: MrRef; body: string }> = [];
  readonly heads = new Map<string, string>();
  failComments = false;

  static key(mr: MrRef): string {
    return `${mr.project}#${mr.number}`;
  }
  async comment(mr: MrRef, body: string) {
    if (this.failComments) throw new Error("forge unavailable");
    this.comments.push({ mr, body });
  }
  async headCommit(mr: MrRef) {
    const h = this.heads.get(RecordingForge.key(mr));
    if (h === undefined) throw new Error(`no such MR ${RecordingForge.key(mr)}`);
    return h;
  }
  async ensureBranch(): Promise<never> {
    throw new Error("not used by the gateway");
  }
  async findPullRequest(): Promise<never> {
    throw new Error("not used by the gateway");
  }
  async createDraftPullRequest(): Promise<never> {
    throw new Error("not used by the gateway");
  }
  async updatePullRequest(): Promise<never> {
    throw new Error("not used by the gateway");
  }
}
