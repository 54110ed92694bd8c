// The account-wide API Gateway logging role (bedrock-bridge:apiGatewayAccount: manage) is kept on destroy, so it is
// bounded by its own AWS-managed policy instead of the stack's boundary (tests/destroy.test.ts checks the destroy):
// the deploy role may create it with exactly that boundary and attach exactly that policy, and no other role.
import { strict as assert } from "assert";
import type { StackRun } from "../../../tools/internal/harness";
import { deployPolicy } from "../../../tools/deployPolicy";
import { API_GATEWAY_LOGS_POLICY } from "../../../components/caller/apiGatewayAccount";
import { asDeployRole } from "../../support/iam";
import { asPlan, runBedrock, runCaller } from "../../support/stacks";

const LOGS = API_GATEWAY_LOGS_POLICY("aws");

describe("API Gateway account setting: the logging role's boundary and the deploy role's grants for it", () => {
    let run: StackRun;
    before(async () => {
        run = await runCaller(await runBedrock(), { "bedrock-bridge:apiGatewayAccount": "manage" });
    });
    const role = () =>
        run.resources.find(r => r.type === "aws:iam/role:Role" && r.name === "apigateway-account-cloudwatch")!;
    const stackBoundary = () =>
        run.resources.find(r => r.type === "aws:iam/policy:Policy" && r.name === "permissions-boundary-policy")!.state
            .arn as string;
    const can = (action: string, resource: string, context: Record<string, string> = {}) =>
        asDeployRole("111111111111", [deployPolicy(asPlan(run)).document])(action, resource, context);

    it("is kept on delete, with its one AWS-managed policy as boundary and as grant", () => {
        const r = role();
        assert.equal(r.options?.retainOnDelete, true);
        assert.equal(r.inputs.permissionsBoundary, LOGS);
        const attachment = run.resources.find(
            a => a.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && a.inputs.role === r.state.name,
        )!;
        assert.equal(attachment.inputs.policyArn, LOGS);
        assert.equal(attachment.options?.retainOnDelete, true);
        // Every other role keeps the stack's boundary.
        for (const other of run.resources.filter(x => x.type === "aws:iam/role:Role" && x !== r))
            assert.equal(other.inputs.permissionsBoundary, stackBoundary(), other.name);
    });

    it("the deploy role creates it, and attaches its policy, only with that boundary", async () => {
        const arn = role().state.arn as string;
        for (const action of ["iam:CreateRole", "iam:PutRolePermissionsBoundary"]) {
            assert.equal(await can(action, arn, { "iam:PermissionsBoundary": LOGS }), "Allowed", action);
            assert.notEqual(await can(action, arn), "Allowed", `${action} without a boundary`);
            assert.notEqual(
                await can(action, arn, { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" }),
                "Allowed",
                `${action} with another boundary`,
            );
        }
        assert.notEqual(await can("iam:DeleteRolePermissionsBoundary", arn), "Allowed");
        const attach = (policyArn: string, boundary = LOGS) =>
            can("iam:AttachRolePolicy", arn, { "iam:PolicyARN": policyArn, "iam:PermissionsBoundary": boundary });
        assert.equal(await attach(LOGS), "Allowed");
        assert.notEqual(await attach("arn:aws:iam::aws:policy/AdministratorAccess"), "Allowed");
        assert.notEqual(await attach(stackBoundary()), "Allowed", "no stack policy on it");
    });

    it("and no other role gets that boundary or that policy from the deploy role", async () => {
        const others = run.resources.filter(x => x.type === "aws:iam/role:Role" && x !== role());
        assert.ok(others.length > 1);
        for (const other of others) {
            const arn = other.state.arn as string;
            assert.notEqual(
                await can("iam:CreateRole", arn, { "iam:PermissionsBoundary": LOGS }),
                "Allowed",
                other.name,
            );
            assert.notEqual(
                await can("iam:AttachRolePolicy", arn, {
                    "iam:PolicyARN": LOGS,
                    "iam:PermissionsBoundary": stackBoundary(),
                }),
                "Allowed",
                other.name,
            );
        }
    });
});
