import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

/** Interface endpoints a Fargate task without internet needs: image pull (ECR) and its log driver. */
export const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs"] as const;

export interface NetworkArgs {
  availabilityZones: number;
  natGateways: "None" | "Single" | "OnePerAz";
  /** CIDRs allowed to reach the load balancer's HTTPS listener. */
  ingressCidrs: string[];
  gatewayPort: number;
  /** For the S3 gateway endpoint's service name. */
  region: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * The VPC (public subnets for the ALB only, private subnets for every task) and the three
 * security groups: internet → ALB :443, ALB → gateway :PORT, tasks → HTTPS out, sandbox → S3 only
 * (through the S3 gateway endpoint).
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: awsx.ec2.Vpc;
  readonly albSecurityGroup: aws.ec2.SecurityGroup;
  readonly gatewaySecurityGroup: aws.ec2.SecurityGroup;
  readonly agentSecurityGroup: aws.ec2.SecurityGroup;
  /** Untrusted steps (the sandbox task): no ingress; egress only HTTPS to S3 via the gateway endpoint. */
  readonly sandboxSecurityGroup: aws.ec2.SecurityGroup;
  /** S3 gateway endpoint: the sandbox's only way out (presigned exchange URLs), private subnets. */
  readonly s3Endpoint: aws.ec2.VpcEndpoint;
  /** ECR (api, dkr) and CloudWatch Logs interface endpoints: Fargate pulls the sandbox's image and
   * ships its logs through the task's own ENI, which may not reach the internet. */
  readonly interfaceEndpoints: aws.ec2.VpcEndpoint[];
  readonly endpointSecurityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:network:Network", name, {}, opts);
    const child = { parent: this };
    this.vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        numberOfAvailabilityZones: args.availabilityZones,
        natGateways: { strategy: args.natGateways },
        subnetStrategy: "Auto",
        subnetSpecs: [{ type: "Public" }, { type: "Private" }],
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: args.tags,
      },
      child,
    );
    const vpcId = this.vpc.vpcId;
    const sg = (suffix: string, description: string) =>
      new aws.ec2.SecurityGroup(`${name}-${suffix}`, { vpcId, description, tags: args.tags }, child);
    this.albSecurityGroup = sg("alb-sg", "Protocol Factory ALB: HTTPS in, gateway port out");
    this.gatewaySecurityGroup = sg("gateway-sg", "Protocol Factory gateway: from the ALB, HTTPS out");
    this.agentSecurityGroup = sg("agents-sg", "Protocol Factory agents: HTTPS out only");
    // S3 through a gateway endpoint on the private subnets' route tables: the sandbox reaches
    // the presigned work-tree/result URLs without a NAT route to anything else.
    const privateRouteTables = aws.ec2.getRouteTablesOutput({
      vpcId,
      filters: [{ name: "association.subnet-id", values: this.vpc.privateSubnetIds }],
    });
    this.s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3-endpoint`,
      {
        vpcId,
        serviceName: pulumi.interpolate`com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables.ids,
        tags: args.tags,
      },
      child,
    );
    // Egress inline and empty (endpoints answer, they never connect out); ingress by the rules below.
    this.endpointSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints-sg`,
      {
        vpcId,
        description: "Protocol Factory interface endpoints: HTTPS from the tasks",
        egress: [],
        tags: args.tags,
      },
      child,
    );
    this.interfaceEndpoints = INTERFACE_ENDPOINTS.map(
      (service) =>
        new aws.ec2.VpcEndpoint(
          `${name}-${service.replace(".", "-")}-endpoint`,
          {
            vpcId,
            serviceName: pulumi.interpolate`com.amazonaws.${args.region}.${service}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: this.vpc.privateSubnetIds,
            securityGroupIds: [this.endpointSecurityGroup.id],
            tags: args.tags,
          },
          child,
        ),
    );
    // Inline rules: the provider removes AWS's default allow-all egress rule and keeps every
    // other rule out. The one egress is HTTPS to S3's prefix list (the presigned exchange URLs
    // the agent hands the worker); no ingress.
    this.sandboxSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-sandbox-sg`,
      {
        vpcId,
        description: "Protocol Factory sandbox: untrusted steps, S3 gateway endpoint only",
        ingress: [],
        egress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            prefixListIds: [this.s3Endpoint.prefixListId],
            description: "S3 (presigned exchange URLs) through the gateway endpoint",
          },
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            securityGroups: [this.endpointSecurityGroup.id],
            description: "ECR and CloudWatch Logs interface endpoints (image pull, log driver)",
          },
        ],
        tags: args.tags,
      },
      child,
    );

    const rule = (suffix: string, a: aws.ec2.SecurityGroupRuleArgs) =>
      new aws.ec2.SecurityGroupRule(`${name}-${suffix}`, a, child);
    for (const port of [443, 80]) {
      // Port 80 only answers with a redirect to HTTPS (listener rule in the Gateway component).
      rule(`alb-in-${port}`, {
        type: "ingress",
        securityGroupId: this.albSecurityGroup.id,
        protocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrBlocks: args.ingressCidrs,
        description: port === 443 ? "webhooks over HTTPS" : "redirect to HTTPS",
      });
    }
    rule("alb-out-gateway", {
      type: "egress",
      securityGroupId: this.albSecurityGroup.id,
      protocol: "tcp",
      fromPort: args.gatewayPort,
      toPort: args.gatewayPort,
      sourceSecurityGroupId: this.gatewaySecurityGroup.id,
      description: "to gateway tasks",
    });
    rule("gateway-in-alb", {
      type: "ingress",
      securityGroupId: this.gatewaySecurityGroup.id,
      protocol: "tcp",
      fromPort: args.gatewayPort,
      toPort: args.gatewayPort,
      sourceSecurityGroupId: this.albSecurityGroup.id,
      description: "from the ALB",
    });
    for (const [suffix, group] of [
      ["gateway-out-https", this.gatewaySecurityGroup],
      ["agents-out-https", this.agentSecurityGroup],
    ] as const) {
      // AWS APIs, model providers, Jira and the forges are all HTTPS.
      rule(suffix, {
        type: "egress",
        securityGroupId: group.id,
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: ["0.0.0.0/0"],
        description: "HTTPS out",
      });
    }
    // Private DNS sends every task's ECR and Logs calls to the endpoints: all three groups may reach them.
    for (const [suffix, group] of [
      ["endpoints-in-sandbox", this.sandboxSecurityGroup],
      ["endpoints-in-agents", this.agentSecurityGroup],
      ["endpoints-in-gateway", this.gatewaySecurityGroup],
    ] as const) {
      rule(suffix, {
        type: "ingress",
        securityGroupId: this.endpointSecurityGroup.id,
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        sourceSecurityGroupId: group.id,
        description: "HTTPS from the tasks",
      });
    }
    this.registerOutputs({ vpcId, s3EndpointId: this.s3Endpoint.id });
  }
}
