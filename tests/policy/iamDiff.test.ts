// The reviewer's IAM diff between two synth plans: statements added/removed per role, trust changes, keys.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../tools/internal/harness";
import { iamDiff, Plan, PlanResource } from "../../tools/internal/iamDiff";
import { asPlan, runBedrock, runCaller } from "../support/stacks";
import { scratchDir } from "../../emulation/scratch";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function find(plan: Plan, type: string, name?: string): PlanResource {
    const found = plan.resources.filter(r => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `one ${type} ${name ?? ""}`);
    return found[0];
}

/** Edits a policy JSON input in place. */
function editPolicy(r: PlanResource, field: string, edit: (doc: any) => void): void {
    const doc = JSON.parse(r.inputs[field]);
    edit(doc);
    r.inputs[field] = JSON.stringify(doc);
}

/** Lines of the fenced diff blocks, for exact comparisons. */
// The foundation's roles, by logical name (other components add roles of their own beside them).
const ROLE = "aws:iam/role:Role";
const RP = "aws:iam/rolePolicy:RolePolicy";
const CALLER_ROLE = "invoker-role";
const BEDROCK_ROLE = "bedrock-access-execution";
const BEDROCK_POLICY = "bedrock-access-invoke-models";

const diffLines = (md: string, sign: "+" | "-") => md.split("\n").filter(l => l.startsWith(`${sign} `));

