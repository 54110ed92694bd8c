// The configuration as a user meets it: unknown and misspelled keys, type slips, every problem of a stack in one
// preview (cross-stack ones included), trust between the stacks, model ids, bare stack names, broken stack files.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { readStackConfig, runStack } from "../../tools/internal/harness";
import { gatewayLimitProblems, readConfig } from "../../config";
import { DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_LIMIT } from "../../functions/bedrock/limits";
import { failureOf, one, runBedrock, runCaller } from "../support/stacks";
import { scratchDir } from "../../emulation/scratch";

const JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";

describe("config: every key is known", () => {
    it("a misspelled bedrock-bridge: key fails naming the closest known key", async () => {
        const msg = await failureOf(runBedrock({ "bedrock-bridge:callerRolepath": "/bedrock-bridge/" }));
        assert.match(
            msg,
            /bedrock-bridge:callerRolepath is not a bedrock-bridge setting: did you mean bedrock-bridge:callerRolePath\?/,
        );
    });

    it("a near miss of the other side's key says whose key it is", async () => {
        const msg = await failureOf(runBedrock({ "bedrock-bridge:rolepath": "/bedrock-bridge/" }));
        assert.match(
            msg,
            /bedrock-bridge:rolepath is not a bedrock-bridge setting: did you mean bedrock-bridge:rolePath\? \(a caller-side key; this stack is bedrock\)/,
        );
    });

    it("a shortened key is suggested its full name; a key far from any lists the side's keys", async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(
            runCaller(bedrock, { "bedrock-bridge:defaultModel": JP, "bedrock-bridge:colour": "blue" }),
        );
        assert.match(
            msg,
            /bedrock-bridge:defaultModel is not a bedrock-bridge setting: did you mean bedrock-bridge:defaultModelId\?/,
        );
        assert.match(
            msg,
            /bedrock-bridge:colour is not a bedrock-bridge setting \(known: side, logRetentionDays, monitoring, (permissionsBoundary, )?bedrockStacks, rolePath, defaultModelId, invoker, auth, stepFunctions, chat, apiGatewayAccount, tenant, gateway, workloadRoles\)/,
        );
    });

    it("a misspelled aws: provider key fails naming the provider's key; the provider's other keys pass", async () => {
        const msg = await failureOf(
            runBedrock({
                "aws:regoin": "ap-northeast-1",
                "aws:profile": "bedrock-admin",
                "aws:skipMetadataApiCheck": "true",
            }),
        );
        assert.match(msg, /aws:regoin is not an AWS provider setting: did you mean aws:region\?/);
        assert.doesNotMatch(msg, /aws:profile|aws:skipMetadataApiCheck/);
    });

    it("keys of other namespaces (pulumi:, other providers) are not ours to judge", () => {
        const read = readConfig({
            ...readStackConfig("bedrock").config,
            "pulumi:disable-default-providers": '["*"]',
            "random:seed": "x",
        });
        assert.deepEqual(read.problems, []);
    });

    it("an entry of a map that is misspelled is suggested too", async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(
            runCaller(bedrock, {
                "bedrock-bridge:chat": { allowedOrigins: ["https://chat.example.com"], sytemPrompt: "Be brief." },
            }),
        );
        assert.match(msg, /bedrock-bridge:chat\.sytemPrompt is not a chat setting: did you mean systemPrompt\?/);
    });
});

