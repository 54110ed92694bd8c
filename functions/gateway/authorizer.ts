// The gateway's Lambda authorizer (REQUEST type): a key per application, presented as `Authorization: Bearer <key>`
// (OpenAI clients) or `x-api-key: <key>` (Anthropic clients). The function knows only SHA-256 hashes of the keys
// (JSON {"<sha256 hex>": "<key name>"}, packaged with it), compared in constant time. It allows the caller with
// `principalId` and `context.keyName` = the key's name, and `usageIdentifierKey` = the presented key: with the REST
// API's API key source AUTHORIZER, API Gateway meters and throttles the request against the usage plan of the API
// key with that value ("Choose an API key source", apigateway developer guide, api-gateway-api-key-source.html).
// A missing or unknown key gets a Deny policy: API Gateway answers it with its ACCESS_DENIED gateway response, which
// the gateway sets to 401 (components/gateway/gatewayResponses.ts). A body over 6 MB is refused with 413 (see
// MAX_BODY_BYTES). Not by throwing "Unauthorized" (also a 401):
// Lambda counts a thrown error as a function error, so every wrong key would count on the authorizer's error alarm,
// which is meant for the authorizer failing. No Pulumi imports.
import * as crypto from "crypto";

/** The REQUEST authorizer event, as far as this reads it. */
export interface AuthorizerEvent {
    type?: string;
    methodArn: string;
    headers?: Record<string, string | undefined> | null;
}

export interface AuthorizerResult {
    principalId: string;
    policyDocument: {
        Version: "2012-10-17";
        Statement: { Action: "execute-api:Invoke"; Effect: "Allow" | "Deny"; Resource: string }[];
    };
    /** Allowed only: the key's name for the function, and the key for the usage plan. */
    context?: { keyName: string };
    usageIdentifierKey?: string;
}

/** The principal a refused request is logged under (access log `key`): never a key name. */
export const REFUSED_PRINCIPAL = "refused";

/**
 * The largest body the gateway takes: Lambda's synchronous invocation payload is at most 6 MB (Lambda API
 * reference, Invoke), the whole proxy event counted, while API Gateway REST takes bodies up to 10 MB and never
 * reaches the function with a larger event (its Invoke fails: a retryable 5xx for the client). 6,000,000 bytes
 * leaves the event's headers and context room under Lambda's 6,291,456; a body close to it whose JSON escaping
 * (every `"` becomes `\"`) takes the event over can still fail that way.
 */
export const MAX_BODY_BYTES = 6_000_000;
/**
 * How a body over MAX_BODY_BYTES is refused. A gateway response's status is fixed per type, and a Deny (bad keys)
 * is ACCESS_DENIED, so the authorizer allows such a request with a usage identifier that is no API key: API
 * Gateway compares it with the keys of the stage's usage plans and refuses it with INVALID_API_KEY ("Choose an API
 * key source in API Gateway": no match, InvalidKeyParameter), which the gateway answers with 413 (gatewayResponses.ts).
 * No key name in the context: the function would refuse the request even if it got it.
 */
export const TOO_LARGE_PRINCIPAL = "request-too-large";
export const TOO_LARGE_USAGE_KEY = "request-body-over-6-MB";

/** The Content-Length the request declares, or undefined (absent, or not a plain number). */
export function contentLength(headers: AuthorizerEvent["headers"]): number | undefined {
    for (const [k, v] of Object.entries(headers ?? {}))
        if (k.toLowerCase() === "content-length" && typeof v === "string" && /^\s*\d+\s*$/.test(v)) return Number(v);
    return undefined;
}

export const sha256Hex = (value: string) => crypto.createHash("sha256").update(value, "utf8").digest("hex");

/** The key a request presents, from either header (names are case-insensitive). */
export function presentedKey(headers: AuthorizerEvent["headers"]): string | undefined {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers ?? {})) if (typeof v === "string") h[k.toLowerCase()] = v;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(h["authorization"] ?? "");
    const key = bearer?.[1] ?? h["x-api-key"]?.trim();
    return key || undefined;
}

/**
 * The method ARN's API and stage with every method and path: API Gateway caches an authorizer's policy per
 * identity source and applies it to the other routes of the API too, so one key's policy must allow all of them.
 */
export function allRoutesOf(methodArn: string): string {
    const [arn, apiId, stage] =
        /^(arn:[^:]+:execute-api:[^:]+:\d{12}):([^/]+)\/([^/]+)\//.exec(methodArn)?.slice(1) ?? [];
    return arn ? `${arn}:${apiId}/${stage}/*/*` : methodArn;
}

/**
 * `packagedHashes` is the table `{"<sha256 hex>": "<key name>"}` as JSON text, serialized by the gateway component
 * into the function's package (the factory's closure), so it grows with the keys without meeting Lambda's 4 KB
 * environment limit. Without it (an authorizer built by hand, as tests do) the table is read from GATEWAY_KEY_HASHES.
 */
export function createAuthorizerHandler(env: NodeJS.ProcessEnv = process.env, packagedHashes?: string) {
    const raw = packagedHashes ?? env.GATEWAY_KEY_HASHES;
    if (!raw)
        throw new Error(
            "the authorizer has no key table: the gateway component packages it with the function (GATEWAY_KEY_HASHES for one built by hand)",
        );
    const entries = Object.entries(JSON.parse(raw) as Record<string, string>).map(([hash, name]) => {
        if (!/^[0-9a-f]{64}$/.test(hash) || typeof name !== "string" || !name)
            throw new Error("GATEWAY_KEY_HASHES must map SHA-256 hex digests to key names");
        return { hash: Buffer.from(hash, "hex"), name };
    });

    return async (event: AuthorizerEvent): Promise<AuthorizerResult> => {
        const length = contentLength(event.headers);
        if (length !== undefined && length > MAX_BODY_BYTES) {
            console.log(JSON.stringify({ level: "warn", event: "gateway-body-too-large", contentLength: length }));
            return {
                principalId: TOO_LARGE_PRINCIPAL,
                policyDocument: {
                    Version: "2012-10-17",
                    Statement: [
                        { Action: "execute-api:Invoke", Effect: "Allow", Resource: allRoutesOf(event.methodArn) },
                    ],
                },
                usageIdentifierKey: TOO_LARGE_USAGE_KEY,
            };
        }
        const key = presentedKey(event.headers);
        if (key) {
            const digest = crypto.createHash("sha256").update(key, "utf8").digest();
            // Every entry is compared, in constant time each: the time taken says nothing about which came close.
            let name: string | undefined;
            for (const e of entries) if (crypto.timingSafeEqual(e.hash, digest)) name = e.name;
            if (name)
                return {
                    principalId: name,
                    policyDocument: {
                        Version: "2012-10-17",
                        Statement: [
                            { Action: "execute-api:Invoke", Effect: "Allow", Resource: allRoutesOf(event.methodArn) },
                        ],
                    },
                    context: { keyName: name },
                    usageIdentifierKey: key,
                };
        }
        // One line per refusal, for the operator: whether a key was sent at all, never the key.
        console.log(JSON.stringify({ level: "warn", event: "gateway-key-refused", keySent: !!key }));
        return {
            principalId: REFUSED_PRINCIPAL,
            policyDocument: {
                Version: "2012-10-17",
                Statement: [{ Action: "execute-api:Invoke", Effect: "Deny", Resource: allRoutesOf(event.methodArn) }],
            },
        };
    };
}
