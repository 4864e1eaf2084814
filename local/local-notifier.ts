// The local factory's notifier: approver notifications are appended as JSON lines to
// `<data dir>/notifications.jsonl` (in AWS they go to SNS and Slack through integrations/notifier.ts).
import { appendFile } from "node:fs/promises";
import type { Notification, NotifierPort } from "#integrations/types.ts";

export class LocalNotifier implements NotifierPort {
  readonly #file: string;
  constructor(file: string) {
    this.#file = file;
  }

  async notify(message: Notification): Promise<string[]> {
    await appendFile(this.#file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
    return ["local"];
  }
}