describe("config: type slips say what was expected", () => {
    it('chat.enabled: "false" (a quoted string) names the boolean it should be', async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(
            runCaller(bedrock, {
                "bedrock-bridge:chat": { allowedOrigins: ["https://chat.example.com"], enabled: "false" },
            }),
        );
        assert.match(
            msg,
            /bedrock-bridge:chat\.enabled must be true or false \(got "false"\): expected a boolean true\/false, got the string "false"; write it without quotes/,
        );
    });

    it("auditTrail: yes names the three forms it takes", async () => {
        const msg = await failureOf(runBedrock({ "bedrock-bridge:auditTrail": "yes" }));
        assert.match(
            msg,
            /bedrock-bridge:auditTrail must be true, false or a map such as \{retentionDays: 365, multiRegion: true\} \(got "yes"\): expected true\/false or a map, got the string "yes"/,
        );
    });

    it("a number given as text in a map, and a list where a map belongs", async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(
            runCaller(bedrock, {
                "bedrock-bridge:invoker": { memorySize: "512" },
                "bedrock-bridge:stepFunctions": { retry: [3] },
            }),
        );
        assert.match(
            msg,
            /bedrock-bridge:invoker\.memorySize must be a whole number from 128 to 10240 \(got "512"\): expected a whole number, got the string "512"; write it without quotes/,
        );
        assert.match(
            msg,
            /bedrock-bridge:stepFunctions\.retry must be a map such as .*got \[3\]\): expected a map, got a list/,
        );
    });

    it("valid values keep their defaults and types", () => {
        const read = readConfig({
            ...readStackConfig("caller").config,
            "bedrock-bridge:invoker": '{"memorySize":512}',
        });
        assert.deepEqual(read.problems, []);
        assert.deepEqual(read.values.invoker, {
            enabled: true,
            memorySize: 512,
            timeoutSeconds: 60,
            maxTokens: DEFAULT_MAX_TOKENS,
            maxTokensLimit: DEFAULT_MAX_TOKENS_LIMIT,
        });
        assert.equal(read.values.stepFunctions?.retry.maxAttempts, 3);
        assert.equal(read.values.chat?.namespace, "bedrock-stream-response");
        assert.equal(read.values.logRetentionDays, 30);
    });
});

