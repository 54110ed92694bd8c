// Loads a serialized Lambda package in a fresh Node process, with only what the nodejs22.x runtime provides
// (AWS SDK v3 and its dependencies) on NODE_PATH, and runs its handler against local fakes.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tools/internal/harness";
import { writeLambdaPackage } from "../tools/internal/lambdaPackage";
import { ResourceRecord } from "../tools/internal/mocks";
import { one, Overrides, runBedrock, runCaller } from "./stacks";
import { scratchDir } from "./scratch";

/** Packages the Lambda runtime image ships: the SDK v3 clients we use and their dependency closure. */
const RUNTIME_PROVIDED = ["@aws-sdk/client-bedrock-runtime", "@aws-sdk/client-sts", "@aws-sdk/client-dynamodb"];

let runtimeDir: string | undefined;

/**
 * A node_modules folder holding links to exactly the runtime-provided packages. Built once and reused while it
 * exists: the tests remove every scratch folder after each file (removeScratch), and the next file in the same
 * worker process builds it again.
 */
export function lambdaRuntimeNodePath(): string {
    if (runtimeDir && fs.existsSync(runtimeDir)) return runtimeDir;
    const dir = scratchDir("bb-runtime-");
    const nm = path.join(dir, "node_modules");
    const seen = new Set<string>();
    const visit = (name: string) => {
        if (seen.has(name)) return;
        const pkgDir = path.join(ROOT, "node_modules", name);
        if (!fs.existsSync(pkgDir)) return;
        seen.add(name);
        const target = path.join(nm, name);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.symlinkSync(pkgDir, target, "dir");
        const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
        for (const d of Object.keys(pkg.dependencies ?? {})) visit(d);
    };
    RUNTIME_PROVIDED.forEach(visit);
    runtimeDir = nm;
    return nm;
}

export interface Invocation {
    ok: boolean;
    value?: any;
    errorType?: string;
    errorMessage?: string;
    ms: number;
}

export type PlanStep = { events?: unknown[]; parallel?: boolean; sleepMs?: number };

export interface RunOptions {
    /** The function's timeout as getRemainingTimeInMillis reports it (default 60 s). */
    functionTimeoutMs?: number;
}

export interface RunResult {
    steps: Invocation[][];
    stdout: string;
    stderr: string;
}

/** Unpacks a Function resource's code archive (from a mocked run) into a fresh folder. */
export async function unpackFunction(fn: ResourceRecord, label = fn.name): Promise<string> {
    const dir = scratchDir(`bb-pkg-${label}-`);
    await writeLambdaPackage(fn.inputs.code, dir);
    return dir;
}

/** Runs the plan in a child process. `env` is the function's environment plus the fake endpoints. */
export async function runLambda(
    dir: string,
    steps: PlanStep[],
    env: Record<string, string>,
    timeoutMs = 60000,
    options: RunOptions = {},
): Promise<RunResult> {
    const work = scratchDir("bb-run-");
    const planFile = path.join(work, "plan.json");
    const out = path.join(work, "out.json");
    fs.writeFileSync(planFile, JSON.stringify({ dir, steps, out, timeoutMs: options.functionTimeoutMs }));
    const childEnv: Record<string, string> = {
        PATH: process.env.PATH ?? "",
        NODE_PATH: lambdaRuntimeNodePath(),
        AWS_REGION: "ap-northeast-1",
        AWS_ACCESS_KEY_ID: "AKIAFAKELAMBDAROLE01",
        AWS_SECRET_ACCESS_KEY: "fake-lambda-secret",
        AWS_SESSION_TOKEN: "fake-lambda-session",
        AWS_LAMBDA_FUNCTION_NAME: "bedrock-bridge-test-fn",
        ...env,
    };
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(__dirname, "lambdaChild.js"), planFile], {
            env: childEnv,
            cwd: work,
        });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", d => (stdout += d));
        child.stderr.on("data", d => (stderr += d));
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`lambda run timed out; stderr: ${stderr}`));
        }, timeoutMs);
        child.on("exit", code => {
            clearTimeout(timer);
            const steps = code === 0 && fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, "utf8")) : undefined;
            fs.rmSync(work, { recursive: true, force: true });
            if (!steps) return reject(new Error(`lambda child exited ${code}: ${stderr}`));
            resolve({ steps, stdout, stderr });
        });
    });
}

/** The function's own environment variables as deployed (from the mocked Function inputs). */
export function functionEnv(fn: ResourceRecord): Record<string, string> {
    return { ...(fn.inputs.environment?.variables ?? {}) };
}

/** The example Bedrock stack, the caller wired to it (with overrides), and one of its functions unpacked. */
export async function packagedFunction(
    name: string,
    callerOverrides: Overrides = {},
    label = name,
): Promise<{ fn: ResourceRecord; dir: string; bedrockRoleArn: string }> {
    const b = await runBedrock();
    const caller = await runCaller(b, callerOverrides);
    const fn = one(caller, "aws:lambda/function:Function", name);
    return { fn, dir: await unpackFunction(fn, label), bedrockRoleArn: b.outputs.roleArn };
}
