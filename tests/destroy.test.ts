// Deleting what the stacks create works in one pass: `pulumi destroy` of every feature run, and an `up` that removes
// a tenant whose budget cut-off is attached. Derived from the synthesized plans (retention and dependencies as the
// program registers them, tests/support/destroyPlan.ts), so a new retained resource or policy is checked too.
import { strict as assert } from "assert";
import { readStackConfig, StackRun } from "../tools/internal/harness";
import { destroyConflicts, dependsOn } from "./support/destroyPlan";
import { featureRuns } from "./support/featureRuns";
import { GOVERNED, runGoverned } from "./support/governance";
import { planPair } from "./support/planPair";

describe("destroy: every policy the delete removes is held by nothing it keeps, and deleted after its holders", () => {
    let runs: Record<string, StackRun>;
    before(async () => {
        runs = await featureRuns();
    });

    it("pulumi destroy of every stack and optional feature", () => {
        assert.deepEqual(
            Object.entries(runs).flatMap(([name, run]) => destroyConflicts(run).map(p => `${name}: ${p}`)),
            [],
        );
    });

    it("the account-wide API Gateway logging role is kept, and bounded by nothing the stack deletes", () => {
        const role = runs.callerFull.resources.find(
            r => r.type === "aws:iam/role:Role" && r.name === "apigateway-account-cloudwatch",
        )!;
        assert.equal(role.options?.retainOnDelete, true, "other REST APIs of the region keep logging");
        const own = runs.callerFull.resources
            .filter(r => r.type === "aws:iam/policy:Policy")
            .map(r => r.state.arn as string);
        assert.ok(!own.includes(role.inputs.permissionsBoundary), "not the stack's boundary");
        assert.equal(
            role.inputs.permissionsBoundary,
            "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        );
    });

    it("removing a tenant whose cut-off is attached: its role goes before the cut-off policy, in one up", async () => {
        const before = runs.governed;
        const tenants = JSON.parse(readStackConfig(GOVERNED).config["bedrock-bridge:tenants"]) as { name: string }[];
        const after = await runGoverned(
            { "bedrock-bridge:tenants": tenants.filter(t => t.name !== "support") },
            GOVERNED,
            before.outputs,
        );
        const removed = new Set(
            planPair(before, after)
                .steps.filter(s => s.op === "delete")
                .map(s => s.urn),
        );
        const of = (type: string, name: string) => before.resources.find(r => r.type === type && r.name === name)!;
        const role = of("aws:iam/role:Role", "tenant-support-execution");
        const cutOff = of("aws:iam/policy:Policy", "tenant-support-budget-cut-off");
        assert.ok(removed.has(role.urn) && removed.has(cutOff.urn), "the tenant's role and cut-off policy go");
        assert.ok(dependsOn(before, role, cutOff), "the role depends on the policy: deleted first");
        assert.deepEqual(
            destroyConflicts(before, r => removed.has(r.urn)),
            [],
        );
    });
});
