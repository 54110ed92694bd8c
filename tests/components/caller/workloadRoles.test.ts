// Bring your own role (bedrock-bridge:workloadRoles): an inline policy on each existing role, allowing AssumeRole on
// exactly the Bedrock role(s); the simulator shows the role's session may then assume the Bedrock role, and the
// preview fails, naming the role and the fix, when the Bedrock stack does not trust it.
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { byType, failureOf, json, one, runBedrock, runCaller } from "../../support/stacks";
import { decide, sessionOf } from "../../support/iam";
import { rolePathOf } from "../../../config/crossStack";

const BEDROCK = "222222222222";
const TASK = "arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task";
const ROOT_PATH = "arn:aws:iam::111111111111:role/orders-task";

describe("WorkloadRoleGrants (bring your own role)", () => {
    let bedrock: StackRun;
    let run: StackRun;

    before(async () => {
        bedrock = await runBedrock();
        run = await runCaller(bedrock, { "bedrock-bridge:workloadRoles": [TASK] });
    });

    it("is absent without bedrock-bridge:workloadRoles", async () => {
        const plain = await runCaller(bedrock);
        assert.equal(byType(plain, "bedrock-bridge:index:WorkloadRoleGrants").length, 0);
        assert.equal(plain.outputs.workloadRoleArns, undefined);
    });

    it("puts an inline policy on the role by its name, allowing AssumeRole on exactly the Bedrock role", () => {
        const p = one(run, "aws:iam/rolePolicy:RolePolicy", "workload-roles-orders-task").inputs;
        assert.equal(p.role, "orders-task", "PutRolePolicy takes the name, not the path");
        assert.match(p.name, /^bedrock-bridge-assume-caller-ap-northeast-1$/);
        assert.deepEqual(json(p.policy).Statement, [
            {
                Sid: "AssumeBedrockAccountRole",
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Resource: [bedrock.outputs.roleArn],
            },
        ]);
        assert.deepEqual(run.outputs.workloadRoleArns, [TASK]);
        assert.equal(byType(run, "aws:iam/role:Role").filter(r => r.name.includes("orders-task")).length, 0);
    });

    it("lets the role's session assume the Bedrock role (both sides' policies, simulated)", async () => {
        const trust = json(one(bedrock, "aws:iam/role:Role").inputs.assumeRolePolicy);
        const grant = json(one(run, "aws:iam/rolePolicy:RolePolicy", "workload-roles-orders-task").inputs.policy);
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

    it("reads a role's path from its ARN", () => {
        assert.equal(rolePathOf(TASK), "/bedrock-bridge/team/");
        assert.equal(rolePathOf(ROOT_PATH), "/");
    });

    it("fails at preview when the Bedrock stack does not trust the role, naming it and saying the path cannot change", async () => {
        const msg = await failureOf(runCaller(bedrock, { "bedrock-bridge:workloadRoles": [ROOT_PATH] }));
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
