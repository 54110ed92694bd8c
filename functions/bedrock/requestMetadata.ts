// The Converse `requestMetadata` every call of ours carries: who is calling (function, caller account, tenant,
// chat user's Cognito sub), so the Bedrock account's invocation logs attribute usage without any prompt text.
// Bedrock's limits (Converse API reference): at most 16 pairs, keys 1..256 and values 0..256 characters of
// [a-zA-Z0-9\s:_@$#=/+,.-]; invocation-log filters accept the narrower [a-zA-Z0-9\s._:/=+$@-], so values keep to
// that. Anything else is replaced, never sent as is: a request must not fail over its metadata.
import { REQUEST_METADATA, REQUEST_METADATA_LIMITS } from "../metrics/metricCatalog";

export interface CallerIdentity {
    caller: "relay" | "invoker" | "stateMachine" | "gateway";
    /** The caller account id (12 digits). */
    account: string;
    tenant?: string;
    /** The chat user's Cognito sub. */
    user?: string;
    /** The gateway key's name. */
    key?: string;
}

const DISALLOWED = /[^a-zA-Z0-9\s._:/=+$@-]/g;

export function cleanMetadataValue(v: string): string {
    return v.replace(DISALLOWED, "_").slice(0, REQUEST_METADATA_LIMITS.maxValueLength);
}

export function requestMetadata(who: CallerIdentity): Record<string, string> {
    const out: Record<string, string> = {
        [REQUEST_METADATA.caller]: who.caller,
        [REQUEST_METADATA.account]: cleanMetadataValue(who.account),
        [REQUEST_METADATA.tenant]: cleanMetadataValue(who.tenant ?? "-"),
    };
    if (who.user) out[REQUEST_METADATA.user] = cleanMetadataValue(who.user);
    if (who.key) out[REQUEST_METADATA.key] = cleanMetadataValue(who.key);
    return out;
}

/** The caller account: from the invoked function's ARN (arn:aws:lambda:<region>:<account>:function:<name>). */
export function callerAccountOf(invokedFunctionArn: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
    return invokedFunctionArn?.split(":")[4] || env.CALLER_ACCOUNT_ID || "unknown";
}
