// docs/workloads.md's code, run as written, so the page cannot rot. Each ```ts block is type-checked (strict, as an
// ES module) and transpiled to an .mjs file in a scratch folder whose node_modules is the project's, then run in a
// fresh Node process: top-level await and all, as a newcomer's .mts file would. The gateway snippets talk to the
// sandbox's gateway (GATEWAY_URL, GATEWAY_KEY); the bring-your-own-role module is imported by a small driver and
// talks to fake STS and Bedrock Runtime. The ```python blocks cannot run here (no PyPI): python3 parses them.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { bedrockError, BedrockRequest, converseAnswer, FakeBedrock, FakeSts } from "../../emulation/fakes";
import { scratchDir } from "../../emulation/scratch";
import { Sandbox, startSandbox } from "../../sandbox";
import { ROOT } from "../../tools/internal/harness";

const DOC = path.join(ROOT, "docs", "workloads.md");
const SONNET_45 = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";

interface Block {
    lang: string;
    code: string;
    /** The nearest heading above the block, without its #s. */
    section: string;
    /** 1-based line of the opening fence. */
    line: number;
}

/** The fenced code blocks of a Markdown text, each with the heading it stands under. */
function codeBlocks(markdown: string): Block[] {
    const lines = markdown.split("\n");
    const out: Block[] = [];
    let section = "";
    for (let i = 0; i < lines.length; i++) {
        const heading = /^#{1,6}\s+(.*)$/.exec(lines[i]);
        if (heading) section = heading[1].trim();
        const fence = /^```(\w*)\s*$/.exec(lines[i]);
        if (!fence) continue;
        const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
        assert.ok(end > i, `docs/workloads.md:${i + 1}: a code block that is never closed`);
        out.push({ lang: fence[1], code: lines.slice(i + 1, end).join("\n") + "\n", section, line: i + 1 });
        i = end;
    }
    return out;
}

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `node file args` with exactly `env` (plus PATH), asynchronously: the servers it talks to live in this process. */
function runNode(file: string, env: Record<string, string>, args: string[] = []): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [file, ...args], {
            cwd: path.dirname(file),
            env: { PATH: process.env.PATH ?? "", TMPDIR: path.dirname(file), HOME: path.dirname(file), ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
        child.on("error", reject);
        child.on("close", code => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

/** A run that exited 0; otherwise the assertion carries what the snippet wrote to stderr. */
function succeeded(r: Run, what: string): string {
    assert.equal(r.code, 0, `${what} exited with ${r.code}:\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
}

/** The text of the last user turn of a model request: Converse ({text} blocks) or Anthropic's body (string or blocks). */
function lastUserText(body: any): string {
    const user = (body?.messages ?? []).filter((m: any) => m.role === "user").pop();
    assert.ok(user, `the model got no user turn: ${JSON.stringify(body)}`);
    if (typeof user.content === "string") return user.content;
    return user.content.map((c: any) => c.text ?? "").join("");
}

describe("docs/workloads.md: its code runs as written", function () {
    this.timeout(120000);
    const blocks = codeBlocks(fs.readFileSync(DOC, "utf8"));
    let dir: string;
    /** The .mjs file each ```ts block was transpiled to, by section. */
    const modules = new Map<string, string>();

    /** The one block of a language under a heading. */
    const block = (lang: string, section: string): Block => {
        const found = blocks.filter(b => b.lang === lang && b.section === section);
        assert.equal(
            found.length,
            1,
            `docs/workloads.md: one \`\`\`${lang} block under "${section}" (${found.length})`,
        );
        return found[0];
    };
    const moduleOf = (section: string) => {
        const file = modules.get(section);
        assert.ok(file, `no \`\`\`ts block under "${section}"`);
        return file;
    };
    const fileName = (section: string) =>
        section
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-|-$/g, "");

    before(() => {
        dir = scratchDir("bb-docs-workloads-");
        // Bare imports ("openai", "@aws-sdk/...") resolve from here as from a project with these packages installed.
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
        for (const b of blocks.filter(x => x.lang === "ts")) {
            const name = fileName(b.section);
            assert.ok(!modules.has(b.section), `two \`\`\`ts blocks under "${b.section}": give each its own heading`);
            fs.writeFileSync(path.join(dir, `${name}.mts`), b.code);
            const js = ts.transpileModule(b.code, {
                fileName: `${name}.mts`,
                compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
            }).outputText;
            fs.writeFileSync(path.join(dir, `${name}.mjs`), js);
            modules.set(b.section, path.join(dir, `${name}.mjs`));
        }
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs every ```ts block below, and each one type-checks (strict, as an ES module)", function () {
        this.timeout(120000);
        // A new TypeScript snippet needs a test here: this list is what the tests below run.
        assert.deepEqual(
            [...modules.keys()].sort(),
            ["Anthropic SDK", "LangChain", "Node.js (AWS SDK v3)", "OpenAI SDK"],
            "the ```ts blocks of docs/workloads.md, by heading",
        );
        const files = [...modules.values()].map(f => f.replace(/\.mjs$/, ".mts"));
        const program = ts.createProgram(files, {
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.NodeNext,
            moduleResolution: ts.ModuleResolutionKind.NodeNext,
            types: ["node"],
            typeRoots: [path.join(ROOT, "node_modules", "@types")],
        });
        const problems = ts.getPreEmitDiagnostics(program).map(d => {
            const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
            if (!d.file || d.start === undefined) return text;
            const { line } = d.file.getLineAndCharacterOfPosition(d.start);
            const md = blocks.find(
                b => b.lang === "ts" && fileName(b.section) === path.basename(d.file!.fileName, ".mts"),
            );
            return `docs/workloads.md:${(md?.line ?? 0) + line + 1} (${md?.section}): ${text}`;
        });
        assert.deepEqual(problems, []);
    });

    it("each ```ts block's `npm install` line names every package it imports", () => {
        for (const b of blocks.filter(x => x.lang === "ts")) {
            const install = /^\/\/ npm install (.+)$/m.exec(b.code)?.[1].split(/\s+/) ?? [];
            const imported = [...b.code.matchAll(/^import .* from "([^".][^"]*)";$/gm)].map(m =>
                m[1].startsWith("@") ? m[1].split("/").slice(0, 2).join("/") : m[1].split("/")[0],
            );
            assert.ok(imported.length > 0, `docs/workloads.md:${b.line} (${b.section}) imports nothing`);
            for (const pkg of imported)
                assert.ok(install.includes(pkg), `docs/workloads.md:${b.line} (${b.section}): npm install ${pkg}`);
        }
    });

    describe("the gateway snippets, against the sandbox's gateway", () => {
        let sb: Sandbox;
        let env: Record<string, string>;
        /** Runs a snippet; returns what it printed and the prompt the model got from it (one model request). */
        const ask = async (section: string, overrides: Record<string, string> = {}) => {
            const before = sb.modelRequests();
            const out = succeeded(await runNode(moduleOf(section), { ...env, ...overrides }), section);
            assert.equal(sb.modelRequests(), before + 1, `${section}: one model request`);
            const prompt = lastUserText(sb.lastModelRequest());
            assert.ok(prompt.trim().length > 0);
            return { out, prompt };
        };

        before(async () => {
            sb = await startSandbox({
                modelDelayMs: 2,
                gateway: { keys: [{ name: "docs" }], aliases: { "claude-sonnet-4-5": SONNET_45 } },
            });
            env = { GATEWAY_URL: sb.outputs.gatewayUrl, GATEWAY_KEY: sb.outputs.gatewayKeys.docs };
        });
        after(async () => {
            await sb?.stop();
        });

        it("OpenAI SDK (TypeScript): prints exactly the streamed answer", async () => {
            const { out, prompt } = await ask("OpenAI SDK");
            assert.equal(out, sb.answerFor(prompt));
        });

        it("Anthropic SDK (TypeScript): prints the streamed answer, then the usage", async () => {
            const { out, prompt } = await ask("Anthropic SDK");
            const answer = sb.answerFor(prompt);
            assert.ok(out.startsWith(answer), `expected the answer first:\n${out}`);
            const usage = out.slice(answer.length);
            assert.match(usage, /^\{[\s\S]*\}\n$/, `then one usage object:\n${usage}`);
            assert.ok(Number(/\binput_tokens: (\d+)/.exec(usage)?.[1]) > 0, usage);
            assert.ok(Number(/\boutput_tokens: (\d+)/.exec(usage)?.[1]) > 0, usage);
        });

        it("LangChain (TypeScript): prints exactly the streamed answer", async () => {
            const { out, prompt } = await ask("LangChain");
            assert.equal(out, sb.answerFor(prompt));
        });

        it("a snippet that reaches the wrong path or uses a wrong key fails here", async () => {
            // What makes the assertions above able to fail: the snippets throw, and a throw is a failed run.
            const wrongPath = await runNode(moduleOf("OpenAI SDK"), {
                ...env,
                GATEWAY_URL: sb.outputs.gatewayUrl.replace(/\/v1$/, "/v2"),
            });
            assert.notEqual(wrongPath.code, 0);
            assert.match(wrongPath.stderr, /404/);
            const wrongKey = await runNode(moduleOf("Anthropic SDK"), { ...env, GATEWAY_KEY: "bbk-not-a-key" });
            assert.notEqual(wrongKey.code, 0);
            assert.match(wrongKey.stderr, /401/);
        });
    });

    describe("bring your own role (Node.js), against fake STS and Bedrock Runtime", () => {
        let sts: FakeSts;
        let bedrock: FakeBedrock;
        const WORKLOAD_KEY = "AKIAFAKEWORKLOADROLE";
        /** The snippet's TARGETS, read from its text: role ARN and region, in priority order. */
        const targets = () =>
            [...block("ts", "Node.js (AWS SDK v3)").code.matchAll(/roleArn:\s*"([^"]+)",\s*region:\s*"([^"]+)"/g)].map(
                m => ({ roleArn: m[1], region: m[2], account: /^arn:aws:iam::(\d{12}):role\//.exec(m[1])?.[1] }),
            );
        /** Credentials the fake STS issued for a role of this account (FakeSts: ASIAFAKE<account><n>). */
        const of = (account: string | undefined) => (r: BedrockRequest) =>
            String(r.signedBy.accessKeyId).startsWith(`ASIAFAKE${account}`);

        /** Imports the snippet's module from a driver and calls its converse(prompt). */
        const converse = async (
            prompt: string,
        ): Promise<{ text?: string; error?: { name: string; message: string } }> => {
            const snippet = moduleOf("Node.js (AWS SDK v3)");
            const driver = path.join(path.dirname(snippet), "converse-driver.mjs");
            fs.writeFileSync(
                driver,
                [
                    `import { converse } from "./${path.basename(snippet)}";`,
                    `try {`,
                    `    console.log(JSON.stringify({ text: await converse(process.argv[2]) }));`,
                    `} catch (e) {`,
                    `    console.log(JSON.stringify({ error: { name: e.name, message: e.message } }));`,
                    `}`,
                ].join("\n"),
            );
            const out = succeeded(
                await runNode(
                    driver,
                    {
                        // The workload's own credentials (its task or instance role) and region.
                        AWS_ACCESS_KEY_ID: WORKLOAD_KEY,
                        AWS_SECRET_ACCESS_KEY: "fake-workload-secret",
                        AWS_REGION: "ap-northeast-1",
                        AWS_CONFIG_FILE: path.join(path.dirname(snippet), "no-aws-config"),
                        AWS_SHARED_CREDENTIALS_FILE: path.join(path.dirname(snippet), "no-aws-credentials"),
                        AWS_ENDPOINT_URL_STS: sts.url,
                        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
                    },
                    [prompt],
                ),
                "converse()",
            );
            return JSON.parse(out);
        };

        beforeEach(async () => {
            sts = await new FakeSts().start();
            bedrock = await new FakeBedrock().start();
            bedrock.handler = req => converseAnswer(`answer to: ${lastUserText(req.body)}`);
        });
        afterEach(async () => {
            await sts.stop();
            await bedrock.stop();
        });

        it("lists two targets in two accounts", () => {
            const t = targets();
            assert.ok(t.length >= 2, JSON.stringify(t));
            assert.ok(t.every(x => x.account && x.region));
            assert.notEqual(t[0].account, t[1].account);
        });

        it("answers from the first target, with the role it assumed using the workload's own credentials", async () => {
            const [first] = targets();
            const r = await converse("Say hello from the Bedrock account.");
            assert.deepEqual(r, { text: "answer to: Say hello from the Bedrock account." });
            assert.equal(sts.calls.length, 1);
            const call = sts.calls[0];
            assert.equal(call.roleArn, first.roleArn);
            assert.match(call.sessionName, /^[\w+=,.@-]{2,64}$/, "STS's rule for RoleSessionName");
            assert.equal(call.signedBy, WORKLOAD_KEY);
            // Role chaining (a task or instance role assuming another role) caps a session at one hour.
            assert.ok((call.durationSeconds ?? 3600) <= 3600, `DurationSeconds ${call.durationSeconds}`);
            assert.equal(bedrock.requests.length, 1);
            const req = bedrock.requests[0];
            assert.equal(req.op, "converse");
            assert.ok(of(first.account)(req), `signed by ${req.signedBy.accessKeyId}`);
            assert.equal(req.signedBy.region, first.region);
            assert.equal(req.signedBy.service, "bedrock");
        });

        it("moves on to the second target when the first account throttles", async () => {
            const [first, second] = targets();
            bedrock.handler = req =>
                of(first.account)(req)
                    ? bedrockError("ThrottlingException", "Too many requests, please wait before trying again.")
                    : converseAnswer(`answer to: ${lastUserText(req.body)}`);
            const r = await converse("busy hour");
            assert.deepEqual(r, { text: "answer to: busy hour" });
            assert.deepEqual(
                sts.calls.map(c => c.roleArn),
                [first.roleArn, second.roleArn],
            );
            const last = bedrock.requests[bedrock.requests.length - 1];
            assert.ok(of(second.account)(last), `answered by ${last.signedBy.accessKeyId}`);
            assert.ok(bedrock.requests.slice(0, -1).every(of(first.account)));
        });

        it("moves on to the second target when STS refuses the first role (AccessDenied)", async () => {
            const [first, second] = targets();
            sts.deny.add(first.roleArn);
            const r = await converse("trust mismatch");
            assert.deepEqual(r, { text: "answer to: trust mismatch" });
            assert.deepEqual(
                sts.calls.map(c => c.roleArn),
                [first.roleArn, second.roleArn],
            );
            assert.equal(bedrock.requests.length, 1);
            assert.ok(of(second.account)(bedrock.requests[0]));
        });

        it("throws a ValidationException without trying the second target", async () => {
            const [first] = targets();
            bedrock.handler = () => bedrockError("ValidationException", "The model returned the following errors: bad");
            const r = await converse("a request Bedrock refuses");
            assert.equal(r.error?.name, "ValidationException", JSON.stringify(r));
            assert.deepEqual(
                sts.calls.map(c => c.roleArn),
                [first.roleArn],
            );
            assert.equal(bedrock.requests.length, 1, "a ValidationException is not retried");
        });
    });

    it("each ```python block parses (python3's ast; PyPI is out of reach, so they do not run)", function () {
        const python = blocks.filter(b => b.lang === "python");
        assert.deepEqual(
            python.map(b => b.section),
            ["OpenAI SDK", "Anthropic SDK", "LangChain", "Python (boto3)"],
        );
        if (spawnSync("python3", ["--version"]).error) this.skip(); // no python3: nothing to parse with
        for (const b of python) {
            const r = spawnSync("python3", ["-c", "import ast,sys; ast.parse(sys.stdin.read())"], {
                input: b.code,
                encoding: "utf8",
            });
            assert.equal(r.status, 0, `docs/workloads.md:${b.line} (${b.section}):\n${r.stderr}`);
        }
    });
});
