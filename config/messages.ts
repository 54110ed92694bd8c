// Turns zod's issues for one config key into messages that name the key (down to the entry), say what was
// expected and what was given, and suggest the closest known name for a misspelled one.
import { z } from "zod";
import {
    elementOf,
    KeyDef,
    kindOf,
    metaDeep,
    Meta,
    optionsOf,
    shapeOf,
    unwrap,
    valueTypeOf,
    keyTypeOf,
    enumEntriesOf,
} from "./schema";

/**
 * The system profile prefixes callable from a Region, by its geography: AWS's table of supported cross-Region
 * inference profiles lists each profile's source Regions (US profiles from the US and Canada, EU ones from Europe and
 * Tel Aviv, JP from Tokyo and Osaka, AU from Sydney, Melbourne and Auckland, APAC from Asia Pacific, global ones from
 * every commercial Region). https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
 * tests/config/crossStack.test.ts checks it against every profile of the offline catalog.
 */
export function profilePrefixesFrom(region: string): string[] {
    if (region.startsWith("us-gov-")) return ["us-gov"];
    // Calgary is not a source Region of the US profiles (Canada (Central) is).
    if (region === "ca-west-1") return ["global"];
    if (/^(us|ca)-/.test(region)) return ["us", "global"];
    if (/^(eu|il)-/.test(region)) return ["eu", "global"];
    if (["ap-northeast-1", "ap-northeast-3"].includes(region)) return ["jp", "apac", "global"];
    if (["ap-southeast-2", "ap-southeast-4", "ap-southeast-6"].includes(region)) return ["au", "apac", "global"];
    if (region.startsWith("ap-")) return ["apac", "global"];
    return ["global"];
}

/**
 * The example profile of a message (the schema's texts name jp.anthropic.claude-sonnet-4-5-…, the example stacks'
 * Tokyo) rewritten for the stack's Region, so a US stack is not told to list a jp. profile it cannot call. Only
 * geographies that have that model's profile; elsewhere global.
 */