describe("config: cross-stack trust, checked at preview", () => {
    let bedrock: Awaited<ReturnType<typeof runBedrock>>;
    before(async () => {
        bedrock = await runBedrock();
    });

    it("the Bedrock stack exports what it trusts", () => {
        assert.deepEqual(bedrock.outputs.trust, {
            callerAccountIds: ["111111111111"],
            callerRolePath: "/bedrock-bridge/",
        });
    });

    it("a caller stack in the Bedrock account itself fails, naming aws:allowedAccountIds and callerAccountIds", async () => {
        const msg = await failureOf(runCaller(bedrock, { "aws:allowedAccountIds": ["222222222222"] }));
        assert.match(
            msg,
            /this caller stack deploys into account 222222222222 \(aws:allowedAccountIds\), the account of Bedrock stack bedrock itself/,
        );
        assert.match(msg, /bedrock-bridge:callerAccountIds/);
    });

    it("a caller account the Bedrock stack does not trust fails, naming the keys on both sides", async () => {
        const msg = await failureOf(runCaller(bedrock, { "aws:allowedAccountIds": ["333333333333"] }));
        assert.match(
            msg,
            /Bedrock stack bedrock does not trust this caller's account 333333333333 \(aws:allowedAccountIds here\): add "333333333333" to bedrock-bridge:callerAccountIds there \(now \["111111111111"\]\) and run pulumi up -s bedrock/,
        );
    });

    it("a role path outside the trusted path fails, naming rolePath here and callerRolePath there", async () => {
        const msg = await failureOf(runCaller(bedrock, { "bedrock-bridge:rolePath": "/apps/" }));
        assert.match(
            msg,
            /bedrock-bridge:rolePath "\/apps\/" is not under bedrock-bridge:callerRolePath "\/bedrock-bridge\/" of Bedrock stack bedrock/,
        );
        // A deeper path under the trusted one matches the trust's wildcard.
        const deeper = await runCaller(bedrock, { "bedrock-bridge:rolePath": "/bedrock-bridge/team-a/" });
        assert.ok(deeper.outputs.invokerRoleArn);
    });

    it("exact trusted ARNs must include a role of this account under its role path", async () => {
        const exact = await runBedrock({
            "bedrock-bridge:trustedPrincipalArns": ["arn:aws:iam::111111111111:role/other/app"],
        });
        const msg = await failureOf(runCaller(exact));
        assert.match(
            msg,
            /trusts only the exact roles in its bedrock-bridge:trustedPrincipalArns \(arn:aws:iam::111111111111:role\/other\/app\), none of them under this stack's bedrock-bridge:rolePath "\/bedrock-bridge\/"/,
        );
    });

    it("an organization-wide trust passes the account check (membership is AWS's to check)", async () => {
        const orgTrust = {
            ...bedrock,
            outputs: {
                ...bedrock.outputs,
                trust: { callerAccountIds: [], callerRolePath: "/bedrock-bridge/", organizationIds: ["o-abc123"] },
            },
        };
        const run = await runCaller(orgTrust);
        assert.ok(run.outputs.invokerRoleArn);
    });

    it("reports config problems and cross-stack problems in one preview", async () => {
        const msg = await failureOf(
            runCaller(bedrock, {
                "bedrock-bridge:rolePath": "/apps/",
                "bedrock-bridge:callerRolePath": "/x/",
                "bedrock-bridge:invoker": { memorySize: 1 },
            }),
        );
        assert.match(msg, /bedrock-bridge:callerRolePath belongs to the bedrock side/);
        assert.match(msg, /bedrock-bridge:invoker\.memorySize must be a whole number from 128 to 10240/);
        assert.match(msg, /bedrock-bridge:rolePath "\/apps\/" is not under/);
    });

    it("the state machine's own cross-stack checks join the same list", async () => {
        const east = await runBedrock({ "aws:region": "us-east-1", "bedrock-bridge:models": ["amazon.nova-pro-v1:0"] });
        const msg = await failureOf(
            runCaller(east, {
                "bedrock-bridge:defaultModelId": "amazon.nova-pro-v1:0",
                "bedrock-bridge:rolepath": "/bedrock-bridge/",
            }),
        );
        assert.match(msg, /Bedrock stack bedrock is in us-east-1, but this caller stack deploys to ap-northeast-1/);
        assert.match(
            msg,
            /bedrock-bridge:rolepath is not a bedrock-bridge setting: did you mean bedrock-bridge:rolePath\?/,
        );
    });

    it("a Bedrock stack deployed before it exported its trust asks for an update", async () => {
        const { trust: _, ...older } = bedrock.outputs;
        const msg = await failureOf(runCaller({ ...bedrock, outputs: older }));
        assert.match(
            msg,
            /stack bedrock has no output "trust": deploy \(or update\) the Bedrock side first with pulumi up -s bedrock/,
        );
    });

    it("every referenced stack is checked", async () => {
        const other = await runBedrock(
            { "aws:allowedAccountIds": ["444444444444"], "bedrock-bridge:callerAccountIds": ["555555555555"] },
            "bedrock-osaka",
        );
        const msg = await failureOf(
            runCaller(
                { bedrock, "bedrock-osaka": other },
                { "bedrock-bridge:bedrockStacks": ["bedrock", "bedrock-osaka"] },
            ),
        );
        assert.match(msg, /Bedrock stack bedrock-osaka does not trust this caller's account 111111111111/);
        assert.doesNotMatch(msg, /Bedrock stack bedrock does not/);
    });
});

describe("config: model ids", () => {
    it("an unknown profile prefix fails about the model id", async () => {
        const msg = await failureOf(
            runBedrock({ "bedrock-bridge:models": ["ja.anthropic.claude-sonnet-4-5-20250929-v1:0"] }),
        );
        assert.match(
            msg,
            /bedrock-bridge:models "ja\.anthropic\.claude-sonnet-4-5-20250929-v1:0" has the unknown inference profile prefix "ja\."/,
        );
        assert.doesNotMatch(msg, /fixture/);
    });

    it("a misspelled profile or model id fails naming the id and how to list the right ones, not a fixture", async () => {
        const msg = await failureOf(
            runBedrock({
                "bedrock-bridge:models": ["jp.anthropic.claude-sonet-4-5-20250929-v1:0", "amazon.nova-por-v1:0"],
            }),
        );
        assert.match(
            msg,
            /bedrock-bridge:models: Bedrock has no inference profile "jp\.anthropic\.claude-sonet-4-5-20250929-v1:0" in ap-northeast-1 .*aws bedrock list-inference-profiles --region ap-northeast-1/,
        );
        assert.match(
            msg,
            /bedrock-bridge:models: Bedrock has no model "amazon\.nova-por-v1:0" in ap-northeast-1 .*aws bedrock list-foundation-models --region ap-northeast-1/,
        );
        assert.doesNotMatch(msg, /fixture/);
    });

    it("a model offered in the region only through profiles fails, pointing to the profile id", async () => {
        const msg = await failureOf(runBedrock({ "bedrock-bridge:models": ["amazon.nova-pro-v1:0"] }));
        assert.match(
            msg,
            /bedrock-bridge:models "amazon\.nova-pro-v1:0" cannot be called directly in ap-northeast-1: Bedrock offers it there only through cross-region inference profiles; list a profile id instead: jp\.amazon\.nova-pro-v1:0 or apac\.amazon\.nova-pro-v1:0 or global\.amazon\.nova-pro-v1:0 \(the profiles callable from ap-northeast-1/,
        );
        // The same id where Bedrock serves it on demand is fine.
        const east = await runBedrock({ "aws:region": "us-east-1", "bedrock-bridge:models": ["amazon.nova-pro-v1:0"] });
        assert.deepEqual(east.outputs.allowedModelIds, ["amazon.nova-pro-v1:0"]);
    });

    it("the caller's model ids are checked for their prefix too", async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(
            runCaller(bedrock, { "bedrock-bridge:defaultModelId": "jpn.anthropic.claude-sonnet-4-5-20250929-v1:0" }),
        );
        assert.match(
            msg,
            /bedrock-bridge:defaultModelId "jpn\.anthropic[^"]*" has the unknown inference profile prefix "jpn\." \(did you mean jp\?\)/,
        );
    });

    for (const region of ["ap-northeast-1", "ap-northeast-3"]) {
        it(`offline synth answers the example profiles from ${region}, a source region of jp.`, async () => {
            const run = await runBedrock({ "aws:region": region });
            const doc = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
            const arn = `arn:aws:bedrock:${region}:222222222222:inference-profile/${JP}`;
            assert.ok(
                doc.Statement.some((s: any) => JSON.stringify(s.Resource) === JSON.stringify([arn])),
                `a statement for ${arn}`,
            );
        });
    }

    it("a profile asked for outside its source regions fails as AWS would", async () => {
        const msg = await failureOf(runBedrock({ "aws:region": "us-east-1" }));
        assert.match(
            msg,
            /Bedrock has no inference profile "jp\.anthropic\.claude-sonnet-4-5-20250929-v1:0" in us-east-1/,
        );
    });
});

