// The derived deploy policy, tried as an attacker holding the deploy role would try it (IAM simulator): replace the
// permissions boundary with allow-all, create a role under the stack's names with that boundary, give it `*:*`, pass
// it to a new function. The chain must stop at its first step, for the example stacks and every optional feature, and
// no role the deploy role can create or change may do more than the boundary allows.
import { strict as assert } from "assert";
import { StackRun } from "../../tools/internal/harness";
import { BOUNDARY_WRITE_ACTIONS, deployPolicy } from "../../tools/deployPolicy";
import { ALLOW_ALL, asDeployRole, decide, Decision } from "../support/iam";
import { asPlan, runCaller } from "../support/stacks";
import { featureRuns } from "../support/featureRuns";
import { boundaryDocument } from "../../components/shared/permissionsBoundary";

const EXTERNAL = "arn:aws:iam::111111111111:policy/bedrock-bridge-admin-boundary-caller-ap-northeast-1";
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const awsManaged = (arn: unknown) => typeof arn === "string" && arn.startsWith("arn:aws:iam::aws:policy/");

/** The stack's own boundary: what its roles carry (the account-wide API Gateway role has an AWS-managed one). */
const boundaryOf = (run: StackRun): string =>
    run.resources.find(
        r =>
            r.type === "aws:iam/role:Role" && r.inputs.permissionsBoundary && !awsManaged(r.inputs.permissionsBoundary),
    )!.inputs.permissionsBoundary;

type Ask = (action: string, resource: string, context?: Record<string, string>, extra?: unknown[]) => Promise<Decision>;

/** A request of the deploy role's session, decided against the derived policy (plus `extra` policies on the role). */
function asDeployer(run: StackRun): Ask {
    return asDeployRole(run.outputs.accountId, [deployPolicy(asPlan(run)).document]);
}

/**
 * A role the derived policy lets the deploy role create and give an inline policy: a resource of both grants, its
 * wildcard (an auto-named role) filled in with a name of the attacker's choosing.
 */
function creatableRole(run: StackRun): string {
    const st = deployPolicy(asPlan(run)).document.Statement as any[];
    const of = (action: string) =>
        st.filter(s => s.Effect === "Allow" && s.Action.includes(action)).flatMap(s => s.Resource as string[]);
    const puts = of("iam:PutRolePolicy");
    const both = of("iam:CreateRole").filter(r => puts.includes(r));
    assert.ok(both.length, `${run.stack}: no role to create and write`);
    return (both.find(r => r.includes("*")) ?? both[0]).replace(/\*/g, "attacker");
}

