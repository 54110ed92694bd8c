// InvokeModel's `requestMetadata` on any SDK. No Pulumi imports.
//
// InvokeModel and InvokeModelWithResponseStream take the request metadata as a JSON string in the
// X-Amzn-Bedrock-Request-Metadata header (Bedrock API reference, InvokeModel: "requestMetadata"); the gateway
// function uses the SDK the nodejs22.x runtime ships, and an SDK older than the member serializes only the members
// it knows, dropping the others without a word: the invocation logs would lose who called. So every InvokeModel*
// command of the gateway sets the header itself when the SDK did not, in the build step (before signing), exactly
// as a current SDK writes it (the JSON text as the header value). A current SDK has set it already: left as it is.
// Bundling a newer client instead would pack the client without its @aws-sdk/@smithy dependencies (the package
// takes those from the runtime: components/shared/nodeFunction.ts), mixing versions, or all of them (megabytes
// more to load at every cold start).

import type { BuildMiddleware, MiddlewareStack } from "@smithy/types";

export const REQUEST_METADATA_HEADER = "x-amzn-bedrock-request-metadata";

const isHttpRequest = (r: unknown): r is { headers: Record<string, string> } =>
    !!r && typeof r === "object" && !!(r as { headers?: unknown }).headers;

/** The command, with its requestMetadata in the header even where the SDK does not know the member. */
export function withRequestMetadata<C extends { input: object; middlewareStack: object }>(command: C): C {
    const metadata = (command.input as { requestMetadata?: unknown }).requestMetadata;
    if (typeof metadata !== "string" || !metadata) return command;
    const setHeader: BuildMiddleware<object, object> = next => args => {
        if (isHttpRequest(args.request)) {
            const headers = args.request.headers;
            if (!Object.keys(headers).some(h => h.toLowerCase() === REQUEST_METADATA_HEADER))
                headers[REQUEST_METADATA_HEADER] = metadata;
        }
        return next(args);
    };
    // Each command has a stack of its own (SDK v3): the middleware applies to this request only.
    (command.middlewareStack as unknown as MiddlewareStack<object, object>).add(setHeader, {
        step: "build",
        name: "bedrockBridgeRequestMetadata",
        priority: "low",
    });
    return command;
}
