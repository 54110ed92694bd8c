// Which models a key may use, by id or alias, and `GET /v1/models` in OpenAI's or Anthropic's list shape. No Pulumi
// imports.
import { gatewayError } from "./errors";

export interface KeySettings {
    /** Model ids (or aliases) this key may use; absent: every model the gateway serves. */
    models?: string[];
    tokensPerMinute?: number;
    tokensPerDay?: number;
}

export interface GatewaySettings {
    keys: Record<string, KeySettings>;
    aliases: Record<string, string>;
    /** The model ids the Bedrock stack(s) allow, in order. */
    models: string[];
}

function json<T>(env: NodeJS.ProcessEnv, name: string, fallback: T, check: (v: unknown) => boolean): T {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    let v: unknown;
    try {
        v = JSON.parse(raw);
    } catch {
        throw new Error(`${name} is not JSON (set by the gateway component from bedrock-bridge:gateway)`);
    }
    if (!check(v))
        throw new Error(`${name} has the wrong shape (set by the gateway component from bedrock-bridge:gateway)`);
    return v as T;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const isLimit = (v: unknown) => v === undefined || (typeof v === "number" && Number.isInteger(v) && v > 0);

const isKeyTable = (v: unknown) =>
    isObj(v) &&
    Object.values(v).every(
        k =>
            isObj(k) &&
            (k.models === undefined || (Array.isArray(k.models) && k.models.every(m => typeof m === "string"))) &&
            isLimit(k.tokensPerMinute) &&
            isLimit(k.tokensPerDay),
    );

/**
 * The key table, GATEWAY_ALIASES and GATEWAY_MODELS (falling back to the targets' models), once per container.
 * `packagedKeys` is the key table the gateway component serializes into the function's package (the handler's
 * closure): it grows with every key, and Lambda's environment holds 4 KB in all. Without it (a handler built by hand,
 * as tests do) the table is read from GATEWAY_KEYS.
 */
export function readGatewaySettings(
    env: NodeJS.ProcessEnv,
    targetModels: string[],
    packagedKeys?: Record<string, KeySettings>,
): GatewaySettings {
    if (packagedKeys !== undefined && !isKeyTable(packagedKeys))
        throw new Error(
            "the packaged key table has the wrong shape (set by the gateway component from bedrock-bridge:gateway)",
        );
    const keys = packagedKeys ?? json<Record<string, KeySettings>>(env, "GATEWAY_KEYS", {}, isKeyTable);
    const aliases = json<Record<string, string>>(
        env,
        "GATEWAY_ALIASES",
        {},
        v => isObj(v) && Object.values(v).every(m => typeof m === "string"),
    );
    const models = json<string[]>(
        env,
        "GATEWAY_MODELS",
        targetModels,
        v => Array.isArray(v) && v.every(m => typeof m === "string"),
    );
    for (const [alias, id] of Object.entries(aliases))
        if (!models.includes(id))
            throw new Error(`GATEWAY_ALIASES: alias ${alias} names ${id}, which the Bedrock stacks do not allow`);
    return { keys, aliases, models };
}

/** The model ids a key may use (its list may name aliases). */
export function modelsForKey(s: GatewaySettings, key: KeySettings): string[] {
    if (!key.models) return s.models;
    const wanted = new Set(key.models.map(m => s.aliases[m] ?? m));
    return s.models.filter(m => wanted.has(m));
}

/** The model id a request names: 404 for a name the gateway does not know, 403 for one this key may not use. */
export function resolveModel(s: GatewaySettings, key: KeySettings, keyName: string, name: string): string {
    const id = s.aliases[name] ?? name;
    if (!s.models.includes(id))
        throw gatewayError(
            "not_found",
            `The model ${name} does not exist on this gateway; GET /v1/models lists the models your key may use.`,
            {
                reason: "unknownModel",
                param: "model",
                code: "model_not_found",
            },
        );
    if (!modelsForKey(s, key).includes(id))
        throw gatewayError(
            "permission",
            `The key ${keyName} may not use the model ${name}; GET /v1/models lists the models it may use.`,
            {
                reason: "modelNotAllowed",
                param: "model",
                code: "model_not_allowed",
            },
        );
    return id;
}

/**
 * GET /v1/models: the key's models and the aliases that point at them. In OpenAI's list shape, or in Anthropic's when
 * the request carries `anthropic-version` (Anthropic's SDK always sends it; Claude Code's gateway model discovery
 * reads this list): `{data: [{type, id, display_name, created_at}], has_more, first_id, last_id}`.
 */
export function modelList(s: GatewaySettings, key: KeySettings, shape: "openai" | "anthropic" = "openai") {
    const ids = modelsForKey(s, key);
    const names = [...ids, ...Object.keys(s.aliases).filter(a => ids.includes(s.aliases[a]))];
    if (shape === "anthropic")
        return {
            data: names.map(id => ({
                type: "model" as const,
                id,
                display_name: id,
                created_at: "1970-01-01T00:00:00Z",
            })),
            has_more: false,
            first_id: names[0] ?? null,
            last_id: names[names.length - 1] ?? null,
        };
    return {
        object: "list" as const,
        data: names.map(id => ({ id, object: "model" as const, created: 0, owned_by: "bedrock-bridge" })),
    };
}
