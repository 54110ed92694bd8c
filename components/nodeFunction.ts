// A Lambda written as a TypeScript function (CallbackFunction), always with an explicit role, runtime,
// log group with retention, and a package that carries only what the function needs.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as fs from "fs";
import * as path from "path";

export const LAMBDA_RUNTIME = aws.lambda.Runtime.NodeJS22dX;

/**
 * Packages the nodejs22.x runtime already provides (AWS SDK v3 with its @smithy/@aws-crypto helpers) are
 * left out of every package; of the rest, only those a function names in `bundle` are packed, with those of
 * their dependencies the runtime lacks, minus `skip` (dependencies the function never loads).
 */
export function codePathOptions(bundle: string[] = [], skip: string[] = []): pulumi.runtime.CodePathOptions {
    const pkg = readPackage(path.join(__dirname, ".."));
    const deps = Object.keys(pkg.dependencies ?? {});
    const provided = bundle.length ? runtimeProvided(deps.filter(d => d.startsWith("@aws-sdk/client-"))) : new Set<string>();
    // A package a bundled one needs without going through the SDK is packed even when the SDK happens to depend
    // on it too (Powertools' @aws/lambda-invoke-store): the runtime's SDK version may not carry it.
    for (const p of reachableOutside(bundle, skip)) provided.delete(p);
    return { extraExcludePackages: [...new Set([...deps.filter(d => !bundle.includes(d)), ...skip, ...provided])] };
}

/** Packages reachable from `roots` without passing through an AWS SDK package (@aws-sdk, @smithy, @aws-crypto) or a skipped one. */
function reachableOutside(roots: string[], skip: string[]): Set<string> {
    const seen = new Set<string>();
    const visit = (name: string, fromRoot: boolean) => {
        const dir = path.join(__dirname, "..", "node_modules", name);
        if (seen.has(name) || skip.includes(name) || !fs.existsSync(dir)) return;
        if (!fromRoot && /^@(aws-sdk|smithy|aws-crypto)\//.test(name)) return;
        seen.add(name);
        Object.keys(readPackage(dir).dependencies ?? {}).forEach(d => visit(d, false));
    };
    roots.forEach(r => visit(r, true));
    return seen;
}

function readPackage(dir: string): { dependencies?: Record<string, string> } {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
}

/** The SDK clients and everything they depend on: what the runtime ships, so a bundle need not repeat it. */
function runtimeProvided(clients: string[]): Set<string> {
    const seen = new Set<string>();
    const visit = (name: string) => {
        const dir = path.join(__dirname, "..", "node_modules", name);
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
    environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    memorySize?: number;
    timeout?: number;
    bundle?: string[];
    /** Dependencies of bundled packages that the function never loads. */
    bundleSkip?: string[];
}

export function logGroupFor(name: string, retentionInDays: number, parent: pulumi.Resource): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(`${name}-logs`, {
        name: `/aws/lambda/bedrock-bridge/${pulumi.getStack()}/${name}`,
        retentionInDays,
    }, { parent });
}

export function nodeFunction<E, R>(name: string, args: NodeFunctionArgs<E, R>, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): aws.lambda.CallbackFunction<E, R> {
    return new aws.lambda.CallbackFunction<E, R>(name, {
        callbackFactory: args.callbackFactory as any,
        role: args.role,
        runtime: LAMBDA_RUNTIME,
        description: args.description,
        memorySize: args.memorySize ?? 256,
        timeout: args.timeout ?? 60,
        architectures: ["arm64"],
        loggingConfig: { logFormat: "JSON", logGroup: args.logGroup.name },
        environment: args.environment ? { variables: args.environment } : undefined,
        codePathOptions: codePathOptions(args.bundle, args.bundleSkip),
    }, { parent, dependsOn: [args.logGroup, ...dependsOn] });
}
