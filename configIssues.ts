// Turns zod's issues for one config key into messages that name the key (down to the entry), say what was
// expected and what was given, and suggest the closest known name for a misspelled one.
import { z } from "zod";
import { elementOf, KeyDef, kindOf, metaDeep, Meta, optionsOf, shapeOf, unwrap } from "./configSchema";

/** Damerau-Levenshtein distance (optimal string alignment), case-insensitive. */
export function distance(a: string, b: string): number {
    a = a.toLowerCase();
    b = b.toLowerCase();
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
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
    const prefix = best.toLowerCase().startsWith(name.toLowerCase()) || name.toLowerCase().startsWith(best.toLowerCase());
    return bestD <= Math.max(2, Math.floor(name.length / 4)) || (prefix && Math.min(name.length, best.length) >= 4) ? best : undefined;
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
    const u: any = unwrap(s);
    switch (u._zod.def.type) {
        case "boolean": return "a boolean true/false";
        case "number": return u.format === "safeint" ? "a whole number" : "a number";
        case "string": case "enum": return "a string";
        case "array": return "a list";
        case "object": return "a map";
        default: return metaDeep(s).short ?? metaDeep(s).expected ?? "another type";
    }
}

/** A string that would have been right without its quotes (`"false"` for a boolean, `"30"` for a number). */
function quotedSlip(s: z.ZodType, v: unknown): boolean {
    if (typeof v !== "string") return false;
    let parsed: unknown;
    try { parsed = JSON.parse(v); } catch { return false; }
    return typeof parsed !== "string" && s.safeParse(parsed).success;
}

interface Step { schema: z.ZodType; value: unknown }

/** The schemas (and values) along a path: [root, ..., leaf]. */
function walk(root: z.ZodType, value: unknown, path: PropertyKey[]): Step[] {
    const steps: Step[] = [{ schema: root, value }];
    let cur = root;
    let v: any = value;
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
        v = v && typeof v === "object" ? v[seg as any] : undefined;
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
            const label = by && el && el.value && typeof el.value === "object" ? (el.value as any)[by] : undefined;
            const labelOk = by && typeof label === "string" && kindOf(el.schema) === "object" && shapeOf(el.schema)[by]?.safeParse(label).success;
            out += labelOk ? ` "${label}"` : `[${seg}]`;
        } else {
            out += `.${String(seg)}`;
        }
    });
    return out;
}

/** "enabled: boolean, memorySize: 128..10240, …": a map's entries in one line. */
export function summary(obj: z.ZodType): string {
    return Object.entries(shapeOf(obj)).map(([name, s]) => {
        const m = metaDeep(s);
        return `${name}: ${m.short ?? (kindOf(s) === "object" ? "map" : "value")}`;
    }).join(", ");
}

const isDefaultMessage = (m: string) => /^Invalid input/.test(m) || m === "";

/**
 * Messages for one key's issues. `value` is what was parsed (top-level values arrive as strings; structured
 * ones as JSON); `unparsed` says the value was text that is not YAML structure at all.
 */
