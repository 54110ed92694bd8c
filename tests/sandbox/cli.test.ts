// `npm start` as a user runs it: a real child process that prints where everything is, says it is a local
// emulation, listens on loopback, writes outputs.json, and stops cleanly on Ctrl-C.
import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ROOT } from "../../tools/internal/harness";
import { startSandbox } from "../../sandbox";
import { parseArgs } from "../../sandbox/cli";
import { scratchDir } from "../../emulation/scratch";

function start(stateDir: string, extra: string[] = []) {
    const child = spawn(
        process.execPath,
        [
            require.resolve("ts-node/dist/bin.js"),
            "--transpile-only",
            path.join(ROOT, "sandbox", "cli.ts"),
            "--port",
            "0",
            "--state-dir",
            stateDir,
            ...extra,
        ],
        { cwd: ROOT, env: { ...process.env } },
    );
    let out = "";
    child.stdout.on("data", d => (out += d));
    child.stderr.on("data", d => (out += d));
    const banner = new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no banner in 90 s: ${out}`)), 90000);
        child.stdout.on("data", () => {
            if (out.includes("Ctrl-C stops it.")) {
                clearTimeout(t);
                resolve(out);
            }
        });
        child.on("exit", code => {
            clearTimeout(t);
            reject(new Error(`exited ${code} before the banner: ${out}`));
        });
    });
    const exited = new Promise<number | null>(r => child.on("exit", code => r(code)));
    return { child, banner, exited, output: () => out };
}

const refused = (port: number) =>
    new Promise<boolean>(resolve => {
        const s = net.connect(port, "127.0.0.1");
        s.on("connect", () => {
            s.destroy();
            resolve(false);
        });
        s.on("error", () => resolve(true));
    });

const freePort = () =>
    new Promise<number>(resolve => {
        const srv = net.createServer().listen(0, "127.0.0.1", () => {
            const p = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(p));
        });
    });

const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

/** Every process below pid (from ps, POSIX), so that a failed test leaves none of them running. */
function descendants(pid: number): number[] {
    const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
        .trim()
        .split("\n")
        .map(l => l.trim().split(/\s+/).map(Number));
    const out: number[] = [];
    const visit = (p: number) =>
        rows
            .filter(r => r[1] === p)
            .forEach(r => {
                out.push(r[0]);
                visit(r[0]);
            });
    visit(pid);
    return out;
}

async function eventually(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
        if (await check()) return true;
        await new Promise(r => setTimeout(r, 200));
    }
    return check();
}

describe("npm start (sandbox CLI)", function () {
    this.timeout(180000);

    it("prints the page URL, says it is a local emulation, writes outputs.json, stops on Ctrl-C", async () => {
        // Ctrl-C (SIGINT) here; SIGTERM takes the same path in sandbox/cli.ts.
        for (const signal of ["SIGINT"] as const) {
            const dir = scratchDir("bb-sandbox-cli-");
            const run = start(dir, ["--user", "carol@example.com:Carol-Sandbox-1!", "--quiet"]);
            const text = await run.banner;
            assert.match(text, /LOCAL EMULATION/);
            assert.match(text, /listens on 127\.0\.0\.1 only/);
            assert.ok(!/^info:/m.test(text), "no deploy-time info lines (access logs) in the sandbox");
            const outputs = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8"));
            assert.ok(text.includes(outputs.pageUrl), "the page URL is printed");
            assert.match(outputs.pageUrl, /^https:\/\/127\.0\.0\.1:\d+\/$/);
            assert.match(text, /carol@example\.com/);
            const port = Number(new URL(outputs.pageUrl).port);
            const token = await fetch(outputs.tokenUrl, {
                method: "POST",
                body: JSON.stringify({ email: "carol@example.com" }),
            });
            assert.equal(token.status, 200);
            run.child.kill(signal);
            assert.equal(await run.exited, 0, run.output());
            assert.match(run.output(), new RegExp(`${signal}: stopping`));
            assert.ok(await refused(port), "the port is closed after stopping");
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("kill <pid of npm start> (SIGTERM, then SIGHUP) stops the whole sandbox: the port is free, the next start works", async () => {
        // npm 11 forwards SIGTERM only to the `sh -c` it runs the script in, which dies without passing it on,
        // and exits on SIGHUP without forwarding: the sandbox notices that who started it is gone.
        const port = await freePort();
        const dir = scratchDir("bb-sandbox-npm-");
        const started: number[] = [];
        try {
            for (const signal of ["SIGTERM", "SIGHUP"] as const) {
                // --ignore-scripts skips prestart (the page build), not the start script itself.
                const npm = spawn(
                    "npm",
                    ["start", "--ignore-scripts", "--", "--port", String(port), "--state-dir", dir, "--quiet"],
                    { cwd: ROOT, env: { ...process.env } },
                );
                let out = "";
                npm.stdout.on("data", d => (out += d));
                npm.stderr.on("data", d => (out += d));
                await new Promise<void>((resolve, reject) => {
                    const t = setTimeout(() => reject(new Error(`no banner in 90 s: ${out}`)), 90000);
                    npm.stdout.on("data", () => out.includes("Ctrl-C stops it") && (clearTimeout(t), resolve()));
                    npm.on("exit", code => (clearTimeout(t), reject(new Error(`npm exited ${code}: ${out}`))));
                });
                assert.ok(!(await refused(port)), `${signal}: the sandbox listens on ${port}`);
                started.push(...descendants(npm.pid!));
                npm.kill(signal);
                assert.ok(await eventually(() => refused(port), 20000), `${signal}: port ${port} is still held`);
                assert.ok(
                    await eventually(async () => started.every(p => !alive(p)), 20000),
                    `${signal}: processes left: ${started.filter(alive).join(", ")}`,
                );
            }
        } finally {
            for (const p of started.filter(alive)) process.kill(p, "SIGKILL");
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("parses flags and refuses bad ones with a message", () => {
        const o = parseArgs([
            "--user",
            "a@b.c:Pw-1",
            "--user",
            "d@e.f:Pw:2",
            "--faults",
            "redeliver",
            "--port",
            "0",
            "--model-delay-ms",
            "5",
        ]);
        assert.deepEqual(o.users, [
            { email: "a@b.c", password: "Pw-1" },
            { email: "d@e.f", password: "Pw:2" },
        ]);
        assert.deepEqual(o.faults, ["redeliver"]);
        assert.equal(o.port, 0);
        assert.equal(o.modelDelayMs, 5);
        assert.throws(() => parseArgs(["--user", "nopassword"]), /--user takes <email>:<password>/);
        assert.throws(() => parseArgs(["--faults", "chaos"]), /unknown fault chaos/);
        assert.throws(() => parseArgs(["--bedrock", "gcp"]), /--bedrock is local or aws/);
        assert.throws(() => parseArgs(["--port"]), /--port needs a value/);
        assert.throws(() => parseArgs(["--what"]), /unknown argument --what/);
        assert.throws(() => parseArgs(["--model-delay-ms", "fast"]), /--model-delay-ms must be/);
        const aws = parseArgs([
            "--bedrock",
            "aws",
            "--bedrock-role-arn",
            "arn:aws:iam::222222222222:role/x",
            "--bedrock-region",
            "ap-northeast-1",
            "--model",
            "m",
        ]);
        assert.deepEqual(aws.awsTarget, {
            roleArn: "arn:aws:iam::222222222222:role/x",
            region: "ap-northeast-1",
            modelId: "m",
        });
        assert.throws(() => parseArgs(["--model", "m"]), /go with --bedrock aws/);
    });

    it("--bedrock aws without a real role is refused before anything starts", async () => {
        // Before anything starts: the stack is never run (the sandbox's first step once the options hold).
        const stack = require("../../sandbox/stack") as typeof import("../../sandbox/stack");
        const run = stack.deployedPieces;
        let stackRuns = 0;
        stack.deployedPieces = (...args) => (stackRuns++, run(...args));
        try {
            await assert.rejects(startSandbox({ bedrock: "aws" }), /--bedrock aws needs --bedrock-role-arn/);
            await assert.rejects(
                startSandbox({ bedrock: "aws", awsTarget: { roleArn: "role/x", region: "r", modelId: "m" } }),
                /arn:aws:iam::<account>:role/,
            );
        } finally {
            stack.deployedPieces = run;
        }
        assert.equal(stackRuns, 0, "refused without running the stack");
    });
});
