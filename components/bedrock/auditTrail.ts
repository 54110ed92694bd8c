// Bedrock account side: an opt-in CloudTrail trail, so every Bedrock call (role sessions, long-term keys,
// short-term keys) is kept beyond the 90-day event history, in a private bucket with a retention.
// Plain aws resources rather than awsx.cloudtrail.Trail: awsx's is a remote component, so its bucket, public access
// block and lifecycle would be invisible to synth, the tests and the policy pack.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { partitionOf, policy } from "../shared/iam";

export interface BedrockAuditTrailArgs {
    accountId: string;
    region: string;
    retentionDays: number;
    multiRegion: boolean;
}

/** The bucket policy CloudTrail needs, pinned to this one trail (aws:SourceArn), and TLS only. */
export function trailBucketPolicy(bucketArn: string, trailArn: string, accountId: string): string {
    const fromTrail = { StringEquals: { "aws:SourceArn": trailArn } };
    return JSON.stringify(
        policy([
            {
                Sid: "CloudTrailAclCheck",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "s3:GetBucketAcl",
                Resource: bucketArn,
                Condition: fromTrail,
            },
            {
                Sid: "CloudTrailWrite",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${bucketArn}/AWSLogs/${accountId}/*`,
                Condition: { StringEquals: { ...fromTrail.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" } },
            },
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]),
        null,
        2,
    );
}

export class BedrockAuditTrail extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly trail: aws.cloudtrail.Trail;

    constructor(name: string, args: BedrockAuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:BedrockAuditTrail", name, {}, opts);
        const parent = { parent: this };
        // Named up front: the bucket policy must name the trail's ARN before the trail exists.
        const trailName = `bedrock-bridge-${pulumi.getStack()}-audit`.slice(0, 128);
        const trailArn = `arn:${partitionOf(args.region)}:cloudtrail:${args.region}:${args.accountId}:trail/${trailName}`;

        this.bucket = new aws.s3.Bucket(
            `${name}-logs`,
            { forceDestroy: false, tags: { "bedrock-bridge:component": "BedrockAuditTrail" } },
            parent,
        );
        const publicBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-logs`,
            {
                bucket: this.bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            parent,
        );
        new aws.s3.BucketOwnershipControls(
            `${name}-logs`,
            { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            parent,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-logs`,
            {
                bucket: this.bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            },
            parent,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-logs`,
            {
                bucket: this.bucket.id,
                rules: [
                    {
                        id: "retention",
                        status: "Enabled",
                        filter: {},
                        expiration: { days: args.retentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            parent,
        );
        const bucketPolicy = new aws.s3.BucketPolicy(
            `${name}-logs`,
            {
                bucket: this.bucket.id,
                policy: this.bucket.arn.apply(arn => trailBucketPolicy(arn, trailArn, args.accountId)),
            },
            { parent: this, dependsOn: [publicBlock] },
        );

        this.trail = new aws.cloudtrail.Trail(
            name,
            {
                name: trailName,
                s3BucketName: this.bucket.id,
                isMultiRegionTrail: args.multiRegion,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                // Bedrock Runtime calls (InvokeModel, Converse, ...) are read-only management events.
                eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }],
                tags: { "bedrock-bridge:component": "BedrockAuditTrail" },
            },
            { parent: this, dependsOn: [bucketPolicy] },
        );
        this.registerOutputs({ trailArn: this.trail.arn, bucket: this.bucket.id });
    }
}
