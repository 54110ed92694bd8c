// Every IAM policy the program and its tools produce, linted against AWS's service authorization data
// (tools/internal/policyLint.ts): stack policies, trust policies, resource policies, the boundary, and the deploy
// and preview policies of every example stack and of stacks with every optional feature on.
import { strict as assert } from "assert";
import { StackRun } from "../../tools/internal/harness";
import { lintPolicy, policiesIn, PolicyKind } from "../../tools/internal/policyLint";
import { deployPolicy } from "../../tools/deployPolicy";
import { featureRuns } from "../support/featureRuns";
import { asPlan } from "../support/stacks";

/** What a document found in a resource's inputs is: a role's trust, a resource's own policy, or an identity policy. */
function kindOf(type: string, path: string): PolicyKind {
    if (path === "assumeRolePolicy") return "trust";
    if (/bucketPolicy|topicPolicy|logResourcePolicy|queuePolicy/i.test(type)) return "resource";
    return "identity";
}

describe("policy lint (AWS service authorization data)", () => {
    let runs: Record<string, StackRun> = {};
    before(async () => {
        runs = await featureRuns();
    });

    it("finds nothing wrong in any policy of the stacks, their outputs, or their deploy and preview policies", async () => {
        const problems: string[] = [];
        let linted = 0;
        const lint = async (doc: unknown, kind: PolicyKind, label: string) => {
            linted++;
            problems.push(...(await lintPolicy(doc, kind, label)));
        };
        for (const [name, run] of Object.entries(runs)) {
            for (const r of run.resources)
                for (const { path, doc } of policiesIn(r.inputs))
                    await lint(doc, kindOf(r.type, path), `${name} ${r.name}.${path}`);
            // Outputs carry documents for operators to apply (the long-term key SCP).
            for (const { path, doc } of policiesIn(run.outputs)) await lint(doc, "identity", `${name} output ${path}`);
            const { document, preview, uncovered } = deployPolicy(asPlan(run));
            assert.deepEqual(uncovered, [], name);
            await lint(document, "identity", `${name} deploy-policy`);
            if (preview.Statement.length) await lint(preview, "identity", `${name} deploy-policy --preview`);
        }
        assert.deepEqual(problems, []);
        assert.ok(linted > 40, `${linted} documents`);
        // Each kind was seen: trust policies, resource policies (bucket, topic), identity policies.
        const all = Object.values(runs).flatMap(r =>
            r.resources.flatMap(x => policiesIn(x.inputs).map(p => kindOf(x.type, p.path))),
        );
        for (const kind of ["trust", "resource", "identity"]) assert.ok(all.includes(kind as PolicyKind), kind);
    });

    it("fails a bogus action, a resource of the wrong type, an unknown condition key and a wildcard-only action on an ARN", async () => {
        const doc = (statement: Record<string, unknown>) => ({
            Version: "2012-10-17",
            Statement: [{ Sid: "S", Effect: "Allow", ...statement }],
        });
        assert.match(
            (await lintPolicy(doc({ Action: "bedrock:InvokeModels", Resource: "*" }))).join("\n"),
            /bedrock:InvokeModels is not an action AWS knows/,
        );
        // Authorized on the budget, not on its actions: the statement would grant nothing.
        assert.match(
            (
                await lintPolicy(
                    doc({
                        Action: "budgets:DescribeBudgetActionsForBudget",
                        Resource: "arn:aws:budgets::222222222222:budget/b/action/*",
                    }),
                )
            ).join("\n"),
            /DescribeBudgetActionsForBudget applies to budget, none of/,
        );
        assert.match(
            (
                await lintPolicy(
                    doc({
                        Action: "iam:ListAttachedRolePolicies",
                        Resource: "arn:aws:iam::222222222222:role/x",
                        Condition: { ArnLike: { "iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess" } },
                    }),
                )
            ).join("\n"),
            /condition key iam:PolicyARN is not in the request context of iam:ListAttachedRolePolicies/,
        );
        assert.match(
            (
                await lintPolicy(
                    doc({
                        Action: "sns:Publish",
                        Resource: "arn:aws:sns:ap-northeast-1:222222222222:t",
                        Condition: { StringEquals: { "sns:NoSuchKey": "x" } },
                    }),
                )
            ).join("\n"),
            /sns:NoSuchKey/,
        );
        // Tag keys are global by name, but only services that evaluate them may be scoped by them.
        assert.match(
            (
                await lintPolicy(
                    doc({
                        Action: "logs:PutResourcePolicy",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:ResourceTag/bedrock-bridge:stack": "caller" } },
                    }),
                )
            ).join("\n"),
            /aws:ResourceTag\/bedrock-bridge:stack is not in the request context of logs:PutResourcePolicy/,
        );
        assert.match(
            (
                await lintPolicy(
                    doc({
                        Action: "states:ValidateStateMachineDefinition",
                        Resource: "arn:aws:states:ap-northeast-1:1:stateMachine:x",
                    }),
                )
            ).join("\n"),
            /takes no resource ARN: grant it on "\*"/,
        );
        assert.match(
            (await lintPolicy(doc({ Action: "s3:GetObject", Resource: "arn:aws:nosuchservice:::x" }))).join("\n"),
            /is not the ARN of any AWS resource type/,
        );
        // And passes what is right: global keys, tag keys where the service has them, both log group ARN forms.
        assert.deepEqual(
            await lintPolicy(
                doc({
                    Action: ["cognito-idp:DeleteUserPool", "appsync:UpdateApi"],
                    Resource: [
                        "arn:aws:cognito-idp:ap-northeast-1:1:userpool/*",
                        "arn:aws:appsync:ap-northeast-1:1:apis/*",
                    ],
                    Condition: {
                        StringEquals: { "aws:ResourceTag/bedrock-bridge:stack": "caller", "aws:PrincipalAccount": "1" },
                    },
                }),
            ),
            [],
        );
        assert.deepEqual(
            await lintPolicy(
                doc({
                    Action: ["logs:CreateLogStream", "logs:PutRetentionPolicy"],
                    Resource: [
                        "arn:aws:logs:ap-northeast-1:1:log-group:/a/b",
                        "arn:aws:logs:ap-northeast-1:1:log-group:/a/b:*",
                    ],
                }),
            ),
            [],
        );
    });
});