describe("the deploy role, tried as an attacker would (IAM simulator)", () => {
    let runs: Record<string, StackRun> = {};
    before(async () => {
        runs = await featureRuns();
        // The boundary made once outside the stack (npm run boundary), as a CI deploy role should have it.
        runs.externalBoundary = await runCaller(runs.bedrockFull, {
            "bedrock-bridge:permissionsBoundary": EXTERNAL,
            "bedrock-bridge:workloadRoles": ["arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task"],
        });
    });
    const bounded = () => Object.entries(runs);

    it("cannot rewrite, replace, re-create or delete the boundary: the chain is denied at its first step, explicitly", async () => {
        for (const [name, run] of bounded()) {
            const can = asDeployer(run);
            const boundary = boundaryOf(run);
            for (const action of BOUNDARY_WRITE_ACTIONS) {
                assert.equal(await can(action, boundary), "ExplicitlyDenied", `${name}: ${action}`);
                // Explicit: it holds even beside an allow-all policy someone else put on the deploy role.
                assert.equal(await can(action, boundary, {}, [ALLOW_ALL]), "ExplicitlyDenied", `${name}: ${action}`);
            }
            // Reading it (refresh) stays allowed when the stack created it.
            if (run.resources.some(r => r.name === "permissions-boundary-policy"))
                assert.equal(await can("iam:GetPolicyVersion", boundary), "Allowed", name);
        }
    });

    it("and the rest of the chain gives a new role no more than the boundary: create, `*:*`, pass, new function", async () => {
        for (const [name, run] of bounded()) {
            const can = asDeployer(run);
            const boundary = boundaryOf(run);
            const role = creatableRole(run);
            const withBoundary = { "iam:PermissionsBoundary": boundary };
            // The steps that remain possible are possible only under the boundary...
            assert.equal(await can("iam:CreateRole", role, withBoundary), "Allowed", `${name}: create ${role}`);
            assert.equal(await can("iam:PutRolePolicy", role, withBoundary), "Allowed", `${name}: put`);
            assert.equal(await can("iam:CreateRole", role), "ExplicitlyDenied", `${name}: create unbounded`);
            assert.equal(await can("iam:PutRolePolicy", role), "ExplicitlyDenied", `${name}: put unbounded`);
            // ...so the role, given `*:*`, is held to the boundary as IAM stores it.
            const account = run.outputs.accountId;
            const stored = boundaryDocument(account, run.outputs.region, boundary);
            const asNewRole = (action: string, resource: string, context: Record<string, string> = {}) =>
                decide({
                    principal: `arn:aws:sts::${account}:assumed-role/${role.split("/").pop()}/fn`,
                    principalArn: role,
                    action,
                    resource,
                    resourceAccount: account,
                    identityPolicies: [ALLOW_ALL],
                    permissionBoundary: stored,
                    context,
                });
            for (const [action, resource, context] of [
                ["iam:CreatePolicyVersion", boundary],
                ["iam:CreateRole", `arn:aws:iam::${account}:role/admin`],
                ["iam:PutRolePolicy", `arn:aws:iam::${account}:role/admin`],
                ["iam:PassRole", role],
                ["lambda:CreateFunction", `arn:aws:lambda:${run.outputs.region}:${account}:function:x`],
                ["s3:GetObject", "arn:aws:s3:::payroll/2026.csv"],
                ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${run.outputs.region}:${account}:secret:db`],
                ["iam:AttachRolePolicy", role, { "iam:PolicyARN": ADMIN, "iam:PermissionsBoundary": boundary }],
            ] as [string, string, Record<string, string>?][])
                assert.equal(await asNewRole(action, resource, context), "ImplicitlyDenied", `${name}: ${action}`);
            // What the boundary is for still works (it caps, it does not break).
            assert.equal(await asNewRole("bedrock:InvokeModel", "*"), "Allowed", name);
        }
    });

    it("no role it can create or change can carry another boundary, lose it, or be given AdministratorAccess", async () => {
        for (const [name, run] of bounded()) {
            const can = asDeployer(run);
            const boundary = boundaryOf(run);
            const stackRoles = run.resources
                .filter(r => r.type === "aws:iam/role:Role" && r.inputs.permissionsBoundary === boundary)
                .map(r => r.state.arn as string);
            for (const role of [...stackRoles, creatableRole(run)]) {
                const other = { "iam:PermissionsBoundary": ADMIN };
                for (const action of ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]) {
                    assert.equal(await can(action, role, other), "ExplicitlyDenied", `${name}: ${action} ${role}`);
                    assert.equal(await can(action, role), "ExplicitlyDenied", `${name}: ${action} ${role} unbounded`);
                }
                assert.equal(await can("iam:DeleteRolePermissionsBoundary", role), "ExplicitlyDenied", role);
                for (const context of [
                    { "iam:PolicyARN": ADMIN, "iam:PermissionsBoundary": boundary },
                    { "iam:PolicyARN": ADMIN },
                ] as Record<string, string>[])
                    assert.match(
                        await can("iam:AttachRolePolicy", role, context),
                        /Denied$/,
                        `${name}: admin on ${role}`,
                    );
            }
        }
    });

    it("grants every role write only under the boundary, or (a workload's own role) one policy by its ARN", () => {
        const writes = [
            "iam:CreateRole",
            "iam:PutRolePolicy",
            "iam:AttachRolePolicy",
            "iam:PutRolePermissionsBoundary",
        ];
        for (const [name, run] of bounded()) {
            const boundary = boundaryOf(run);
            const workloadPolicy = run.outputs.workloadPolicyArn;
            for (const st of deployPolicy(asPlan(run)).document.Statement as any[]) {
                const iamWildcard = (a: string) => a === "*" || (a.startsWith("iam:") && a.includes("*"));
                if (st.Effect !== "Allow" || !st.Action.some((a: string) => writes.includes(a) || iamWildcard(a)))
                    continue;
                const within = [st.Condition?.StringEquals?.["iam:PermissionsBoundary"]].flat();
                const apiGateway = st.Sid.endsWith("WithinAwsManagedBoundary"); // its own, AWS-managed boundary
                const workload =
                    st.Sid === "WorkloadRolePolicyAttachments" &&
                    [st.Condition?.ArnLike?.["iam:PolicyARN"]].flat().every((p: string) => p === workloadPolicy);
                assert.ok(
                    within.includes(boundary) || apiGateway || workload,
                    `${name}: ${st.Sid} writes roles without the boundary: ${JSON.stringify(st)}`,
                );
                assert.ok(!st.Action.some(iamWildcard), `${name}: ${st.Sid} has a wildcard IAM action`);
            }
        }
    });

    it("on a workload's own role: with the owner attaching, no right at all; with attach: true, that one policy", async () => {
        const role = "arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task";
        const owner = asDeployer(runs.externalBoundary);
        for (const action of ["iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:ListAttachedRolePolicies"])
            assert.equal(
                await owner(action, role, { "iam:PolicyARN": runs.externalBoundary.outputs.workloadPolicyArn }),
                "ImplicitlyDenied",
                action,
            );
        const attached = asDeployer(runs.callerFull);
        const policy = runs.callerFull.outputs.workloadPolicyArn;
        assert.equal(await attached("iam:AttachRolePolicy", role, { "iam:PolicyARN": policy }), "Allowed");
        assert.equal(await attached("iam:AttachRolePolicy", role, { "iam:PolicyARN": ADMIN }), "ImplicitlyDenied");
        assert.equal(await attached("iam:PutRolePolicy", role), "ImplicitlyDenied");
        // What either way delegates (docs/workloads.md): the deploy role writes that policy's document, so it decides
        // what the roles it is attached to may do. IAM has no condition on a policy's content.
        for (const run of [runs.externalBoundary, runs.callerFull])
            assert.equal(await asDeployer(run)("iam:CreatePolicyVersion", run.outputs.workloadPolicyArn), "Allowed");
    });

    it("reads an inline policy where it writes it: a role named by its name only, by the configured ARN (path included)", async () => {
        // The program puts no inline policy on a workload's role any more; the rule still must not split reads from
        // writes (the provider reads each policy back after writing it, so a read on another ARN failed every up).
        const plan = asPlan(runs.externalBoundary);
        const role = "arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task";
        plan.resources.push({
            type: "aws:iam/rolePolicy:RolePolicy",
            name: "inline",
            urn: "urn:inline",
            id: "orders-task:x",
            inputs: { role: "orders-task", name: "x", policy: "{}" },
            outputs: {},
        });
        const doc = deployPolicy(plan).document;
        const can = asDeployRole("111111111111", [doc]);
        for (const action of ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"]) {
            assert.equal(await can(action, role), "Allowed", action);
            assert.equal(await can(action, "arn:aws:iam::111111111111:role/orders-task"), "ImplicitlyDenied", action);
        }
    });

    it("passes only roles the stack creates under the boundary (or the API Gateway role, AWS-managed boundary)", () => {
        let passed = 0; // the Bedrock side passes none (its roles are assumed across accounts)
        for (const [name, run] of bounded()) {
            const boundary = boundaryOf(run);
            const passable = (deployPolicy(asPlan(run)).document.Statement as any[])
                .filter(st => st.Effect === "Allow" && st.Action.includes("iam:PassRole"))
                .flatMap(st => st.Resource as string[]);
            passed += passable.length;
            for (const arn of passable) {
                const re = new RegExp(`^${arn.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
                const roles = run.resources.filter(r => r.type === "aws:iam/role:Role" && re.test(r.state.arn));
                assert.ok(roles.length, `${name}: ${arn} passes no role of the plan`);
                for (const r of roles)
                    assert.ok(
                        r.inputs.permissionsBoundary === boundary || awsManaged(r.inputs.permissionsBoundary),
                        `${name}: ${r.name}`,
                    );
            }
        }
        assert.ok(passed > 5, `${passed} passable roles`);
    });
});
