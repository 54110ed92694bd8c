// Bedrock account side: a dashboard of Bedrock's own AWS/Bedrock metrics per allowed model and, with tenants,
// per application inference profile, and an alarm on sustained throttling, notifying an SNS topic.
// Bedrock publishes every runtime metric with the dimension ModelId, whose value is the id the call named: the
// model or system profile id, or for an application inference profile its profile id (the last part of its ARN).
// https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { stackResourceName } from "../shared/iam";
import { dashboardBody, dashboardName, Line, Widget } from "../shared/dashboardBody";

export const BEDROCK_NAMESPACE = "AWS/Bedrock";
export const PERIOD_SECONDS = 300;

export interface ApplicationProfileRef {
    tenant: string;
    modelId: string;
    /** The application inference profile's ARN (its id is the part after the last "/"). */
    profileArn: pulumi.Input<string>;
}

export interface BedrockMonitoringArgs {
    region: string;
    models: string[];
    profiles?: ApplicationProfileRef[];
    alarmTopicArn: pulumi.Input<string>;
    dashboard: boolean;
}

interface Series {
    label: string;
    modelId: pulumi.Input<string>;
}

const line = (name: string, s: Series, stat: string, suffix = ""): Line => ({
    namespace: BEDROCK_NAMESPACE,
    name,
    dimensions: { ModelId: s.modelId },
    stat,
    label: `${s.label}${suffix}`,
});

export const profileIdOf = (arn: pulumi.Input<string>) => pulumi.output(arn).apply(a => a.split("/").pop()!);

/** The series the dashboard and the alarm watch: each model, then each tenant's application profile. */
export function bedrockSeries(args: Pick<BedrockMonitoringArgs, "models" | "profiles">): Series[] {
    return [
        ...args.models.map(m => ({ label: m, modelId: m })),
        ...(args.profiles ?? []).map(p => ({ label: `${p.tenant}: ${p.modelId}`, modelId: profileIdOf(p.profileArn) })),
    ];
}

export function bedrockWidgets(series: Series[]): Widget[] {
    return [
        { title: "Invocations", width: 12, lines: series.map(s => line("Invocations", s, "Sum")) },
        {
            title: "Throttles (InvocationThrottles)",
            width: 12,
            lines: series.map(s => line("InvocationThrottles", s, "Sum")),
        },
        {
            title: "Latency p90 (ms)",
            width: 12,
            unit: "ms",
            lines: series.flatMap(s => [
                line("InvocationLatency", s, "p90"),
                line("TimeToFirstToken", s, "p90", " first token"),
            ]),
        },
        {
            title: "Client and server errors",
            width: 12,
            lines: series.flatMap(s => [
                line("InvocationClientErrors", s, "Sum", " client"),
                line("InvocationServerErrors", s, "Sum", " server"),
            ]),
        },
        { title: "Input tokens", width: 12, lines: series.map(s => line("InputTokenCount", s, "Sum")) },
        { title: "Output tokens", width: 12, lines: series.map(s => line("OutputTokenCount", s, "Sum")) },
    ];
}

export class BedrockMonitoring extends pulumi.ComponentResource {
    readonly dashboard?: aws.cloudwatch.Dashboard;
    readonly throttleAlarm: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: BedrockMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:BedrockMonitoring", name, {}, opts);
        const parent = { parent: this };
        const series = bedrockSeries(args);
        if (args.dashboard) {
            this.dashboard = new aws.cloudwatch.Dashboard(
                `${name}-dashboard`,
                {
                    dashboardName: dashboardName("bedrock-bridge", pulumi.getStack(), "bedrock"),
                    dashboardBody: dashboardBody(args.region, bedrockWidgets(series), PERIOD_SECONDS),
                },
                parent,
            );
        }
        // The callers' pool absorbs single throttles (it fails over, and throttled requests are not billed), so
        // alarm on sustained throttling across all watched ids: 10 or more in each of 3 consecutive five-minute
        // periods means a quota is too small for the load. No data means no throttles: not breaching.
        // A metric math alarm takes at most 10 metrics: past 10 ids, only the first 10 are summed (and we say so).
        const watched = series.slice(0, 10);
        if (series.length > 10)
            void pulumi.log.warn(
                `${name}: the throttle alarm watches the first 10 of ${series.length} models and profiles (CloudWatch's limit for one alarm)`,
                this,
            );
        this.throttleAlarm = new aws.cloudwatch.MetricAlarm(
            `${name}-throttles`,
            {
                // Named for the stack: the deploy role is granted exactly this alarm, not alarm:*.
                name: stackResourceName(`${name}-throttles`, { max: 255 }),
                alarmDescription:
                    "bedrock-bridge: Bedrock throttled 10 or more calls per 5 minutes for 15 minutes. Request a quota increase (Service Quotas) or add a Bedrock account to the callers' pool.",
                evaluationPeriods: 3,
                datapointsToAlarm: 3,
                threshold: 10,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
                metricQueries: [
                    ...watched.map((s, i) => ({
                        id: `m${i}`,
                        metric: {
                            namespace: BEDROCK_NAMESPACE,
                            metricName: "InvocationThrottles",
                            dimensions: { ModelId: s.modelId },
                            stat: "Sum",
                            period: PERIOD_SECONDS,
                        },
                        returnData: false,
                    })),
                    {
                        id: "total",
                        expression: watched.map((_, i) => `FILL(m${i}, 0)`).join(" + "),
                        label: "throttles, all models",
                        returnData: true,
                    },
                ],
                alarmActions: [args.alarmTopicArn],
                okActions: [args.alarmTopicArn],
            },
            parent,
        );
        this.registerOutputs({
            dashboardName: this.dashboard?.dashboardName,
            throttleAlarmArn: this.throttleAlarm.arn,
        });
    }
}
