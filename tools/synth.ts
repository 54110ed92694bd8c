// Offline synth: `npm run synth -- <stack> [--out FILE] [--diff <base plan.json>]` (--out: a copy of the plan there)
// Runs the program under mocks with Pulumi.<stack>.yaml's config and writes .synth/<stack>/plan.json plus each
// Lambda package unpacked under .synth/<stack>/lambdas/<function resource name>/, then prints a short summary.
import "./internal/quiet";
import * as fs from "fs";
import * as path from "path";
import { describeError, readStackConfig, ROOT, runStack, StackRun } from "./internal/harness";
import { measure, writeLambdaPackage } from "./internal/lambdaPackage";

/** .synth/ in the checkout; BB_SYNTH_DIR moves it (tests run the commands without touching the checkout's). */
export const SYNTH_DIR = process.env.BB_SYNTH_DIR ? path.resolve(process.env.BB_SYNTH_DIR) : path.join(ROOT, ".synth");

export interface PlanResource {
    type: string;
    name: string;
    urn: string;
    id: string;
    inputs: Record<string, any>;
    secretInputs?: string[];
    outputs: Record<string, any>;
}

export interface Plan {
    stack: string;
    project: string;
    resources: PlanResource[];
    outputs: Record<string, any>;
    /** Data sources read at preview (token and arguments), e.g. aws:bedrock/getInferenceProfile. */
    invokes?: { token: string; args: Record<string, any>; result?: Record<string, any> }[];
}

export function planPath(stack: string, dir = SYNTH_DIR): string {
    return path.join(dir, stack, "plan.json");
}

/** Outputs of an earlier synth of a referenced stack; says which command makes them when missing. */
export function referencedOutputs(name: string, dir = SYNTH_DIR): Record<string, unknown> {
    const stack = name.split("/").pop()!;
    const file = planPath(stack, dir);
    if (!fs.existsSync(file)) {
        throw new Error(
            `the caller stack references "${name}", but ${path.relative(ROOT, file)} does not exist: run \`npm run synth -- ${stack}\` first`,
        );
    }
    return (JSON.parse(fs.readFileSync(file, "utf8")) as Plan).outputs;
}

const isArchive = (v: any) => v && typeof v === "object" && ("assets" in v || "path" in v) && !Array.isArray(v);

/** Writes the plan and the unpacked Lambda packages; returns the plan. */
export async function writePlan(run: StackRun, dir = SYNTH_DIR): Promise<Plan> {
    const stackDir = path.join(dir, run.stack);
    fs.rmSync(stackDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(stackDir, "lambdas"), { recursive: true });
    const resources: PlanResource[] = [];
    for (const r of run.resources) {
        const inputs = { ...r.inputs };
        const outputs = { ...r.state };
        // The provider marks these secret (additionalSecretOutputs); the mocks cannot, so the plan does.
        for (const k of ["serviceCredentialSecret", "servicePassword"]) if (k in outputs) outputs[k] = "[secret]";
        if (r.type === "aws:lambda/function:Function" && isArchive(inputs.code)) {
            const rel = path.join("lambdas", r.name);
            const size = await writeLambdaPackage(inputs.code, path.join(stackDir, rel));
            inputs.code = { archive: rel, ...size };
            outputs.code = inputs.code;
        }
        resources.push({
            type: r.type,
            name: r.name,
            urn: r.urn,
            id: r.id,
            inputs,
            ...(r.secretInputs.length ? { secretInputs: r.secretInputs } : {}),
            outputs,
        });
    }
    // Secret outputs (API key secrets, say) never reach the plan file or the summary, as in `pulumi stack output`.
    const outputs = Object.fromEntries(
        Object.entries(run.outputs).map(([k, v]) => [k, run.secretOutputs?.includes(k) ? "[secret]" : v]),
    );
    const plan: Plan = { stack: run.stack, project: run.project, resources, outputs, invokes: run.invokes ?? [] };
    fs.writeFileSync(planPath(run.stack, dir), JSON.stringify(plan, null, 2) + "\n");
    return plan;
}

