// The governance example (Pulumi.bedrock-governed.yaml) under mocks: every resource it adds, its outputs, the
// caller side that names a tenant, config errors, the policy pack, and the offline synth.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { StackRun } from "../../../tools/internal/harness";
import { synth } from "../../../tools/synth";
import { profileName } from "../../../components/governance/tenantAccess";
import { checkAll, PolicyResource } from "../../../policy/rules";
import { byType, failureOf, json, one, Overrides, runBedrock } from "../../support/stacks";
import {
    APAC,
    BEDROCK,
    CALLER,
    GOVERNED,
    JP,
    REGION,
    runGoverned,
    runTenantCaller,
    soloTenant,
} from "../../support/governance";
import { scratchDir } from "../../../emulation/scratch";

const tenantsConfig = (run: StackRun) => run.outputs.tenants;
const asPolicyResources = (run: StackRun): PolicyResource[] =>
    run.resources.map(r => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));

describe("governance: the Bedrock stack with tenants", () => {
    let gov: StackRun;
    before(async () => {
        gov = await runGoverned();
    });

    it("builds no stack-wide role: one role per tenant, each trusted only by its callers", () => {
        const roles = byType(gov, "aws:iam/role:Role");
        assert.deepEqual(roles.map(r => r.name).sort(), [
            "tenant-research-execution",
            "tenant-support-budget-budgets",
            "tenant-support-execution",
        ]);
        assert.equal(gov.outputs.roleArn, undefined, "no stack-wide role to go around the tenants");
        const support = json(
            one(gov, "aws:iam/role:Role", "tenant-support-execution").inputs.assumeRolePolicy,
        ).Statement;
        assert.deepEqual(support, [
            {
                Sid: "TenantCallerRoles",
                Effect: "Allow",
                Principal: { AWS: [`arn:aws:iam::${CALLER}:root`] },
                Action: "sts:AssumeRole",
                Condition: { ArnLike: { "aws:PrincipalArn": [`arn:aws:iam::${CALLER}:role/bedrock-bridge/*`] } },
            },
        ]);
        const research = json(
            one(gov, "aws:iam/role:Role", "tenant-research-execution").inputs.assumeRolePolicy,
        ).Statement;
        assert.deepEqual(research, [
            {
                Sid: "TenantOrganizationRoles",
                Effect: "Allow",
                Principal: { AWS: "*" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" },
                    ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/bedrock-bridge/*" },
                    "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"] },
                },
            },
        ]);
    });

    it("creates one tagged application inference profile per tenant model, copied from the system profile", () => {
        const profiles = byType(gov, "aws:bedrock/inferenceProfile:InferenceProfile");
        assert.equal(profiles.length, 3);
        const support = profiles.filter(p => p.name.startsWith("tenant-support-"));
        assert.equal(support.length, 1);
        assert.equal(
            support[0].inputs.modelSource.copyFrom,
            `arn:aws:bedrock:${REGION}:${BEDROCK}:inference-profile/${JP}`,
        );
        assert.deepEqual(support[0].inputs.tags, { team: "support", "bedrock-bridge:tenant": "support" });
        const research = profiles.filter(p => p.name.startsWith("tenant-research-"));
        assert.deepEqual(
            research.map(p => p.inputs.modelSource.copyFrom).sort(),
            [APAC, JP].map(m => `arn:aws:bedrock:${REGION}:${BEDROCK}:inference-profile/${m}`).sort(),
        );
        assert.ok(research.every(p => p.inputs.tags.team === "research"));
        // Names are unique per account and region, and valid for Bedrock ([0-9a-zA-Z] with single separators).
        assert.equal(new Set(profiles.map(p => p.inputs.name)).size, 3);
        for (const p of profiles) assert.match(p.inputs.name, /^([0-9a-zA-Z][ _-]?)+$/);
        const longest = profileName("a".repeat(32), "apac.anthropic.claude-sonnet-4-20250514-v1:0");
        assert.ok(longest.length <= 64 && /^([0-9a-zA-Z][ _-]?)+$/.test(longest), longest);
    });

    it("exports each tenant's role ARN and its model id -> application profile ARN map", () => {
        const t = tenantsConfig(gov);
        assert.deepEqual(Object.keys(t), ["support", "research"]);
        const profile = (n: string) => one(gov, "aws:bedrock/inferenceProfile:InferenceProfile", n).state.arn;
        assert.equal(t.support.roleArn, one(gov, "aws:iam/role:Role", "tenant-support-execution").state.arn);
        // Profiles are keyed by model id (reordering the list keeps each profile).
        assert.deepEqual(t.support.profiles, { [JP]: profile(`tenant-support-${JP}`) });
        assert.deepEqual(t.research.profiles, {
            [JP]: profile(`tenant-research-${JP}`),
            [APAC]: profile(`tenant-research-${APAC}`),
        });
        assert.match(
            t.support.profiles[JP],
            new RegExp(`^arn:aws:bedrock:${REGION}:${BEDROCK}:application-inference-profile/[a-z0-9]+$`),
        );
        assert.deepEqual(t.research.trust, {
            kind: "organization",
            orgId: "o-a1b2c3d4e5",
            paths: ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"],
            rolePath: "/bedrock-bridge/",
        });
        assert.equal(t.research.guardrail, undefined);
        assert.deepEqual(gov.outputs.allowedModelIds, [JP, APAC]);
    });

    it("creates the guardrail from content filters with a numeric version, and exports it for the support tenant", () => {
        const g = one(gov, "aws:bedrock/guardrail:Guardrail");
        const filters = Object.fromEntries(
            g.inputs.contentPolicyConfig.filtersConfigs.map((f: any) => [f.type, [f.inputStrength, f.outputStrength]]),
        );
        assert.deepEqual(filters, {
            HATE: ["HIGH", "HIGH"],
            INSULTS: ["MEDIUM", "MEDIUM"],
            SEXUAL: ["HIGH", "HIGH"],
            VIOLENCE: ["MEDIUM", "MEDIUM"],
            MISCONDUCT: ["MEDIUM", "MEDIUM"],
            PROMPT_ATTACK: ["HIGH", "NONE"],
        });
        assert.ok(g.inputs.blockedInputMessaging && g.inputs.blockedOutputsMessaging);
        const v = one(gov, "aws:bedrock/guardrailVersion:GuardrailVersion");
        assert.equal(v.inputs.guardrailArn, g.state.guardrailArn);
        assert.deepEqual(tenantsConfig(gov).support.guardrail, {
            arn: g.state.guardrailArn,
            version: v.state.version,
            contentHash: v.inputs.description.match(/content ([0-9a-f]{16})/)[1],
        });
    });

    it("budget: monthly cost on the tenant's cost-allocation tag, a notification at the configured percentage", () => {
        const b = one(gov, "aws:budgets/budget:Budget");
        assert.equal(b.inputs.budgetType, "COST");
        assert.equal(b.inputs.timeUnit, "MONTHLY");
        assert.equal(b.inputs.limitAmount, "300.00");
        assert.equal(b.inputs.limitUnit, "USD");
        assert.equal(b.inputs.name, `bedrock-bridge-${GOVERNED}-support`);
        assert.deepEqual(b.inputs.costFilters, [{ name: "TagKeyValue", values: ["user:team$support"] }]);
        const actual = b.inputs.notifications.find((n: any) => n.notificationType === "ACTUAL");
        assert.deepEqual(actual, {
            comparisonOperator: "GREATER_THAN",
            threshold: 80,
            thresholdType: "PERCENTAGE",
            notificationType: "ACTUAL",
            subscriberEmailAddresses: ["finops@example.com"],
        });
    });

    it("budget action: at 100 % attaches exactly the cut-off deny policy to exactly the tenant's role", () => {
        const a = one(gov, "aws:budgets/budgetAction:BudgetAction");
        const role = one(gov, "aws:iam/role:Role", "tenant-support-execution");
        const cutOff = one(gov, "aws:iam/policy:Policy", "tenant-support-budget-cut-off");
        const exec = one(gov, "aws:iam/role:Role", "tenant-support-budget-budgets");
        assert.equal(a.inputs.actionType, "APPLY_IAM_POLICY");
        assert.equal(a.inputs.approvalModel, "AUTOMATIC");
        assert.equal(a.inputs.notificationType, "ACTUAL");
        assert.deepEqual(a.inputs.actionThreshold, { actionThresholdType: "PERCENTAGE", actionThresholdValue: 100 });
        assert.deepEqual(a.inputs.definition, {
            iamActionDefinition: { policyArn: cutOff.state.arn, roles: [role.state.name] },
        });
        assert.equal(a.inputs.executionRoleArn, exec.state.arn);
        assert.equal(a.inputs.budgetName, one(gov, "aws:budgets/budget:Budget").state.name);
        assert.deepEqual(a.inputs.subscribers, [{ address: "finops@example.com", subscriptionType: "EMAIL" }]);
        assert.deepEqual(
            json(cutOff.inputs.policy).Statement.map((s: any) => s.Effect),
            ["Deny"],
        );
        // The execution role: Budgets of this account only, allowed to attach that one policy to that one role.
        assert.deepEqual(json(exec.inputs.assumeRolePolicy).Statement[0].Condition, {
            StringEquals: { "aws:SourceAccount": BEDROCK },
            ArnLike: { "aws:SourceArn": `arn:aws:budgets::${BEDROCK}:budget/*` },
        });
        const perms = json(
            one(gov, "aws:iam/rolePolicy:RolePolicy", "tenant-support-budget-budgets").inputs.policy,
        ).Statement;
        assert.deepEqual(perms, [
            {
                Sid: "AttachCutOffToTenantRole",
                Effect: "Allow",
                Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                Resource: role.state.arn,
                Condition: { ArnEquals: { "iam:PolicyARN": cutOff.state.arn } },
            },
        ]);
        assert.equal(tenantsConfig(gov).support.cutOffPolicyArn, cutOff.state.arn);
        assert.equal(tenantsConfig(gov).support.budgetActionId, a.state.actionId, "exported to lift a cut-off early");
    });

    it("activates the cost-allocation tags only when asked (the payer account's job)", async () => {
        assert.equal(byType(gov, "aws:costexplorer/costAllocationTag:CostAllocationTag").length, 0);
        const payer = await runGoverned({ "bedrock-bridge:activateCostAllocationTags": true }, "gov-payer");
        assert.deepEqual(
            byType(payer, "aws:costexplorer/costAllocationTag:CostAllocationTag").map(t => [
                t.inputs.tagKey,
                t.inputs.status,
            ]),
            [
                ["bedrock-bridge:tenant", "Active"],
                ["team", "Active"],
            ],
        );
    });

    it("uses an existing guardrail by id and version, and an SNS topic as the notification target", async () => {
        const run = await runGoverned(
            {
                "bedrock-bridge:guardrails": { corp: { id: "abcd1234efgh", version: "3" } },
                "bedrock-bridge:tenants": [
                    soloTenant({ monthlyLimitUsd: 50, snsTopicArn: `arn:aws:sns:${REGION}:${BEDROCK}:finops` }),
                ],
            },
            "gov-existing",
        );
        assert.equal(byType(run, "aws:bedrock/guardrail:Guardrail").length, 0);
        assert.deepEqual(run.outputs.tenants.solo.guardrail, {
            arn: `arn:aws:bedrock:${REGION}:${BEDROCK}:guardrail/abcd1234efgh`,
            version: "3",
        });
        const n = one(run, "aws:budgets/budget:Budget").inputs.notifications[0];
        assert.deepEqual(n.subscriberSnsTopicArns, [`arn:aws:sns:${REGION}:${BEDROCK}:finops`]);
        assert.deepEqual(one(run, "aws:budgets/budgetAction:BudgetAction").inputs.subscribers, [
            { address: `arn:aws:sns:${REGION}:${BEDROCK}:finops`, subscriptionType: "SNS" },
        ]);
    });

    it("a plain model id: the profile copies the foundation model, the model is allowed only through the profile", async () => {
        const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"; // on demand in Tokyo: callable without a system profile
        const run = await runGoverned(
            {
                "bedrock-bridge:models": [JP, HAIKU],
                "bedrock-bridge:guardrail": "content-safety",
                "bedrock-bridge:tenants": [
                    { name: "lab", callerAccountIds: [CALLER], models: [HAIKU], costAllocationTags: { team: "lab" } },
                ],
            },
            "gov-plain",
        );
        const profile = one(run, "aws:bedrock/inferenceProfile:InferenceProfile");
        assert.equal(profile.inputs.modelSource.copyFrom, `arn:aws:bedrock:${REGION}::foundation-model/${HAIKU}`);
        const st = json(one(run, "aws:iam/rolePolicy:RolePolicy", "tenant-lab-invoke").inputs.policy).Statement;
        const route = st.find((s: any) => s.Sid === "RoutesOfOwnProfile0");
        assert.deepEqual(route.Resource, [`arn:aws:bedrock:${REGION}::foundation-model/${HAIKU}`]);
        assert.equal(route.Condition.StringEquals["bedrock:InferenceProfileArn"], profile.state.arn);
        // The stack-wide bedrock-bridge:guardrail applies to a tenant without its own.
        const g = one(run, "aws:bedrock/guardrail:Guardrail");
        const v = one(run, "aws:bedrock/guardrailVersion:GuardrailVersion");
        assert.equal(
            route.Condition.StringEquals["bedrock:GuardrailIdentifier"],
            `${g.state.guardrailArn}:${v.state.version}`,
        );
        assert.ok(st.some((s: any) => s.Sid === "DenyInvokeWithoutEnforcedGuardrail"));
    });

    it("every rule of the policy pack holds for the governed stack", () => {
        assert.deepEqual(checkAll(asPolicyResources(gov), { accountId: BEDROCK }), []);
    });

    it("without tenants the stack-wide role stays exactly as it is", async () => {
        const plain = await runBedrock();
        assert.equal(byType(plain, "aws:bedrock/inferenceProfile:InferenceProfile").length, 0);
        assert.equal(plain.outputs.tenants, undefined);
        assert.deepEqual(
            byType(plain, "aws:iam/role:Role").map(r => r.name),
            ["bedrock-access-execution"],
        );
    });
});

describe("governance: config errors name the key and the fix", () => {
    const tenant = (extra: Record<string, unknown> = {}) => ({
        name: "t1",
        callerAccountIds: [CALLER],
        models: [JP],
        costAllocationTags: { team: "t1" },
        ...extra,
    });
    const fails = (overrides: Overrides) => failureOf(runGoverned(overrides, "gov-bad"));

    it("a model not in bedrock-bridge:models", async () => {
        const msg = await fails({
            "bedrock-bridge:tenants": [tenant({ models: ["anthropic.claude-3-haiku-20240307-v1:0"] })],
        });
        assert.match(
            msg,
            /bedrock-bridge:tenants "t1"\.models lists anthropic\.claude-3-haiku-20240307-v1:0, not in bedrock-bridge:models/,
        );
    });

    it("a budget without a notification target", async () => {
        const msg = await fails({ "bedrock-bridge:tenants": [tenant({ budget: { monthlyLimitUsd: 10 } })] });
        assert.match(
            msg,
            /bedrock-bridge:tenants "t1"\.budget\.emails is required: a budget needs a notification target, give emails: \[finops@example\.com\] or snsTopicArn/,
        );
    });

    it("an existing guardrail without its version", async () => {
        const msg = await fails({
            "bedrock-bridge:guardrails": { corp: { id: "abcd1234efgh" } },
            "bedrock-bridge:tenants": [tenant({ guardrail: "corp" })],
        });
        assert.match(msg, /bedrock-bridge:guardrails\.corp\.version is required: the numeric version to enforce/);
    });

    it("an unknown guardrail name, both trust forms, no trust, and every problem at once", async () => {
        const msg = await fails({
            "bedrock-bridge:tenants": [
                tenant({ guardrail: "nope" }),
                tenant({ name: "t2", organization: { id: "o-a1b2c3d4e5" } }),
                { name: "t3", models: [JP], costAllocationTags: { team: "t3" } },
                tenant({ name: "t1" }),
            ],
        });
        assert.match(msg, /bedrock-bridge:tenants "t1"\.guardrail "nope" is not defined in bedrock-bridge:guardrails/);
        assert.match(msg, /bedrock-bridge:tenants "t2" sets both callerAccountIds and organization/);
        assert.match(msg, /bedrock-bridge:tenants "t3" needs callerAccountIds .* or organization/);
        assert.match(msg, /bedrock-bridge:tenants names "t1" more than once/);
    });

    it("unknown fields, a bad organization path, a stack-wide role key beside tenants", async () => {
        const msg = await fails({
            "bedrock-bridge:callerAccountIds": [CALLER],
            "bedrock-bridge:tenants": [
                tenant({ budgt: {} }),
                tenant({
                    name: "t2",
                    callerAccountIds: undefined,
                    organization: { id: "o-a1b2c3d4e5", paths: ["o-zzzzzzzzzz/r-ab12/"] },
                }),
            ],
        });
        assert.match(msg, /bedrock-bridge:tenants "t1" has unknown fields budgt .*did you mean budget\?/);
        assert.match(
            msg,
            /bedrock-bridge:tenants "t2"\.organization\.paths must all start with the organization id o-a1b2c3d4e5\//,
        );
        assert.match(msg, /bedrock-bridge:callerAccountIds cannot be combined with bedrock-bridge:tenants/);
    });

    it("a guardrail that sets both id and contentFilters", async () => {
        const msg = await fails({
            "bedrock-bridge:guardrails": { g: { id: "abcd1234efgh", version: "1", contentFilters: { HATE: "HIGH" } } },
            "bedrock-bridge:tenants": [tenant({ guardrail: "g" })],
        });
        assert.match(msg, /bedrock-bridge:guardrails\.g sets both id and contentFilters/);
    });
});

describe("governance: caller stacks name their tenant", () => {
    let gov: StackRun;
    let support: StackRun;
    before(async () => {
        gov = await runGoverned();
        support = await runTenantCaller(gov, "support", {
            "bedrock-bridge:chat": { allowedOrigins: ["https://chat.example.com"] },
        });
    });

    it("the invoker and the relay get the tenant's role, application profiles and guardrail", () => {
        const t = gov.outputs.tenants.support;
        for (const name of ["invoker", "chat-relay"]) {
            const targets = JSON.parse(
                one(support, "aws:lambda/function:Function", name).inputs.environment.variables.BEDROCK_TARGETS,
            );
            assert.deepEqual(
                targets,
                [
                    {
                        roleArn: t.roleArn,
                        region: REGION,
                        accountId: BEDROCK,
                        models: [JP],
                        tenant: "support",
                        profiles: t.profiles,
                        // What a request sends; the content hash is the Bedrock side's own.
                        guardrail: { arn: t.guardrail.arn, version: t.guardrail.version },
                    },
                ],
                name,
            );
        }
        assert.deepEqual(support.outputs.bedrockRoleArns, [t.roleArn]);
        assert.equal(support.outputs.tenant, "support");
        // The caller roles may assume exactly the tenant's role.
        const invokerRole = byType(support, "aws:iam/role:Role").find(r => r.name.startsWith("invoker"))!;
        const p = json(
            byType(support, "aws:iam/rolePolicy:RolePolicy").find(x => x.inputs.role === invokerRole.id)!.inputs.policy,
        );
        assert.deepEqual(p.Statement.find((s: any) => s.Sid === "AssumeBedrockAccountRole").Resource, [t.roleArn]);
    });

    it("the state machine's Task runs as the tenant role and calls its application profile with the guardrail", () => {
        const t = gov.outputs.tenants.support;
        const def = json(one(support, "aws:sfn/stateMachine:StateMachine").inputs.definition);
        const task = def.States["Converse.1"];
        assert.deepEqual(task.Credentials, { RoleArn: t.roleArn });
        assert.ok(task.Arguments.includes(`$lookup(${JSON.stringify(t.profiles)}, $request.ModelId)`), task.Arguments);
        assert.ok(
            task.Arguments.includes(
                JSON.stringify({
                    GuardrailConfig: { GuardrailIdentifier: t.guardrail.arn, GuardrailVersion: t.guardrail.version },
                }),
            ),
            task.Arguments,
        );
        assert.deepEqual(task.Output.servedBy, { accountId: BEDROCK, region: REGION, tenant: "support" });
    });

    it("a research caller in another account of the organization gets both its models", async () => {
        const run = await runTenantCaller(
            gov,
            "research",
            { "aws:allowedAccountIds": ["444444444444"], "bedrock-bridge:defaultModelId": APAC },
            "caller-research",
        );
        const targets = JSON.parse(
            one(run, "aws:lambda/function:Function", "invoker").inputs.environment.variables.BEDROCK_TARGETS,
        );
        assert.deepEqual(targets[0].models, [JP, APAC]);
        assert.equal(targets[0].guardrail, undefined);
    });

    it("fails at preview: no tenant, an unknown tenant, a tenant on a stack without tenants, an untrusted account or path", async () => {
        assert.match(
            await failureOf(runTenantCaller(gov, undefined, {}, "caller-none")),
            /Bedrock stack bedrock-governed serves callers only as tenants \(research, support\): set bedrock-bridge:tenant/,
        );
        assert.match(
            await failureOf(runTenantCaller(gov, "sales", {}, "caller-sales")),
            /bedrock-bridge:tenant "sales" is not a tenant of Bedrock stack bedrock-governed \(tenants: research, support\)/,
        );
        const plain = await runBedrock();
        assert.match(
            await failureOf(runTenantCaller(plain, "support", {}, "caller-plain")),
            /bedrock-bridge:tenant is "support", but Bedrock stack bedrock has no tenants/,
        );
        assert.match(
            await failureOf(
                runTenantCaller(gov, "support", { "aws:allowedAccountIds": ["444444444444"] }, "caller-other"),
            ),
            /tenant "support" of Bedrock stack bedrock-governed trusts the accounts 111111111111, not this caller account 444444444444/,
        );
        assert.match(
            await failureOf(runTenantCaller(gov, "research", { "bedrock-bridge:rolePath": "/apps/" }, "caller-path")),
            /tenant "research" of Bedrock stack bedrock-governed trusts caller roles under \/bedrock-bridge\/, but bedrock-bridge:rolePath here is \/apps\//,
        );
    });
});

describe("governance: npm run synth renders the worked example", () => {
    it("writes the governed plan with every governance resource", async () => {
        const dir = scratchDir("bb-synth-gov-");
        const plan = await synth(GOVERNED, dir);
        const types = new Set(plan.resources.map(r => r.type));
        for (const t of [
            "aws:bedrock/inferenceProfile:InferenceProfile",
            "aws:bedrock/guardrail:Guardrail",
            "aws:bedrock/guardrailVersion:GuardrailVersion",
            "aws:budgets/budget:Budget",
            "aws:budgets/budgetAction:BudgetAction",
        ])
            assert.ok(types.has(t), t);
        assert.deepEqual(Object.keys(plan.outputs.tenants), ["support", "research"]);
        assert.ok(fs.existsSync(path.join(dir, GOVERNED, "plan.json")));
    });
});
