/**
 * The only IAM actions this project grants on `"Resource": "*"`. Each one is an action for which
 * AWS offers no resource-level permission (the Service Authorization Reference lists no resource
 * type for it), so a narrower resource would make the call fail. The Pulumi program grants them,
 * the CrossGuard rule `no-wildcard-resources` allows exactly these, and docs/deploy.md lists them.
 */
export const STAR_RESOURCE_EXCEPTIONS: Readonly<Record<string, string>> = {
  "states:SendTaskSuccess":
    "Agents report their result with the task token; Step Functions has no resource type for task tokens (the token itself is the capability).",
  "states:SendTaskFailure":
    "Same as states:SendTaskSuccess: callbacks are authorized by the task token only.",
  "states:SendTaskHeartbeat":
    "Same as states:SendTaskSuccess: callbacks are authorized by the task token only.",
  "xray:PutTraceSegments":
    "Step Functions X-Ray tracing; X-Ray has no resource-level permissions for trace upload.",
  "xray:PutTelemetryRecords": "Step Functions X-Ray tracing; no resource-level permissions.",
  "xray:GetSamplingRules": "Step Functions X-Ray tracing; no resource-level permissions.",
  "xray:GetSamplingTargets": "Step Functions X-Ray tracing; no resource-level permissions.",
  "logs:CreateLogDelivery":
    "Step Functions logging uses CloudWatch Logs vended-log delivery, whose APIs take no resource ARN.",
  "logs:GetLogDelivery": "Vended-log delivery for Step Functions logging; no resource-level permissions.",
  "logs:UpdateLogDelivery": "Vended-log delivery for Step Functions logging; no resource-level permissions.",
  "logs:DeleteLogDelivery": "Vended-log delivery for Step Functions logging; no resource-level permissions.",
  "logs:ListLogDeliveries": "Vended-log delivery for Step Functions logging; no resource-level permissions.",
  "logs:PutResourcePolicy":
    "Vended-log delivery writes the log group's resource policy; the API has no resource-level permissions.",
  "logs:DescribeResourcePolicies":
    "Vended-log delivery for Step Functions logging; no resource-level permissions.",
  "logs:DescribeLogGroups": "Vended-log delivery lists log groups; the action is account-wide.",
  "ecr:GetAuthorizationToken":
    "ECS execution roles pull images from ECR; the registry login token is account-wide (image pulls themselves are scoped to the repositories).",
};

export const STAR_RESOURCE_ACTIONS: ReadonlySet<string> = new Set(Object.keys(STAR_RESOURCE_EXCEPTIONS));
