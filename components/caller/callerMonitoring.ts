// Caller side: one CloudWatch dashboard (our functions' metrics from functions/metrics/metricCatalog.ts plus Lambda's
// and Step Functions' own) and the alarms that need a person, notifying an SNS topic. Every monitored function gets
// Lambda's lines and the error-rate alarm; those that call Bedrock (a `service`) also get their metrics' lines and
// the all-throttled alarm.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { stackResourceName } from "../shared/iam";
import {
    DIM,
    METRICS,
    METRICS_NAMESPACE,
    BY_CODE,
    BY_MEMBER,
    BY_KEY,
    BY_KEY_REASON,
    ServiceName,
    SERVICES,
} from "../../functions/metrics/metricCatalog";
import { dashboardBody, dashboardName, Line, search, Widget } from "../shared/dashboardBody";

export const PERIOD_SECONDS = 300;

export interface MonitoredFunction {
    /** Labels its dashboard lines and names its alarms. */
    name: string;
    functionName: pulumi.Input<string>;
    /** The `service` its metrics carry; absent for a function that calls no Bedrock (the gateway's authorizer). */
    service?: ServiceName;
}

export interface CallerMonitoringArgs {
    region: string;
    functions: MonitoredFunction[];
    stateMachineArn?: pulumi.Input<string>;
    alarmTopicArn: pulumi.Input<string>;
    /** Whether to create the dashboard (the alarms are always created). */
    dashboard: boolean;
}

const ours = (
    name: string,
    service: ServiceName,
    stat: string,
    extra: Record<string, string> = {},
    label?: string,
): Line => ({
    namespace: METRICS_NAMESPACE,
    name,
    dimensions: { [DIM.service]: service, ...extra },
    stat,
    label: label ?? `${service} ${stat}`,
});
const lambda = (name: string, fn: MonitoredFunction, stat: string): Line => ({
    namespace: "AWS/Lambda",
    name,
    dimensions: { FunctionName: fn.functionName },
    stat,
    label: `${fn.name} ${name} ${stat}`,
});
const states = (name: string, arn: pulumi.Input<string>, stat = "Sum"): Line => ({
    namespace: "AWS/States",
    name,
    dimensions: { StateMachineArn: arn },
    stat,
    label: name,
});

