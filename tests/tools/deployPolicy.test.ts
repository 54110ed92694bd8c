// `npm run deploy-policy`: the deploy role's policy derived from the synthesized plan. Every resource type and data
// source of both example stacks, and of stacks with every optional feature on, must be covered, and the policy,
// evaluated by the IAM simulator, must let the deploy role create each resource of the plan and little else.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { StackRun } from "../../tools/internal/harness";
import { deployPolicy, RULES } from "../../tools/deployPolicy";
import { decide } from "../support/iam";
import { asPlan } from "../support/stacks";
import { deployPolicyRuns, PLAIN_MODEL } from "../support/featureRuns";
import { boundaryStatements } from "../../components/shared/permissionsBoundary";
import { policy } from "../../components/shared/iam";

/** The boundary the stack creates (components/shared/permissionsBoundary.ts), by the name it is created under. */
const boundaryArn = (run: StackRun) =>
    run.resources.find(r => r.type === "aws:iam/policy:Policy" && r.name === "permissions-boundary-policy")?.state.arn;

const ROOT = path.join(__dirname, "..", "..");

describe("deploy-policy", () => {
    let runs: Record<string, StackRun> = {};
    before(async () => {
        runs = await deployPolicyRuns();
    });

    it("covers every resource type and data source of both example stacks and of every optional feature", () => {
        for (const [name, run] of Object.entries(runs)) {
            const { uncovered, document } = deployPolicy(asPlan(run));
            assert.deepEqual(uncovered, [], `${name}: ${uncovered.join(", ")}`);
            assert.ok(document.Statement.length > 3, name);
        }
        const types = new Set(
            Object.values(runs)
                .flatMap(r => r.resources.map(x => x.type))
                .filter(t => t.startsWith("aws:")),
        );
        assert.ok(types.size >= 30, `${types.size} types`);
        for (const t of types) assert.ok(RULES[t], t);
    });

    it("reports a resource type it knows nothing about, instead of printing a policy that would fail mid-deploy", () => {
        const plan = asPlan(runs.caller);
        plan.resources.push({ ...plan.resources[0], type: "aws:sqs/queue:Queue", name: "q" });
        assert.deepEqual(deployPolicy(plan).uncovered, ["aws:sqs/queue:Queue"]);
    });

    /** A request of the deploy role in the stack's account, decided by the simulator against the derived policy. */
    const asDeployer = (run: StackRun) => {
        const doc = deployPolicy(asPlan(run)).document;
        const account = run.outputs.accountId;
        const deployer = `arn:aws:iam::${account}:role/bedrock-bridge-deploy`;
        return (action: string, resource: string, context: Record<string, string> = {}) =>
            decide({
                principal: `arn:aws:sts::${account}:assumed-role/bedrock-bridge-deploy/gha`,
                principalArn: deployer,
                action,
                resource,
                resourceAccount: account,
                identityPolicies: [doc],
                context,
            });
    };
    const CREATE: Record<string, string> = {
        "aws:iam/role:Role": "iam:CreateRole",
        "aws:iam/user:User": "iam:CreateUser",
        "aws:iam/policy:Policy": "iam:CreatePolicy",
        "aws:lambda/function:Function": "lambda:CreateFunction",
        "aws:sfn/stateMachine:StateMachine": "states:CreateStateMachine",
        "aws:cloudwatch/logGroup:LogGroup": "logs:CreateLogGroup",
        "aws:cloudtrail/trail:Trail": "cloudtrail:CreateTrail",
        "aws:budgets/budget:Budget": "budgets:ModifyBudget",
        "aws:bedrock/inferenceProfile:InferenceProfile": "bedrock:CreateInferenceProfile",
        "aws:dynamodb/table:Table": "dynamodb:CreateTable",
    };

    it("lets the deploy role create every resource of the plans, and pass each role only to the service that trusts it", async () => {
        for (const run of [runs.bedrockFull, runs.callerFull, runs.governed]) {
            const can = asDeployer(run);
            const bounded = { "iam:PermissionsBoundary": boundaryArn(run) };
            for (const r of run.resources) {
                const action = CREATE[r.type];
                const arn = r.type === "aws:appsync/api:Api" ? r.state.apiArn : r.state.arn;
                // The account-wide API Gateway logging role carries its own (AWS-managed) boundary.
                const ctx = r.inputs.permissionsBoundary
                    ? { "iam:PermissionsBoundary": r.inputs.permissionsBoundary as string }
                    : bounded;
                // But the boundary the stack creates itself: an admin's first `up` creates it, never the deploy role.
                const expected = r.name === "permissions-boundary-policy" ? "ExplicitlyDenied" : "Allowed";
                if (action) assert.equal(await can(action, arn, ctx), expected, `${action} on ${arn}`);
                if (r.type === "aws:iam/role:Role") {
                    const service = JSON.parse(r.inputs.assumeRolePolicy).Statement[0].Principal.Service;
                    if (!service) continue;
                    assert.equal(
                        await can("iam:PassRole", r.state.arn, { "iam:PassedToService": service }),
                        "Allowed",
                        `pass ${r.name} to ${service}`,
                    );
                    assert.equal(
                        await can("iam:PassRole", r.state.arn, { "iam:PassedToService": "ec2.amazonaws.com" }),
                        "ImplicitlyDenied",
                        `pass ${r.name} to ec2`,
                    );
                }
            }
        }
    });

    it("names only actions AWS knows, each on resources it can be granted on (the simulator's service data)", async () => {
        for (const run of [runs.bedrockFull, runs.callerFull, runs.governed]) {
            const can = asDeployer(run);
            for (const st of deployPolicy(asPlan(run)).document.Statement as any[]) {
                // Conditional grants are checked with their context above and below; Denies in deployPolicyEscalation.test.ts.
                if (st.Condition || st.Effect === "Deny") continue;
                for (const action of st.Action.filter((a: string) => !a.includes("*"))) {
                    // Allowed on at least one of the statement's resources (a create goes to the collection, the rest to items).
                    const results = await Promise.all(
                        st.Resource.map((r: string) =>
                            can(action, r === "*" ? "*" : r.replace(/\*/g, "x")).catch(e => String(e)),
                        ),
                    );
                    // "multiple.resource.types": the ARN fits more than one resource type of the action (AppSync's apis/<id>
                    // is both a GraphQL and an Event API): valid, the simulator only cannot pick one.
                    assert.ok(
                        results.some(r => r === "Allowed" || r.includes("multiple.resource.types")),
                        `${st.Sid}: ${action} on ${st.Resource.join(", ")}: ${results.join(", ")}`,
                    );
                }
            }
        }
    });

    it("attaches the workload policy (bedrock-bridge:workloadRoles, attach: true) to the configured role ARN only, and reads it back there", async () => {
        const caller = asDeployer(runs.callerFull);
        const own = "arn:aws:iam::111111111111:role/bedrock-bridge/team/orders-task";
        const policyArn = runs.callerFull.outputs.workloadPolicyArn;
        const that = { "iam:PolicyARN": policyArn };
        // Write, read back (the provider lists the role's attached policies after attaching), delete.
        assert.equal(await caller("iam:AttachRolePolicy", own, that), "Allowed");
        assert.equal(await caller("iam:ListAttachedRolePolicies", own), "Allowed");
        assert.equal(await caller("iam:DetachRolePolicy", own, that), "Allowed");
        // No other policy, and no inline policy at all (IAM has no condition on an inline policy's name).
        for (const other of ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::111111111111:policy/x"])
            assert.equal(
                await caller("iam:AttachRolePolicy", own, { "iam:PolicyARN": other }),
                "ImplicitlyDenied",
                other,
            );
        for (const action of ["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:GetRolePolicy"])
            assert.equal(await caller(action, own), "ImplicitlyDenied", action);
        for (const other of [
            "arn:aws:iam::111111111111:role/bedrock-bridge/team/payments-task",
            "arn:aws:iam::111111111111:role/team/my-orders-task",
            "arn:aws:iam::111111111111:role/orders-task",
        ]) {
            assert.equal(await caller("iam:AttachRolePolicy", other, that), "ImplicitlyDenied", other);
            assert.equal(await caller("iam:ListAttachedRolePolicies", other), "ImplicitlyDenied", other);
        }
        const table = runs.callerFull.resources.find(r => r.type === "aws:dynamodb/table:Table")!.state.arn;
        assert.equal(await caller("dynamodb:DeleteTable", table), "Allowed");
        assert.equal(
            await caller("dynamodb:DeleteTable", "arn:aws:dynamodb:ap-northeast-1:111111111111:table/orders"),
            "ImplicitlyDenied",
        );
    });

    it("and nothing beyond the stack's own names, paths and policies", async () => {
        const caller = asDeployer(runs.callerFull);
        const bedrock = asDeployer(runs.bedrockFull);
        const denied: [typeof caller, string, string, Record<string, string>?][] = [
            [caller, "iam:CreateRole", "arn:aws:iam::111111111111:role/admin"],
            [caller, "iam:CreateUser", "arn:aws:iam::111111111111:user/mallory"],
            [caller, "lambda:UpdateFunctionCode", "arn:aws:lambda:ap-northeast-1:111111111111:function:payroll"],
            [caller, "iam:PutRolePolicy", "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"],
            [
                caller,
                "iam:AttachRolePolicy",
                runs.callerFull.resources.find(
                    r => r.name === "apigateway-account-cloudwatch" && r.type === "aws:iam/role:Role",
                )!.state.arn,
                { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" },
            ],
            [bedrock, "iam:CreateRole", "arn:aws:iam::222222222222:role/bedrock-bridge-execution-other-stack"],
            [
                bedrock,
                "iam:CreateServiceSpecificCredential",
                runs.bedrockFull.resources.find(r => r.type === "aws:iam/user:User")!.state.arn,
                { "iam:ServiceSpecificCredentialServiceName": "codecommit.amazonaws.com" },
            ],
            [
                bedrock,
                "bedrock:GetInferenceProfile",
                "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            ],
            [bedrock, "s3:DeleteBucket", "arn:aws:s3:::someone-elses-bucket"],
        ];
        // Some explicitly (the boundary's guards, tests/tools/deployPolicyEscalation.test.ts), the rest for want of a grant.
        for (const [can, action, resource, context] of denied)
            assert.match(
                await can(action, resource, context),
                /^(Implicitly|Explicitly)Denied$/,
                `${action} on ${resource}`,
            );
        assert.equal(
            await bedrock(
                "bedrock:GetInferenceProfile",
                "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            "Allowed",
        );
    });

    it("covers the documented features that used to make it exit 1, and gives the preview role what preview calls", async () => {
        const governed = deployPolicy(asPlan(runs.governedTags));
        assert.deepEqual(governed.uncovered, []);
        const plain = deployPolicy(asPlan(runs.plainModel));
        assert.deepEqual(plain.uncovered, []);
        const model = `arn:aws:bedrock:ap-northeast-1::foundation-model/${PLAIN_MODEL}`;
        const preview = (run: StackRun) => (action: string, resource: string) =>
            decide({
                principal: `arn:aws:sts::${run.outputs.accountId}:assumed-role/bedrock-bridge-preview/gha`,
                principalArn: `arn:aws:iam::${run.outputs.accountId}:role/bedrock-bridge-preview`,
                action,
                resource,
                resourceAccount: run.outputs.accountId,
                identityPolicies: [deployPolicy(asPlan(run)).preview],
            });
        assert.equal(await preview(runs.plainModel)("bedrock:GetFoundationModel", model), "Allowed");
        assert.equal(await preview(runs.plainModel)("bedrock:CreateInferenceProfile", "*"), "ImplicitlyDenied");
        assert.equal(await preview(runs.callerFull)("states:ValidateStateMachineDefinition", "*"), "Allowed");
        assert.equal(await preview(runs.callerFull)("states:CreateStateMachine", "*"), "ImplicitlyDenied");
        assert.equal(await asDeployer(runs.governedTags)("ce:UpdateCostAllocationTagsStatus", "*"), "Allowed");
        assert.equal(await asDeployer(runs.callerFull)("states:ValidateStateMachineDefinition", "*"), "Allowed");
    });

    it("lets the governed stack's first up through: budget action tags, actions of the budget, each destination model", async () => {
        const can = asDeployer(runs.governed);
        const action = runs.governed.resources.find(r => r.type === "aws:budgets/budgetAction:BudgetAction")!.state;
        const budget = action.arn.split("/action/")[0];
        assert.equal(await can("budgets:ListTagsForResource", action.arn), "Allowed");
        assert.equal(await can("budgets:DescribeBudgetActionsForBudget", budget), "Allowed");
        // jp. routes to ap-northeast-1 and ap-northeast-3 (the inference profile fixture, as getInferenceProfile reads it).
        for (const region of ["ap-northeast-1", "ap-northeast-3"])
            assert.equal(
                await can(
                    "bedrock:CreateInferenceProfile",
                    `arn:aws:bedrock:${region}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`,
                ),
                "Allowed",
                region,
            );
        assert.equal(
            await can(
                "bedrock:CreateInferenceProfile",
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            "ImplicitlyDenied",
        );
    });

    it("touches only the stack's own tagged pools, APIs and topics, and never a log resource policy", async () => {
        const caller = asDeployer(runs.callerFull);
        const stack = { "aws:ResourceTag/bedrock-bridge:stack": "caller" };
        const other = { "aws:ResourceTag/bedrock-bridge:stack": "someone-else" };
        const pool = "arn:aws:cognito-idp:ap-northeast-1:111111111111:userpool/ap-northeast-1_other";
        const api = "arn:aws:appsync:ap-northeast-1:111111111111:apis/otherapi";
        for (const action of ["cognito-idp:DeleteUserPool", "cognito-idp:UpdateUserPool"]) {
            assert.equal(await caller(action, pool, stack), "Allowed", action);
            assert.equal(await caller(action, pool, other), "ImplicitlyDenied", action);
            assert.equal(await caller(action, pool), "ImplicitlyDenied", action);
        }
        assert.equal(await caller("appsync:UpdateApi", api, stack), "Allowed");
        assert.equal(await caller("appsync:UpdateApi", api), "ImplicitlyDenied");
        assert.equal(await caller("appsync:DeleteApi", api, other), "ImplicitlyDenied");
        assert.equal(
            await caller("cognito-idp:CreateUserPool", "*", { "aws:RequestTag/bedrock-bridge:stack": "caller" }),
            "Allowed",
        );
        assert.equal(await caller("cognito-idp:CreateUserPool", "*"), "ImplicitlyDenied");
        const topic = runs.callerFull.resources.find(r => r.type === "aws:sns/topic:Topic")!.state.arn;
        assert.equal(await caller("sns:SetTopicAttributes", topic), "Allowed");
        assert.equal(
            await caller("sns:SetTopicAttributes", "arn:aws:sns:ap-northeast-1:111111111111:payments"),
            "ImplicitlyDenied",
        );
        assert.equal(await caller("logs:PutResourcePolicy", "*"), "ImplicitlyDenied");
    });

    it("creates roles and writes their policies only with the stack's permissions boundary", async () => {
        for (const run of [runs.bedrockFull, runs.callerFull, runs.governed, runs.existingBoundary]) {
            // But the account-wide API Gateway logging role: kept on destroy, so bounded by its AWS-managed policy
            // (tests/components/caller/apiGatewayAccount.test.ts).
            const roles = run.resources.filter(
                r => r.type === "aws:iam/role:Role" && r.name !== "apigateway-account-cloudwatch",
            );
            assert.ok(roles.length, run.stack);
            const expected =
                run === runs.existingBoundary
                    ? "arn:aws:iam::111111111111:policy/org/workload-boundary"
                    : boundaryArn(run);
            assert.ok(expected, `${run.stack}: no boundary policy`);
            for (const r of roles) assert.equal(r.inputs.permissionsBoundary, expected, `${run.stack} ${r.name}`);
            const can = asDeployer(run);
            const role = roles[0].state.arn;
            for (const action of ["iam:CreateRole", "iam:PutRolePolicy"]) {
                if (
                    action === "iam:PutRolePolicy" &&
                    !run.resources.some(
                        r => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === roles[0].id,
                    )
                )
                    continue;
                assert.equal(await can(action, role, { "iam:PermissionsBoundary": expected }), "Allowed", action);
                // Explicitly: whatever else the deploy role holds (the boundary's guards).
                assert.equal(await can(action, role), "ExplicitlyDenied", `${action} without a boundary`);
                assert.equal(
                    await can(action, role, {
                        "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess",
                    }),
                    "ExplicitlyDenied",
                    `${action} with another boundary`,
                );
            }
            assert.equal(await can("iam:DeleteRolePermissionsBoundary", role), "ExplicitlyDenied");
        }
        // Switched off: no boundary, and the deploy role may remove the one roles had.
        const none = runs.noBoundary.resources.filter(r => r.type === "aws:iam/role:Role");
        for (const r of none) assert.equal(r.inputs.permissionsBoundary, undefined, r.name);
        assert.equal(await asDeployer(runs.noBoundary)("iam:CreateRole", none[0].state.arn), "Allowed");
    });

    it("the boundary allows everything the stack's roles are granted (it caps, it does not break them)", async () => {
        for (const run of [runs.bedrockFull, runs.callerFull, runs.governed]) {
            const account = run.outputs.accountId;
            const arn = boundaryArn(run)!;
            const boundary = policy(boundaryStatements(account, run.outputs.region, arn));
            const docs = run.resources
                .filter(r => ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"].includes(r.type))
                .filter(r => r.name !== "permissions-boundary-policy")
                .map(r => JSON.parse(r.inputs.policy));
            for (const doc of docs)
                for (const st of doc.Statement.filter((x: any) => x.Effect === "Allow")) {
                    for (const action of [st.Action].flat())
                        for (const resource of [st.Resource].flat()) {
                            const decision = await decide({
                                principal: `arn:aws:sts::${account}:assumed-role/r/s`,
                                principalArn: `arn:aws:iam::${account}:role/r`,
                                action,
                                // log-group:<name>:* stands for the group's streams.
                                resource:
                                    resource === "*"
                                        ? "*"
                                        : resource
                                              .replace(/(log-group:[^:]+):\*$/, "$1:log-stream:x")
                                              .replace(/\*/g, "x"),
                                resourceAccount: account,
                                identityPolicies: [boundary],
                                // The cut-off attaches this account's deny policy to a role bounded like itself.
                                context: {
                                    "iam:PermissionsBoundary": arn,
                                    "iam:PolicyARN": `arn:aws:iam::${account}:policy/cut-off`,
                                },
                            });
                            assert.equal(decision, "Allowed", `${run.stack} ${st.Sid}: ${action} on ${resource}`);
                        }
                }
        }
    });

    it("and the boundary itself grants no way out: no role or policy writes, no attaching to an unbounded role", async () => {
        const run = runs.governed;
        const account = run.outputs.accountId;
        const arn = boundaryArn(run)!;
        const boundary = policy(boundaryStatements(account, run.outputs.region, arn));
        const as = (action: string, resource: string, context: Record<string, string> = {}) =>
            decide({
                principal: `arn:aws:sts::${account}:assumed-role/r/s`,
                principalArn: `arn:aws:iam::${account}:role/r`,
                action,
                resource,
                resourceAccount: account,
                identityPolicies: [boundary],
                context,
            });
        const role = `arn:aws:iam::${account}:role/bedrock-bridge-deploy`;
        for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"])
            assert.equal(await as(action, role), "ImplicitlyDenied", action);
        assert.equal(await as("iam:CreatePolicyVersion", arn), "ImplicitlyDenied");
        assert.equal(await as("s3:GetObject", "arn:aws:s3:::secrets/x"), "ImplicitlyDenied");
        const own = `arn:aws:iam::${account}:policy/cut-off`;
        assert.equal(
            await as("iam:AttachRolePolicy", role, { "iam:PolicyARN": own, "iam:PermissionsBoundary": arn }),
            "Allowed",
        );
        assert.equal(await as("iam:AttachRolePolicy", role, { "iam:PolicyARN": own }), "ImplicitlyDenied");
        assert.equal(
            await as("iam:AttachRolePolicy", role, {
                "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess",
                "iam:PermissionsBoundary": arn,
            }),
            "ImplicitlyDenied",
        );
    });

    it("npm run deploy-policy prints the policy for a synthesized plan, and --help says how", () => {
        const synth = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/synth.ts", "bedrock"],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(synth.status, 0, synth.stderr);
        const r = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/deployPolicy.ts", "bedrock"],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        // A list of managed policies (tests/tools/deployPolicyQuotas.test.ts checks them against IAM's quotas).
        const docs = JSON.parse(r.stdout);
        assert.equal(docs[0].name, "bedrock-bridge-deploy-bedrock-1");
        assert.equal(docs[0].document.Version, "2012-10-17");
        assert.ok(docs.some((d: any) => d.document.Statement.some((s: any) => s.Action.includes("iam:CreateRole"))));
        assert.match(
            r.stderr,
            /statements for \.synth\/bedrock\/plan\.json \(stack bedrock, account 222222222222, ap-northeast-1\)/,
        );
        const preview = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/deployPolicy.ts", "bedrock", "--preview"],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(preview.status, 0, preview.stderr);
        const [only, ...more] = JSON.parse(preview.stdout);
        assert.deepEqual([only.name, more], ["bedrock-bridge-preview-bedrock-1", []]);
        assert.ok(only.document.Statement.some((s: any) => s.Action.includes("bedrock:GetInferenceProfile")));
        const help = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/deployPolicy.ts", "--help"],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.match(help.stderr, /usage: npm run deploy-policy -- <stack> \[--preview\]/);
    });
});
