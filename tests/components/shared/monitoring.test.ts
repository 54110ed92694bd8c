// Dashboards, alarms, the alarm topic and model invocation logging in both stacks under mocks. Every metric a
// dashboard widget or an alarm names must be one our functions emit (functions/metrics/metricCatalog.ts, with exactly
// that dimension set) or one AWS documents (tests/support/awsMetrics.ts, written from the service guides).
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { StackRun } from "../../../tools/internal/harness";
import { DIM, emittedMetrics, METRICS_NAMESPACE, SERVICES } from "../../../functions/metrics/metricCatalog";
import { AWS_DOCUMENTED } from "../../support/awsMetrics";
import { byType, captureWarnings, failureOf, json, one, runBedrock, runCaller } from "../../support/stacks";
import { runGoverned } from "../../support/governance";

const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration";
const CALLER = "111111111111";
const BEDROCK = "222222222222";
const MODELS = ["jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "apac.anthropic.claude-sonnet-4-20250514-v1:0"];

interface Ref {
    namespace: string;
    name: string;
    dimensions: Record<string, string> | string[];
    where: string;
}

/** Every metric a dashboard body references: plain lines, and the metric inside each SEARCH expression. */
function dashboardRefs(body: any): Ref[] {
    const refs: Ref[] = [];
    for (const w of body.widgets) {
        for (const line of w.properties.metrics) {
            const where = `widget "${w.properties.title}"`;
            if (typeof line[0] === "object") {
                const m = /^SEARCH\('\{([^}]*)\} MetricName="([^"]+)"', '\w+', \d+\)$/.exec(line[0].expression);
                assert.ok(m, `${where}: an expression other than a SEARCH over one metric: ${line[0].expression}`);
                const [namespace, ...dims] = m[1].split(",");
                refs.push({ namespace, name: m[2], dimensions: dims, where });
                continue;
            }
            const [namespace, name, ...rest] = line;
            const dims: Record<string, string> = {};
            for (let i = 0; i + 1 < rest.length && typeof rest[i] === "string"; i += 2) dims[rest[i]] = rest[i + 1];
            refs.push({ namespace, name, dimensions: dims, where });
        }
    }
    return refs;
}

function alarmRefs(alarm: any): Ref[] {
    const where = `alarm ${alarm.name}`;
    if (alarm.inputs.metricName)
        return [
            {
                namespace: alarm.inputs.namespace,
                name: alarm.inputs.metricName,
                dimensions: alarm.inputs.dimensions ?? {},
                where,
            },
        ];
    return alarm.inputs.metricQueries
        .filter((q: any) => q.metric)
        .map((q: any) => ({
            namespace: q.metric.namespace,
            name: q.metric.metricName,
            dimensions: q.metric.dimensions ?? {},
            where,
        }));
}

/** The reference is a metric someone publishes, under exactly the dimension set named. */
function assertPublished(ref: Ref): void {
    const dims = (Array.isArray(ref.dimensions) ? ref.dimensions : Object.keys(ref.dimensions)).slice().sort();
    if (ref.namespace === METRICS_NAMESPACE) {
        const ok = emittedMetrics().some(
            e => e.name === ref.name && e.dimensions.slice().sort().join() === dims.join(),
        );
        assert.ok(
            ok,
            `${ref.where}: ${ref.name} with dimensions [${dims.join(", ")}] is not emitted by our functions (functions/metrics/metricCatalog.ts)`,
        );
        return;
    }
    const aws = AWS_DOCUMENTED[ref.namespace];
    assert.ok(aws, `${ref.where}: namespace ${ref.namespace} is neither ours nor a documented AWS one`);
    assert.ok(aws.metrics.includes(ref.name), `${ref.where}: AWS does not document ${ref.namespace} ${ref.name}`);
    assert.ok(
        aws.dimensions.some(d => d.slice().sort().join() === dims.join()),
        `${ref.where}: ${ref.namespace} ${ref.name} is not published with dimensions [${dims.join(", ")}]`,
    );
}

describe("monitoring: caller stack", () => {
    let bedrock: StackRun;
    let caller: StackRun;
    before(async () => {
        bedrock = await runBedrock();
        caller = await runCaller(bedrock);
    });

    it("builds one dashboard whose every metric is emitted by our functions or documented by AWS", () => {
        const dash = one(caller, DASHBOARD);
        assert.equal(dash.inputs.dashboardName, "bedrock-bridge-caller");
        const body = json(dash.inputs.dashboardBody);
        const refs = dashboardRefs(body);
        assert.ok(refs.length >= 20, `expected a full dashboard, got ${refs.length} lines`);
        refs.forEach(assertPublished);
        // It covers both functions, the state machine and the metrics the issue names.
        const names = new Set(refs.map(r => r.name));
        for (const n of [
            "TimeToFirstDelta",
            "TailAfterLastToken",
            "PublishRequests",
            "PublishRetries",
            "EventsResent",
            "RelayRequests",
            "Latency",
            "BedrockThrottles",
            "PoolFailovers",
            "AllThrottled",
            "Errors",
            "InputTokens",
            "OutputTokens",
            "Duration",
            "Throttles",
            "ExecutionsFailed",
        ]) {
            assert.ok(names.has(n), `the dashboard shows no ${n}`);
        }
        const lambdaLines = refs.filter(r => r.namespace === "AWS/Lambda");
        const fnNames = lambdaLines.map(r => (r.dimensions as Record<string, string>).FunctionName);
        // Every function of the stack, the gateway's authorizer included: every gateway request goes through it.
        const fns = byType(caller, "aws:lambda/function:Function").map(f => f.state.name);
        assert.deepEqual([...new Set(fnNames)].sort(), fns.sort(), "Lambda lines name the stack's functions");
        for (const fn of fns) {
            const graphed = lambdaLines.filter(r => (r.dimensions as Record<string, string>).FunctionName === fn);
            assert.deepEqual(
                graphed.map(r => r.name).sort(),
                ["Duration", "Errors", "Invocations", "Throttles"],
                `${fn}: invocations, errors, throttles and duration`,
            );
        }
        // Our metrics name only the functions that emit them: the authorizer calls no Bedrock and emits none.
        const services = refs
            .filter(r => r.namespace === METRICS_NAMESPACE && !Array.isArray(r.dimensions))
            .map(r => (r.dimensions as Record<string, string>)[DIM.service]);
        assert.deepEqual([...new Set(services)].sort(), Object.values(SERVICES).sort());
        const sfn = one(caller, "aws:sfn/stateMachine:StateMachine").state.arn;
        assert.ok(
            refs
                .filter(r => r.namespace === "AWS/States")
                .every(r => (r.dimensions as Record<string, string>).StateMachineArn === sfn),
        );
        for (const w of body.widgets) {
            assert.ok(
                w.x + w.width <= 24 && w.width > 0 && w.height > 0,
                `widget "${w.properties.title}" fits the 24-column grid`,
            );
            assert.equal(w.properties.region, "ap-northeast-1");
        }
    });

    it("alarms on publishFailed, AllThrottled, error rate and state machine failures, each deliberately tuned", () => {
        const alarms = byType(caller, ALARM);
        const byName = Object.fromEntries(alarms.map(a => [a.name, a.inputs]));
        assert.deepEqual(
            Object.keys(byName).sort(),
            [
                "monitoring-gateway-all-throttled",
                "monitoring-gateway-error-rate",
                "monitoring-gateway-authorizer-error-rate",
                "monitoring-invoker-all-throttled",
                "monitoring-invoker-error-rate",
                "monitoring-relay-all-throttled",
                "monitoring-relay-error-rate",
                "monitoring-relay-publish-failed",
                "monitoring-state-machine-failed",
            ].sort(),
        );
        const topic = one(caller, TOPIC).state.arn;
        for (const a of alarms) {
            alarmRefs(a).forEach(assertPublished);
            assert.deepEqual(a.inputs.alarmActions, [topic], `${a.name} notifies the topic`);
            assert.deepEqual(a.inputs.okActions, [topic], `${a.name} says when it is over`);
            assert.equal(
                a.inputs.treatMissingData,
                "notBreaching",
                `${a.name}: no data means nothing happened (metrics are written on occurrence)`,
            );
            assert.ok(a.inputs.alarmDescription.length > 40, `${a.name} tells the person what to do`);
            if (a.inputs.metricQueries)
                assert.deepEqual(
                    a.inputs.metricQueries.map((q: any) => q.returnData),
                    a.inputs.metricQueries.map((q: any) => !!q.expression),
                    `${a.name}: only the expression returns data`,
                );
        }
        const pf = byName["monitoring-relay-publish-failed"];
        assert.deepEqual(pf.dimensions, { service: "relay", outcome: "publishFailed" });
        assert.deepEqual(
            [pf.statistic, pf.period, pf.evaluationPeriods, pf.threshold, pf.comparisonOperator],
            ["Sum", 300, 1, 1, "GreaterThanOrEqualToThreshold"],
        );
        const at = byName["monitoring-relay-all-throttled"];
        assert.deepEqual(
            [at.metricName, at.period, at.evaluationPeriods, at.datapointsToAlarm, at.threshold],
            ["AllThrottled", 300, 3, 2, 3],
        );
        const er = byName["monitoring-relay-error-rate"];
        assert.equal(
            er.metricQueries.find((q: any) => q.returnData).expression,
            "IF(invocations >= 5, 100 * errors / invocations, 0)",
        );
        assert.deepEqual(
            [er.threshold, er.comparisonOperator, er.evaluationPeriods, er.datapointsToAlarm],
            [5, "GreaterThanThreshold", 3, 2],
        );
        // The authorizer's error rate: the same alarm on its own function, saying that refused keys count as errors.
        const fnName = (name: string) => one(caller, "aws:lambda/function:Function", name).state.name;
        const ratesOf = (a: any) =>
            a.metricQueries.filter((q: any) => q.metric).map((q: any) => [q.metric.metricName, q.metric.dimensions]);
        const auth = byName["monitoring-gateway-authorizer-error-rate"];
        assert.deepEqual(ratesOf(auth), [
            ["Errors", { FunctionName: fnName("gateway-authorizer") }],
            ["Invocations", { FunctionName: fnName("gateway-authorizer") }],
        ]);
        assert.deepEqual(
            [auth.threshold, auth.evaluationPeriods, auth.datapointsToAlarm],
            [er.threshold, er.evaluationPeriods, er.datapointsToAlarm],
        );
        assert.equal(
            auth.metricQueries.find((q: any) => q.returnData).expression,
            er.metricQueries.find((q: any) => q.returnData).expression,
        );
        assert.match(auth.alarmDescription, /gateway-authorizer invocations failed/);
        assert.deepEqual(ratesOf(byName["monitoring-gateway-error-rate"]), [
            ["Errors", { FunctionName: fnName("gateway") }],
            ["Invocations", { FunctionName: fnName("gateway") }],
        ]);
        assert.equal(
            byName["monitoring-state-machine-failed"].metricQueries.find((q: any) => q.returnData).expression,
            "FILL(failed, 0) + FILL(timedOut, 0)",
        );
    });

    it("creates the alarm topic, pinned to this account's CloudWatch, and no e-mail subscription unless configured", async () => {
        const topic = one(caller, TOPIC);
        const policy = json(one(caller, "aws:sns/topicPolicy:TopicPolicy").inputs.policy);
        assert.deepEqual(policy.Statement, [
            {
                Sid: "CloudWatchAlarmsOfThisAccount",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: "sns:Publish",
                Resource: topic.state.arn,
                Condition: { StringEquals: { "aws:SourceAccount": CALLER } },
            },
        ]);
        assert.equal(byType(caller, SUBSCRIPTION).length, 0);
        const withMail = await runCaller(bedrock, {
            "bedrock-bridge:monitoring": { alarmEmail: "chat-ops@example.com" },
        });
        const sub = one(withMail, SUBSCRIPTION);
        assert.deepEqual(
            [sub.inputs.protocol, sub.inputs.endpoint, sub.inputs.topic],
            ["email", "chat-ops@example.com", one(withMail, TOPIC).state.arn],
        );
        assert.equal(withMail.outputs.alarmTopicArn, one(withMail, TOPIC).state.arn);
    });

    it("graphs only the functions the stack has, and can be switched off", async () => {
        const invokerOnly = await runCaller(bedrock, {
            "bedrock-bridge:chat": undefined,
            "bedrock-bridge:gateway": undefined,
            "bedrock-bridge:stepFunctions": { enabled: false },
        });
        const refs = dashboardRefs(json(one(invokerOnly, DASHBOARD).inputs.dashboardBody));
        assert.ok(
            !refs.some(
                r =>
                    r.namespace === "AWS/States" ||
                    r.name === "TimeToFirstDelta" ||
                    (r.dimensions as any).service === "relay",
            ),
            "no relay or state machine lines",
        );
        assert.deepEqual(
            byType(invokerOnly, ALARM)
                .map(a => a.name)
                .sort(),
            ["monitoring-invoker-all-throttled", "monitoring-invoker-error-rate"],
        );
        const noDashboard = await runCaller(bedrock, { "bedrock-bridge:monitoring": { dashboard: false } });
        assert.equal(byType(noDashboard, DASHBOARD).length, 0);
        assert.ok(byType(noDashboard, ALARM).length > 0, "alarms stay");
        const dotted = await runCaller(bedrock, {}, "team.caller");
        assert.equal(
            one(dotted, DASHBOARD).inputs.dashboardName,
            "bedrock-bridge-team-caller",
            "only letters, digits, - and _",
        );
        const off = await runCaller(bedrock, { "bedrock-bridge:monitoring": false });
        assert.deepEqual(
            [DASHBOARD, ALARM, TOPIC].map(t => byType(off, t).length),
            [0, 0, 0],
        );
    });
});

describe("monitoring: Bedrock stack", () => {
    let run: StackRun;
    // Invocation logging as the example stack file shows it (commented there: it is opt-in).
    before(async () => {
        run = await runBedrock({ "bedrock-bridge:invocationLogging": { retentionDays: 90 } });
    });

    it("graphs AWS/Bedrock per allowed model, with documented metrics and the ModelId dimension only", () => {
        const body = json(one(run, DASHBOARD).inputs.dashboardBody);
        const refs = dashboardRefs(body);
        refs.forEach(assertPublished);
        assert.ok(refs.every(r => r.namespace === "AWS/Bedrock"));
        assert.deepEqual(
            [...new Set(refs.map(r => (r.dimensions as Record<string, string>).ModelId))].sort(),
            [...MODELS].sort(),
        );
        const names = new Set(refs.map(r => r.name));
        for (const n of [
            "Invocations",
            "InvocationThrottles",
            "InvocationLatency",
            "InputTokenCount",
            "OutputTokenCount",
        ])
            assert.ok(names.has(n), `no ${n}`);
    });

    it("alarms on sustained throttling summed over every model", () => {
        const a = one(run, ALARM);
        alarmRefs(a).forEach(assertPublished);
        const metrics = a.inputs.metricQueries.filter((q: any) => q.metric);
        assert.deepEqual(
            metrics.map((q: any) => [q.metric.metricName, q.metric.dimensions.ModelId, q.metric.period, q.metric.stat]),
            MODELS.map(m => ["InvocationThrottles", m, 300, "Sum"]),
        );
        assert.equal(a.inputs.metricQueries.find((q: any) => q.returnData).expression, "FILL(m0, 0) + FILL(m1, 0)");
        assert.deepEqual(
            a.inputs.metricQueries.map((q: any) => q.returnData),
            [false, false, true],
        );
        assert.deepEqual(
            [a.inputs.threshold, a.inputs.evaluationPeriods, a.inputs.datapointsToAlarm, a.inputs.treatMissingData],
            [10, 3, 3, "notBreaching"],
        );
        assert.deepEqual(a.inputs.alarmActions, [one(run, TOPIC).state.arn]);
    });

    it("graphs a tenant's application inference profile by its profile id", async () => {
        // Built directly: tenants come with the governance work; the component takes their profile ARNs.
        const { bedrockSeries, bedrockWidgets } = await import("../../../components/bedrock/bedrockMonitoring");
        const series = bedrockSeries({
            models: [MODELS[0]],
            profiles: [
                {
                    tenant: "team-a",
                    modelId: MODELS[0],
                    profileArn: `arn:aws:bedrock:ap-northeast-1:${BEDROCK}:application-inference-profile/abc123xyz`,
                },
            ],
        });
        const ids = await Promise.all(series.map(s => new Promise(r => pulumi.output(s.modelId).apply(r))));
        assert.deepEqual(ids, [MODELS[0], "abc123xyz"]);
        assert.deepEqual(
            series.map(s => s.label),
            [MODELS[0], `team-a: ${MODELS[0]}`],
        );
        assert.equal(bedrockWidgets(series)[0].lines.length, 2);
    });

    it("logs invocations to a log group with retention, metadata only, through a role only Bedrock of this account can use", () => {
        const cfg = one(run, LOGGING).inputs.loggingConfig;
        assert.deepEqual(
            [
                cfg.textDataDeliveryEnabled,
                cfg.imageDataDeliveryEnabled,
                cfg.embeddingDataDeliveryEnabled,
                cfg.videoDataDeliveryEnabled,
            ],
            [false, false, false, false],
            "every delivery flag set false (the provider defaults them to true)",
        );
        const group = byType(run, "aws:cloudwatch/logGroup:LogGroup").find(g => g.name === "invocation-logging-logs")!;
        assert.equal(cfg.cloudwatchConfig.logGroupName, group.state.name);
        assert.equal(group.inputs.retentionInDays, 90, "the configured retention");
        assert.equal(group.inputs.tags["bedrock-bridge:prompt-text"], "none");
        const role = byType(run, "aws:iam/role:Role").find(r => r.name === "invocation-logging-role")!;
        assert.equal(cfg.cloudwatchConfig.roleArn, role.state.arn);
        assert.deepEqual(json(role.inputs.assumeRolePolicy).Statement, [
            {
                Effect: "Allow",
                Principal: { Service: "bedrock.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": BEDROCK },
                    ArnLike: { "aws:SourceArn": `arn:aws:bedrock:ap-northeast-1:${BEDROCK}:*` },
                },
            },
        ]);
        const perms = json(
            one(run, "aws:iam/rolePolicy:RolePolicy", "invocation-logging-write").inputs.policy,
        ).Statement;
        assert.deepEqual(perms, [
            {
                Sid: "WriteInvocationLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${group.state.arn}:log-stream:aws/bedrock/modelinvocations`,
            },
        ]);
        assert.equal(run.outputs.invocationLogGroup, group.state.name);
    });

    it("is absent unless configured, and delivers text only when the stack says so", async () => {
        const none = await runBedrock();
        assert.equal(byType(none, LOGGING).length, 0);
        const { result: text, warnings } = await captureWarnings(() =>
            runBedrock({ "bedrock-bridge:invocationLogging": { textDelivery: true, retentionDays: 7 } }),
        );
        assert.ok(
            warnings.some(w => /textDelivery is true: Bedrock will copy every prompt and answer/.test(w)),
            "the preview warns",
        );
        const cfg = one(text, LOGGING).inputs.loggingConfig;
        assert.deepEqual([cfg.textDataDeliveryEnabled, cfg.imageDataDeliveryEnabled], [true, false]);
        assert.equal(
            byType(text, "aws:cloudwatch/logGroup:LogGroup").find(g => g.name === "invocation-logging-logs")!.inputs
                .tags["bedrock-bridge:prompt-text"],
            "delivered-by-config",
        );
    });
});