describe("config: stack references", () => {
    it("a bare name gets this stack's organization and project; project/stack gets the organization; full names stay", async () => {
        const bedrock = await runBedrock();
        const run = await runStack({
            stack: "caller",
            organization: "acme",
            config: {
                ...readStackConfig("caller").config,
                "bedrock-bridge:bedrockStacks": JSON.stringify([
                    "bedrock",
                    "other-project/bedrock",
                    "corp/bedrock-bridge/bedrock",
                ]),
            },
            stackOutputs: () => bedrock.outputs,
        });
        const names = run.resources
            .filter(r => r.type === "pulumi:pulumi:StackReference" && r.name !== "previous-deployment")
            .map(r => r.inputs.name);
        assert.deepEqual(names, [
            "acme/bedrock-bridge/bedrock",
            "acme/other-project/bedrock",
            "corp/bedrock-bridge/bedrock",
        ]);
    });
});

describe("config: stack files", () => {
    it("a broken YAML stack file is named in the error", () => {
        const dir = scratchDir("bb-yaml-");
        fs.writeFileSync(
            path.join(dir, "Pulumi.broken.yaml"),
            "config:\n  aws:region: ap-northeast-1\n   bedrock-bridge:side: caller\n",
        );
        assert.throws(
            () => readStackConfig("broken", dir),
            (e: Error) => /Pulumi\.broken\.yaml is not valid YAML: .*line \d+, column \d+/.test(e.message),
        );
        fs.writeFileSync(path.join(dir, "Pulumi.list.yaml"), "config:\n  - aws:region\n");
        assert.throws(() => readStackConfig("list", dir), /Pulumi\.list\.yaml: "config" must be a map/);
    });
});

