// Runs the program for one stack under mocks: used by `npm run synth` and by the tests.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { MockContext, RecordingMocks, ResourceRecord } from "./mocks";

export const ROOT = path.join(__dirname, "..", "..");
export const PROJECT = "bedrock-bridge";
/** The organization of offline runs: the one DIY backends use (Pulumi Cloud stacks have their org's name). */
export const ORGANIZATION = "organization";

export interface StackConfigMap {
    config: Record<string, string>;
    secretKeys: string[];
}

/** Reads Pulumi.<stack>.yaml into the flat string map the Pulumi runtime uses (structured values as JSON). */
export function readStackConfig(stack: string, root = ROOT): StackConfigMap {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file))
        throw new Error(
            `no stack file ${path.relative(process.cwd(), file) || file}: create it (see docs/configuration.md)`,
        );
    const rel = path.relative(process.cwd(), file);
    const shown = rel && !rel.startsWith("..") ? rel : file;
    let doc: any;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    } catch (e) {
        // The parser's message says where (line, column) but not which file.
        throw new Error(`${shown} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    const config = doc.config ?? {};
    if (typeof config !== "object" || Array.isArray(config))
        throw new Error(`${shown}: "config" must be a map of keys such as bedrock-bridge:side`);
    return flattenConfig(config);
}

export function flattenConfig(values: Record<string, unknown>): StackConfigMap {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        if (v && typeof v === "object" && !Array.isArray(v) && "secure" in v) {
            // Encrypted values cannot be read offline; synth sees a marked placeholder.
            config[k] = `[secret ${k}]`;
            secretKeys.push(k);
        } else {
            config[k] = typeof v === "string" ? v : JSON.stringify(v);
        }
    }
    return { config, secretKeys };
}

export interface StackRun {
    stack: string;
    project: string;
    resources: (ResourceRecord & { urn: string; options?: RecordedOptions })[];
    outputs: Record<string, any>;
    /** Names of the outputs the program marked secret (Pulumi shows them as [secret]). */
    secretOutputs?: string[];
    /** Data sources the program read, with their arguments (they need permissions too). */
    invokes?: { token: string; args: Record<string, any>; result?: Record<string, any> }[];
}

let mocks: RecordingMocks | undefined;

/** The single mocks instance of this process (setMocks is global). */
export function sharedMocks(): RecordingMocks {
    if (!mocks) {
        mocks = new RecordingMocks({
            project: PROJECT,
            stack: "unset",
            accountId: "000000000000",
            region: "us-east-1",
            stackOutputs: () => ({}),
        });
    }
    return mocks;
}

/** Deeply resolves Outputs/Promises in a value (stack outputs are plain data afterwards). */
export async function resolveDeep(value: unknown): Promise<any> {
    if (pulumi.Output.isInstance(value)) {
        // promise() rejects when an apply threw (a RunError from validation, say), unlike apply.
        return resolveDeep(await (value as any).promise());
    }
    const thenable = value as PromiseLike<unknown> | null | undefined;
    if (thenable && typeof thenable.then === "function") return resolveDeep(await thenable);
    if (pulumi.Resource.isInstance(value)) return undefined;
    if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await resolveDeep(v);
        return out;
    }
    return value;
}

/** An error's message with its causes (Pulumi wraps the real reason, e.g. a data source's answer). */
export function describeError(e: unknown): string {
    const parts: string[] = [];
    let cur: any = e;
    for (let depth = 0; cur && depth < 5; depth++, cur = cur.cause ?? cur.innerError) {
        const m = String(cur.message ?? cur).trim();
        if (m && !parts.includes(m)) parts.push(m);
    }
    return parts.join(": ");
}

export interface RunOptions {
    stack: string;
    config: Record<string, string>;
    secretKeys?: string[];
    /** Outputs of referenced stacks (the caller's StackReferences read them). */
    stackOutputs?: (name: string) => Record<string, unknown>;
    organization?: string;
    /** This stack's outputs of its last update (its reference to itself reads them; none: a first deployment). */
    previousOutputs?: Record<string, unknown>;
}

/** Resource options the engine sees and the mocks do not: what a plan needs to tell replacements apart. */
export interface RecordedOptions {
    deleteBeforeReplace?: boolean;
    /** Former names (same type and parent) this resource was known by. */
    aliasNames?: string[];
    /** What `pulumi destroy` keeps: a retained resource is only forgotten, a protected one refuses the delete. */
    retainOnDelete?: boolean;
    protect?: boolean;
    /** URNs of the resources this one depends on (dependsOn and its inputs' resources): deleted after it. */
    dependencies?: string[];
}

/** Wraps the mock monitor of this run to record deleteBeforeReplace, aliases, retention and dependencies by URN. */
function recordOptions(): Map<string, RecordedOptions> {
    const byUrn = new Map<string, RecordedOptions>();
    const monitor: any = pulumi.runtime.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, res: any) => void) =>
        register(req, (err: unknown, res: any) => {
            if (!err && res) {
                const aliasNames = (req.getAliasesList?.() ?? [])
                    .map((a: any) => a.getSpec?.()?.getName?.())
                    .filter((n: unknown): n is string => typeof n === "string" && n !== "");
                const dbr = req.getDeletebeforereplace() as boolean;
                const retain = req.getRetainondelete?.() === true;
                const protect = req.getProtect?.() === true;
                const dependencies = [...new Set<string>(req.getDependenciesList?.() ?? [])];
                if (dbr || aliasNames.length || retain || protect || dependencies.length)
                    byUrn.set(res.getUrn(), {
                        ...(dbr ? { deleteBeforeReplace: true } : {}),
                        ...(aliasNames.length ? { aliasNames } : {}),
                        ...(retain ? { retainOnDelete: true } : {}),
                        ...(protect ? { protect: true } : {}),
                        ...(dependencies.length ? { dependencies } : {}),
                    });
            }
            callback(err, res);
        });
    return byUrn;
}

let draining: Promise<void> = Promise.resolve();

/**
 * After a failed run, resources fed by the failed output keep rejecting for a while (longer on a loaded
 * machine): absorb those until none came for `quietMs`, so they are not blamed on the next run.
 */
function drainAfterFailure(quietMs = 500, maxMs = 15000): void {
    draining = new Promise(resolve => {
        const started = Date.now();
        let last = started;
        const absorb = () => {
            last = Date.now();
        };
        process.on("unhandledRejection", absorb);
        const tick = setInterval(() => {
            if (Date.now() - last < quietMs && Date.now() - started < maxMs) return;
            clearInterval(tick);
            process.off("unhandledRejection", absorb);
            resolve();
        }, 50);
        tick.unref();
    });
}

/**
 * Runs the program once under the shared mocks and returns every registered resource with its inputs and
 * mocked state, and the stack outputs. Throws what the program throws (config errors included).
 */
export async function runStack(opts: RunOptions): Promise<StackRun> {
    await draining;
    const m = sharedMocks();
    const accountId = JSON.parse(opts.config["aws:allowedAccountIds"] ?? "[]")[0] ?? "000000000000";
    const ctx: MockContext = {
        project: PROJECT,
        stack: opts.stack,
        accountId,
        region: opts.config["aws:region"] ?? "us-east-1",
        stackOutputs: name =>
            name === `${opts.organization ?? ORGANIZATION}/${PROJECT}/${opts.stack}`
                ? (opts.previousOutputs ?? {})
                : opts.stackOutputs
                  ? opts.stackOutputs(name)
                  : (() => {
                        throw new Error(`no outputs for referenced stack ${name}`);
                    })(),
    };
    m.reset(ctx);
    await pulumi.runtime.setMocks(m, PROJECT, opts.stack, false, opts.organization ?? ORGANIZATION);
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);
    const options = recordOptions();
    // Imported after the mocks are set, as the Pulumi docs require.
    const { main } = require("../../program") as typeof import("../../program");
    // A failed resource or apply that no output depends on surfaces as an unhandled rejection, as under
    // `pulumi preview`: collect those and fail the run with them.
    const failures: unknown[] = [];
    // A resource whose input failed never resolves its outputs under mocks: after the first failure, give
    // the rest of the run a moment to settle (so nothing of it leaks into the next run), then stop waiting.
    let failed!: () => void;
    const gaveUp = new Promise<void>(r => {
        failed = r;
    }).then(() => new Promise<"gave up">(r => setTimeout(() => r("gave up"), 1000)));
    const onRejection = (e: unknown) => {
        failures.push(e);
        failed();
    };
    process.on("unhandledRejection", onRejection);
    let outputs: Record<string, any> = {};
    const secretOutputs: string[] = [];
    try {
        const exported = await main();
        const settled = await Promise.race([resolveDeep(exported), gaveUp]);
        if (settled !== "gave up") {
            outputs = settled;
            for (const [k, v] of Object.entries(exported))
                if (pulumi.Output.isInstance(v) && (await pulumi.isSecret(v))) secretOutputs.push(k);
            const settings = require("@pulumi/pulumi/runtime/settings");
            await Promise.race([settings.waitForRPCs(), gaveUp]);
            await new Promise(r => setImmediate(r));
        }
    } catch (e) {
        // An output failed: resources fed by it reject a moment later, absorb that here rather than in the next run.
        if (m.records.length)
            await Promise.race([
                require("@pulumi/pulumi/runtime/settings")
                    .waitForRPCs()
                    .catch(() => undefined),
                new Promise(r => setTimeout(r, 1000)),
            ]);
        drainAfterFailure();
        throw e;
    } finally {
        process.off("unhandledRejection", onRejection);
    }
    if (failures.length) {
        drainAfterFailure();
        const text = [...m.callErrors, ...failures.map(describeError)]
            .filter((t, i, all) => all.indexOf(t) === i)
            .join("\n");
        throw Object.assign(new Error(text), { failures });
    }
    const monitor: any = pulumi.runtime.getMonitor();
    const urns = new Map<string, string>();
    for (const [urn] of monitor.resources as Map<string, unknown>) {
        const parts = urn.split("::");
        urns.set(`${parts[2].split("$").pop()}::${parts[3]}`, urn);
    }
    const resources = m.records.map(r => {
        const urn = urns.get(`${r.type}::${r.name}`) ?? "";
        return { ...r, urn, ...(options.get(urn) ? { options: options.get(urn) } : {}) };
    });
    const invokes = m.calls.map(c => ({ token: c.token, args: c.args, result: c.result }));
    return { stack: opts.stack, project: PROJECT, resources, outputs, secretOutputs, invokes };
}
