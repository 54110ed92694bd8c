// Rollouts across stacks: the Bedrock side expands before it contracts, and a caller's preview says when it is
// behind its Bedrock stack (config/rollout.ts), what changed, and the command that catches up.
import * as assert from "assert";
import { StackRun } from "../../tools/internal/harness";
import { behindMessages } from "../../config/rollout";
import { captureWarnings } from "../support/stacks";
import { GOVERNED, guardrailFilters, runGoverned, runTenantCaller } from "../support/governance";

describe("rollouts across stacks", function () {
    this.timeout(300000);
    let gov0: StackRun;
    let caller0: StackRun;
    let gov1: StackRun;

    before(async () => {
        gov0 = await runGoverned();
        caller0 = await runTenantCaller(gov0, "support");
        // The guardrail's content changes on the Bedrock side (a later up of that stack).
        gov1 = await runGoverned({ "bedrock-bridge:guardrails": guardrailFilters("MEDIUM") }, GOVERNED, gov0.outputs);
    });

    it("the caller exports what it deployed from each Bedrock stack", () => {
        const t = gov0.outputs.tenants.support;
        assert.deepEqual(caller0.outputs.bedrockTargets, [
            {
                stackName: GOVERNED,
                roleArn: t.roleArn,
                tenant: "support",
                profiles: t.profiles,
                guardrail: { arn: t.guardrail.arn, version: t.guardrail.version },
            },
        ]);
    });

    it("a caller behind its Bedrock stack is told what changed, that the old version still works, and pulumi up -s <caller>", async () => {
        const { warnings } = await captureWarnings(() =>
            runTenantCaller(gov1, "support", {}, "caller", caller0.outputs),
        );
        const behind = warnings.filter(w => w.includes("is behind"));
        assert.equal(behind.length, 1, warnings.join("\n"));
        const [v0, v1] = [gov0, gov1].map(g => g.outputs.tenants.support.guardrail.version);
        assert.match(behind[0], new RegExp(`behind Bedrock stack ${GOVERNED}: `));
        assert.match(behind[0], new RegExp(`version ${v1} \\(was .* version ${v0}\\)`));
        assert.match(
            behind[0],
            new RegExp(
                `version ${v0} stays accepted until ${GOVERNED} retires it \\(bedrock-bridge:guardrails\\.<name>\\.retireVersionsBefore\\)`,
            ),
        );
        assert.match(behind[0], /pulumi up -s caller/);
    });

    it("after the Bedrock side contracts, the message says requests are denied until the caller is updated", async () => {
        // Contracting is the operator's call: retireVersionsBefore the new version.
        const filters = guardrailFilters("MEDIUM")["content-safety"];
        const v1 = gov1.outputs.tenants.support.guardrail.version as string;
        const gov2 = await runGoverned(
            { "bedrock-bridge:guardrails": { "content-safety": { ...filters, retireVersionsBefore: v1 } } },
            GOVERNED,
            gov1.outputs,
        );
        const { warnings } = await captureWarnings(() =>
            runTenantCaller(gov2, "support", {}, "caller", caller0.outputs),
        );
        const behind = warnings.filter(w => w.includes("is behind"));
        assert.equal(behind.length, 1, warnings.join("\n"));
        assert.match(behind[0], /are denied until this stack is updated/);
    });

    it("a caller that caught up, or deploys for the first time, hears nothing", async () => {
        const caller1 = await runTenantCaller(gov1, "support", {}, "caller", caller0.outputs);
        for (const previous of [caller1.outputs, undefined]) {
            const { warnings } = await captureWarnings(() => runTenantCaller(gov1, "support", {}, "caller", previous));
            assert.deepEqual(
                warnings.filter(w => w.includes("is behind")),
                [],
            );
        }
    });

    it("names a replaced profile, a removed and a new model, and another role", () => {
        const outputs = {
            tenants: {
                t: {
                    roleArn: "arn:aws:iam::2:role/new",
                    profiles: { a: "arn:p/a2", c: "arn:p/c" },
                    models: ["a", "c"],
                    trust: { kind: "accounts", accountIds: ["1"], rolePath: "/" },
                },
            },
        };
        const [m] = behindMessages(
            "app",
            [
                {
                    stackName: "b",
                    roleArn: "arn:aws:iam::2:role/old",
                    tenant: "t",
                    profiles: { a: "arn:p/a", b: "arn:p/b" },
                },
            ],
            [{ stackName: "b", outputs }],
            "t",
        );
        for (const part of [
            "its role is now arn:aws:iam::2:role/new (was arn:aws:iam::2:role/old)",
            "the profile for a was replaced (now arn:p/a2, was arn:p/a)",
            "model b is no longer offered to tenant t",
            "model c is new for tenant t",
            "pulumi up -s app",
        ])
            assert.ok(m.includes(part), `${part}\nin: ${m}`);
        assert.deepEqual(behindMessages("app", undefined, [{ stackName: "b", outputs }], "t"), []);
    });
});
