// The governance IAM matrix: the worked example's synthesized policies, evaluated per tenant by an independent
// simulator (@cloud-copilot/iam-simulate). A call through an application profile is authorized on the profile
// and on what it routes to, with bedrock:InferenceProfileArn naming the application profile (docs/governance.md).
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { ALLOW_ALL, decide, foundationModelArn, inferenceProfileArn, sessionOf } from "../../support/iam";
import { byType, json, one } from "../../support/stacks";
import { APAC, BEDROCK, CALLER, JP, REGION, runGoverned } from "../../support/governance";

const INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];
const ORG = "o-a1b2c3d4e5";
const OU_PATH = `${ORG}/r-ab12/ou-ab12-11111111/`;

describe("governance IAM matrix (iam-simulate)", () => {
    let gov: StackRun;
    let tenants: any;
    /** The policies each tenant role carries (inline), by tenant. */
    const policies: Record<string, any[]> = {};
    const trust: Record<string, any> = {};
    let cutOff: any;
    let guardrailId: string;

    before(async () => {
        gov = await runGoverned();
        tenants = gov.outputs.tenants;
        for (const name of ["support", "research"]) {
            const role = one(gov, "aws:iam/role:Role", `tenant-${name}-execution`);
            trust[name] = json(role.inputs.assumeRolePolicy);
            policies[name] = byType(gov, "aws:iam/rolePolicy:RolePolicy")
                .filter(p => p.inputs.role === role.id)
                .map(p => json(p.inputs.policy));
            assert.ok(policies[name].length >= 1);
        }
        cutOff = json(one(gov, "aws:iam/policy:Policy", "tenant-support-budget-cut-off").inputs.policy);
        guardrailId = `${tenants.support.guardrail.arn}:${tenants.support.guardrail.version}`;
    });

    /** A call as the tenant role's session; context carries what Bedrock sets for a call through a profile. */
    const invoke = (
        tenant: string,
        action: string,
        resource: string,
        context: Record<string, string> = {},
        extra: any[] = [],
    ) =>
        decide({
            principal: sessionOf(tenants[tenant].roleArn),
            principalArn: tenants[tenant].roleArn,
            action,
            resource,
            resourceAccount: BEDROCK,
            identityPolicies: [...policies[tenant], ...extra],
            context,
        });
    const system = (id: string) => inferenceProfileArn(REGION, BEDROCK, id);
    /** Every resource Bedrock authorizes for one call through an application profile (profile, system profile, models). */
    const throughProfile = (appProfile: string, systemProfile: string, models: string[]) =>
        [appProfile, systemProfile, ...models].map(resource => ({
            resource,
            context: { "bedrock:InferenceProfileArn": appProfile },
        }));
    const JP_MODELS = ["ap-northeast-1", "ap-northeast-3"].map(r =>
        foundationModelArn(r, "anthropic.claude-sonnet-4-5-20250929-v1:0"),
    );

    describe("research (no guardrail)", () => {
        for (const action of INVOKE) {
            it(`${action}: allowed through its own application profiles, at every resource Bedrock checks`, async () => {
                for (const { resource, context } of throughProfile(
                    tenants.research.profiles[JP],
                    system(JP),
                    JP_MODELS,
                )) {
                    assert.equal(await invoke("research", action, resource, context), "Allowed", resource);
                }
                assert.equal(
                    await invoke("research", action, tenants.research.profiles[APAC], {
                        "bedrock:InferenceProfileArn": tenants.research.profiles[APAC],
                    }),
                    "Allowed",
                );
                assert.equal(
                    await invoke(
                        "research",
                        action,
                        foundationModelArn("ap-south-1", "anthropic.claude-sonnet-4-20250514-v1:0"),
                        { "bedrock:InferenceProfileArn": tenants.research.profiles[APAC] },
                    ),
                    "Allowed",
                );
            });

            it(`${action}: denied on the system profile or the foundation models directly`, async () => {
                assert.equal(await invoke("research", action, system(JP)), "ImplicitlyDenied");
                assert.equal(await invoke("research", action, JP_MODELS[0]), "ImplicitlyDenied");
                // Calling the system profile itself: Bedrock names the system profile, not an application profile.
                assert.equal(
                    await invoke("research", action, JP_MODELS[1], { "bedrock:InferenceProfileArn": system(JP) }),
                    "ImplicitlyDenied",
                );
            });

            it(`${action}: denied through another tenant's application profile`, async () => {
                for (const { resource, context } of throughProfile(
                    tenants.support.profiles[JP],
                    system(JP),
                    JP_MODELS,
                )) {
                    assert.equal(await invoke("research", action, resource, context), "ImplicitlyDenied", resource);
                }
            });
        }
    });

    describe("support (guardrail enforced)", () => {
        const withGuardrail = (ctx: Record<string, string>, id: string) => ({
            ...ctx,
            "bedrock:GuardrailIdentifier": id,
        });
        for (const action of INVOKE) {
            it(`${action}: allowed through its own profile with exactly its guardrail`, async () => {
                for (const { resource, context } of throughProfile(
                    tenants.support.profiles[JP],
                    system(JP),
                    JP_MODELS,
                )) {
                    assert.equal(
                        await invoke("support", action, resource, withGuardrail(context, guardrailId)),
                        "Allowed",
                        resource,
                    );
                }
            });

            it(`${action}: denied without the guardrail, with another guardrail or another version`, async () => {
                const [{ resource, context }] = throughProfile(tenants.support.profiles[JP], system(JP), JP_MODELS);
                assert.equal(await invoke("support", action, resource, context), "ExplicitlyDenied");
                assert.equal(
                    await invoke(
                        "support",
                        action,
                        resource,
                        withGuardrail(context, `arn:aws:bedrock:${REGION}:${BEDROCK}:guardrail/other12345ab:1`),
                    ),
                    "ExplicitlyDenied",
                );
                assert.equal(
                    await invoke(
                        "support",
                        action,
                        resource,
                        withGuardrail(context, `${tenants.support.guardrail.arn}:2`),
                    ),
                    "ExplicitlyDenied",
                );
                // The deny holds even if someone attaches AdministratorAccess to the tenant role.
                assert.equal(await invoke("support", action, resource, context, [ALLOW_ALL]), "ExplicitlyDenied");
            });

            it(`${action}: denied on the research profile, the system profile and the models directly, guardrail or not`, async () => {
                assert.equal(
                    await invoke(
                        "support",
                        action,
                        tenants.research.profiles[JP],
                        withGuardrail({ "bedrock:InferenceProfileArn": tenants.research.profiles[JP] }, guardrailId),
                    ),
                    "ImplicitlyDenied",
                );
                assert.equal(
                    await invoke("support", action, tenants.research.profiles[APAC], withGuardrail({}, guardrailId)),
                    "ImplicitlyDenied",
                );
                assert.equal(
                    await invoke("support", action, system(JP), withGuardrail({}, guardrailId)),
                    "ImplicitlyDenied",
                );
                assert.equal(
                    await invoke("support", action, JP_MODELS[0], withGuardrail({}, guardrailId)),
                    "ImplicitlyDenied",
                );
            });

            it(`${action}: after the budget action attached its policy, every call is denied`, async () => {
                for (const { resource, context } of throughProfile(
                    tenants.support.profiles[JP],
                    system(JP),
                    JP_MODELS,
                )) {
                    assert.equal(
                        await invoke("support", action, resource, withGuardrail(context, guardrailId), [cutOff]),
                        "ExplicitlyDenied",
                        resource,
                    );
                }
            });
        }

        it("may count tokens on its own models' foundation models, guardrail or budget cut-off or not (no output)", async () => {
            const fm = foundationModelArn(REGION, "anthropic.claude-sonnet-4-5-20250929-v1:0");
            assert.equal(await invoke("support", "bedrock:CountTokens", fm), "Allowed");
            assert.equal(await invoke("support", "bedrock:CountTokens", fm, {}, [cutOff]), "Allowed");
            const other = foundationModelArn(REGION, "anthropic.claude-opus-4-1-20250805-v1:0");
            assert.equal(await invoke("support", "bedrock:CountTokens", other), "ImplicitlyDenied");
        });

        it("may apply its own guardrail and no other", async () => {
            assert.equal(await invoke("support", "bedrock:ApplyGuardrail", tenants.support.guardrail.arn), "Allowed");
            assert.equal(
                await invoke(
                    "support",
                    "bedrock:ApplyGuardrail",
                    `arn:aws:bedrock:${REGION}:${BEDROCK}:guardrail/other12345ab`,
                ),
                "ImplicitlyDenied",
            );
        });
    });

    describe("who may assume the tenant roles", () => {
        const assume = (tenant: string, principalArn: string, context: Record<string, string | string[]> = {}) =>
            decide({
                principal: principalArn.includes(":role/") ? sessionOf(principalArn) : principalArn,
                principalArn,
                action: "sts:AssumeRole",
                resource: tenants[tenant].roleArn,
                resourceAccount: BEDROCK,
                identityPolicies: [ALLOW_ALL],
                resourcePolicy: trust[tenant],
                context,
            });
        const inOu = { "aws:PrincipalOrgID": ORG, "aws:PrincipalOrgPaths": [OU_PATH] };

        it("support: roles under the caller path of its account only", async () => {
            assert.equal(
                await assume("support", `arn:aws:iam::${CALLER}:role/bedrock-bridge/invoker-role-1`),
                "Allowed",
            );
            assert.equal(await assume("support", `arn:aws:iam::${CALLER}:role/other-app`), "ImplicitlyDenied");
            assert.equal(
                await assume("support", "arn:aws:iam::333333333333:role/bedrock-bridge/invoker-role-1", inOu),
                "ImplicitlyDenied",
            );
        });

        it("research: any account of the OU, roles under the path; not outside the OU, the organization or the path", async () => {
            assert.equal(
                await assume("research", "arn:aws:iam::444444444444:role/bedrock-bridge/invoker-role-1", inOu),
                "Allowed",
            );
            assert.equal(
                await assume("research", "arn:aws:iam::555555555555:role/bedrock-bridge/nested/x", {
                    "aws:PrincipalOrgID": ORG,
                    "aws:PrincipalOrgPaths": [`${OU_PATH}ou-ab12-22222222/`],
                }),
                "Allowed",
                "a nested OU is under the path",
            );
            assert.equal(
                await assume("research", "arn:aws:iam::444444444444:role/bedrock-bridge/invoker-role-1", {
                    "aws:PrincipalOrgID": ORG,
                    "aws:PrincipalOrgPaths": [`${ORG}/r-ab12/ou-ab12-99999999/`],
                }),
                "ImplicitlyDenied",
                "another OU",
            );
            assert.equal(
                await assume("research", "arn:aws:iam::444444444444:role/bedrock-bridge/invoker-role-1", {
                    "aws:PrincipalOrgID": "o-zzzzzzzzzz",
                    "aws:PrincipalOrgPaths": [OU_PATH],
                }),
                "ImplicitlyDenied",
                "another organization",
            );
            assert.equal(
                await assume("research", "arn:aws:iam::444444444444:role/bedrock-bridge/invoker-role-1"),
                "ImplicitlyDenied",
                "outside any organization",
            );
            assert.equal(
                await assume("research", "arn:aws:iam::444444444444:role/admin", inOu),
                "ImplicitlyDenied",
                "outside the role path",
            );
            assert.equal(
                await assume("research", "arn:aws:iam::444444444444:user/bedrock-bridge/alice", inOu),
                "ImplicitlyDenied",
                "a user, not a role",
            );
        });
    });

    describe("the Budgets execution role", () => {
        let exec: any;
        let execPolicy: any;
        before(() => {
            exec = one(gov, "aws:iam/role:Role", "tenant-support-budget-budgets");
            execPolicy = json(one(gov, "aws:iam/rolePolicy:RolePolicy", "tenant-support-budget-budgets").inputs.policy);
        });
        const byBudgets = (sourceAccount: string, sourceArn: string) =>
            decide({
                principal: "budgets.amazonaws.com",
                principalArn: "budgets.amazonaws.com",
                action: "sts:AssumeRole",
                resource: exec.state.arn,
                resourceAccount: BEDROCK,
                identityPolicies: [],
                resourcePolicy: json(exec.inputs.assumeRolePolicy),
                context: { "aws:SourceAccount": sourceAccount, "aws:SourceArn": sourceArn },
            });
        const attach = (action: string, roleArn: string, policyArn: string) =>
            decide({
                principal: sessionOf(exec.state.arn),
                principalArn: exec.state.arn,
                action,
                resource: roleArn,
                resourceAccount: BEDROCK,
                identityPolicies: [execPolicy],
                context: { "iam:PolicyARN": policyArn },
            });

        it("is assumable by AWS Budgets for this account's budgets only", async () => {
            assert.equal(
                await byBudgets(BEDROCK, `arn:aws:budgets::${BEDROCK}:budget/bedrock-bridge-bedrock-governed-support`),
                "Allowed",
            );
            assert.equal(await byBudgets("999999999999", "arn:aws:budgets::999999999999:budget/x"), "ImplicitlyDenied");
        });

        it("may attach and detach exactly the cut-off policy on exactly the tenant's role", async () => {
            const cut = tenants.support.cutOffPolicyArn;
            assert.equal(await attach("iam:AttachRolePolicy", tenants.support.roleArn, cut), "Allowed");
            assert.equal(await attach("iam:DetachRolePolicy", tenants.support.roleArn, cut), "Allowed");
            assert.equal(
                await attach(
                    "iam:AttachRolePolicy",
                    tenants.support.roleArn,
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                ),
                "ImplicitlyDenied",
            );
            assert.equal(await attach("iam:AttachRolePolicy", tenants.research.roleArn, cut), "ImplicitlyDenied");
            assert.equal(await attach("iam:PutRolePolicy", tenants.support.roleArn, cut), "ImplicitlyDenied");
        });
    });
});
