// IAM names are account-global: two Bedrock stacks of one account in two regions (the natural way to pool
// regional quota) must not ask for the same role or user name, or the second `pulumi up` fails with EntityAlreadyExists.
import { strict as assert } from "assert";
import { StackRun } from "../../../tools/internal/harness";
import { byType, one, runBedrock } from "../../support/stacks";

/** Names of every IAM entity a run creates (roles, users, groups, managed policies, instance profiles). */
function iamNames(run: StackRun): string[] {
    return run.resources
        .filter(r => /^aws:iam\/(role|user|group|policy|instanceProfile):/.test(r.type))
        .map(r => `${r.type.split(":")[1].split("/")[1]}/${r.state.name ?? r.inputs.name}`);
}

describe("IAM names across stacks of one account", () => {
    // Every optional feature that creates IAM entities: long-term keys, the deny, the audit trail.
    const everything = {
        "bedrock-bridge:apiKeys": [
            { name: "exploration", expiryDays: 30 },
            { name: "a-rather-long-key-name-for-a-team-of-analysts", expiryDays: 7 },
        ],
        "bedrock-bridge:denyLongTermBearerTokens": "true",
        "bedrock-bridge:auditTrail": "true",
    };
    let tokyo: StackRun;
    let virginia: StackRun;
    before(async () => {
        tokyo = await runBedrock(everything, "bedrock-tokyo");
        virginia = await runBedrock(
            {
                ...everything,
                "aws:region": "us-east-1",
                "bedrock-bridge:models": ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
            },
            "bedrock-virginia",
        );
    });

    it("two Bedrock stacks in two regions of the same account share no IAM name", () => {
        assert.equal(tokyo.outputs.accountId, virginia.outputs.accountId);
        const a = iamNames(tokyo),
            b = iamNames(virginia);
        assert.ok(a.length >= 5, a.join(", "));
        assert.deepEqual(
            a.filter(n => b.includes(n)),
            [],
        );
        for (const n of [...a, ...b]) assert.ok(n.split("/")[1].length <= 64, `${n} is longer than IAM allows`);
    });

    it("the execution role and key users carry the stack and region in their names", () => {
        assert.equal(
            one(tokyo, "aws:iam/role:Role").inputs.name,
            "bedrock-bridge-execution-bedrock-tokyo-ap-northeast-1",
        );
        assert.equal(tokyo.outputs.roleName, "bedrock-bridge-execution-bedrock-tokyo-ap-northeast-1");
        const [short, long] = byType(virginia, "aws:iam/user:User").map(u => u.inputs.name as string);
        assert.equal(short, "BedrockAPIKey-exploration-bedrock-virginia-us-east-1");
        // Too long for IAM's 64 characters with the suffix: cut, ending in a hash of the whole name.
        assert.equal(long.length, 64);
        assert.match(long, /^BedrockAPIKey-a-rather-long-key-name-for-a-team-of-anal-[0-9a-f]{8}$/);
        assert.notEqual(long, byType(tokyo, "aws:iam/user:User")[1].inputs.name);
    });

    it("an explicit bedrock-bridge:roleName is used as given", async () => {
        const run = await runBedrock({ "bedrock-bridge:roleName": "my-bedrock-role" });
        assert.equal(one(run, "aws:iam/role:Role").inputs.name, "my-bedrock-role");
        assert.equal(run.outputs.roleArn, "arn:aws:iam::222222222222:role/my-bedrock-role");
    });
});
