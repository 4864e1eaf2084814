import { DETECTOR_IDS } from "#core/contracts/policy.ts";
import { TOKEN_RULES } from "../token-rules/index.ts";
import { tableDetectors } from "../token-rules/table-detector.ts";
import { type Detector, type DetectorId, type Emit, ENGINE_IDS } from "../types.ts";
import { anthropicApiKey } from "./anthropic-api-key.ts";
import { atlassianApiToken } from "./atlassian-api-token.ts";
import { awsAccessKeyId } from "./aws-access-key-id.ts";
import { awsSecretAccessKey } from "./aws-secret-access-key.ts";
import { email } from "./email.ts";
import { githubToken } from "./github-token.ts";
import { gitlabToken } from "./gitlab-token.ts";
import { googleApiKey } from "./google-api-key.ts";
import { ipAddress } from "./ip-address.ts";
import { jwt } from "./jwt.ts";
import { openaiApiKey } from "./openai-api-key.ts";
import { paymentCard } from "./payment-card.ts";
import { phoneNumber } from "./phone-number.ts";
import { privateKey } from "./private-key.ts";
import { secretAssignment } from "./secret-assignment.ts";
import { slackToken } from "./slack-token.ts";
import { slackWebhookUrl } from "./slack-webhook-url.ts";
import { urlCredentials } from "./url-credentials.ts";
import { xaiApiKey } from "./xai-api-key.ts";

const HAND_WRITTEN: readonly Detector[] = [
  privateKey,
  slackWebhookUrl,
  jwt,
  githubToken,
  gitlabToken,
  slackToken,
  atlassianApiToken,
  anthropicApiKey,
  openaiApiKey,
  xaiApiKey,
  googleApiKey,
  awsAccessKeyId,
  awsSecretAccessKey,
  urlCredentials,
  secretAssignment,
  paymentCard,
  email,
  phoneNumber,
  ipAddress,
];

/** Two detectors of one family (a hand-written one and its table rows) as one. */
function both(a: Detector, b: Detector): Detector {
  return {
    id: a.id,
    mayMatch: (text) => a.mayMatch(text) || b.mayMatch(text),
    scan(text: string, emit: Emit) {
      if (a.mayMatch(text)) a.scan(text, emit);
      if (b.mayMatch(text)) b.scan(text, emit);
    },
    reach: Math.max(a.reach ?? 0, b.reach ?? 0),
  };
}

function byPriority(): Detector[] {
  const table = tableDetectors(TOKEN_RULES);
  const hand = new Map(HAND_WRITTEN.map((d) => [d.id, d]));
  const out: Detector[] = [];
  // Personal data keeps its own order: a card number is named before a phone number.
  const pii: DetectorId[] = ["payment_card", "email", "phone_number", "ip_address"];
  const order = [...DETECTOR_IDS.filter((id) => !pii.includes(id)), ...pii];
  for (const id of order) {
    if (ENGINE_IDS.includes(id)) continue;
    const h = hand.get(id);
    const t = table.get(id);
    const d = h !== undefined && t !== undefined ? both(h, t) : (h ?? t);
    if (d === undefined) throw new Error(`redaction detector ${id} has no implementation`);
    out.push(d);
  }
  return out;
}

/**
 * Every detector, most specific first: the order of DETECTOR_IDS. When two findings cover
 * exactly the same text the earlier one names the placeholder (`password = "ghp_…"` reports
 * `github_token`, not `secret_assignment`; `postgres://u:p@h` reports `url_credentials`).
 */
export const DETECTORS_BY_PRIORITY: readonly Detector[] = byPriority();

export const DETECTORS: Readonly<Partial<Record<DetectorId, Detector>>> = Object.fromEntries(
  DETECTORS_BY_PRIORITY.map((d) => [d.id, d]),
);
