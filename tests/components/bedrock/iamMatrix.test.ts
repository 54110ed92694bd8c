// Two stacks wired as in production: the Bedrock stack's outputs feed the caller's StackReference, and the
// synthesized policies are evaluated by an independent IAM simulator.
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { decide, sessionOf } from "../../support/iam";
import { byType, json, one, runBedrock, runCaller } from "../../support/stacks";

const CALLER = "111111111111";
const BEDROCK = "222222222222";
const THIRD = "333333333333";
const REGION = "ap-northeast-1";
const JP = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const APAC = "apac.anthropic.claude-sonnet-4-20250514-v1:0";
const profileArn = (id: string) => `arn:aws:bedrock:${REGION}:${BEDROCK}:inference-profile/${id}`;
const fmArn = (region: string, model: string) => `arn:aws:bedrock:${region}::foundation-model/${model}`;
const allowAll = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

describe("IAM matrix across both stacks", () => {
    let bedrock: StackRun;
    let caller: StackRun;
    let bedrockRoleArn: string;
    let trust: any;
    let bedrockPolicies: any[];
    let callerRoleArn: string;
    let callerPolicy: any;

    before(async () => {
        bedrock = await runBedrock();
        caller = await runCaller(bedrock);
        const role = one(bedrock, "aws:iam/role:Role");
        bedrockRoleArn = role.state.arn;
        trust = json(role.inputs.assumeRolePolicy);
        // Everything the role carries: its inline policy and the managed policies attached to it.
        const attached = byType(bedrock, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter(a => a.inputs.role === role.id)
            .map(a => a.inputs.policyArn);
        bedrockPolicies = [
            ...byType(bedrock, "aws:iam/rolePolicy:RolePolicy").filter(p => p.inputs.role === role.id),
            ...byType(bedrock, "aws:iam/policy:Policy").filter(p => attached.includes(p.state.arn)),
        ].map(p => json(p.inputs.policy));
        assert.ok(bedrockPolicies.length >= 1);
        const invokerRole = byType(caller, "aws:iam/role:Role").find(r => r.name.startsWith("invoker"))!;
        callerRoleArn = invokerRole.state.arn;
        callerPolicy = json(
            byType(caller, "aws:iam/rolePolicy:RolePolicy").find(p => p.inputs.role === invokerRole.id)!.inputs.policy,
        );
    });

    const assume = (principalArn: string, identity: any[], roleArn = bedrockRoleArn) =>
        decide({
            principal: principalArn.includes(":role/") ? sessionOf(principalArn) : principalArn,
            principalArn,
            action: "sts:AssumeRole",
            resource: roleArn,
            resourceAccount: BEDROCK,
            identityPolicies: identity,
            resourcePolicy: trust,
        });

    it("the caller's invoker role session may assume the Bedrock role", async () => {
        assert.match(callerRoleArn, new RegExp(`^arn:aws:iam::${CALLER}:role/bedrock-bridge/`));
        assert.equal(await assume(callerRoleArn, [callerPolicy]), "Allowed");
    });

    it("another role in the caller account may not, even with AdministratorAccess", async () => {
        assert.equal(await assume(`arn:aws:iam::${CALLER}:role/some-other-app`, [allowAll]), "ImplicitlyDenied");
        assert.equal(await assume(`arn:aws:iam::${CALLER}:user/alice`, [allowAll]), "ImplicitlyDenied");
    });

    it("a role under the same path in a third account may not", async () => {
        assert.equal(await assume(`arn:aws:iam::${THIRD}:role/bedrock-bridge/invoker`, [allowAll]), "ImplicitlyDenied");
    });

    it("the invoker role may assume no other role in the Bedrock account", async () => {
        const other = `arn:aws:iam::${BEDROCK}:role/admin`;
        const openTrust = {
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${CALLER}:root` }, Action: "sts:AssumeRole" },
            ],
        };
        assert.equal(
            await decide({
                principal: sessionOf(callerRoleArn),
                principalArn: callerRoleArn,
                action: "sts:AssumeRole",
                resource: other,
                resourceAccount: BEDROCK,
                identityPolicies: [callerPolicy],
                resourcePolicy: openTrust,
            }),
            "ImplicitlyDenied",
        );
    });

    const invoke = (action: string, resource: string, context?: Record<string, string>) =>
        decide({
            principal: sessionOf(bedrockRoleArn),
            principalArn: bedrockRoleArn,
            action,
            resource,
            resourceAccount: BEDROCK,
            identityPolicies: bedrockPolicies,
            context,
        });

    for (const action of ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]) {
        it(`the assumed role may ${action} through each allowed profile and its destination models`, async () => {
            assert.equal(await invoke(action, profileArn(JP)), "Allowed");
            assert.equal(await invoke(action, profileArn(APAC)), "Allowed");
            for (const region of ["ap-northeast-1", "ap-northeast-3"]) {
                assert.equal(
                    await invoke(action, fmArn(region, "anthropic.claude-sonnet-4-5-20250929-v1:0"), {
                        "bedrock:InferenceProfileArn": profileArn(JP),
                    }),
                    "Allowed",
                    region,
                );
            }
            assert.equal(
                await invoke(action, fmArn("ap-southeast-2", "anthropic.claude-sonnet-4-20250514-v1:0"), {
                    "bedrock:InferenceProfileArn": profileArn(APAC),
                }),
                "Allowed",
            );
        });
    }

    it("the assumed role may count tokens (bedrock:CountTokens) on the allowed models' foundation models in its region only", async () => {
        // CountTokens names the foundation model behind a profile, in the region of the call (the gateway's count_tokens).
        assert.equal(
            await invoke("bedrock:CountTokens", fmArn(REGION, "anthropic.claude-sonnet-4-5-20250929-v1:0")),
            "Allowed",
        );
        assert.equal(
            await invoke("bedrock:CountTokens", fmArn(REGION, "anthropic.claude-sonnet-4-20250514-v1:0")),
            "Allowed",
        );
        for (const [region, model] of [
            [REGION, "anthropic.claude-opus-4-1-20250805-v1:0"],
            ["ap-northeast-3", "anthropic.claude-sonnet-4-5-20250929-v1:0"],
        ])
            assert.equal(await invoke("bedrock:CountTokens", fmArn(region, model)), "ImplicitlyDenied", model);
    });

    it("the assumed role may not call a profile's foundation models directly or through another profile", async () => {
        const fm = fmArn("ap-northeast-1", "anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert.equal(await invoke("bedrock:InvokeModel", fm), "ImplicitlyDenied");
        assert.equal(
            await invoke("bedrock:InvokeModel", fm, { "bedrock:InferenceProfileArn": profileArn(APAC) }),
            "ImplicitlyDenied",
        );
        assert.equal(
            await invoke("bedrock:InvokeModel", fmArn("us-east-1", "anthropic.claude-sonnet-4-5-20250929-v1:0"), {
                "bedrock:InferenceProfileArn": profileArn(JP),
            }),
            "ImplicitlyDenied",
        );
    });

    it("the assumed role may not invoke other models or profiles", async () => {
        assert.equal(
            await invoke("bedrock:InvokeModel", fmArn(REGION, "anthropic.claude-3-haiku-20240307-v1:0")),
            "ImplicitlyDenied",
        );
        assert.equal(
            await invoke("bedrock:InvokeModel", profileArn("global.anthropic.claude-sonnet-4-5-20250929-v1:0")),
            "ImplicitlyDenied",
        );
        assert.equal(
            await invoke(
                "bedrock:InvokeModelWithResponseStream",
                profileArn("apac.anthropic.claude-3-haiku-20240307-v1:0"),
            ),
            "ImplicitlyDenied",
        );
    });

    it("the assumed role's sessions may be used as short-term API keys, never as long-term ones", async () => {
        assert.equal(
            await invoke("bedrock:CallWithBearerToken", "*", { "bedrock:bearerTokenType": "SHORT_TERM" }),
            "Allowed",
        );
        assert.notEqual(
            await invoke("bedrock:CallWithBearerToken", "*", { "bedrock:bearerTokenType": "LONG_TERM" }),
            "Allowed",
        );
    });

    it("the assumed role may call no other Bedrock action", async () => {
        const cases: [string, string][] = [
            ["bedrock:GetFoundationModel", fmArn(REGION, "anthropic.claude-sonnet-4-5-20250929-v1:0")],
            ["bedrock:GetInferenceProfile", profileArn(JP)],
            ["bedrock:CreateModelInvocationJob", `arn:aws:bedrock:${REGION}:${BEDROCK}:model-invocation-job/x`],
            ["bedrock:ListFoundationModels", "*"],
            ["bedrock:CreateGuardrail", "*"],
        ];
        for (const [action, resource] of cases)
            assert.equal(await invoke(action, resource), "ImplicitlyDenied", action);
    });
});
