// The README's US-region variant, followed literally: its command run on copies of the example stack files, then
// both stacks synthesized from them (as `npm run synth -- bedrock && npm run synth -- caller` would).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readStackConfig, ROOT, runStack, StackRun } from "../../tools/internal/harness";
import { scratchDir } from "../../emulation/scratch";

/** The shell command of the README's "For a US region" paragraph (its first bash block), without its comment. */
function usVariantCommand(readme: string): string {
    const at = readme.indexOf("For a US region");
    const end = readme.indexOf("**The commands**", at);
    assert.ok(at >= 0 && end > at, 'the README has a "For a US region" variant before "The commands"');
    const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at, end));
    assert.ok(block, "the variant is a bash block");
    return block[1]
        .split("\n")
        .filter(l => l.trim() && !l.trim().startsWith("#"))
        .map(l => l.replace(/\s+#.*$/, ""))
        .join("\n");
}

describe("README: the US-region variant, followed literally", () => {
    let dir: string;
    let bedrock: StackRun;
    let caller: StackRun;

    before(async function () {
        this.timeout(300000);
        dir = scratchDir("bb-us-variant-");
        for (const f of ["Pulumi.yaml", "Pulumi.bedrock.yaml", "Pulumi.caller.yaml"])
            fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
        const cmd = usVariantCommand(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
        const r = spawnSync("bash", ["-c", cmd], { cwd: dir, encoding: "utf8" });
        assert.equal(r.status, 0, `${cmd}\n${r.stderr}`);
        const b = readStackConfig("bedrock", dir);
        bedrock = await runStack({ stack: "bedrock", config: b.config, secretKeys: b.secretKeys });
        const c = readStackConfig("caller", dir);
        caller = await runStack({
            stack: "caller",
            config: c.config,
            secretKeys: c.secretKeys,
            stackOutputs: name => {
                assert.equal(name.split("/").pop(), "bedrock");
                return bedrock.outputs;
            },
        });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("leaves no Tokyo region or jp./apac. profile in either stack file", () => {
        for (const f of ["Pulumi.bedrock.yaml", "Pulumi.caller.yaml"]) {
            const text = fs.readFileSync(path.join(dir, f), "utf8");
            assert.doesNotMatch(text, /ap-northeast-1|\b(jp|apac)\.anthropic\./, f);
        }
    });

    it("synthesizes the Bedrock stack in us-east-1 with us. profiles", () => {
        assert.equal(bedrock.outputs.region, "us-east-1");
        assert.ok(bedrock.outputs.allowedModelIds.length > 0);
        for (const id of bedrock.outputs.allowedModelIds) assert.match(id, /^us\.anthropic\./);
    });

    it("synthesizes the caller stack against it: default model and the gateway's alias among the allowed ones", () => {
        assert.equal(caller.outputs.region, "us-east-1");
        assert.ok(bedrock.outputs.allowedModelIds.includes(caller.outputs.defaultModelId));
        const gateway = caller.resources.find(
            r => r.type === "aws:lambda/function:Function" && r.name.startsWith("gateway"),
        );
        assert.ok(gateway, "the example's gateway is in the plan");
        assert.ok(caller.outputs.gatewayUrl, "the gateway is built");
    });
});
