// Bring your own role (bedrock-bridge:workloadRoles): a managed policy allowing AssumeRole on exactly the Bedrock
// role(s), which the roles' owners attach (default) or the stack attaches ({roles, attach: true}); never an inline
// policy on a role the stack does not own. The simulator shows the role's session may then assume the Bedrock role,
// and the preview fails, naming the role and the fix, when the Bedrock stack does not trust it.
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { byType, failureOf, json, one, runBedrock, runCaller } from "../../support/stacks";
import { decide, sessionOf } from "../../support/iam";
import { rolePathOf } from "../../../config/crossStack";
import { planPair } from "../../support/planPair";

const BEDROCK = "222222222222";
const TASK = "arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task";
const ROOT_PATH = "arn:aws:iam::111111111111:role/orders-task";

describe("WorkloadRoleGrants (bring your own role)", () => {
    let bedrock: StackRun;
    let run: StackRun;
    let attached: StackRun;

    before(async () => {
        bedrock = await runBedrock();
        run = await runCaller(bedrock, { "bedrock-bridge:workloadRoles": [TASK] });
        attached = await runCaller(bedrock, { "bedrock-bridge:workloadRoles": { roles: [TASK], attach: true } });
    });

    it("is absent without bedrock-bridge:workloadRoles", async () => {
        const plain = await runCaller(bedrock);
        assert.equal(byType(plain, "bedrock-bridge:index:WorkloadRoleGrants").length, 0);
        assert.equal(plain.outputs.workloadRoleArns, undefined);
        assert.equal(plain.outputs.workloadPolicyArn, undefined);
    });

    it("creates a managed policy allowing AssumeRole on exactly the Bedrock role, for the roles' owners to attach", () => {
        const p = one(run, "aws:iam/policy:Policy", "workload-roles-policy");
        assert.equal(p.inputs.name, "bedrock-bridge-assume-caller-ap-northeast-1");
        assert.deepEqual(json(p.inputs.policy).Statement, [
            {
                Sid: "AssumeBedrockAccountRole",
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Resource: [bedrock.outputs.roleArn],
            },
        ]);
        assert.deepEqual(run.outputs.workloadRoleArns, [TASK]);
        assert.equal(run.outputs.workloadPolicyArn, p.state.arn);
        // Nothing on the role itself: no inline policy, no attachment, no role.
        assert.equal(
            byType(run, "aws:iam/rolePolicy:RolePolicy").filter(r => r.name.includes("orders-task")).length,
            0,
        );
        assert.equal(
            byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(r => r.name.includes("orders-task"))
                .length,
            0,
        );
        assert.equal(byType(run, "aws:iam/role:Role").filter(r => r.name.includes("orders-task")).length, 0);
    });

    it("with attach: true, attaches that policy to the role by its name (the path is not part of it), and nothing else", () => {
        const a = one(attached, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "workload-roles-orders-task");
        assert.equal(a.inputs.role, "orders-task", "AttachRolePolicy takes the name, not the path");
        assert.equal(a.inputs.policyArn, attached.outputs.workloadPolicyArn);
        assert.equal(
            byType(attached, "aws:iam/rolePolicy:RolePolicy").filter(r => r.name.includes("orders-task")).length,
            0,
        );
        assert.deepEqual(attached.outputs.workloadRoleArns, [TASK]);
    });

    it("switching between the two ways changes only the attachment: the policy and its ARN stay", () => {
        const steps = planPair(attached, run).steps.filter(x => x.op !== "same");
        assert.deepEqual(
            steps.map(x => `${x.op} ${x.type} ${x.name}`),
            ["delete aws:iam/rolePolicyAttachment:RolePolicyAttachment workload-roles-orders-task"],
        );
        assert.equal(run.outputs.workloadPolicyArn, attached.outputs.workloadPolicyArn);
    });

    it("lets the role's session assume the Bedrock role (both sides' policies, simulated)", async () => {
        const trust = json(one(bedrock, "aws:iam/role:Role").inputs.assumeRolePolicy);
        const grant = json(one(run, "aws:iam/policy:Policy", "workload-roles-policy").inputs.policy);
        const assume = (identityPolicies: unknown[], roleArn = TASK) =>
            decide({
                principal: sessionOf(roleArn),
                principalArn: roleArn,
                action: "sts:AssumeRole",
                resource: bedrock.outputs.roleArn,
                resourceAccount: BEDROCK,
                identityPolicies,
                resourcePolicy: trust,
            });
        assert.equal(await assume([grant]), "Allowed");
        assert.equal(await assume([]), "ImplicitlyDenied", "without the grant");
        // The same grant on a role outside the trusted path does not help: the trust decides.
        assert.equal(await assume([grant], ROOT_PATH), "ImplicitlyDenied");
    });

    it("says what is wrong with the map form, naming the field", async () => {
        const msg = await failureOf(
            runCaller(bedrock, { "bedrock-bridge:workloadRoles": { roles: [TASK], attach: "yes" } }),
        );
        assert.match(msg, /bedrock-bridge:workloadRoles/);
        assert.match(msg, /attach/);
        assert.match(msg, /true or false/);
    });

    it("reads a role's path from its ARN", () => {
        assert.equal(rolePathOf(TASK), "/bedrock-bridge/team/");
        assert.equal(rolePathOf(ROOT_PATH), "/");
    });

    it("fails at preview when the Bedrock stack does not trust the role, naming it and saying the path cannot change", async () => {
        const msg = await failureOf(
            runCaller(bedrock, { "bedrock-bridge:workloadRoles": { roles: [ROOT_PATH], attach: true } }),
        );
        assert.match(
            msg,
            /bedrock-bridge:workloadRoles arn:aws:iam::111111111111:role\/orders-task is under the path "\/"/,
        );
        assert.match(msg, /callerRolePath "\/bedrock-bridge\/"/);
        assert.match(msg, /path cannot be changed after it is created/);
    });

    it("fails for a role of another account, and for one the exact-ARN trust does not list", async () => {
        const other = await failureOf(
            runCaller(bedrock, { "bedrock-bridge:workloadRoles": ["arn:aws:iam::333333333333:role/bedrock-bridge/x"] }),
        );
        assert.match(
            other,
            /workloadRoles names arn:aws:iam::333333333333:role\/bedrock-bridge\/x, a role of account 333333333333/,
        );
        const exact = await runBedrock({
            "bedrock-bridge:trustedPrincipalArns": [
                "arn:aws:iam::111111111111:role/bedrock-bridge/invoker-role",
                "arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task",
            ],
        });
        const listed = await failureOf(
            runCaller(exact, {
                "bedrock-bridge:workloadRoles": [TASK, "arn:aws:iam::111111111111:role/bedrock-bridge/team/payments"],
            }),
        );
        assert.match(
            listed,
            /workloadRoles arn:aws:iam::111111111111:role\/bedrock-bridge\/team\/payments is not in bedrock-bridge:trustedPrincipalArns/,
        );
        assert.ok(!listed.includes(`workloadRoles ${TASK} is not`), "the listed role passes");
    });
});
