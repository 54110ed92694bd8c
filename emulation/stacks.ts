// Runs the example stacks (Pulumi.bedrock.yaml, Pulumi.caller.yaml) under mocks, with config overrides.
import { ResourceRecord } from "../tools/internal/mocks";
import { readStackConfig, runStack, StackRun } from "../tools/internal/harness";

export type Overrides = Record<string, string | unknown[] | Record<string, unknown> | number | boolean | undefined>;

/** A stack's flat config with overrides (undefined removes a key, structured values become JSON). */
export function apply(base: Record<string, string>, overrides: Overrides = {}): Record<string, string> {
    const out = { ...base };
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete out[k];
        else out[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** `previous`: the stack's outputs of its last update (a later `up`); none: a first deployment. */
export async function runBedrock(
    overrides?: Overrides,
    stack = "bedrock",
    previous?: Record<string, unknown>,
): Promise<StackRun> {
    const base = readStackConfig("bedrock");
    return runStack({
        stack,
        config: apply(base.config, overrides),
        secretKeys: base.secretKeys,
        previousOutputs: previous,
    });
}

/** The caller stack wired to bedrock stack run(s) by name, as `pulumi up` would through StackReferences. */
export async function runCaller(
    bedrock: StackRun | Record<string, StackRun>,
    overrides?: Overrides,
    stack = "caller",
    previous?: Record<string, unknown>,
): Promise<StackRun> {
    const base = readStackConfig("caller");
    const byName: Record<string, StackRun> = "resources" in bedrock ? { bedrock: bedrock as StackRun } : bedrock;
    return runStack({
        stack,
        config: apply(base.config, overrides),
        secretKeys: base.secretKeys,
        previousOutputs: previous,
        stackOutputs: name => {
            const run = byName[name] ?? byName[name.split("/").pop()!];
            if (!run) throw new Error(`test did not provide referenced stack ${name}`);
            return run.outputs;
        },
    });
}

export function byType(run: StackRun, type: string): (ResourceRecord & { urn: string })[] {
    return run.resources.filter(r => r.type === type);
}

export function one(run: StackRun, type: string, name?: string): ResourceRecord & { urn: string } {
    const found = byType(run, type).filter(r => name === undefined || r.name === name);
    if (found.length !== 1)
        throw new Error(
            `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.map(r => r.name).join(", ") || "none"}`,
        );
    return found[0];
}

export function json(s: string): any {
    return JSON.parse(s);
}

/** A REST API's methods as planned, "METHOD /path" (paths rebuilt from its resources' parents and path parts). */
export function restApiRoutes(run: StackRun, api: ResourceRecord): string[] {
    const ofApi = (type: string) => byType(run, type).filter(x => x.inputs.restApi === api.id);
    const resources = ofApi("aws:apigateway/resource:Resource");
    const pathOf = (id: string): string => {
        if (id === api.state.rootResourceId) return "";
        const res = resources.find(x => x.id === id);
        if (!res) throw new Error(`the REST API ${api.name} has no resource ${id}`);
        return `${pathOf(res.inputs.parentId)}/${res.inputs.pathPart}`;
    };
    return ofApi("aws:apigateway/method:Method").map(m => `${m.inputs.httpMethod} ${pathOf(m.inputs.resourceId)}`);
}
