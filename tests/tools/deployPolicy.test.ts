// `npm run deploy-policy`: the deploy role's policy derived from the synthesized plan. Every resource type and data
// source of both example stacks, and of stacks with every optional feature on, must be covered, and the policy,
// evaluated by the IAM simulator, must let the deploy role create each resource of the plan and little else.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { StackRun } from "../../tools/internal/harness";
import { deployPolicy, RULES } from "../../tools/deployPolicy";
import { decide } from "../support/iam";
import { runBedrock, runCaller } from "../support/stacks";
import { runGoverned, runTenantCaller } from "../support/governance";

const ROOT = path.join(__dirname, "..", "..");
const asPlan = (run: StackRun) => ({
    resources: run.resources.map(r => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        id: r.id,
        inputs: r.inputs,
        outputs: r.state,
    })),
    outputs: run.outputs,
    invokes: run.invokes,
});

describe("deploy-policy", () => {
    const runs: Record<string, StackRun> = {};
    before(async () => {
        runs.bedrock = await runBedrock();
        runs.caller = await runCaller(runs.bedrock);
        runs.bedrockFull = await runBedrock({
            "bedrock-bridge:apiKeys": [{ name: "k", expiryDays: 30, managedPolicy: true }],
            "bedrock-bridge:denyLongTermBearerTokens": "true",
            "bedrock-bridge:auditTrail": "true",
            "bedrock-bridge:invocationLogging": true,
            "bedrock-bridge:monitoring": { alarmEmail: "ops@example.com" },
        });
        runs.callerFull = await runCaller(runs.bedrockFull, {
            "bedrock-bridge:apiGatewayAccount": "manage",
            "bedrock-bridge:stepFunctions": { tracing: true, logLevel: "ALL", includeExecutionData: true },
            "bedrock-bridge:auth": "shortTermKey",
            "bedrock-bridge:monitoring": { alarmEmail: "ops@example.com" },
        });
        // The third example stack: tenants with application profiles, a guardrail and a budget with its cut-off action.
        runs.governed = await runGoverned();
        runs.tenantCaller = await runTenantCaller(runs.governed, "support");
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
    };

    it("lets the deploy role create every resource of the plans, and pass each role only to the service that trusts it", async () => {
        for (const run of [runs.bedrockFull, runs.callerFull, runs.governed]) {
            const can = asDeployer(run);
            for (const r of run.resources) {
                const action = CREATE[r.type];
                const arn = r.type === "aws:appsync/api:Api" ? r.state.apiArn : r.state.arn;
                if (action) assert.equal(await can(action, arn), "Allowed", `${action} on ${arn}`);
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
                if (st.Condition) continue; // conditional grants are checked with their context above and below
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
        for (const [can, action, resource, context] of denied)
            assert.equal(await can(action, resource, context), "ImplicitlyDenied", `${action} on ${resource}`);
        assert.equal(
            await bedrock(
                "bedrock:GetInferenceProfile",
                "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            "Allowed",
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
        const doc = JSON.parse(r.stdout);
        assert.equal(doc.Version, "2012-10-17");
        assert.ok(doc.Statement.some((s: any) => s.Action.includes("iam:CreateRole")));
        assert.match(
            r.stderr,
            /statements for \.synth\/bedrock\/plan\.json \(stack bedrock, account 222222222222, ap-northeast-1\)/,
        );
        const help = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/deployPolicy.ts", "--help"],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.match(help.stderr, /usage: npm run -s deploy-policy -- <stack>/);
    });
});