export function regionalExamples(region: string | undefined): (message: string) => string {
    if (!region) return m => m;
    const first = profilePrefixesFrom(region)[0];
    // No APAC profile of that model, and the EU one is not callable from Tel Aviv: there, the global one.
    const prefix = first === "apac" || region === "il-central-1" ? "global" : first;
    // Unquoted only: what the stack says is shown quoted (JSON), and stays as written.
    return m => m.replace(/(?<!["\w.-])jp\.(anthropic\.claude-sonnet-4-5-20250929-v1:0)(?!")/g, `${prefix}.$1`);
}

/** Damerau-Levenshtein distance (optimal string alignment), case-insensitive. */
export function distance(a: string, b: string): number {
    a = a.toLowerCase();
    b = b.toLowerCase();
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** The known name closest to `name`, when it is close enough to be a slip (case, a letter or two, a prefix). */
export function closest(name: string, known: string[]): string | undefined {
    let best: string | undefined;
    let bestD = Infinity;
    for (const k of known) {
        const d = distance(name, k);
        if (d < bestD) [best, bestD] = [k, d];
    }
    if (best === undefined) return undefined;
    const prefix =
        best.toLowerCase().startsWith(name.toLowerCase()) || name.toLowerCase().startsWith(best.toLowerCase());
    return bestD <= Math.max(2, Math.floor(name.length / 4)) || (prefix && Math.min(name.length, best.length) >= 4)
        ? best
        : undefined;
}

export const didYouMean = (name: string, known: string[], prefix = ""): string => {
    const c = closest(name, known);
    return c ? `did you mean ${prefix}${c}?` : "";
};

const show = (v: unknown): string => {
    const s = v === undefined ? "nothing" : JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

function kindDesc(v: unknown): string {
    if (v === null) return "null (an empty value)";
    if (Array.isArray(v)) return "a list";
    if (typeof v === "object") return "a map";
    if (typeof v === "string") return `the string ${show(v)}`;
    return `the ${typeof v} ${show(v)}`;
}

function typeDesc(s: z.ZodType): string {
    const u = unwrap(s) as z.ZodType & { format?: string };
    switch (kindOf(u)) {
        case "boolean":
            return "a boolean true/false";
        case "number":
            return u.format === "safeint" ? "a whole number" : "a number";
        case "string":
        case "enum":
            return "a string";
        case "array":
            return "a list";
        case "object":
            return "a map";
        default:
            return metaDeep(s).short ?? metaDeep(s).expected ?? "another type";
    }
}

/** A string that would have been right without its quotes (`"false"` for a boolean, `"30"` for a number). */
function quotedSlip(s: z.ZodType, v: unknown): boolean {
    if (typeof v !== "string") return false;
    let parsed: unknown;
    try {
        parsed = JSON.parse(v);
    } catch {
        return false;
    }
    return typeof parsed !== "string" && s.safeParse(parsed).success;
}

interface Step {
    schema: z.ZodType;
    value: unknown;
}

/** The schemas (and values) along a path: [root, ..., leaf]. */
function walk(root: z.ZodType, value: unknown, path: PropertyKey[]): Step[] {
    const steps: Step[] = [{ schema: root, value }];
    let cur = root;
    let v: unknown = value;
    for (const seg of path) {
        let next: z.ZodType | undefined;
        let kind = kindOf(cur);
        if (kind === "union") {
            cur = optionsOf(cur).find(o => kindOf(o) === (typeof seg === "number" ? "array" : "object")) ?? cur;
            kind = kindOf(cur);
            steps[steps.length - 1] = { ...steps[steps.length - 1], schema: cur };
        }
        if (kind === "object") next = shapeOf(cur)[String(seg)];
        else if (kind === "array") next = elementOf(cur);
        // A map of names to values (guardrails, a guardrail's contentFilters): every entry has the value's schema.
        else if (kind === "record") next = valueTypeOf(cur);
        v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
        if (!next) break;
        cur = next;
        steps.push({ schema: cur, value: v });
    }
    return steps;
}

/** `bedrock-bridge:apiKeys "ci".expiryDays`, `bedrock-bridge:chat.namespace`, `bedrock-bridge:models[2]`. */
function pathText(fullKey: string, steps: Step[], path: PropertyKey[]): string {
    let out = fullKey;
    path.forEach((seg, i) => {
        if (typeof seg === "number") {
            const parent = steps[i];
            const by = parent && metaDeep(parent.schema).labelBy;
            const el = steps[i + 1];
            const label =
                by && el && el.value && typeof el.value === "object"
                    ? (el.value as Record<string, unknown>)[by]
                    : undefined;
            const labelOk =
                by &&
                typeof label === "string" &&
                kindOf(el.schema) === "object" &&
                shapeOf(el.schema)[by]?.safeParse(label).success;
            out += labelOk ? ` "${label}"` : `[${seg}]`;
        } else {
            out += `.${String(seg)}`;
        }
    });
    return out;
}

/** "enabled: boolean, memorySize: 128..10240, …": a map's entries in one line. */
export function summary(obj: z.ZodType): string {
    return Object.entries(shapeOf(obj))
        .map(([name, s]) => {
            const m = metaDeep(s);
            return `${name}: ${m.short ?? (kindOf(s) === "object" ? "map" : "value")}`;
        })
        .join(", ");
}

const isDefaultMessage = (m: string) => /^Invalid input/.test(m) || m === "";

/** Where an issue is: the schemas and values along its path, and the words that name it. */
interface At {
    issue: z.core.$ZodIssue;
    steps: Step[];
    leaf: Step;
    m: Meta;
    input: unknown;
    where: string;
    depth: number;
}

/** A union's issues are those of the option the value's type picks (a map picks the map); undefined if none. */
function unionBranch(at: At): z.core.$ZodIssue[] | undefined {
    const errors = (at.issue as { errors?: z.core.$ZodIssue[][] }).errors;
    if (at.issue.code !== "invalid_union" || !errors?.length) return undefined;
    const v = at.leaf.value;
    const wanted = Array.isArray(v) ? "array" : v && typeof v === "object" ? "object" : typeof v;
    const idx = optionsOf(at.leaf.schema).findIndex(o => kindOf(o) === wanted);
    return idx < 0 ? undefined : errors[idx].map(i => ({ ...i, path: [...at.issue.path, ...i.path] }));
}

/** Unknown entries of a map, each with the closest known one. */
function unknownKeys(at: At, keys: string[]): string[] {
    // A key that is true | {map} (monitoring, invocationLogging): the unknown field belongs to the map.
    const map =
        kindOf(at.leaf.schema) === "union" ? optionsOf(at.leaf.schema).find(o => kindOf(o) === "object") : undefined;
    if (map) at = { ...at, leaf: { ...at.leaf, schema: map } };
    // A record with an enum of keys (contentFilters) knows its keys from the enum.
    const entries = kindOf(at.leaf.schema) === "record" ? enumEntriesOf(keyTypeOf(at.leaf.schema)) : undefined;
    const known: string[] = entries ? Object.keys(entries) : Object.keys(shapeOf(at.leaf.schema));
    if (at.m.unknown === "fields") {
        return [
            `${at.where} has unknown fields ${keys.join(", ")} (${known.join(", ")})${keys
                .map(k => didYouMean(k, known))
                .filter(Boolean)
                .map(s => `; ${s}`)
                .join("")}`,
        ];
    }
    return keys.map(k => {
        const dym = didYouMean(k, known);
        return at.m.style === "invalid"
            ? `${at.where}.${k} is not valid (${summary(at.leaf.schema)}), got ${show((at.leaf.value as Record<string, unknown> | undefined)?.[k])}${dym ? `; ${dym}` : ""}`
            : `${at.where}.${k} is not a ${at.m.label ?? "known setting"}${dym ? `: ${dym}` : ""} (${known.join(", ")})`;
    });
}

/** One value that is wrong: what it must be, what it is, and for a type slip what type it has. */
function leafMessage(at: At, unparsed: boolean): string {
    const { issue, leaf, m, input, where, depth } = at;
    if (issue.code === "invalid_type" && input === undefined)
        return `${where} is required${m.required ? `: ${m.required}` : ""}`;
    if (issue.code === "custom" && !isDefaultMessage(issue.message)) {
        return `${where} ${issue.message}${(issue as { params?: { showInput?: boolean } }).params?.showInput ? ` (got ${show(input)})` : ""}`;
    }
    const slip =
        issue.code === "invalid_type" || issue.code === "invalid_union"
            ? `: expected ${typeDesc(leaf.schema)}, got ${kindDesc(input)}${quotedSlip(leaf.schema, input) ? "; write it without quotes" : ""}`
            : "";
    const owner = at.steps
        .slice(0, -1)
        .reverse()
        .find(s => kindOf(s.schema) === "object");
    // The map's summary only where the field has no words of its own: an out-of-range field names its bounds.
    const ownWords = m.expected !== undefined || m.message !== undefined || m.hint !== undefined;
    if (owner && metaDeep(owner.schema).style === "invalid" && depth >= 1 && !ownWords)
        return `${where} is not valid (${summary(owner.schema)}), got ${show(input)}${slip}`;
    const kind = kindOf(leaf.schema);
    if (kind === "array" && issue.code === "too_small" && (issue as { minimum?: unknown }).minimum === 1 && !m.message)
        return `${where} must not be empty${m.required ? `: ${m.required}` : ""}`;
    if (m.message) return `${where} ${m.message} (got ${show(input)})${slip}`;
    if (m.expected && unparsed && depth === 0 && (kind === "object" || kind === "array")) {
        return `${where} must be structured YAML: ${m.expected} (got ${show(input)})${kind === "array" ? `; a single entry is written [${String(input)}]` : ""}`;
    }
    if (m.expected) return `${where} must be ${m.expected} (got ${show(input)})${slip}`;
    // An enum without words of its own (a guardrail filter's strength): list what it accepts.
    const accepted = (issue as { values?: unknown }).values;
    if (issue.code === "invalid_value" && Array.isArray(accepted))
        return `${where} must be one of ${accepted.map(String).join(", ")} (got ${show(input)})`;
    if (m.hint !== undefined && issue.code === "invalid_format") {
        return depth === 0
            ? `${where} ${show(input)} is not valid: ${m.hint}`
            : `${where} is not valid: ${m.hint} (got ${show(input)})`;
    }
    return `${where} is not valid${m.hint ? `: ${m.hint}` : ""} (got ${show(input)})${slip}`;
}

/**
 * Messages for one key's issues. `value` is what was parsed (top-level values arrive as strings; structured
 * ones as JSON); `unparsed` says the value was text that is not YAML structure at all.
 */
export function messages(
    fullKey: string,
    def: KeyDef,
    value: unknown,
    issues: z.core.$ZodIssue[],
    unparsed = false,
): string[] {
    const out: string[] = [];
    // Bad entries of a list of strings: one message per list, naming every bad entry.
    const badEntries = new Map<string, { hint: string; values: unknown[] }>();
    for (const issue of issues) {
        const steps = walk(def.schema, value, issue.path);
        const leaf = steps[steps.length - 1];
        const at: At = {
            issue,
            steps,
            leaf,
            m: metaDeep(leaf.schema),
            input: (issue as { input?: unknown }).input ?? leaf.value,
            where: pathText(fullKey, steps, issue.path),
            depth: issue.path.length,
        };
        const branch = unionBranch(at);
        const parent = steps.length > 1 ? steps[steps.length - 2] : undefined;
        if (branch) {
            out.push(...messages(fullKey, def, value, branch, unparsed));
        } else if (
            parent &&
            typeof issue.path[at.depth - 1] === "number" &&
            kindOf(parent.schema) === "array" &&
            kindOf(leaf.schema) !== "object"
        ) {
            const listWhere = pathText(fullKey, steps, issue.path.slice(0, -1));
            const pm = metaDeep(parent.schema);
            if (pm.message) out.push(`${listWhere} ${pm.message} (got ${show(parent.value)})`);
            else if (issue.code !== "invalid_format")
                out.push(`${listWhere} must be ${pm.expected ?? "a list of strings"} (got ${show(parent.value)})`);
            else {
                const e = badEntries.get(listWhere) ?? { hint: pm.hint ?? at.m.hint ?? "", values: [] };
                e.values.push(at.input);
                badEntries.set(listWhere, e);
            }
        } else if (issue.code === "unrecognized_keys") {
            out.push(...unknownKeys(at, issue.keys));
        } else {
            out.push(leafMessage(at, unparsed));
        }
    }
    for (const [listWhere, e] of badEntries)
        out.push(
            `${listWhere} has invalid entries ${e.values.map(v => show(v)).join(", ")}${e.hint ? `: ${e.hint}` : ""}`,
        );
    return out.filter((msg, i) => out.indexOf(msg) === i);
}