describe("iamDiff", () => {
    let bedrock: Plan;
    let caller: Plan;
    before(async () => {
        const b = await runBedrock();
        bedrock = asPlan(b);
        caller = asPlan(await runCaller(b));
    });

    it("reports no changes for the same plan, and for a reordered but equal policy", () => {
        assert.match(iamDiff(bedrock, clone(bedrock)), /^### IAM changes in stack `bedrock`\n\nNo IAM changes\.\n$/);
        const head = clone(caller);
        editPolicy(find(head, RP, CALLER_ROLE), "policy", doc => {
            doc.Statement.reverse();
            for (const s of doc.Statement) if (Array.isArray(s.Action)) s.Action.reverse();
        });
        assert.match(iamDiff(caller, head), /No IAM changes/);
    });

    it("shows an added permission statement under its role and inline policy", () => {
        const head = clone(caller);
        const rp = find(head, RP, CALLER_ROLE);
        // Keys in alphabetical order and lists: the one-line form the diff prints.
        const added = {
            Action: ["s3:GetObject"],
            Effect: "Allow",
            Resource: ["arn:aws:s3:::prompts/*"],
            Sid: "ReadPrompts",
        };
        editPolicy(rp, "policy", doc =>
            doc.Statement.push({
                Sid: "ReadPrompts",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: "arn:aws:s3:::prompts/*",
            }),
        );
        const md = iamDiff(caller, head);
        const role = find(head, ROLE, CALLER_ROLE);
        assert.ok(md.includes(`#### Role \`${role.name}\` (${role.outputs!.name}): changed`), md);
        assert.ok(md.includes("Permissions: 1 statement added\n"), md);
        assert.deepEqual(diffLines(md, "+"), [`+ inline policy ${rp.inputs.name}: ${JSON.stringify(added)}`]);
        assert.deepEqual(diffLines(md, "-"), []);
        assert.ok(md.includes(role.urn!), "names the resource by URN");
    });

    it("shows a removed statement and a trust policy change of the Bedrock role", () => {
        const head = clone(bedrock);
        const rp = find(head, RP, BEDROCK_POLICY);
        const original = JSON.parse(rp.inputs.policy).Statement;
        const gone = original[0];
        editPolicy(rp, "policy", doc => doc.Statement.shift());
        const role = find(head, ROLE, BEDROCK_ROLE);
        const widened = {
            Action: "sts:AssumeRole",
            Condition: { ArnLike: { "aws:PrincipalArn": ["arn:aws:iam::333333333333:role/bedrock-bridge/*"] } },
            Effect: "Allow",
            Principal: { AWS: ["arn:aws:iam::333333333333:root"] },
            Sid: "ThirdAccount",
        };
        editPolicy(role, "assumeRolePolicy", doc => doc.Statement.push(widened));

        const md = iamDiff(bedrock, head);
        assert.ok(md.includes(`#### Role \`${role.name}\` (${role.outputs!.name}): changed`), md);
        assert.ok(md.includes("Trust policy: 1 statement added\n"), md);
        assert.ok(md.includes("Permissions: 1 statement removed\n"), md);
        const plus = diffLines(md, "+");
        assert.equal(plus.length, 1);
        assert.equal(plus[0], `+ trust: ${JSON.stringify({ ...widened, Action: [widened.Action] })}`);
        const minus = diffLines(md, "-");
        assert.equal(minus.length, 1);
        assert.ok(minus[0].startsWith(`- inline policy ${rp.inputs.name}: {`), minus[0]);
        for (const text of [gone.Sid, ...[gone.Resource].flat(), ...[gone.Action].flat()])
            assert.ok(minus[0].includes(JSON.stringify(text)), `${text} in ${minus[0]}`);
    });

    it("shows a trust statement replaced as removed plus added", () => {
        const head = clone(bedrock);
        const role = find(head, ROLE, BEDROCK_ROLE);
        const path0 = JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Condition.ArnLike["aws:PrincipalArn"][0];
        editPolicy(role, "assumeRolePolicy", doc => {
            doc.Statement[0].Condition.ArnLike["aws:PrincipalArn"] = ["arn:aws:iam::111111111111:role/*"];
        });
        const md = iamDiff(bedrock, head);
        assert.ok(md.includes("Trust policy: 1 statement added, 1 statement removed\n"), md);
        assert.equal(diffLines(md, "-").length, 1);
        assert.ok(diffLines(md, "-")[0].startsWith("- trust: ") && diffLines(md, "-")[0].includes(path0));
        assert.ok(
            diffLines(md, "+")[0].startsWith("+ trust: ") &&
                diffLines(md, "+")[0].includes("arn:aws:iam::111111111111:role/*"),
        );
    });

    it("shows new users with their keys and attachments, and removed roles", () => {
        const head = clone(caller);
        head.resources.push(
            {
                type: "aws:iam/user:User",
                name: "key-user",
                id: "bb-key-user",
                inputs: { name: "bb-key-user", path: "/bedrock-bridge/" },
                outputs: { name: "bb-key-user" },
            },
            {
                type: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
                name: "key-user-limited",
                inputs: { user: "bb-key-user", policyArn: "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess" },
            },
            {
                type: "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
                name: "key",
                inputs: { userName: "bb-key-user", serviceName: "bedrock.amazonaws.com", credentialAgeDays: 30 },
            },
        );
        const role = find(head, ROLE, CALLER_ROLE);
        head.resources = head.resources.filter(r => r !== role && r.inputs.role !== role.outputs!.name);
        const md = iamDiff(caller, head);
        assert.ok(md.includes("#### User `key-user` (bb-key-user): added"), md);
        assert.ok(md.includes("+ managed policy arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"), md);
        assert.ok(
            md.includes("+ key: service-specific credential for bedrock.amazonaws.com, expires after 30 days, Active"),
            md,
        );
        assert.ok(md.includes(`#### Role \`${role.name}\` (${role.outputs!.name}): removed`), md);
        const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
        assert.ok(
            diffLines(md, "-").some(l => l.startsWith("- trust: ") && l.includes(trust.Principal.Service)),
            "the removed role's trust is listed",
        );
        assert.match(md, /Roles, users, groups and managed policies: 1 added, 1 removed\./);
    });

    it("runs as a CLI over two plan files", () => {
        const dir = scratchDir("iam-diff-");
        const head = clone(caller);
        editPolicy(find(head, RP, CALLER_ROLE), "policy", doc =>
            doc.Statement.push({
                Effect: "Allow",
                Action: "sqs:SendMessage",
                Resource: "arn:aws:sqs:ap-northeast-1:111111111111:q",
            }),
        );
        fs.writeFileSync(path.join(dir, "base.json"), JSON.stringify(caller));
        fs.writeFileSync(path.join(dir, "head.json"), JSON.stringify(head));
        const cli = (...args: string[]) =>
            execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/iamDiffCli.ts", ...args], {
                cwd: ROOT,
                encoding: "utf8",
                stdio: "pipe",
            });
        const out = cli(path.join(dir, "base.json"), path.join(dir, "head.json"));
        assert.match(out, /\+ inline policy .*"sqs:SendMessage"/);
        assert.throws(
            () => cli(path.join(dir, "missing.json"), path.join(dir, "head.json")),
            (e: any) => /base plan .*missing\.json does not exist: run npm run synth/.test(e.stderr),
        );
    });
});