describe("config: gateway limits that contradict each other", () => {
    it("tokensPerDay below tokensPerMinute and burst below requestsPerSecond fail, every key named, all at once", () => {
        const { values } = readConfig({
            ...readStackConfig("caller").config,
            "bedrock-bridge:gateway": JSON.stringify({
                keys: [
                    { name: "orders", tokensPerMinute: 100000, tokensPerDay: 50000, requestsPerSecond: 50, burst: 5 },
                    { name: "reports", requestsPerSecond: 30 },
                    { name: "ok", tokensPerMinute: 1000, tokensPerDay: 1000, requestsPerSecond: 5, burst: 5 },
                ],
            }),
        });
        const problems = gatewayLimitProblems(values.gateway!.keys);
        assert.deepEqual(problems, [
            "bedrock-bridge:gateway.keys \"orders\".tokensPerDay 50000 is below its tokensPerMinute 100000: the day's window would be spent before one minute's is, so tokensPerMinute could never be reached. Set tokensPerDay to at least 100000 (a whole day at the minute's rate is 144000000), or lower tokensPerMinute",
            'bedrock-bridge:gateway.keys "orders".burst 5 is below its requestsPerSecond 50: the burst is the bucket that lets requests through above the steady rate, so a smaller one refuses with 429 what the rate allows. Set burst to at least 50, or lower requestsPerSecond',
        ]);
    });

    it("a key that names no burst gets one that lets its rate through: 20, or its requestsPerSecond when higher", () => {
        const keys = [
            { name: "reports", requestsPerSecond: 30 },
            { name: "slow", requestsPerSecond: 2 },
            { name: "plain" },
        ];
        const read = (throttle?: object) =>
            readConfig({
                ...readStackConfig("caller").config,
                "bedrock-bridge:gateway": JSON.stringify({ keys, throttle }),
            });
        const { values, problems } = read();
        assert.deepEqual(problems, []);
        assert.deepEqual(
            values.gateway!.keys.map(k => [k.name, k.requestsPerSecond, k.burst]),
            [
                ["reports", 30, 30],
                ["slow", 2, 20],
                ["plain", 10, 20],
            ],
        );
        assert.deepEqual(gatewayLimitProblems(values.gateway!.keys), []);
        // The stage throttle is held to the same sums: bursts of 30 + 20 + 20 are 70.
        assert.match(read({ requestsPerSecond: 42, burst: 69 }).problems.join("\n"), /burst \(70\)/);
        assert.deepEqual(read({ requestsPerSecond: 42, burst: 70 }).problems, []);
    });

    it("fail the caller's preview", async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(
            runCaller(bedrock, {
                "bedrock-bridge:gateway": {
                    keys: [
                        { name: "demo", tokensPerMinute: 2000, tokensPerDay: 1000, requestsPerSecond: 10, burst: 2 },
                    ],
                },
            }),
        );
        assert.match(msg, /gateway\.keys "demo"\.tokensPerDay 1000 is below its tokensPerMinute 2000/);
        assert.match(msg, /gateway\.keys "demo"\.burst 2 is below its requestsPerSecond 10/);
    });
});
