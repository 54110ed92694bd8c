// An SNS topic that the stack's alarms notify, with an optional e-mail subscription from config
// (bedrock-bridge:monitoring.alarmEmail). The subscription stays "pending confirmation" until the recipient
// clicks the link AWS sends; Pulumi cannot confirm it.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { policyJson, stackResourceName } from "./iam";

export interface AlarmTopicArgs {
    accountId: string;
    alarmEmail?: string;
}

export class AlarmTopic extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    readonly subscription?: aws.sns.TopicSubscription;

    constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:AlarmTopic", name, {}, opts);
        const parent = { parent: this };
        // No KMS key: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key,
        // and alarm notifications carry only metric names and thresholds, never prompt text.
        this.topic = new aws.sns.Topic(
            `${name}-alarms`,
            {
                // Named for the stack, so the deploy role is granted exactly it (stackResourceName says why).
                name: stackResourceName(`${name}-alarms`, { max: 256 }),
                displayName: "bedrock-bridge alarms",
                tags: { "bedrock-bridge:component": "AlarmTopic" },
            },
            parent,
        );
        // Only this account's CloudWatch alarms may publish (aws:SourceAccount against the confused deputy).
        new aws.sns.TopicPolicy(
            `${name}-alarms`,
            {
                arn: this.topic.arn,
                policy: policyJson([
                    this.topic.arn.apply(arn => ({
                        Sid: "CloudWatchAlarmsOfThisAccount",
                        Effect: "Allow" as const,
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "sns:Publish",
                        Resource: arn,
                        Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
                    })),
                ]),
            },
            parent,
        );
        if (args.alarmEmail) {
            this.subscription = new aws.sns.TopicSubscription(
                `${name}-email`,
                {
                    topic: this.topic.arn,
                    protocol: "email",
                    endpoint: args.alarmEmail,
                },
                parent,
            );
        }
        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
