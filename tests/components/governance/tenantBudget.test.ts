// Removing a tenant whose budget cut-off is attached (issue 19, section 4): AWS Budgets attached the policy outside
// Pulumi, so the tenant role detaches it on deletion, and the deploy role may do exactly that detach.
import { strict as assert } from "assert";
import { deployPolicy } from "../../../tools/deployPolicy";
import { StackRun } from "../../../tools/internal/harness";
import { runGoverned } from "../../support/governance";
import { decide } from "../../support/iam";
import { asPlan } from "../../support/stacks";

describe("tenant budget cut-off: a cut-off tenant can be removed", () => {
    let run: StackRun;
    before(async () => {
        run = await runGoverned();
    });
    const action = () => run.resources.find(r => r.type === "aws:budgets/budgetAction:BudgetAction")!;
    const tenantRole = () => {
        const name = action().inputs.definition.iamActionDefinition.roles[0];
        return run.resources.find(r => r.type === "aws:iam/role:Role" && r.state.name === name)!;
    };

    it("the role the action attaches the cut-off to is deleted with its policies detached (forceDetachPolicies)", () => {
        assert.ok(action(), "the governed example has a budget with a cut-off");
        assert.equal(tenantRole().inputs.forceDetachPolicies, true);
    });

    it("the deploy role may detach exactly the cut-off policy from exactly the tenant role", async () => {
        const doc = deployPolicy(asPlan(run)).document;
        const st = doc.Statement.find(x => x.Sid === "BudgetCutOffDetach");
        assert.ok(st, "a BudgetCutOffDetach statement");
        const role = tenantRole().state.arn as string;
        const cutOff = action().inputs.definition.iamActionDefinition.policyArn as string;
        const other = cutOff.replace(/policy\/.*/, "policy/SomethingElse");
        const ask = (resource: string, policyArn: string) =>
            decide({
                principal: "arn:aws:sts::222222222222:assumed-role/deploy/s",
                principalArn: "arn:aws:iam::222222222222:role/deploy",
                action: "iam:DetachRolePolicy",
                resource,
                resourceAccount: "222222222222",
                identityPolicies: [{ Version: "2012-10-17", Statement: [st] }],
                context: { "iam:PolicyARN": policyArn },
            });
        assert.equal(await ask(role, cutOff), "Allowed");
        assert.notEqual(await ask(role, other), "Allowed", "no other policy");
        assert.notEqual(await ask(role.replace(/role\/.*/, "role/someone-else"), cutOff), "Allowed", "no other role");
    });
});
