// Short-term Bedrock API keys (bearer tokens) made from the assumed role's credentials, for SDK clients that
// authenticate with `token` + authSchemePreference ["httpBearerAuth"]. No Pulumi imports: this runs inside Lambda.
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { AssumedCredentials } from "./credentials";

/** Bedrock accepts short-term keys for at most 12 hours. */
export const SHORT_TERM_KEY_MAX_SECONDS = 43200;

export interface ShortTermKey {
    token: string;
    /** When the key stops working: the requested lifetime or the credentials' expiry, whichever is first. */
    expiration: Date;
}

export interface ShortTermKeyOptions {
    credentials: () => Promise<AssumedCredentials>;
    region: string;
    /** Requested lifetime (default and maximum 12 h); never longer than the credentials. */
    lifetimeSeconds?: number;
    /** Make a new key this long before expiry (default 300 s, the SDK's own margin). */
    refreshBeforeSeconds?: number;
}

/** Makes one short-term key from the given credentials, valid until they expire at the latest. */
export async function mintShortTermKey(
    creds: AssumedCredentials,
    region: string,
    lifetimeSeconds = SHORT_TERM_KEY_MAX_SECONDS,
): Promise<ShortTermKey> {
    const left = Math.floor((creds.expiration.getTime() - Date.now()) / 1000);
    const seconds = Math.min(lifetimeSeconds, SHORT_TERM_KEY_MAX_SECONDS, left);
    if (seconds < 1) throw new Error("the credentials for the short-term Bedrock API key have already expired");
    const expiration = new Date(Date.now() + seconds * 1000);
    // Loaded on first use, so only functions that use short-term keys need the generator packed; dist/getToken
    // avoids the package index, which loads the whole default credential chain.
    const { getToken } =
        require("@aws/bedrock-token-generator/dist/getToken") as typeof import("@aws/bedrock-token-generator/dist/getToken");
    const token = await getToken({ credentials: creds, region, expiresInSeconds: seconds });
    return { token, expiration };
}

/**
 * A token provider for BedrockRuntimeClient: one key per container until it comes within the refresh margin of
 * expiry; concurrent callers share one in-flight mint. `invalidate` drops the key after Bedrock called it expired.
 */
export function shortTermKeyProvider(
    opts: ShortTermKeyOptions,
): (() => Promise<ShortTermKey>) & { invalidate(): void } {
    const marginMs = (opts.refreshBeforeSeconds ?? 300) * 1000;
    let cached: ShortTermKey | undefined;
    let inflight: Promise<ShortTermKey> | undefined;
    const provide = async () => {
        if (cached && cached.expiration.getTime() - Date.now() > marginMs) return cached;
        if (!inflight) {
            inflight = opts
                .credentials()
                .then(c => mintShortTermKey(c, opts.region, opts.lifetimeSeconds))
                .then(k => (cached = k))
                .finally(() => {
                    inflight = undefined;
                });
        }
        return inflight;
    };
    return Object.assign(provide, {
        invalidate() {
            // The SDK memoizes the identity object it got; expiring that same object makes it ask again.
            if (cached) cached.expiration = new Date(0);
            cached = undefined;
        },
    });
}

/**
 * A Bedrock Runtime client that authenticates with short-term keys made from `credentials`. Errors carry
 * `bedrockAuth` so toBridgeError names the key type; an "expired" answer makes the next call use a new key.
 */
export function shortTermKeyClient(
    region: string,
    credentials: () => Promise<AssumedCredentials>,
    refreshBeforeSeconds = 300,
): BedrockRuntimeClient {
    const token = shortTermKeyProvider({ credentials, region, refreshBeforeSeconds });
    const client = new BedrockRuntimeClient({
        region,
        token,
        authSchemePreference: ["httpBearerAuth"],
        maxAttempts: 2,
    });
    client.middlewareStack.add(
        next => async args => {
            try {
                return await next(args);
            } catch (e) {
                const err = e as { message?: string; bedrockAuth?: string };
                if (/Bearer Token has expired/i.test(String(err?.message))) token.invalidate();
                if (err && typeof err === "object") err.bedrockAuth = "shortTermKey";
                throw e;
            }
        },
        { step: "initialize", name: "shortTermKeyErrors" },
    );
    return client;
}