/** The dashboard's widgets: what each function emits, then what AWS reports about the functions themselves. */
export function callerWidgets(args: Pick<CallerMonitoringArgs, "functions" | "stateMachineArn">): Widget[] {
    const has = (s: ServiceName) => args.functions.some(f => f.service === s);
    const svcs = args.functions.flatMap(f => (f.service ? [f.service] : []));
    const w: Widget[] = [];
    if (has(SERVICES.relay)) {
        const r = SERVICES.relay;
        w.push({
            title: "Relay: time to first published delta (ms)",
            lines: ["p50", "p90", "p99"].map(s => ours(METRICS.timeToFirstDelta.name, r, s)),
            unit: "ms",
        });
        w.push({
            title: "Relay: tail after the last token (ms)",
            lines: ["p50", "p90", "p99"].map(s => ours(METRICS.tailAfterLastToken.name, r, s)),
            unit: "ms",
        });
        w.push({
            title: "Relay: outcomes",
            stacked: true,
            lines: ["done", "error", "publishFailed", "rejected"].map(o =>
                ours(METRICS.relayRequests.name, r, "Sum", { [DIM.outcome]: o }, o),
            ),
        });
        w.push({
            title: "Relay: publish requests, retries, events re-sent",
            lines: [METRICS.publishRequests, METRICS.publishRetries, METRICS.eventsResent].map(m =>
                ours(m.name, r, "Sum", {}, m.name),
            ),
        });
    }
    if (has(SERVICES.invoker)) {
        const i = SERVICES.invoker;
        w.push({
            title: "Invoker: latency (ms)",
            lines: ["p50", "p90", "p99"].map(s => ours(METRICS.latency.name, i, s)),
            unit: "ms",
        });
        w.push({
            title: "Invoker: outcomes",
            stacked: true,
            lines: ["ok", "error"].map(o => ours(METRICS.invokerRequests.name, i, "Sum", { [DIM.outcome]: o }, o)),
        });
    }
    if (has(SERVICES.gateway)) {
        // Per key (bedrock-bridge:gateway keys): who sends how much, and what the gateway refused and why.
        const g = SERVICES.gateway;
        w.push({
            title: "Gateway: requests by key",
            stacked: true,
            lines: [search(METRICS_NAMESPACE, BY_KEY, METRICS.keyRequests.name, "Sum", PERIOD_SECONDS, "")],
        });
        w.push({
            title: "Gateway: input and output tokens by key",
            lines: [METRICS.keyInputTokens, METRICS.keyOutputTokens].map(m =>
                search(METRICS_NAMESPACE, BY_KEY, m.name, "Sum", PERIOD_SECONDS, ""),
            ),
        });
        w.push({
            title: "Gateway: refusals by key and reason",
            stacked: true,
            lines: [
                ours(METRICS.keyRefusals.name, g, "Sum", {}, "all refusals"),
                search(METRICS_NAMESPACE, BY_KEY_REASON, METRICS.keyRefusals.name, "Sum", PERIOD_SECONDS, ""),
            ],
        });
    }
    w.push({
        title: "Bedrock throttles, pool failovers, AllThrottled",
        lines: svcs.flatMap(s =>
            [METRICS.bedrockThrottles, METRICS.poolFailovers, METRICS.allThrottled].map(m =>
                ours(m.name, s, "Sum", {}, `${s} ${m.name}`),
            ),
        ),
    });
    w.push({
        title: "Throttles by Bedrock member",
        lines: [search(METRICS_NAMESPACE, BY_MEMBER, METRICS.bedrockThrottles.name, "Sum", PERIOD_SECONDS, "")],
    });
    w.push({
        title: "Errors by code",
        stacked: true,
        lines: [search(METRICS_NAMESPACE, BY_CODE, METRICS.errors.name, "Sum", PERIOD_SECONDS, "")],
    });
    w.push({
        title: "Tokens (input, output)",
        lines: svcs.flatMap(s =>
            [METRICS.inputTokens, METRICS.outputTokens].map(m => ours(m.name, s, "Sum", {}, `${s} ${m.name}`)),
        ),
    });
    w.push({
        title: "Output tokens by model and member",
        lines: [search(METRICS_NAMESPACE, BY_MEMBER, METRICS.outputTokens.name, "Sum", PERIOD_SECONDS, "")],
    });
    w.push({
        title: "Lambda: invocations",
        lines: args.functions.map(f => lambda("Invocations", f, "Sum")),
    });
    w.push({
        title: "Lambda: errors and throttles",
        lines: args.functions.flatMap(f => [lambda("Errors", f, "Sum"), lambda("Throttles", f, "Sum")]),
    });
    w.push({
        title: "Lambda: duration p90 (ms)",
        lines: args.functions.map(f => lambda("Duration", f, "p90")),
        unit: "ms",
    });
    if (args.stateMachineArn) {
        const arn = args.stateMachineArn;
        w.push({
            title: "Step Functions: executions",
            lines: ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"].map(n =>
                states(n, arn),
            ),
        });
        w.push({
            title: "Step Functions: execution time p90 (ms)",
            lines: [states("ExecutionTime", arn, "p90")],
            unit: "ms",
        });
    }
    return w;
}

export class CallerMonitoring extends pulumi.ComponentResource {
    readonly dashboard?: aws.cloudwatch.Dashboard;
    readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

