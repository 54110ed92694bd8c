// The IAM users behind Bedrock API keys carry the stack's permissions boundary, and the derived deploy policy lets
// the deploy role create them and write their policies only with it (IAM simulator): a deploy role that gave a key
// user `*:*` would otherwise hold a Bedrock credential (and through it the user's rights) beyond the boundary.
import { strict as assert } from "assert";
import { StackRun } from "../../tools/internal/harness";
import { deployPolicy } from "../../tools/deployPolicy";
import { ALLOW_ALL, asDeployRole, decide } from "../support/iam";
import { asPlan, runBedrock } from "../support/stacks";
import { EVERY_BEDROCK_FEATURE } from "../support/featureRuns";
import { boundaryDocument } from "../../components/shared/permissionsBoundary";

const users = (run: StackRun) => run.resources.filter(r => r.type === "aws:iam/user:User");
const asDeployer = (run: StackRun) => asDeployRole(run.outputs.accountId, [deployPolicy(asPlan(run)).document]);

/** A request of the key user itself, with `policies` as its identity policies, under the boundary as IAM stores it. */
function asKeyUser(run: StackRun, user: StackRun["resources"][number], policies: unknown[]) {
    const account = run.outputs.accountId;
    const boundary = user.inputs.permissionsBoundary;
    return (action: string, resource: string, context: Record<string, string> = {}) =>
        decide({
            principal: user.state.arn,
            principalArn: user.state.arn,
            action,
            resource,
            resourceAccount: account,
            identityPolicies: policies,
            permissionBoundary: boundary ? boundaryDocument(account, run.outputs.region, boundary) : undefined,
            context,
        });
}

describe("Bedrock API-key users and the permissions boundary (IAM simulator)", () => {
    const runs: Record<string, StackRun> = {};
    before(async () => {
        // The managed-policy key of every feature, and a key with its own inline model grants and Marketplace opt-in.
        runs.bedrockFull = await runBedrock(EVERY_BEDROCK_FEATURE);
        runs.inlineKey = await runBedrock({
            "bedrock-bridge:apiKeys": [{ name: "inline", expiryDays: 30, marketplace: true }],
            "bedrock-bridge:allowMarketplace": true,
        });
        runs.noBoundary = await runBedrock({
            "bedrock-bridge:permissionsBoundary": false,
            "bedrock-bridge:apiKeys": [{ name: "k", expiryDays: 30 }],
        });
    });
    const bounded = () => Object.entries(runs).filter(([name]) => name !== "noBoundary");

    it("every key user carries the boundary its roles carry", () => {
        for (const [name, run] of bounded()) {
            const roleBoundary = run.resources.find(
                r =>
                    r.type === "aws:iam/role:Role" &&
                    r.inputs.permissionsBoundary &&
                    !String(r.inputs.permissionsBoundary).startsWith("arn:aws:iam::aws:policy/"),
            )?.inputs.permissionsBoundary;
            assert.ok(users(run).length, name);
            for (const u of users(run)) assert.equal(u.inputs.permissionsBoundary, roleBoundary, `${name}: ${u.name}`);
        }
        for (const u of users(runs.noBoundary)) assert.equal(u.inputs.permissionsBoundary, undefined);
    });

    it("the boundary allows everything a key user's own inline policy grants (nothing is silently lost)", async () => {
        for (const [name, run] of bounded()) {
            for (const u of users(run)) {
                const doc = JSON.parse(
                    run.resources.find(
                        r => r.type === "aws:iam/userPolicy:UserPolicy" && r.inputs.user === u.state.name,
                    )!.inputs.policy,
                );
                const can = asKeyUser(run, u, [doc]);
                for (const st of doc.Statement.filter((x: any) => x.Effect === "Allow")) {
                    const context: Record<string, string> = {};
                    for (const kv of Object.values<Record<string, unknown>>(st.Condition ?? {}))
                        for (const [k, v] of Object.entries(kv)) context[k] = String([v].flat()[0]);
                    for (const action of [st.Action].flat())
                        for (const resource of [st.Resource].flat())
                            assert.equal(
                                await can(
                                    action,
                                    String(resource).replace(/:\*:/g, `:${run.outputs.region}:`),
                                    context,
                                ),
                                "Allowed",
                                `${name}: ${u.name} ${action} on ${resource}`,
                            );
                }
            }
        }
    });

    it("the deploy role may give a key user `*:*` only under the boundary, and the user is then held to it", async () => {
        for (const [name, run] of bounded()) {
            const can = asDeployer(run);
            for (const u of users(run)) {
                const user = u.state.arn as string;
                const boundary = u.inputs.permissionsBoundary as string;
                const withBoundary = { "iam:PermissionsBoundary": boundary };
                for (const action of ["iam:PutUserPolicy", "iam:CreateUser", "iam:PutUserPermissionsBoundary"]) {
                    assert.equal(await can(action, user, withBoundary), "Allowed", `${name}: ${action} bounded`);
                    assert.equal(await can(action, user), "ExplicitlyDenied", `${name}: ${action} unbounded`);
                    // Explicit: it holds beside an allow-all policy someone else put on the deploy role.
                    assert.equal(await can(action, user, {}, [ALLOW_ALL]), "ExplicitlyDenied", `${name}: ${action}`);
                    const other = "arn:aws:iam::111111111111:policy/other";
                    assert.equal(
                        await can(action, user, { "iam:PermissionsBoundary": other }),
                        "ExplicitlyDenied",
                        `${name}: ${action} under another boundary`,
                    );
                }
                assert.equal(
                    await can("iam:DeleteUserPermissionsBoundary", user, withBoundary, [ALLOW_ALL]),
                    "ExplicitlyDenied",
                    `${name}: boundary removal`,
                );
                // The user, given `*:*`, can do no more than the boundary allows, and still what it is for.
                const asUser = asKeyUser(run, u, [ALLOW_ALL]);
                const account = run.outputs.accountId;
                for (const [action, resource] of [
                    ["iam:CreateRole", `arn:aws:iam::${account}:role/admin`],
                    ["iam:CreateAccessKey", user],
                    ["s3:GetObject", "arn:aws:s3:::payroll/2026.csv"],
                    [
                        "secretsmanager:GetSecretValue",
                        `arn:aws:secretsmanager:${run.outputs.region}:${account}:secret:db`,
                    ],
                ])
                    assert.equal(await asUser(action, resource), "ImplicitlyDenied", `${name}: ${action}`);
                assert.equal(await asUser("bedrock:InvokeModel", "*"), "Allowed", name);
                assert.equal(
                    await asUser("bedrock:CallWithBearerToken", "*", { "bedrock:bearerTokenType": "LONG_TERM" }),
                    "Allowed",
                    name,
                );
            }
        }
    });

    it("without a boundary (permissionsBoundary: false), the key users' grants are as before", async () => {
        const run = runs.noBoundary;
        const can = asDeployer(run);
        for (const u of users(run))
            for (const action of ["iam:CreateUser", "iam:PutUserPolicy", "iam:GetUserPolicy", "iam:DeleteUserPolicy"])
                assert.equal(await can(action, u.state.arn), "Allowed", action);
    });
});