export function messages(fullKey: string, def: KeyDef, value: unknown, issues: z.core.$ZodIssue[], unparsed = false): string[] {
    const out: string[] = [];
    const badEntries = new Map<string, { hint: string; values: unknown[] }>();
    for (const issue of issues) {
        // A union's issues are those of the option the value's type picks (a map picks the map).
        if (issue.code === "invalid_union" && (issue as any).errors?.length) {
            const steps = walk(def.schema, value, issue.path);
            const at = steps[steps.length - 1];
            const opts = optionsOf(at.schema);
            const wanted = Array.isArray(at.value) ? "array" : at.value && typeof at.value === "object" ? "object" : typeof at.value;
            const idx = opts.findIndex(o => kindOf(o) === wanted);
            if (idx >= 0) {
                const inner = ((issue as any).errors[idx] as z.core.$ZodIssue[]).map(i => ({ ...i, path: [...issue.path, ...i.path] }));
                out.push(...messages(fullKey, def, value, inner, unparsed));
                continue;
            }
        }
        const path = issue.path;
        const steps = walk(def.schema, value, path);
        const leaf = steps[steps.length - 1];
        const m: Meta = metaDeep(leaf.schema);
        const input = (issue as any).input ?? leaf.value;
        const where = pathText(fullKey, steps, path);
        const depth = path.length;
        const parent = steps.length > 1 ? steps[steps.length - 2] : undefined;

        // An entry of a list of strings: one message for the list, naming every bad entry.
        if (parent && typeof path[depth - 1] === "number" && kindOf(parent.schema) === "array" && kindOf(leaf.schema) !== "object") {
            const listWhere = pathText(fullKey, steps, path.slice(0, -1));
            const pm = metaDeep(parent.schema);
            if (pm.message) out.push(`${listWhere} ${pm.message} (got ${show(parent.value)})`);
            else if (issue.code === "invalid_format") {
                const e = badEntries.get(listWhere) ?? { hint: pm.hint ?? m.hint ?? "", values: [] };
                e.values.push(input);
                badEntries.set(listWhere, e);
            } else out.push(`${listWhere} must be ${pm.expected ?? "a list of strings"} (got ${show(parent.value)})`);
            continue;
        }

        if (issue.code === "unrecognized_keys") {
            const known = Object.keys(shapeOf(leaf.schema));
            if (m.unknown === "fields") {
                out.push(`${where} has unknown fields ${issue.keys.join(", ")} (${known.join(", ")})${issue.keys.map(k => didYouMean(k, known)).filter(Boolean).map(s => `; ${s}`).join("")}`);
            } else {
                for (const k of issue.keys) {
                    const dym = didYouMean(k, known);
                    const got = (leaf.value as any)?.[k];
                    out.push(m.style === "invalid"
                        ? `${where}.${k} is not valid (${summary(leaf.schema)}), got ${show(got)}${dym ? `; ${dym}` : ""}`
                        : `${where}.${k} is not a ${m.label ?? "known setting"}${dym ? `: ${dym}` : ""} (${known.join(", ")})`);
                }
            }
            continue;
        }

        if (issue.code === "invalid_type" && input === undefined) {
            out.push(`${where} is required${m.required ? `: ${m.required}` : ""}`);
            continue;
        }
        if (issue.code === "custom" && !isDefaultMessage(issue.message)) {
            out.push(`${where} ${issue.message}${/required|together|more than|keep one/.test(issue.message) ? "" : ` (got ${show(input)})`}`);
            continue;
        }

        const slip = issue.code === "invalid_type"
            ? `: expected ${typeDesc(leaf.schema)}, got ${kindDesc(input)}${quotedSlip(leaf.schema, input) ? "; write it without quotes" : ""}`
            : "";
        const owner = [...steps].slice(0, -1).reverse().find(s => kindOf(s.schema) === "object");
        if (owner && metaDeep(owner.schema).style === "invalid" && depth >= 1) {
            out.push(`${where} is not valid (${summary(owner.schema)}), got ${show(input)}${slip}`);
            continue;
        }
        const isArray = kindOf(leaf.schema) === "array";
        if (isArray && issue.code === "too_small" && (issue as any).minimum === 1 && !m.message) {
            out.push(`${where} must not be empty${m.required ? `: ${m.required}` : ""}`);
        } else if (m.message) {
            out.push(`${where} ${m.message} (got ${show(input)})${slip}`);
        } else if (m.expected) {
            const structured = unparsed && depth === 0 && ["object", "array"].includes(kindOf(leaf.schema));
            out.push(structured
                ? `${where} must be structured YAML: ${m.expected} (got ${show(input)})`
                : `${where} must be ${m.expected} (got ${show(input)})${slip}`);
        } else if (m.hint !== undefined && issue.code === "invalid_format") {
            out.push(depth === 0 ? `${where} ${show(input)} is not valid: ${m.hint}` : `${where} is not valid: ${m.hint} (got ${show(input)})`);
        } else {
            out.push(`${where} is not valid${m.hint ? `: ${m.hint}` : ""} (got ${show(input)})${slip}`);
        }
    }
    for (const [listWhere, e] of badEntries) out.push(`${listWhere} has invalid entries ${e.values.map(v => show(v)).join(", ")}${e.hint ? `: ${e.hint}` : ""}`);
    return out.filter((msg, i) => out.indexOf(msg) === i);
}