function asList<T>(v: T | T[] | undefined): T[] {
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Resources by type, every IAM statement, outputs: what a reviewer wants to see first. */
export function summarize(plan: Plan): string {
    const lines: string[] = [`stack ${plan.stack} (${plan.project}): ${plan.resources.length} resources`];
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    for (const [t, n] of [...counts].sort()) lines.push(`  ${String(n).padStart(3)}  ${t}`);
    lines.push("", "IAM statements:");
    const docs: [string, string][] = [];
    for (const r of plan.resources) {
        if (r.inputs.assumeRolePolicy) docs.push([`${r.name} (trust)`, r.inputs.assumeRolePolicy]);
        if (/^aws:iam\/(rolePolicy|userPolicy|policy):/.test(r.type) && r.inputs.policy)
            docs.push([`${r.name} (${r.type.split("/")[1].split(":")[0]})`, r.inputs.policy]);
    }
    for (const [label, doc] of docs) {
        lines.push(`  ${label}`);
        let parsed: any;
        try {
            parsed = typeof doc === "string" ? JSON.parse(doc) : doc;
        } catch {
            lines.push("    (not JSON)");
            continue;
        }
        for (const s of asList(parsed.Statement)) {
            const who = s.Principal ? ` principal=${JSON.stringify(s.Principal)}` : "";
            const cond = s.Condition ? ` if ${JSON.stringify(s.Condition)}` : "";
            lines.push(
                `    ${s.Effect} ${asList(s.Action).join(",")} on ${asList(s.Resource).join(",") || "-"}${who}${cond}`,
            );
        }
    }
    lines.push("", "outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
    const lambdas = plan.resources.filter(r => r.inputs.code?.archive);
    if (lambdas.length) {
        lines.push("", "Lambda packages:");
        for (const l of lambdas)
            lines.push(
                `  ${l.name}: .synth/${plan.stack}/${l.inputs.code.archive} (${l.inputs.code.files} files, ${(l.inputs.code.bytes / 1024).toFixed(1)} KiB)`,
            );
    }
    return lines.join("\n");
}

export async function synth(stack: string, dir = SYNTH_DIR): Promise<Plan> {
    const { config, secretKeys } = readStackConfig(stack);
    // The last synth of this stack stands in for its last update, so synth says what `up` would (a caller behind its
    // Bedrock stack, a guardrail version still accepted for callers deployed before).
    const previousOutputs = fs.existsSync(planPath(stack, dir)) ? referencedOutputs(stack, dir) : undefined;
    const run = await runStack({
        stack,
        config,
        secretKeys,
        previousOutputs,
        stackOutputs: name => referencedOutputs(name, dir),
    });
    return writePlan(run, dir);
}

export const SYNTH_USAGE =
    "usage: npm run synth -- <stack> [--out FILE] [--diff <base plan.json>]   e.g. npm run synth -- bedrock";

/** Where a base plan for --diff comes from, for the message when it is missing. */
export function basePlanHint(stack: string, base: string): string {
    return (
        `the base plan ${base} does not exist. Make it from the revision to compare against, e.g.\n` +
        `  git worktree add /tmp/bb-base main && (cd /tmp/bb-base && npm ci && npm run synth -- bedrock && npm run synth -- ${stack} --out "${path.resolve(base)}")\n` +
        `or, before changing anything, copy this checkout's plan: npm run synth -- ${stack} --out ${base}`
    );
}

async function cli(argv: string[]): Promise<void> {
    const args = [...argv];
    const { takeOut } = require("./internal/out") as typeof import("./internal/out");
    const out = takeOut(args);
    const diffAt = args.indexOf("--diff");
    const base = diffAt >= 0 ? args.splice(diffAt, 2)[1] : undefined;
    const stack = args[0];
    if (!stack || stack.startsWith("-") || (diffAt >= 0 && (!base || base.startsWith("-")))) {
        console.error(SYNTH_USAGE);
        process.exit(2);
    }
    // Checked before the (slow) synth, and with a way to make one rather than a raw ENOENT.
    if (base && !fs.existsSync(base)) throw new Error(basePlanHint(stack, base));
    const notes = (require("./internal/notes") as typeof import("./internal/notes")).collectInfo();
    const plan = await synth(stack);
    console.log(summarize(plan));
    if (notes.length)
        console.log(["", "notes (pulumi preview shows these as info):", ...notes.map(n => `  ${n}`)].join("\n"));
    console.error(`\nwrote ${path.relative(process.cwd(), planPath(stack))}`);
    if (out) {
        fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
        fs.copyFileSync(planPath(stack), out);
        console.error(`wrote ${out}`);
    }
    if (base) {
        const { iamDiff } = require("./internal/iamDiff");
        const basePlan = JSON.parse(fs.readFileSync(base, "utf8"));
        console.log("\n" + iamDiff(basePlan, plan));
    }
    // Pulumi's runtime keeps handles open under mocks; the work is done.
    process.exit(0);
}

if (require.main === module) {
    cli(process.argv.slice(2)).catch(e => {
        console.error(`synth failed: ${describeError(e)}`);
        process.exit(1);
    });
}

export { measure };
