// Reads IAM policy documents out of resource inputs as the AWS provider shapes them. Pure and dependency-free:
// the policy pack and the reviewer's IAM diff (tools/internal/iamDiff.ts) both use it.

export interface IamStatement {
    Sid?: string;
    Effect?: string;
    Principal?: "*" | Record<string, string | string[]>;
    NotPrincipal?: "*" | Record<string, string | string[]>;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

export type DocumentKind = "trust" | "permissions";

export interface FoundDocument {
    kind: DocumentKind;
    /** Where in the resource the document sits, for messages (e.g. `assumeRolePolicy`, `inlinePolicies[0]`). */
    at: string;
    statements: IamStatement[];
}

/** A policy input is a JSON string or (when the program passed an object) the document itself. */
export function parseDocument(value: unknown): IamStatement[] | undefined {
    let doc: any = value;
    if (typeof value === "string") {
        if (!value.trim()) return undefined;
        try {
            doc = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (!doc || typeof doc !== "object") return undefined;
    const st = doc.Statement;
    if (Array.isArray(st)) return st.filter(s => s && typeof s === "object");
    return st && typeof st === "object" ? [st] : [];
}

/** Identity policies of IAM resources, plus a role's trust policy. */
const PERMISSION_POLICY_TYPES = new Set([
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/policy:Policy",
]);

export function documentsOf(type: string, props: Record<string, any>): FoundDocument[] {
    const out: FoundDocument[] = [];
    const add = (kind: DocumentKind, at: string, value: unknown) => {
        const statements = parseDocument(value);
        if (statements) out.push({ kind, at, statements });
    };
    if (type === "aws:iam/role:Role") {
        add("trust", "assumeRolePolicy", props.assumeRolePolicy);
        const inline = Array.isArray(props.inlinePolicies) ? props.inlinePolicies : [];
        inline.forEach((p: any, i: number) =>
            add("permissions", `inlinePolicies[${i}]${p?.name ? ` (${p.name})` : ""}`, p?.policy),
        );
    } else if (PERMISSION_POLICY_TYPES.has(type)) {
        add("permissions", "policy", props.policy);
    }
    return out;
}

export function list(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
}

/** Case-insensitive IAM wildcard match (`*` and `?`), as IAM matches actions. */
export function wildcardMatch(pattern: string, value: string): boolean {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`, "i").test(value);
}

/** Condition keys of a statement, lower-cased, whatever the operator. */
export function conditionKeys(st: IamStatement): Map<string, unknown[]> {
    const keys = new Map<string, unknown[]>();
    for (const block of Object.values(st.Condition ?? {})) {
        if (!block || typeof block !== "object") continue;
        for (const [k, v] of Object.entries(block)) {
            const values = Array.isArray(v) ? v : [v];
            keys.set(k.toLowerCase(), [...(keys.get(k.toLowerCase()) ?? []), ...values]);
        }
    }
    return keys;
}

/** Sorts keys and string arrays so that two statements equal in meaning print the same. */
export function canonical(value: unknown): unknown {
    if (Array.isArray(value)) {
        const items = value.map(canonical);
        return items.every(i => typeof i === "string") ? [...items].sort() : items;
    }
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value).sort()) out[k] = canonical((value as any)[k]);
        return out;
    }
    return value;
}

/** One-line form of a statement; single values and one-element lists print alike. */
export function statementText(st: IamStatement): string {
    const norm: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(st)) {
        if (["Action", "NotAction", "Resource", "NotResource"].includes(k)) norm[k] = list(v);
        else if ((k === "Principal" || k === "NotPrincipal") && v && typeof v === "object") {
            norm[k] = Object.fromEntries(Object.entries(v).map(([p, ids]) => [p, list(ids)]));
        } else norm[k] = v;
    }
    return JSON.stringify(canonical(norm));
}