describe("monitoring: Bedrock stack with tenants", () => {
    it("graphs and alarms on each tenant's application profiles by their profile id, and logs invocations the same way", async () => {
        const run = await runGoverned({ "bedrock-bridge:invocationLogging": true });
        const profiles = byType(run, "aws:bedrock/inferenceProfile:InferenceProfile");
        assert.equal(profiles.length, 3, "support: 1 model, research: 2");
        const ids = profiles.map(p => p.state.arn.split("/").pop()).sort();
        const refs = dashboardRefs(json(one(run, DASHBOARD).inputs.dashboardBody));
        refs.forEach(assertPublished);
        assert.deepEqual(
            [...new Set(refs.map(r => (r.dimensions as Record<string, string>).ModelId))].sort(),
            ids,
            "tenants call only through their profiles: only those are graphed",
        );
        const labels = json(one(run, DASHBOARD).inputs.dashboardBody)
            .widgets[0].properties.metrics.map((l: any[]) => l[l.length - 1].label)
            .sort();
        assert.deepEqual(labels, [`research: ${MODELS[1]}`, `research: ${MODELS[0]}`, `support: ${MODELS[0]}`].sort());
        const alarm = one(run, ALARM);
        assert.deepEqual(
            alarm.inputs.metricQueries
                .filter((q: any) => q.metric)
                .map((q: any) => q.metric.dimensions.ModelId)
                .sort(),
            ids,
        );
        assert.equal(byType(run, LOGGING).length, 1);
        assert.ok(run.outputs.alarmTopicArn && run.outputs.invocationLogGroup && run.outputs.dashboardName);
    });
});

