// Limits on a request body's shape, checked once it is parsed and before any of it is translated or sent on.
// No Pulumi imports.
//
// Nesting: V8's JSON.parse takes JSON nested thousands of levels deep, but JSON.stringify (which builds Bedrock's
// body) recurses and throws a RangeError on it, and so would any recursive walk of ours. AWS's own SDKs refuse a
// JSON document nested 128 levels deep (the Smithy-generated deserializers: "maximum nesting depth exceeded" at
// depth 128, e.g. aws-sdk-rust's ToolInputSchema), and the gateway wraps a client's tool schema in about five more
// levels on its way to Converse (toolConfig.tools[i].toolSpec.inputSchema.json). 64 levels for the whole body keeps
// every translated body well inside that, and far above any real request: a tool schema nested ten objects deep
// is about twenty JSON levels, inside a body of four or five.
import { invalidRequest } from "./errors";

export const MAX_BODY_DEPTH = 64;

/** True when `value` nests objects or arrays more than `limit` levels deep. Iterative: no recursion to overflow. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
    const stack: [unknown, number][] = [[value, 1]];
    while (stack.length) {
        const [v, depth] = stack.pop()!;
        if (!v || typeof v !== "object") continue;
        if (depth > limit) return true;
        for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>))
            if (child && typeof child === "object") stack.push([child, depth + 1]);
    }
    return false;
}

/** Refuses a body nested deeper than MAX_BODY_DEPTH with a 400 that names the limit. */
export function checkBodyShape(body: unknown): void {
    if (nestedDeeperThan(body, MAX_BODY_DEPTH))
        throw invalidRequest(
            `The body nests objects or arrays more than ${MAX_BODY_DEPTH} levels deep, the most this gateway takes. Flatten the deepest part (often a tool's parameters schema).`,
        );
}
