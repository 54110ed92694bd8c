// ChatEndpoints from what a stack publishes: `pulumi stack output --json` of a caller stack, the sandbox's
// .sandbox/outputs.json (same keys plus cognitoEndpoint), or the web page's config.json (either of those).
import { chatError } from "./errors";
import { DEFAULT_LIMITS, type ChatEndpoints, type ChatLimits } from "./types";

const REQUIRED = ["chatRestEndpoint", "chatEventsHttpEndpoint", "chatUserPoolId", "chatUserPoolClientId"] as const;

export function endpointsFromOutputs(
    outputs: Record<string, unknown>,
    overrides: Partial<ChatEndpoints> = {},
): ChatEndpoints {
    const str = (k: string) => (typeof outputs[k] === "string" && outputs[k] ? outputs[k] : undefined);
    const missing = REQUIRED.filter(k => !str(k) && !overrides[toField(k)]);
    if (missing.length) {
        throw chatError(
            "BadRequest",
            `These outputs are missing: ${missing.join(", ")}. Is bedrock-bridge:chat enabled on this caller stack (and deployed)?`,
        );
    }
    const userPoolId = overrides.userPoolId ?? str("chatUserPoolId")!;
    const limits = readLimits(outputs.chatLimits);
    return {
        restEndpoint: overrides.restEndpoint ?? str("chatRestEndpoint")!,
        eventsHttpEndpoint: overrides.eventsHttpEndpoint ?? str("chatEventsHttpEndpoint")!,
        region: overrides.region ?? str("region") ?? userPoolId.split("_")[0],
        namespace: overrides.namespace ?? str("chatNamespace") ?? "bedrock-stream-response",
        userPoolId,
        userPoolClientId: overrides.userPoolClientId ?? str("chatUserPoolClientId")!,
        userPoolEndpoint: overrides.userPoolEndpoint ?? str("cognitoEndpoint"),
        limits: { ...limits, ...overrides.limits },
    };
}

function toField(k: (typeof REQUIRED)[number]): keyof ChatEndpoints {
    return (
        {
            chatRestEndpoint: "restEndpoint",
            chatEventsHttpEndpoint: "eventsHttpEndpoint",
            chatUserPoolId: "userPoolId",
            chatUserPoolClientId: "userPoolClientId",
        } as const
    )[k];
}

/** chatLimits, when a stack exports it; the config defaults otherwise (a stack with other limits must say so). */
function readLimits(raw: unknown): ChatLimits {
    const out = { ...DEFAULT_LIMITS };
    if (raw && typeof raw === "object") {
        for (const k of Object.keys(out) as (keyof ChatLimits)[]) {
            const v = (raw as Record<string, unknown>)[k];
            if (Number.isInteger(v)) out[k] = v as number;
        }
    }
    return out;
}