    constructor(name: string, args: CallerMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:CallerMonitoring", name, {}, opts);
        const parent = { parent: this };
        if (args.dashboard) {
            this.dashboard = new aws.cloudwatch.Dashboard(
                `${name}-dashboard`,
                {
                    dashboardName: dashboardName("bedrock-bridge", pulumi.getStack()),
                    dashboardBody: dashboardBody(args.region, callerWidgets(args), PERIOD_SECONDS),
                },
                parent,
            );
        }
        const notify = { alarmActions: [args.alarmTopicArn], okActions: [args.alarmTopicArn] };
        // In metric-math alarms exactly one query returns data (PutMetricAlarm); the metrics say false explicitly.
        const alarm = (id: string, a: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">) =>
            this.alarms.push(
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${id}`,
                    // Named for the stack: the deploy role is granted exactly these alarms, not alarm:*.
                    { name: stackResourceName(`${name}-${id}`, { max: 255 }), ...a, ...notify },
                    parent,
                ),
            );
        const relay = args.functions.find(f => f.service === SERVICES.relay);

        if (relay) {
            // A single answer that could not be delivered is worth a look: AppSync refused or vanished for longer
            // than the relay's time budget. Missing data means no such answer (EMF writes the metric only when
            // it happens), so it is not breaching.
            alarm("relay-publish-failed", {
                alarmDescription:
                    "bedrock-bridge: the chat relay could not deliver an answer (outcome publishFailed). Check AppSync Events and the relay's log.",
                namespace: METRICS_NAMESPACE,
                metricName: METRICS.relayRequests.name,
                dimensions: { [DIM.service]: SERVICES.relay, [DIM.outcome]: "publishFailed" },
                statistic: "Sum",
                period: PERIOD_SECONDS,
                evaluationPeriods: 1,
                datapointsToAlarm: 1,
                threshold: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
            });
        }
        const lambdaSum = (id: string, metricName: string, f: MonitoredFunction) => ({
            id,
            metric: {
                namespace: "AWS/Lambda",
                metricName,
                dimensions: { FunctionName: f.functionName },
                stat: "Sum",
                period: PERIOD_SECONDS,
            },
            returnData: false,
        });
        for (const f of args.functions) {
            // Every Bedrock member refused: users see errors. A short burst is absorbed by clients retrying, so
            // alarm when it lasts: 3 or more in 2 of the last 3 five-minute periods.
            if (f.service)
                alarm(`${f.name}-all-throttled`, {
                    alarmDescription: `bedrock-bridge: ${f.name} requests refused because every Bedrock member was throttled. Raise quotas or add a member to bedrock-bridge:bedrockStacks.`,
                    namespace: METRICS_NAMESPACE,
                    metricName: METRICS.allThrottled.name,
                    dimensions: { [DIM.service]: f.service },
                    statistic: "Sum",
                    period: PERIOD_SECONDS,
                    evaluationPeriods: 3,
                    datapointsToAlarm: 2,
                    threshold: 3,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    treatMissingData: "notBreaching",
                });
            // Function errors (crashes, timeouts) as a share of invocations: above 5 % in 2 of 3 periods, counted
            // only when there were at least 5 invocations so one error in a quiet hour does not page anyone.
            alarm(`${f.name}-error-rate`, {
                alarmDescription: `bedrock-bridge: more than 5 % of ${f.name} invocations failed (Lambda Errors / Invocations). See the function's log.`,
                evaluationPeriods: 3,
                datapointsToAlarm: 2,
                threshold: 5,
                comparisonOperator: "GreaterThanThreshold",
                treatMissingData: "notBreaching",
                metricQueries: [
                    lambdaSum("errors", "Errors", f),
                    lambdaSum("invocations", "Invocations", f),
                    {
                        id: "rate",
                        expression: "IF(invocations >= 5, 100 * errors / invocations, 0)",
                        label: "error rate %",
                        returnData: true,
                    },
                ],
            });
        }
        if (args.stateMachineArn) {
            // A failed or timed-out execution is a caller's job that did not get its answer.
            alarm("state-machine-failed", {
                alarmDescription:
                    "bedrock-bridge: Step Functions executions failed or timed out. Open the execution history.",
                evaluationPeriods: 1,
                datapointsToAlarm: 1,
                threshold: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
                metricQueries: [
                    {
                        id: "failed",
                        metric: {
                            namespace: "AWS/States",
                            metricName: "ExecutionsFailed",
                            dimensions: { StateMachineArn: args.stateMachineArn },
                            stat: "Sum",
                            period: PERIOD_SECONDS,
                        },
                        returnData: false,
                    },
                    {
                        id: "timedOut",
                        metric: {
                            namespace: "AWS/States",
                            metricName: "ExecutionsTimedOut",
                            dimensions: { StateMachineArn: args.stateMachineArn },
                            stat: "Sum",
                            period: PERIOD_SECONDS,
                        },
                        returnData: false,
                    },
                    {
                        id: "total",
                        expression: "FILL(failed, 0) + FILL(timedOut, 0)",
                        label: "failed or timed out",
                        returnData: true,
                    },
                ],
            });
        }
        this.registerOutputs({ dashboardName: this.dashboard?.dashboardName });
    }
}
