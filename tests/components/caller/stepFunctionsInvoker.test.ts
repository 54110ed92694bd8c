// StepFunctionsInvoker under mocks: the role, the log group, the state machine and the preview-time checks.
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { decide, sessionOf } from "../../support/iam";
import { byType, failureOf as failure, json, one, runBedrock, runCaller, Overrides } from "../../support/stacks";

const aslValidator = require("asl-validator");

const SM = "aws:sfn/stateMachine:StateMachine";
const ROLE = "aws:iam/role:Role";
const POLICY = "aws:iam/rolePolicy:RolePolicy";
const LOGS = "aws:cloudwatch/logGroup:LogGroup";

async function caller(
    overrides: Overrides = {},
    bedrockOverrides: Overrides = {},
): Promise<{ bedrock: StackRun; run: StackRun }> {
    const bedrock = await runBedrock(bedrockOverrides);
    return { bedrock, run: await runCaller(bedrock, overrides) };
}

const policyOf = (run: StackRun) => json(one(run, POLICY, "sfn-invoker-role").inputs.policy);

describe("StepFunctionsInvoker", () => {
    it("trusts states.amazonaws.com only for this account and this state machine", async () => {
        const { run } = await caller();
        const role = one(run, ROLE, "sfn-invoker-role");
        assert.equal(role.inputs.path, "/bedrock-bridge/");
        const trust = json(role.inputs.assumeRolePolicy);
        assert.equal(trust.Statement.length, 1);
        const s = trust.Statement[0];
        assert.deepEqual(s.Principal, { Service: "states.amazonaws.com" });
        assert.equal(s.Action, "sts:AssumeRole");
        assert.deepEqual(s.Condition.StringEquals, { "aws:SourceAccount": "111111111111" });
        const sm = one(run, SM);
        assert.equal(
            s.Condition.ArnLike["aws:SourceArn"],
            `arn:aws:states:ap-northeast-1:111111111111:stateMachine:${sm.inputs.name}`,
        );
        assert.equal(
            sm.state.arn,
            s.Condition.ArnLike["aws:SourceArn"],
            "the ARN in the trust is the one the state machine gets",
        );
    });

    it("may assume exactly the referenced Bedrock role and deliver logs, nothing more", async () => {
        const { bedrock, run } = await caller();
        const doc = policyOf(run);
        const assume = doc.Statement.filter((s: any) => JSON.stringify(s.Action).includes("sts:"));
        assert.deepEqual(
            assume.map((s: any) => [s.Action, s.Resource]),
            [["sts:AssumeRole", [bedrock.outputs.roleArn]]],
        );
        const star = doc.Statement.filter(
            (s: any) => s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*")),
        );
        assert.equal(star.length, 1, "one statement with Resource *");
        assert.deepEqual([...star[0].Action].sort(), [
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies",
            "logs:GetLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:UpdateLogDelivery",
        ]);
        const logGroup = one(run, LOGS, "sfn-invoker-logs");
        const write = doc.Statement.find((s: any) => JSON.stringify(s.Action).includes("logs:PutLogEvents"));
        assert.deepEqual(write.Resource, [`${logGroup.state.arn}:*`]);
        const actions = doc.Statement.flatMap((s: any) => [s.Action].flat());
        assert.ok(
            !actions.some((a: string) => a.startsWith("xray:") || a.startsWith("bedrock:") || a.endsWith("*")),
            actions.join(", "),
        );
        assert.equal(doc.Statement.length, 3);
    });

    it("keeps its log group with the configured retention", async () => {
        const { run } = await caller();
        const lg = one(run, LOGS, "sfn-invoker-logs");
        assert.equal(lg.inputs.retentionInDays, 30);
        assert.match(lg.inputs.name, /^\/aws\/vendedlogs\/states\/bedrock-bridge\/caller\//);
        const { run: longer } = await caller({ "bedrock-bridge:logRetentionDays": "365" });
        assert.equal(one(longer, LOGS, "sfn-invoker-logs").inputs.retentionInDays, 365);
    });

    it("is a STANDARD state machine logging ERROR without execution data (no prompts in logs) at the state-machine level, no tracing", async () => {
        const { bedrock, run } = await caller();
        const sm = one(run, SM);
        assert.equal(sm.inputs.type, "STANDARD");
        assert.equal(sm.inputs.roleArn, one(run, ROLE, "sfn-invoker-role").state.arn);
        assert.deepEqual(sm.inputs.loggingConfiguration, {
            logDestination: `${one(run, LOGS, "sfn-invoker-logs").state.arn}:*`,
            level: "ERROR",
            includeExecutionData: false,
        });
        assert.deepEqual(sm.inputs.tracingConfiguration, { enabled: false });
        const definition = json(sm.inputs.definition);
        assert.ok(aslValidator(json(sm.inputs.definition)).isValid);
        assert.equal(definition.QueryLanguage, "JSONata");
        const tasks = Object.values<any>(definition.States).filter(s => s.Type === "Task");
        assert.equal(tasks.length, 1);
        assert.deepEqual(tasks[0].Credentials, { RoleArn: bedrock.outputs.roleArn });
        assert.ok(
            !JSON.stringify(definition).includes('"Logging"'),
            "no Logging inside states (Step Functions ignores it there)",
        );
    });

    it("takes type, log level, execution data, tracing and request defaults from bedrock-bridge:stepFunctions", async () => {
        const { run } = await caller({
            "bedrock-bridge:stepFunctions": {
                type: "EXPRESS",
                logLevel: "ALL",
                includeExecutionData: true,
                tracing: true,
                maxTokens: 512,
                temperature: 0.2,
                retry: { maxAttempts: 5 },
            },
        });
        const sm = one(run, SM);
        assert.equal(sm.inputs.type, "EXPRESS");
        // ALL with execution data stays possible, as an explicit opt-in.
        assert.equal(sm.inputs.loggingConfiguration.level, "ALL");
        assert.equal(sm.inputs.loggingConfiguration.includeExecutionData, true);
        assert.deepEqual(sm.inputs.tracingConfiguration, { enabled: true });
        const xray = policyOf(run).Statement.find((s: any) => JSON.stringify(s.Action).includes("xray:"));
        assert.deepEqual([...xray.Action].sort(), [
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ]);
        const definition = json(sm.inputs.definition);
        assert.match(definition.States.PrepareRequest.Assign.request, /\$ic\.maxTokens : 512,/);
        assert.match(
            definition.States.PrepareRequest.Assign.request,
            /\$ic\.temperature : \(\$not\(\$exists\(\$ic\.topP\)\) \? 0\.2\),/,
        );
        assert.equal(definition.States["Converse.1"].Retry[0].MaxAttempts, 5);
    });

    it("exports the state machine ARN, its role and its log group", async () => {
        const { run } = await caller();
        assert.equal(run.outputs.stateMachineArn, one(run, SM).state.arn);
        assert.equal(run.outputs.stateMachineRoleArn, one(run, ROLE, "sfn-invoker-role").state.arn);
        assert.equal(run.outputs.stateMachineLogGroup, one(run, LOGS, "sfn-invoker-logs").state.name);
    });

    it("builds nothing when disabled", async () => {
        const { run } = await caller({ "bedrock-bridge:stepFunctions": { enabled: false } });
        assert.equal(byType(run, SM).length, 0);
        assert.equal(run.outputs.stateMachineArn, undefined);
    });

    it("chains one Task per referenced Bedrock stack, in order, and may assume each of their roles", async () => {
        const first = await runBedrock();
        const second = await runBedrock({ "aws:allowedAccountIds": ["333333333333"] }, "bedrock-2");
        const run = await runCaller(
            { bedrock: first, "bedrock-2": second },
            { "bedrock-bridge:bedrockStacks": ["bedrock", "bedrock-2"] },
        );
        const definition = json(one(run, SM).inputs.definition);
        assert.deepEqual(definition.States["Converse.1"].Credentials.RoleArn, first.outputs.roleArn);
        assert.deepEqual(definition.States["Converse.2"].Credentials.RoleArn, second.outputs.roleArn);
        assert.equal(definition.States["Converse.1"].Catch[0].Next, "Converse.2");
        assert.notEqual(first.outputs.roleArn, second.outputs.roleArn);
        const assume = policyOf(run).Statement.find((s: any) => s.Action === "sts:AssumeRole");
        assert.deepEqual(assume.Resource, [first.outputs.roleArn, second.outputs.roleArn]);
    });

    it("fails at preview when the Bedrock stack is in another region, saying what to change", async () => {
        const msg = await failure(
            caller(
                { "bedrock-bridge:defaultModelId": "amazon.nova-pro-v1:0" },
                { "aws:region": "us-east-1", "bedrock-bridge:models": ["amazon.nova-pro-v1:0"] },
            ),
        );
        assert.match(msg, /Bedrock stack bedrock is in us-east-1, but this caller stack deploys to ap-northeast-1/);
        assert.match(msg, /aws:region/);
        assert.match(msg, /bedrock-bridge:stepFunctions \{enabled: false\}/);
    });

    const SM_ARN = "arn:aws:states:ap-northeast-1:111111111111:stateMachine:bedrock-bridge-caller-sfn-invoker";

    it("fails at preview when the Bedrock stack needs an external id but does not trust this state machine's ARN as one", async () => {
        const msg = await failure(caller({}, { "bedrock-bridge:externalId": "ext-123" }));
        assert.match(msg, /requires an external id \(its bedrock-bridge:externalId\)/);
        assert.match(msg, /sends its state machine's ARN as sts:ExternalId/);
        assert.ok(msg.includes(`add "${SM_ARN}" to bedrock-bridge:trustedStateMachineArns of stack bedrock`), msg);
    });

    it("with an external id, the Bedrock role trusts the listed state machine by its ARN as external id, and nothing else (simulator)", async () => {
        const { bedrock, run } = await caller(
            {},
            { "bedrock-bridge:externalId": "ext-123", "bedrock-bridge:trustedStateMachineArns": [SM_ARN] },
        );
        assert.equal(one(run, SM).inputs.name, SM_ARN.split(":").pop());
        assert.deepEqual(bedrock.outputs.trustedStateMachineArns, [SM_ARN]);
        const role = one(run, ROLE, "sfn-invoker-role");
        const bedrockRole = one(bedrock, ROLE);
        const trust = json(bedrockRole.inputs.assumeRolePolicy);
        const assume = (externalId?: string, principal = role.state.arn) =>
            decide({
                principal: sessionOf(principal),
                principalArn: principal,
                action: "sts:AssumeRole",
                resource: bedrockRole.state.arn,
                resourceAccount: "222222222222",
                identityPolicies: [policyOf(run)],
                resourcePolicy: trust,
                context: externalId ? { "sts:ExternalId": externalId } : {},
            });
        assert.equal(await assume(SM_ARN), "Allowed", "what Step Functions sends");
        assert.equal(await assume("ext-123"), "Allowed", "the functions' external id still works");
        assert.equal(await assume(), "ImplicitlyDenied");
        assert.equal(
            await assume(SM_ARN.replace("caller-sfn", "other-sfn")),
            "ImplicitlyDenied",
            "another state machine's ARN",
        );
        assert.equal(
            await assume(SM_ARN, "arn:aws:iam::111111111111:role/elsewhere/x"),
            "ImplicitlyDenied",
            "a role outside the caller path",
        );
    });

    it("bedrock-bridge:trustedStateMachineArns must be state machines of the caller accounts", async () => {
        const bad = await failure(runBedrock({ "bedrock-bridge:trustedStateMachineArns": ["arn:aws:lambda:x"] }));
        assert.match(bad, /trustedStateMachineArns has invalid entries "arn:aws:lambda:x"/);
        const foreign = await failure(
            runBedrock({
                "bedrock-bridge:trustedStateMachineArns": ["arn:aws:states:ap-northeast-1:999999999999:stateMachine:x"],
            }),
        );
        assert.match(
            foreign,
            /names arn:aws:states:ap-northeast-1:999999999999:stateMachine:x, whose account 999999999999 is not in bedrock-bridge:callerAccountIds/,
        );
    });

    const configErrors: [string, unknown, RegExp][] = [
        [
            "unknown type",
            { type: "FAST" },
            /bedrock-bridge:stepFunctions\.type must be one of STANDARD, EXPRESS \(got "FAST"\)/,
        ],
        [
            "unknown log level",
            { logLevel: "DEBUG" },
            /bedrock-bridge:stepFunctions\.logLevel must be one of ALL, ERROR, FATAL, OFF \(got "DEBUG"\)/,
        ],
        [
            "tracing as text",
            { tracing: "yes" },
            /bedrock-bridge:stepFunctions\.tracing must be true or false \(got "yes"\)/,
        ],
        [
            "temperature out of range",
            { temperature: 2 },
            /bedrock-bridge:stepFunctions\.temperature must be a number from 0 to 1 \(got 2\)/,
        ],
        ["unknown key", { loglevel: "ALL" }, /bedrock-bridge:stepFunctions\.loglevel is not valid/],
        [
            "retry out of range",
            { retry: { maxAttempts: 50 } },
            /bedrock-bridge:stepFunctions\.retry\.maxAttempts must be a whole number from 0 to 10 \(got 50\)/,
        ],
        ["not a map", ["STANDARD"], /bedrock-bridge:stepFunctions must be a map/],
    ];
    for (const [what, value, expected] of configErrors) {
        it(`config error names the key: ${what}`, async () => {
            assert.match(await failure(caller({ "bedrock-bridge:stepFunctions": value as any })), expected);
        });
    }

    it("bedrock-bridge:stepFunctions on the bedrock side is a contradiction", async () => {
        assert.match(
            await failure(runBedrock({ "bedrock-bridge:stepFunctions": { enabled: true } })),
            /bedrock-bridge:stepFunctions belongs to the caller side/,
        );
    });

    it("IAM simulator: the state machine's role session may assume the Bedrock role and no other; only this state machine may use the role", async () => {
        const { bedrock, run } = await caller();
        const role = one(run, ROLE, "sfn-invoker-role");
        const bedrockRole = one(bedrock, ROLE);
        const assume = (roleArn: string, trust: any) =>
            decide({
                principal: sessionOf(role.state.arn),
                principalArn: role.state.arn,
                action: "sts:AssumeRole",
                resource: roleArn,
                resourceAccount: "222222222222",
                identityPolicies: [policyOf(run)],
                resourcePolicy: trust,
            });
        assert.equal(await assume(bedrockRole.state.arn, json(bedrockRole.inputs.assumeRolePolicy)), "Allowed");
        const openTrust = {
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "sts:AssumeRole" },
            ],
        };
        assert.equal(await assume("arn:aws:iam::222222222222:role/admin", openTrust), "ImplicitlyDenied");

        const byService = (sourceArn: string, sourceAccount = "111111111111") =>
            decide({
                principal: "states.amazonaws.com",
                principalArn: "states.amazonaws.com",
                action: "sts:AssumeRole",
                resource: role.state.arn,
                resourceAccount: "111111111111",
                identityPolicies: [],
                resourcePolicy: json(role.inputs.assumeRolePolicy),
                context: { "aws:SourceArn": sourceArn, "aws:SourceAccount": sourceAccount },
            });
        const sm = one(run, SM).state.arn;
        assert.equal(await byService(sm), "Allowed");
        assert.equal(
            await byService("arn:aws:states:ap-northeast-1:111111111111:stateMachine:other"),
            "ImplicitlyDenied",
        );
        assert.equal(await byService(sm.replace("111111111111", "999999999999"), "999999999999"), "ImplicitlyDenied");
    });
});
