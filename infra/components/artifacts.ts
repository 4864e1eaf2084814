import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEDUPE_TABLE_LAYOUT, LEDGER_TABLE_LAYOUT } from "#core/ledger/types.ts";
import { policyDocument } from "#infra/iam.ts";

export interface ArtifactsArgs {
  kmsKeyArn: pulumi.Input<string>;
  objectLockMode: "GOVERNANCE" | "COMPLIANCE";
  objectLockDays: number;
  evidenceArchiveDays: number;
  evidenceNoncurrentDays: number;
  deletionProtection: boolean;
  tags: Record<string, string>;
}

/**
 * Evidence bucket (content-addressed, write-once under Object Lock) and the two DynamoDB tables:
 * the run ledger (append-only, hash-chained) and the webhook dedupe table (TTL).
 */
export class Artifacts extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  /** Sandbox exchange (work trees, jobs, results): short-lived, no Object Lock, not evidence. */
  readonly exchangeBucket: aws.s3.Bucket;
  readonly ledgerTable: aws.dynamodb.Table;
  readonly dedupeTable: aws.dynamodb.Table;

  constructor(name: string, args: ArtifactsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:artifacts:Artifacts", name, {}, opts);
    const child = { parent: this };

    this.bucket = new aws.s3.Bucket(
      `${name}-evidence`,
      { objectLockEnabled: true, forceDestroy: false, tags: args.tags },
      { ...child, protect: args.deletionProtection },
    );
    const bucketId = this.bucket.id;
    const { versioning } = privateBucket(`${name}-evidence`, this.bucket, args.kmsKeyArn, child);
    new aws.s3.BucketObjectLockConfiguration(
      `${name}-evidence-object-lock`,
      {
        bucket: bucketId,
        objectLockEnabled: "Enabled",
        rule: { defaultRetention: { mode: args.objectLockMode, days: args.objectLockDays } },
      },
      { ...child, dependsOn: [versioning] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-evidence-lifecycle`,
      {
        bucket: bucketId,
        rules: [
          {
            id: "archive-current",
            status: "Enabled",
            filter: {},
            transitions: [{ days: args.evidenceArchiveDays, storageClass: "GLACIER_IR" }],
          },
          {
            id: "expire-noncurrent",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.evidenceNoncurrentDays },
          },
          {
            id: "abort-incomplete-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { ...child, dependsOn: [versioning] },
    );

    this.exchangeBucket = this.exchange(name, args);

    const L = LEDGER_TABLE_LAYOUT;
    this.ledgerTable = new aws.dynamodb.Table(
      `${name}-ledger`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: L.partitionKey,
        rangeKey: L.sortKey,
        attributes: [
          { name: L.partitionKey, type: "S" },
          { name: L.sortKey, type: "S" },
          { name: L.byTriggerIndex.partitionKey, type: "S" },
          { name: L.byMrIndex.partitionKey, type: "S" },
        ],
        globalSecondaryIndexes: [L.byTriggerIndex, L.byMrIndex].map((ix) => ({
          name: ix.name,
          hashKey: ix.partitionKey,
          rangeKey: ix.sortKey,
          projectionType: "ALL",
        })),
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
        deletionProtectionEnabled: args.deletionProtection,
        tags: args.tags,
      },
      { ...child, protect: args.deletionProtection },
    );
    this.dedupeTable = new aws.dynamodb.Table(
      `${name}-dedupe`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: DEDUPE_TABLE_LAYOUT.partitionKey,
        attributes: [{ name: DEDUPE_TABLE_LAYOUT.partitionKey, type: "S" }],
        ttl: { attributeName: DEDUPE_TABLE_LAYOUT.ttlAttribute, enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
        deletionProtectionEnabled: args.deletionProtection,
        tags: args.tags,
      },
      { ...child, protect: args.deletionProtection },
    );

    this.registerOutputs({
      bucketName: this.bucket.bucket,
      exchangeBucketName: this.exchangeBucket.bucket,
      ledgerTableName: this.ledgerTable.name,
      dedupeTableName: this.dedupeTable.name,
    });
  }

  /**
   * The ECS sandbox's exchange bucket. Without Object Lock (presigned PUTs carry no Content-MD5,
   * and work trees must not be retained); the runner deletes each object after its step and the
   * lifecycle removes whatever a crashed agent left within a day.
   */
  private exchange(name: string, args: ArtifactsArgs): aws.s3.Bucket {
    const child = { parent: this };
    const bucket = new aws.s3.Bucket(`${name}-exchange`, { forceDestroy: true, tags: args.tags }, child);
    const bucketId = bucket.id;
    const { versioning } = privateBucket(`${name}-exchange`, bucket, args.kmsKeyArn, child);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-exchange-lifecycle`,
      {
        bucket: bucketId,
        rules: [
          { id: "expire-current", status: "Enabled", filter: {}, expiration: { days: 1 } },
          {
            id: "expire-noncurrent",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 1 },
          },
          {
            id: "abort-incomplete-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { ...child, dependsOn: [versioning] },
    );
    return bucket;
  }
}

/**
 * What every factory bucket has: owner-enforced objects, no public access, versioning, SSE-KMS with
 * the stack's key (bucket keys on) and a TLS-only policy. Resource names are
 * `<prefix>-ownership|public-access|versioning|sse|policy`.
 */
function privateBucket(
  prefix: string,
  bucket: aws.s3.Bucket,
  kmsKeyArn: pulumi.Input<string>,
  child: pulumi.CustomResourceOptions,
): { versioning: aws.s3.BucketVersioning } {
  const bucketId = bucket.id;
  new aws.s3.BucketOwnershipControls(
    `${prefix}-ownership`,
    { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${prefix}-public-access`,
    {
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child,
  );
  const versioning = new aws.s3.BucketVersioning(
    `${prefix}-versioning`,
    { bucket: bucketId, versioningConfiguration: { status: "Enabled" } },
    child,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${prefix}-sse`,
    {
      bucket: bucketId,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    },
    child,
  );
  new aws.s3.BucketPolicy(
    `${prefix}-policy`,
    {
      bucket: bucketId,
      policy: policyDocument([
        {
          // A Deny over every S3 action is the documented TLS-only pattern; Deny never grants.
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: ["s3:*"],
          Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    },
    { ...child, dependsOn: [publicAccess] },
  );
  return { versioning };
}
