// Offline synth: the plan and Lambda packages written for both example stacks, in deploy order.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Plan, planPath, summarize, synth } from "../../tools/synth";
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
        const fn = caller.resources.find(r => r.type === "aws:lambda/function:Function")!;
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
