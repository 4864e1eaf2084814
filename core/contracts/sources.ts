// The webhook sources a deployment may enable: stack config `sources` (infra) and the gateway's
// PF_SOURCES name them the same way. A disabled source's route answers 404 and needs no secret.
export const SOURCES = ["jira-webhook", "jira-automation", "github", "gitlab"] as const;
export type Source = (typeof SOURCES)[number];
