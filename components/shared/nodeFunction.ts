// A Lambda written as a TypeScript function (CallbackFunction), always with an explicit role, runtime,
// log group with retention, and a package that carries only what the function needs.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as fs from "fs";
import * as path from "path";
import { previewError } from "./previewError";
import { stackResourceName } from "./iam";

export const LAMBDA_RUNTIME = aws.lambda.Runtime.NodeJS22dX;

/** The project folder: its package.json and node_modules decide what a package carries. */
const PROJECT_DIR = path.join(__dirname, "..", "..");

/**
 * Packages the nodejs22.x runtime already provides (AWS SDK v3 with its @smithy/@aws-crypto helpers) are
 * left out of every package; of the rest, only those a function names in `bundle` are packed, with those of
 * their dependencies the runtime lacks, minus `skip` (dependencies the function never loads).
 */
export function codePathOptions(bundle: string[] = [], skip: string[] = []): pulumi.runtime.CodePathOptions {
    const pkg = readPackage(PROJECT_DIR);
    const deps = Object.keys(pkg.dependencies ?? {});
    const provided = bundle.length
        ? runtimeProvided(deps.filter(d => d.startsWith("@aws-sdk/client-")))
        : new Set<string>();
    // A package a bundled one needs without going through the SDK is packed even when the SDK happens to depend
    // on it too (Powertools' @aws/lambda-invoke-store): the runtime's SDK version may not carry it.
    for (const p of reachableOutside(bundle, skip)) provided.delete(p);
    return { extraExcludePackages: [...new Set([...deps.filter(d => !bundle.includes(d)), ...skip, ...provided])] };
}

/** Packages reachable from `roots` without passing through an AWS SDK package (@aws-sdk, @smithy, @aws-crypto) or a skipped one. */
function reachableOutside(roots: string[], skip: string[]): Set<string> {
    const seen = new Set<string>();
    const visit = (name: string, fromRoot: boolean) => {
        const dir = path.join(PROJECT_DIR, "node_modules", name);
        if (seen.has(name) || skip.includes(name) || !fs.existsSync(dir)) return;
        if (!fromRoot && /^@(aws-sdk|smithy|aws-crypto)\//.test(name)) return;
        seen.add(name);
        Object.keys(readPackage(dir).dependencies ?? {}).forEach(d => visit(d, false));
    };
    roots.forEach(r => visit(r, true));
    return seen;
}

function readPackage(dir: string): { dependencies?: Record<string, string> } {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
    };
}

/** The SDK clients and everything they depend on: what the runtime ships, so a bundle need not repeat it. */
function runtimeProvided(clients: string[]): Set<string> {
    const seen = new Set<string>();
    const visit = (name: string) => {
        const dir = path.join(PROJECT_DIR, "node_modules", name);
        if (seen.has(name) || !fs.existsSync(dir)) return;
        seen.add(name);
        Object.keys(readPackage(dir).dependencies ?? {}).forEach(visit);
    };
    clients.forEach(visit);
    return seen;
}

export interface NodeFunctionArgs<E, R> {
    /** Runs once per container (cold start) and returns the handler. */
    callbackFactory: () => (event: E, context: aws.lambda.Context) => Promise<R>;
    role: aws.iam.Role;
    logGroup: aws.cloudwatch.LogGroup;
    description: string;
    environment?: Record<string, pulumi.Input<string>>;
    /** The config key each variable comes from, named when the environment is too big (CHAT_SYSTEM_PROMPT: chat.systemPrompt). */
    environmentSources?: Record<string, string>;
    memorySize?: number;
    timeout?: number;
    bundle?: string[];
    /** Reserved concurrency: at most this many at once, and that many kept from the account's pool. */
    reservedConcurrency?: number;
    /** Dependencies of bundled packages that the function never loads. */
    bundleSkip?: string[];
}

/**
 * Lambda refuses a function whose environment variables exceed 4 KB in total ("Lambda function configuration exceeds
 * 4096 byte limit"), keys and values counted in bytes: a 2,000-character Japanese system prompt is about 6 KB. Counted
 * here as the UTF-8 of the variables' JSON, slightly more than Lambda counts, so what passes here passes there.
 */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** A value not known at preview (an endpoint of a resource still to be created) counts as this many bytes. */
export const UNKNOWN_VALUE_BYTES = 128;

export const environmentBytes = (vars: Record<string, string>) => Buffer.byteLength(JSON.stringify(vars), "utf8");

/** Throws, naming the biggest variable and its config key, when the environment is over Lambda's limit. */
export function checkEnvironmentSize(
    fn: string,
    vars: Record<string, string>,
    sources: Record<string, string> = {},
): void {
    const total = environmentBytes(vars);
    if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
    const [biggest, bytes] = Object.entries(vars)
        .map(([k, v]) => [k, Buffer.byteLength(k + v, "utf8")] as const)
        .sort((a, b) => b[1] - a[1])[0];
    const source = sources[biggest] ? `${sources[biggest]} (${biggest})` : biggest;
    throw previewError(
        `function ${fn}: its environment is ${total} bytes, over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes for all variables together (bytes, not characters: a Japanese character takes 3). ` +
            `The biggest part is ${source} with ${bytes} bytes: shorten it by at least ${total - LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes.`,
    );
}

/** Resolves to true once the environment is known to fit (unknown values estimated), rejects otherwise. */
async function environmentFits(
    fn: string,
    env: Record<string, pulumi.Input<string>>,
    sources?: Record<string, string>,
): Promise<boolean> {
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
        // isKnown and promise() are Output internals: the only way to read a value at preview without an apply.
        const o = pulumi.output(v) as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
        vars[k] = (await o.isKnown) ? String(await o.promise()) : "x".repeat(UNKNOWN_VALUE_BYTES);
    }
    checkEnvironmentSize(fn, vars, sources);
    return true;
}

export function logGroupFor(name: string, retentionInDays: number, parent: pulumi.Resource): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        {
            name: `/aws/lambda/bedrock-bridge/${pulumi.getStack()}/${name}`,
            retentionInDays,
        },
        { parent },
    );
}

export function nodeFunction<E, R>(
    name: string,
    args: NodeFunctionArgs<E, R>,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[] = [],
): aws.lambda.CallbackFunction<E, R> {
    return new aws.lambda.CallbackFunction<E, R>(
        name,
        {
            // Named for the stack, so the deploy role is granted exactly it (stackResourceName says why).
            name: stackResourceName(name, { max: 64 }),
            callbackFactory: args.callbackFactory,
            role: args.role,
            runtime: LAMBDA_RUNTIME,
            // The size check rides on an input that is always known, so a preview fails on it even while other
            // variables (endpoints of resources still to be created) are unknown.
            description: args.environment
                ? pulumi
                      .output(environmentFits(name, args.environment, args.environmentSources))
                      .apply(() => args.description)
                : args.description,
            memorySize: args.memorySize ?? 256,
            timeout: args.timeout ?? 60,
            architectures: ["arm64"],
            loggingConfig: { logFormat: "JSON", logGroup: args.logGroup.name },
            environment: args.environment ? { variables: args.environment } : undefined,
            ...(args.reservedConcurrency !== undefined
                ? { reservedConcurrentExecutions: args.reservedConcurrency }
                : {}),
            codePathOptions: codePathOptions(args.bundle, args.bundleSkip),
        },
        { parent, dependsOn: [args.logGroup, ...dependsOn] },
    );
}