describe("monitoring: config errors name the key", () => {
    const cases: [string, "bedrock" | "caller", Record<string, unknown>, RegExp][] = [
        [
            "bad alarm e-mail",
            "caller",
            { "bedrock-bridge:monitoring": { alarmEmail: "ops" } },
            /bedrock-bridge:monitoring\.alarmEmail is not valid/,
        ],
        [
            "unknown monitoring field",
            "bedrock",
            { "bedrock-bridge:monitoring": { dashbord: true } },
            /bedrock-bridge:monitoring\.dashbord is not a known setting: did you mean dashboard\?/,
        ],
        [
            "retention CloudWatch does not offer",
            "bedrock",
            { "bedrock-bridge:invocationLogging": { retentionDays: 100 } },
            /bedrock-bridge:invocationLogging\.retentionDays must be one of CloudWatch's values/,
        ],
        [
            "unknown delivery flag",
            "bedrock",
            { "bedrock-bridge:invocationLogging": { promptDelivery: true } },
            /bedrock-bridge:invocationLogging\.promptDelivery is not a known setting \(enabled, retentionDays, textDelivery/,
        ],
        [
            "invocation logging on the caller side",
            "caller",
            { "bedrock-bridge:invocationLogging": true },
            /bedrock-bridge:invocationLogging belongs to the bedrock side/,
        ],
    ];
    for (const [what, side, overrides, expected] of cases) {
        it(what, async () => {
            const p =
                side === "bedrock"
                    ? runBedrock(overrides as any)
                    : runBedrock().then(b => runCaller(b, overrides as any));
            assert.match(await failureOf(p), expected);
        });
    }
});
