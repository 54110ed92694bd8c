// Offline synth: the plan and Lambda packages written for both example stacks, in deploy order.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { Plan, planPath, summarize, synth } from "../../tools/synth";
import { ROOT } from "../../tools/internal/harness";
import { scratchDir } from "../../emulation/scratch";

describe("npm run synth", () => {
    let dir: string;
    let bedrock: Plan;
    let caller: Plan;

    before(async () => {
        dir = scratchDir("bb-synth-");
        bedrock = await synth("bedrock", dir);
        caller = await synth("caller", dir);
    });

    it("asks for the Bedrock synth first when the caller's referenced plan is missing", async () => {
        const empty = scratchDir("bb-synth-empty-");
        await assert.rejects(synth("caller", empty), /run `npm run synth -- bedrock` first/);
    });

    it("writes plan.json with stack, project, resources (type, name, urn, id, inputs, outputs), outputs and the data sources read", () => {
        const onDisk = JSON.parse(fs.readFileSync(planPath("bedrock", dir), "utf8"));
        assert.deepEqual(Object.keys(onDisk), ["stack", "project", "resources", "outputs", "invokes"]);
        assert.ok(
            onDisk.invokes.some(
                (i: any) =>
                    i.token === "aws:bedrock/getInferenceProfile:getInferenceProfile" &&
                    i.args.inferenceProfileId === "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
        );
        assert.equal(onDisk.stack, "bedrock");
        assert.equal(onDisk.project, "bedrock-bridge");
        for (const r of onDisk.resources) {
            for (const k of ["type", "name", "urn", "id", "inputs", "outputs"])
                assert.ok(k in r, `${r.name} lacks ${k}`);
            assert.match(r.urn, /^urn:pulumi:bedrock::bedrock-bridge::/);
        }
        const role = onDisk.resources.find((r: any) => r.type === "aws:iam/role:Role");
        assert.equal(typeof role.inputs.assumeRolePolicy, "string", "policy documents stay JSON strings");
        assert.equal(
            role.outputs.arn,
            "arn:aws:iam::222222222222:role/bedrock-bridge-execution-bedrock-ap-northeast-1",
        );
    });

    it("wires the caller to the Bedrock plan's outputs and shapes ARNs from each stack's account and region", () => {
        assert.deepEqual(caller.outputs.bedrockRoleArns, [bedrock.outputs.roleArn]);
        const fn = caller.resources.find(r => r.type === "aws:lambda/function:Function" && r.name === "invoker")!;
        assert.match(fn.outputs.arn, /^arn:aws:lambda:ap-northeast-1:111111111111:function:/);
        const targets = JSON.parse(fn.inputs.environment.variables.BEDROCK_TARGETS);
        assert.equal(targets[0].roleArn, bedrock.outputs.roleArn);
    });

    it("unpacks each Lambda package under lambdas/<function resource name>", () => {
        const fns = caller.resources.filter(r => r.type === "aws:lambda/function:Function");
        assert.ok(fns.length >= 1);
        for (const fn of fns) {
            const index = path.join(dir, "caller", "lambdas", fn.name, "__index.js");
            assert.ok(fs.existsSync(index), index);
            assert.match(fs.readFileSync(index, "utf8"), /exports\.handler/);
            assert.equal(fn.inputs.code.archive, path.join("lambdas", fn.name));
        }
        // The runtime ships the AWS SDK v3: the invoker's package must not carry it.
        const invoker = fns.find(f => f.name === "invoker")!;
        assert.ok(!fs.existsSync(path.join(dir, "caller", "lambdas", "invoker", "node_modules", "@aws-sdk")));
        // Our code and Powertools Metrics (about 0.6 MB unpacked, docs/testing.md, "What the Lambda packages carry"); the SDK
        // would add several MB.
        assert.ok(invoker.inputs.code.bytes < 1024 * 1024, `invoker package is ${invoker.inputs.code.bytes} bytes`);
    });

    it("summarizes resources by type, IAM statements and outputs", () => {
        const text = summarize(bedrock);
        assert.match(text, /1\s+aws:iam\/role:Role/);
        assert.match(text, /Allow sts:AssumeRole on - principal=\{"AWS":\["arn:aws:iam::111111111111:root"\]\}/);
        assert.match(
            text,
            /roleArn: "arn:aws:iam::222222222222:role\/bedrock-bridge-execution-bedrock-ap-northeast-1"/,
        );
    });
});

describe("npm run synth / deploy-policy / iam-diff: the commands through npm", function () {
    this.timeout(180000);
    let dir: string;
    // Through npm, as a user runs them: npm prints its banner on stdout, which `> file` would capture.
    const npm = (args: string[]) => {
        const r = spawnSync("npm", ["run", ...args], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, BB_SYNTH_DIR: path.join(dir, ".synth") },
        });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    before(() => (dir = scratchDir("bb-synth-cli-")));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("--out writes only the product into the file, and the messages go to stderr", () => {
        const policy = path.join(dir, "out", "policy.json");
        const p = npm(["deploy-policy", "--", "bedrock", "--out", policy]);
        assert.equal(p.code, 0, p.stderr);
        assert.match(p.stdout, /> bedrock-bridge@[\d.]+ deploy-policy/, "npm's banner is on stdout...");
        const [doc] = JSON.parse(fs.readFileSync(policy, "utf8"));
        assert.equal(doc.document.Version, "2012-10-17", "...and not in the file");
        assert.match(p.stderr, /wrote .*policy\.json/);
        assert.ok(!p.stdout.includes('"Statement"'), "the policy is not printed as well");

        const plan = path.join(dir, "base", "bedrock.json");
        const s = npm(["synth", "--", "bedrock", "--out", plan]);
        assert.equal(s.code, 0, s.stderr);
        assert.equal(JSON.parse(fs.readFileSync(plan, "utf8")).stack, "bedrock");
        assert.ok(!/^info:/m.test(s.stdout + s.stderr), "no Pulumi info: lines around the summary");

        const diff = path.join(dir, "diff.md");
        const d = npm(["iam-diff", "--", plan, path.join(dir, ".synth", "bedrock", "plan.json"), "--out", diff]);
        assert.equal(d.code, 0, d.stderr);
        assert.ok(fs.readFileSync(diff, "utf8").length > 0);
        assert.ok(!fs.readFileSync(diff, "utf8").includes("> bedrock-bridge@"));
    });

    it("--diff with a missing base plan says how to make one, before synthesizing", () => {
        // Before synthesizing: the caller's plan (what a synth writes) is not written or rewritten.
        const callerPlan = path.join(dir, ".synth", "caller", "plan.json");
        const planState = () => (fs.existsSync(callerPlan) ? fs.statSync(callerPlan).mtimeMs : "none");
        const planBefore = planState();
        const r = npm(["synth", "--", "caller", "--diff", path.join(dir, "nope", "plan.json")]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /the base plan .*nope\/plan\.json does not exist\. Make it from the revision/);
        assert.match(r.stderr, /npm run synth -- caller --out /);
        assert.ok(!/ENOENT|at .*\.ts:\d+/.test(r.stderr), r.stderr);
        assert.equal(planState(), planBefore, "the caller was synthesized before the base plan was checked");
    });
});
