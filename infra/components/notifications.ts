import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy } from "#infra/iam.ts";

export interface NotificationsArgs {
  kmsKeyArn: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  emails: string[];
  slack?: { teamId: string; channelId: string };
  tags: Record<string, string>;
}

/**
 * The run-notification topic (KMS) and its subscribers: e-mail endpoints, and Slack through AWS
 * Chatbot (SNS cannot post to a Slack webhook itself; Chatbot is the AWS-native bridge). The
 * NotifyApprovers handler publishes here, and the Events component routes execution status
 * changes here.
 */
export class Notifications extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:notifications:Notifications", name, {}, opts);
    const child = { parent: this };
    this.topic = new aws.sns.Topic(
      `${name}-runs`,
      { kmsMasterKeyId: args.kmsKeyArn, tags: args.tags },
      child,
    );
    args.emails.forEach((email, i) => {
      new aws.sns.TopicSubscription(
        `${name}-email-${i}`,
        { topic: this.topic.arn, protocol: "email", endpoint: email },
        child,
      );
    });
    if (args.slack !== undefined) {
      const role = new aws.iam.Role(
        `${name}-chatbot-role`,
        { assumeRolePolicy: serviceTrustPolicy("chatbot.amazonaws.com", args.accountId), tags: args.tags },
        child,
      );
      // Chatbot only relays notifications; its guardrail allows reading this topic's attributes, nothing else.
      const guardrail = new aws.iam.Policy(
        `${name}-chatbot-guardrail`,
        {
          policy: policyDocument([
            {
              Sid: "ReadThisTopicOnly",
              Effect: "Allow",
              Action: ["sns:GetTopicAttributes"],
              Resource: [this.topic.arn],
            },
          ]),
          tags: args.tags,
        },
        child,
      );
      new aws.chatbot.SlackChannelConfiguration(
        `${name}-slack`,
        {
          configurationName: name,
          iamRoleArn: role.arn,
          slackTeamId: args.slack.teamId,
          slackChannelId: args.slack.channelId,
          snsTopicArns: [this.topic.arn],
          guardrailPolicyArns: [guardrail.arn],
          loggingLevel: "ERROR",
          tags: args.tags,
        },
        child,
      );
    }
    this.registerOutputs({ topicArn: this.topic.arn });
  }
}
