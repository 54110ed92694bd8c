// A second `pulumi up` is as safe as the first: pairs of configurations (before, after) synthesized under mocks and
// compared by URN and physical name (tests/support/planPair.ts): no name claimed twice during the update, the
// guardrail version changes exactly when its content does, the REST deployment changes whenever the API does.
import * as assert from "assert";
import { StackRun } from "../tools/internal/harness";
import { json, one, runBedrock, runCaller } from "./support/stacks";
import { APAC, GOVERNED, guardrailFilters, JP, runGoverned } from "./support/governance";
import { planPair, PlanPair } from "./support/planPair";
import { NAME_INPUTS, REPLACEMENT_RULES } from "./support/replacement";

const PROFILE = "aws:bedrock/inferenceProfile:InferenceProfile";
const VERSION = "aws:bedrock/guardrailVersion:GuardrailVersion";
const DEPLOYMENT = "aws:apigateway/deployment:Deployment";

const tenantsWith = (research: string[]) => [
    {
        name: "support",
        callerAccountIds: ["111111111111"],
        models: [JP],
        costAllocationTags: { team: "support" },
        budget: { monthlyLimitUsd: 300, notifyAtPercent: 80, emails: ["finops@example.com"] },
        guardrail: "content-safety",
    },
    {
        name: "research",
        organization: { id: "o-a1b2c3d4e5", paths: ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"] },
        models: research,
        costAllocationTags: { team: "research" },
    },
];

function noCollisions(p: PlanPair): void {
    assert.deepEqual(p.collisions, [], p.collisions.join("\n"));
}

/** The REST deployment must be replaced whenever anything of the API (or its stage's settings) changed. */
/** The chat API's deployment (the example stack also has the gateway's, gateway-deployment, unchanged here). */
function deploymentFollowsApi(p: PlanPair): void {
    const api = p.steps.filter(
        s =>
            s.type.startsWith("aws:apigateway/") &&
            s.type !== DEPLOYMENT &&
            s.type !== "aws:apigateway/stage:Stage" &&
            !s.name.startsWith("gateway-"),
    );
    const changed = api.filter(s => s.op !== "same");
    const deployment = p.of(DEPLOYMENT, "chat-deployment", true);
    assert.equal(deployment.length, 1);
    if (changed.length)
        assert.equal(
            deployment[0].op,
            "replace",
            `the API changed (${changed.map(s => `${s.op} ${s.name}: ${s.changed.join(", ")}`).join("; ")}) but the deployment does not`,
        );
}

describe("updates: pairs of configurations, compared as pulumi up would step", function () {
    this.timeout(300000);

    describe("the plan pair helper", () => {
        const run = (resources: any[]): StackRun => ({ stack: "s", project: "p", resources, outputs: {} });
        const sm = (name: string, type: string, extra: any = {}) => ({
            type: "aws:sfn/stateMachine:StateMachine",
            name,
            urn: `urn:pulumi:s::p::aws:sfn/stateMachine:StateMachine::${name}`,
            inputs: { name: "fixed", type },
            secretInputs: [],
            id: "",
            state: {},
            ...extra,
        });

        it("a replacement under the same name collides unless deleteBeforeReplace; an update does not", () => {
            assert.equal(planPair(run([sm("m", "STANDARD")]), run([sm("m", "EXPRESS")])).collisions.length, 1);
            const dbr = { options: { deleteBeforeReplace: true } };
            assert.deepEqual(planPair(run([sm("m", "STANDARD")]), run([sm("m", "EXPRESS", dbr)])).collisions, []);
            const p = planPair(
                run([sm("m", "STANDARD")]),
                run([sm("m", "STANDARD", { inputs: { name: "fixed", type: "STANDARD", definition: "{}" } })]),
            );
            assert.equal(p.steps[0].op, "update");
            assert.deepEqual(p.collisions, []);
        });

        it("a new resource under a name an old one holds collides (the old one is deleted last); an alias carries identity", () => {
            const p = planPair(run([sm("a", "STANDARD")]), run([sm("b", "STANDARD")]));
            assert.deepEqual(
                p.steps.map(s => s.op),
                ["create", "delete"],
            );
            assert.equal(p.collisions.length, 1);
            const aliased = planPair(
                run([sm("a", "STANDARD")]),
                run([sm("b", "STANDARD", { options: { aliasNames: ["a"] } })]),
            );
            assert.deepEqual(
                aliased.steps.map(s => s.op),
                ["same"],
            );
            assert.deepEqual(aliased.collisions, []);
        });
    });

    describe("tenant models reordered and one removed (governed stack)", () => {
        let base: StackRun;
        before(async () => {
            base = await runGoverned();
        });

        it("reordering keeps every profile (keyed by model id) and claims no name twice", async () => {
            const after = await runGoverned(
                { "bedrock-bridge:tenants": tenantsWith([APAC, JP]) },
                GOVERNED,
                base.outputs,
            );
            const p = planPair(base, after);
            noCollisions(p);
            assert.deepEqual(p.of(PROFILE), []);
            assert.deepEqual(after.outputs.tenants.research.profiles, base.outputs.tenants.research.profiles);
        });

        it("removing a model deletes its profile only; the other keeps its ARN", async () => {
            const after = await runGoverned({ "bedrock-bridge:tenants": tenantsWith([APAC]) }, GOVERNED, base.outputs);
            const p = planPair(base, after);
            noCollisions(p);
            assert.deepEqual(
                p.of(PROFILE).map(s => [s.op, s.name]),
                [["delete", `tenant-research-${JP}`]],
            );
            assert.equal(after.outputs.tenants.research.profiles[APAC], base.outputs.tenants.research.profiles[APAC]);
        });

        it("a stack deployed with index-named profiles keeps them (aliases from the model order at its last update)", async () => {
            // The state such a stack has: each tenant's profiles named by their index in its model list then.
            const models = { support: [JP], research: [JP, APAC] } as Record<string, string[]>;
            const deployed: StackRun = {
                ...base,
                resources: base.resources.map(r => {
                    const m = r.type === PROFILE ? /^tenant-(\w+)-(.+)$/.exec(r.name) : null;
                    if (!m) return r;
                    const name = `tenant-${m[1]}-${models[m[1]].indexOf(m[2])}`;
                    return { ...r, name, urn: r.urn.slice(0, r.urn.lastIndexOf("::") + 2) + name };
                }),
            };
            // Same list, and the list reordered in the same update: each profile keeps its identity either way.
            for (const research of [
                [JP, APAC],
                [APAC, JP],
            ]) {
                const after = await runGoverned(
                    { "bedrock-bridge:tenants": tenantsWith(research) },
                    GOVERNED,
                    deployed.outputs,
                );
                const p = planPair(deployed, after);
                noCollisions(p);
                assert.deepEqual(p.of(PROFILE), [], JSON.stringify(p.of(PROFILE)));
            }
        });

        it("cost-allocation tags are keyed by tag key, with their former index names as aliases", async () => {
            const on = { "bedrock-bridge:activateCostAllocationTags": true };
            const first = await runGoverned(on);
            const tags = first.resources.filter(r => r.type === "aws:costexplorer/costAllocationTag:CostAllocationTag");
            assert.deepEqual(
                tags.map(t => [t.name, t.inputs.tagKey, t.options?.aliasNames]),
                [
                    ["cost-tag-bedrock-bridge:tenant", "bedrock-bridge:tenant", ["cost-tag-0"]],
                    ["cost-tag-team", "team", ["cost-tag-1"]],
                ],
            );
            const p = planPair(
                first,
                await runGoverned(
                    {
                        ...on,
                        "bedrock-bridge:tenants": tenantsWith([JP, APAC]).map(t => ({
                            ...t,
                            costAllocationTags: { unit: "x", team: t.name },
                        })),
                    },
                    GOVERNED,
                    first.outputs,
                ),
            );
            noCollisions(p);
            assert.deepEqual(
                p.of("aws:costexplorer/costAllocationTag:CostAllocationTag").map(s => [s.op, s.name]),
                [["create", "cost-tag-unit"]],
            );
        });
    });

    describe("guardrail filters changed (governed stack)", () => {
        let base: StackRun;
        let changed: StackRun;
        before(async () => {
            base = await runGoverned();
            changed = await runGoverned(
                { "bedrock-bridge:guardrails": guardrailFilters("MEDIUM") },
                GOVERNED,
                base.outputs,
            );
        });

        it("a content change publishes a new version (the version is replaced, the guardrail updated in place)", () => {
            const p = planPair(base, changed);
            noCollisions(p);
            assert.deepEqual(
                p.of(VERSION).map(s => [s.op, s.changed]),
                [["replace", ["description"]]],
            );
            assert.deepEqual(
                p.of("aws:bedrock/guardrail:Guardrail").map(s => s.op),
                ["update"],
            );
            assert.notEqual(
                changed.outputs.tenants.support.guardrail.version,
                base.outputs.tenants.support.guardrail.version,
            );
            assert.equal(one(changed, VERSION).inputs.skipDestroy, true, "the replaced version stays in Bedrock");
        });

        it("no content change, no new version (another budget, the same filters again)", async () => {
            const same = await runGoverned(
                {
                    "bedrock-bridge:tenants": tenantsWith([JP, APAC]).map(t =>
                        t.budget ? { ...t, budget: { ...t.budget, monthlyLimitUsd: 500 } } : t,
                    ),
                },
                GOVERNED,
                base.outputs,
            );
            assert.deepEqual(planPair(base, same).of(VERSION), []);
            assert.equal(
                same.outputs.tenants.support.guardrail.version,
                base.outputs.tenants.support.guardrail.version,
            );
        });

        it("expand: the tenant role accepts the previous version too until retireVersionsBefore, then only the new one", async () => {
            const [v0, v1] = [base, changed].map(r => r.outputs.tenants.support.guardrail);
            assert.deepEqual(v1.previousVersions, [v0.version]);
            const statements = (run: StackRun) =>
                json(one(run, "aws:iam/rolePolicy:RolePolicy", "tenant-support-invoke").inputs.policy).Statement;
            const ids = (run: StackRun) => {
                const st = statements(run);
                return [
                    st.find((s: any) => s.Sid === "InvokeOwnApplicationProfiles").Condition.StringEquals[
                        "bedrock:GuardrailIdentifier"
                    ],
                    st.find((s: any) => s.Sid === "DenyInvokeWithoutEnforcedGuardrail").Condition.StringNotEquals[
                        "bedrock:GuardrailIdentifier"
                    ],
                ];
            };
            const both = [`${v1.arn}:${v1.version}`, `${v0.arn}:${v0.version}`];
            assert.deepEqual(ids(changed), [both, both]);
            // Contract: the operator retires the versions before the new one (tests/components/governance/guardrailVersions.test.ts).
            const filters = guardrailFilters("MEDIUM");
            const later = await runGoverned(
                {
                    "bedrock-bridge:guardrails": {
                        "content-safety": { ...filters["content-safety"], retireVersionsBefore: v1.version },
                    },
                },
                GOVERNED,
                changed.outputs,
            );
            assert.equal(later.outputs.tenants.support.guardrail.previousVersions, undefined);
            assert.deepEqual(ids(later), [`${v1.arn}:${v1.version}`, `${v1.arn}:${v1.version}`]);
            assert.deepEqual(planPair(changed, later).of(VERSION), []);
        });
    });

    describe("caller stack", () => {
        let bedrock: StackRun;
        let base: StackRun;
        before(async () => {
            bedrock = await runBedrock();
            base = await runCaller(bedrock);
        });

        it("every explicitly named resource is of a type whose replacement-forcing inputs are known", async () => {
            const gov = await runGoverned({ "bedrock-bridge:activateCostAllocationTags": true });
            const unknown = [...bedrock.resources, ...base.resources, ...gov.resources]
                .filter(r => !r.type.startsWith("pulumi:"))
                .filter(r => NAME_INPUTS.some(k => typeof r.inputs[k] === "string") && !REPLACEMENT_RULES[r.type])
                .map(r => `${r.type} (${r.name})`);
            assert.deepEqual(
                [...new Set(unknown)],
                [],
                "add these types to tests/support/replacement.ts from the provider's schema",
            );
        });

        it("switching stepFunctions.type replaces the fixed-name state machine delete-first", async () => {
            const after = await runCaller(bedrock, {
                "bedrock-bridge:stepFunctions": { enabled: true, type: "EXPRESS" },
            });
            const p = planPair(base, after);
            noCollisions(p);
            const [s] = p.of("aws:sfn/stateMachine:StateMachine");
            assert.deepEqual([s.op, s.changed, s.deleteBeforeReplace], ["replace", ["type"], true]);
        });

        it("chat switched to an existing user pool: the authorizer and the deployment follow", async () => {
            const after = await runCaller(bedrock, {
                "bedrock-bridge:chat": {
                    allowedOrigins: ["https://chat.example.com"],
                    userPoolId: "ap-northeast-1_AbCdEf123",
                    userPoolClientId: "a1b2c3d4e5f6g7h8i9j0k1l2m3",
                },
            });
            const p = planPair(base, after);
            noCollisions(p);
            assert.deepEqual(
                p.of("aws:apigateway/authorizer:Authorizer").map(s => [s.op, s.changed]),
                [["update", ["providerArns"]]],
            );
            deploymentFollowsApi(p);
            assert.equal(p.of(DEPLOYMENT)[0].op, "replace");
        });

        it("a CORS origin added, or other throttling: the deployment changes with the API", async () => {
            for (const chat of [
                { allowedOrigins: ["https://chat.example.com", "https://other.example.com"] },
                { allowedOrigins: ["https://chat.example.com"], throttling: { rateLimit: 7, burstLimit: 9 } },
            ]) {
                const p = planPair(base, await runCaller(bedrock, { "bedrock-bridge:chat": chat }));
                noCollisions(p);
                assert.ok(
                    p.steps.some(s => s.type.startsWith("aws:apigateway/") && s.type !== DEPLOYMENT && s.op !== "same"),
                );
                deploymentFollowsApi(p);
            }
        });

        it("the same configuration again changes nothing", async () => {
            const p = planPair(base, await runCaller(bedrock));
            noCollisions(p);
            assert.deepEqual(
                p.steps.filter(s => s.op !== "same").map(s => `${s.op} ${s.name}: ${s.changed.join(", ")}`),
                [],
            );
        });
    });
});
