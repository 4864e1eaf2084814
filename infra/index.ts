// Pulumi entry point (Pulumi.yaml `main`): read and validate the stack configuration, then build
// the whole factory. The program body lives in factory.ts so tests run it under setMocks.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, parseStackConfig, readRawConfig } from "#infra/config.ts";
import { createFactory, modelSecretNames } from "#infra/factory.ts";
import { ASL_TEMPLATE_PATH, substitutePlaceholders } from "#infra/stepfunctions/substitute.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";

const stackConfig = new pulumi.Config(CONFIG_NAMESPACE);
const config = parseStackConfig(readRawConfig((key) => stackConfig.get(key)));
const policy = loadPolicyFile(new URL("../policies/pf-policy-v1.json", import.meta.url).pathname);

const factory = createFactory(config, {
  stack: pulumi.getStack(),
  aslTemplate: readFileSync(ASL_TEMPLATE_PATH, "utf8"),
  substitute: substitutePlaceholders,
  modelSecretNames: modelSecretNames(policy),
});

export const gatewayUrl = factory.gatewayUrl;
export const loadBalancerDnsName = factory.loadBalancerDnsName;
export const jiraWebhookUrl = factory.webhookUrls.jira;
export const githubWebhookUrl = factory.webhookUrls.github;
export const gitlabWebhookUrl = factory.webhookUrls.gitlab;
export const stateMachineArn = factory.stateMachineArn;
export const evidenceBucket = factory.evidenceBucket;
export const ledgerTable = factory.ledgerTable;
export const dedupeTable = factory.dedupeTable;
export const notificationTopicArn = factory.notificationTopicArn;
export const triggerBusName = factory.triggerBusName;
export const kmsKeyArn = factory.kmsKeyArn;
