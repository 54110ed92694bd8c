// Both stacks' programs under mocks: what each side builds, and config errors that fail preview with the key.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { previewError } from "../components/shared/previewError";
import { byType, failureOf as configError, json, one, runBedrock, runCaller } from "./support/stacks";

describe("program: bedrock side", () => {
    it("builds the execution role and exports what the caller stack reads", async () => {
        const run = await runBedrock();
        assert.equal(run.outputs.side, "bedrock");
        assert.match(
            run.outputs.roleArn,
            /^arn:aws:iam::222222222222:role\/bedrock-bridge-execution-bedrock-ap-northeast-1$/,
        );
        assert.equal(run.outputs.region, "ap-northeast-1");
        assert.deepEqual(run.outputs.allowedModelIds, [
            "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "apac.anthropic.claude-sonnet-4-20250514-v1:0",
        ]);
        assert.equal(byType(run, "aws:lambda/function:Function").length, 0, "the Bedrock side runs no functions");
    });

    it("chooses the side from config, not from the stack name", async () => {
        const run = await runBedrock({}, "caller-looking-name");
        assert.equal(run.outputs.side, "bedrock");
    });
});

describe("program: caller side", () => {
    it("references the Bedrock stack and builds the invoker under the agreed path", async () => {
        const bedrock = await runBedrock();
        const caller = await runCaller(bedrock);
        // (The other reference, previous-deployment, is the stack's own: config/previousDeployment.ts.)
        const ref = one(caller, "pulumi:pulumi:StackReference", "bedrock");
        // A bare name gets this stack's organization and project (issue 10 item 6), not the token's default org.
        assert.equal(ref.inputs.name, "organization/bedrock-bridge/bedrock");
        assert.deepEqual(caller.outputs.bedrockRoleArns, [bedrock.outputs.roleArn]);
        const roles = byType(caller, "aws:iam/role:Role");
        assert.ok(roles.length > 0);
        // The gateway's authorizer assumes no Bedrock role: deliberately off the path the Bedrock stack trusts.
        for (const role of roles.filter(r => r.name !== "gateway-authorizer"))
            assert.equal(role.inputs.path, "/bedrock-bridge/", role.name);
        assert.equal(one(caller, "aws:iam/role:Role", "gateway-authorizer").inputs.path, undefined);
        assert.equal(caller.outputs.defaultModelId, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0");
    });

    it("fails when defaultModelId is not allowed by the Bedrock stack", async () => {
        const bedrock = await runBedrock();
        const msg = await configError(
            runCaller(bedrock, { "bedrock-bridge:defaultModelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }),
        );
        assert.match(msg, /bedrock-bridge:defaultModelId "us\.anthropic[^"]+" is not allowed/);
        assert.match(msg, /jp\.anthropic\.claude-sonnet-4-5/);
    });

    it("says which command to run when the referenced stack has no outputs", async () => {
        const empty = { stack: "bedrock", project: "bedrock-bridge", resources: [], outputs: {} };
        const msg = await configError(runCaller(empty));
        assert.match(msg, /pulumi up -s bedrock/);
    });

    it("a preview error reads as itself, not buried under repeated 'error serializing property' prefixes", async () => {
        // One failed output feeding several inputs: Pulumi's own serializer prefixes the same error once per awaiter.
        const { serializeProperties } = require("@pulumi/pulumi/runtime/rpc");
        const failing = (make: (m: string) => Error) => {
            const out = pulumi.output(Promise.resolve("x")).apply((): string => {
                throw make('stack bedrock has no output "roleArn": deploy the Bedrock side first');
            });
            return Promise.all(
                ["policy", "environment", "description"].map(k =>
                    serializeProperties("r", { [k]: out }).catch((e: Error) => e.message),
                ),
            );
        };
        const plain = await failing(m => new pulumi.RunError(m));
        assert.match(plain.at(-1), /^(error serializing property "\w+": ){2,}/, "what Pulumi does to a plain RunError");
        for (const msg of await failing(previewError))
            assert.equal(msg, 'stack bedrock has no output "roleArn": deploy the Bedrock side first');
    });
});

describe("config errors name the key", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["missing side", { "bedrock-bridge:side": undefined }, /bedrock-bridge:side is required/],
        ["unknown side", { "bedrock-bridge:side": "both" }, /bedrock-bridge:side must be one of bedrock, caller/],
        ["missing allowedAccountIds", { "aws:allowedAccountIds": undefined }, /aws:allowedAccountIds is required/],
        [
            "two accounts in allowedAccountIds",
            { "aws:allowedAccountIds": ["222222222222", "333333333333"] },
            /aws:allowedAccountIds must list exactly one/,
        ],
        ["missing region", { "aws:region": undefined }, /aws:region is required/],
        ["no models", { "bedrock-bridge:models": [] }, /bedrock-bridge:models must not be empty/],
        [
            "bad model id",
            { "bedrock-bridge:models": ["not a model"] },
            /bedrock-bridge:models has invalid entries "not a model"/,
        ],
        [
            "bad caller account",
            { "bedrock-bridge:callerAccountIds": ["1234"] },
            /bedrock-bridge:callerAccountIds has invalid entries "1234"/,
        ],
        [
            "own account as caller",
            { "bedrock-bridge:callerAccountIds": ["222222222222"] },
            /contains this stack's own account/,
        ],
        [
            "trusted ARN outside caller accounts",
            { "bedrock-bridge:trustedPrincipalArns": ["arn:aws:iam::333333333333:role/x"] },
            /account 333333333333 is not in bedrock-bridge:callerAccountIds/,
        ],
        [
            "bad role path",
            { "bedrock-bridge:callerRolePath": "bedrock-bridge" },
            /bedrock-bridge:callerRolePath "bedrock-bridge" is not valid/,
        ],
        [
            "caller key on the bedrock side",
            { "bedrock-bridge:bedrockStacks": ["bedrock"] },
            /bedrock-bridge:bedrockStacks belongs to the caller side/,
        ],
        [
            "session too long",
            { "bedrock-bridge:maxSessionDurationSeconds": "50000" },
            /bedrock-bridge:maxSessionDurationSeconds must be a whole number from 3600 to 43200/,
        ],
        [
            "retention not a CloudWatch value",
            { "bedrock-bridge:logRetentionDays": "10" },
            /bedrock-bridge:logRetentionDays must be one of CloudWatch's values/,
        ],
    ];
    for (const [what, overrides, expected] of cases) {
        it(`bedrock stack: ${what}`, async () => {
            assert.match(await configError(runBedrock(overrides as any)), expected);
        });
    }

    it("reports every problem at once", async () => {
        const msg = await configError(runBedrock({ "bedrock-bridge:models": [], "aws:region": undefined }));
        assert.match(msg, /aws:region is required/);
        assert.match(msg, /bedrock-bridge:models must not be empty/);
    });

    it("caller stack: bedrock key on the caller side, missing bedrockStacks", async () => {
        const bedrock = await runBedrock();
        const msg = await configError(
            runCaller(bedrock, { "bedrock-bridge:models": ["x.y"], "bedrock-bridge:bedrockStacks": undefined }),
        );
        assert.match(msg, /bedrock-bridge:models belongs to the bedrock side/);
        assert.match(msg, /bedrock-bridge:bedrockStacks is required/);
    });

    it("caller stack: invalid invoker settings", async () => {
        const bedrock = await runBedrock();
        const msg = await configError(runCaller(bedrock, { "bedrock-bridge:invoker": { memorySize: 64 } }));
        assert.match(msg, /bedrock-bridge:invoker\.memorySize must be a whole number from 128 to 10240 \(got 64\)/);
    });

    it("caller stack: one output-token bound (64,000) for every maxTokens, and defaults within their limits", async () => {
        const bedrock = await runBedrock();
        const msg = await configError(
            runCaller(bedrock, {
                "bedrock-bridge:invoker": { maxTokens: 9000 },
                "bedrock-bridge:stepFunctions": { maxTokens: 100000 },
                "bedrock-bridge:chat": { allowedOrigins: ["https://chat.example.com"], maxTokens: 64001 },
            }),
        );
        assert.match(
            msg,
            /bedrock-bridge:invoker\.maxTokens \(9000\) is more than bedrock-bridge:invoker\.maxTokensLimit \(8192\): lower maxTokens or raise maxTokensLimit/,
        );
        assert.match(
            msg,
            /bedrock-bridge:stepFunctions\.maxTokens must be a whole number from 1 to 64000 \(got 100000\)/,
        );
        assert.doesNotMatch(msg, /\(100000\) is more than/, "one message per mistake");
        assert.match(msg, /bedrock-bridge:chat\.maxTokens must be a whole number from 1 to 64000/);
        const ok = await runCaller(bedrock, {
            "bedrock-bridge:invoker": { maxTokens: 9000, maxTokensLimit: 64000 },
            "bedrock-bridge:stepFunctions": { maxTokensLimit: 16000 },
        });
        const fnEnv = one(ok, "aws:lambda/function:Function", "invoker").inputs.environment.variables;
        assert.deepEqual([fnEnv.MAX_TOKENS, fnEnv.MAX_TOKENS_LIMIT], ["9000", "64000"]);
        const definition = JSON.parse(one(ok, "aws:sfn/stateMachine:StateMachine").inputs.definition);
        assert.ok(JSON.stringify(definition.States.ValidateInput).includes("from 1 to 16000"));
    });
});

describe("CrossAccountBedrockAccess", () => {
    it("trusts the caller account root only with an aws:PrincipalArn condition on the role path", async () => {
        const run = await runBedrock();
        const trust = json(one(run, "aws:iam/role:Role").inputs.assumeRolePolicy);
        assert.equal(trust.Statement.length, 1);
        const s = trust.Statement[0];
        assert.deepEqual(s.Principal, { AWS: ["arn:aws:iam::111111111111:root"] });
        assert.equal(s.Action, "sts:AssumeRole");
        assert.deepEqual(s.Condition.ArnLike["aws:PrincipalArn"], ["arn:aws:iam::111111111111:role/bedrock-bridge/*"]);
    });

    it("uses exact ARNs and an external id when configured", async () => {
        const arn = "arn:aws:iam::111111111111:role/bedrock-bridge/invoker";
        const run = await runBedrock({
            "bedrock-bridge:trustedPrincipalArns": [arn],
            "bedrock-bridge:externalId": "ext-123",
        });
        const s = json(one(run, "aws:iam/role:Role").inputs.assumeRolePolicy).Statement[0];
        assert.deepEqual(s.Condition.ArnLike["aws:PrincipalArn"], [arn]);
        assert.deepEqual(s.Condition.StringEquals, { "sts:ExternalId": "ext-123" });
    });

    it("allows each profile and its destination foundation models only through that profile", async () => {
        const run = await runBedrock();
        const doc = json(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
        const jpArn =
            "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
        const profile = doc.Statement.find((s: any) => JSON.stringify(s.Resource) === JSON.stringify([jpArn]));
        assert.ok(profile, "a statement for the jp. profile ARN");
        assert.deepEqual(profile.Action, ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]);
        const models = doc.Statement.find(
            (s: any) => s.Condition?.StringEquals?.["bedrock:InferenceProfileArn"] === jpArn,
        );
        assert.deepEqual(models.Resource, [
            "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            "arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        ]);
        for (const s of doc.Statement) {
            assert.ok(!JSON.stringify(s.Action).includes("bedrock:*"), "never bedrock:*");
            assert.notEqual(s.Resource, "*");
        }
    });

    // A model Bedrock serves on demand in Tokyo (Nova Pro is offered there only through profiles: tests/config.test.ts).
    it("allows a plain model id in the stack's region only, and marketplace only on opt-in", async () => {
        const run = await runBedrock({ "bedrock-bridge:models": ["anthropic.claude-3-haiku-20240307-v1:0"] });
        const doc = json(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
        const haiku = ["arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"];
        assert.deepEqual(
            doc.Statement.map((s: any) => [s.Action, s.Resource]),
            [
                [["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], haiku],
                ["bedrock:CountTokens", haiku],
            ],
        );
        const withMarket = await runBedrock({
            "bedrock-bridge:models": ["anthropic.claude-3-haiku-20240307-v1:0"],
            "bedrock-bridge:allowMarketplace": "true",
        });
        const doc2 = json(one(withMarket, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
        assert.deepEqual(doc2.Statement[2].Action, ["aws-marketplace:ViewSubscriptions", "aws-marketplace:Subscribe"]);
    });

    it("fails with a clear message for a profile AWS does not know in the region", async () => {
        const msg = await configError(
            runBedrock({ "bedrock-bridge:models": ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0"] }),
        );
        assert.match(msg, /inference profile "eu\.anthropic\.claude-sonnet-4-5-20250929-v1:0" in ap-northeast-1/);
    });
});
