// The offline catalog of what Bedrock offers (tools/internal/catalog/bedrock-catalog.json): every foundation model
// and system inference profile per Region, so that offline synth answers getModel and getInferenceProfile for any
// real id, not only a handful of examples. `npm run catalog` (tools/catalog.ts) rebuilds it from the Bedrock API;
// the pure parts live here so the tests can feed them recorded API shapes.
import * as fs from "fs";
import * as path from "path";

export interface CatalogModel {
    modelName: string;
    providerName: string;
    /** Region -> inferenceTypesSupported there (ON_DEMAND: callable by its own id; INFERENCE_PROFILE: through one). */
    regions: Record<string, string[]>;
}

export interface CatalogProfile {
    inferenceProfileName: string;
    /** The foundation model the profile routes to. */
    modelId: string;
    /** Regions the profile may be called from. */
    sourceRegions: string[];
    /** Regions it routes to (the models[].modelArn of GetInferenceProfile). */
    destinationRegions: string[];
    /**
     * Global profiles: AWS also answers a Region-less model ARN (arn:aws:bedrock:::foundation-model/<id>), which stands
     * for every commercial Region and is what IAM policies for global cross-Region inference name.
     */
    anyCommercialRegion?: boolean;
}

export interface BedrockCatalog {
    _comment?: string;
    /** When the catalog was built (YYYY-MM-DD); messages about ids it lacks name it. */
    generated: string;
    /** Where its content comes from: the Bedrock API, or AWS's published tables. */
    sources: string[];
    derivation?: string;
    /** Commercial Regions the catalog covers (GovCloud Regions are listed separately). */
    regions: string[];
    govCloudRegions?: string[];
    foundationModels: Record<string, CatalogModel>;
    inferenceProfiles: Record<string, CatalogProfile>;
}

export const CATALOG_FILE = path.join(__dirname, "catalog", "bedrock-catalog.json");

let cached: BedrockCatalog | undefined;

export function loadCatalog(file = CATALOG_FILE): BedrockCatalog {
    if (file !== CATALOG_FILE) return JSON.parse(fs.readFileSync(file, "utf8")) as BedrockCatalog;
    cached ??= JSON.parse(fs.readFileSync(file, "utf8")) as BedrockCatalog;
    return cached;
}

/** provider.name-vN[:M], optionally behind a profile prefix (us., global., ...): the shape of every Bedrock text model id. */
export const MODEL_ID =
    /^(?:(?<prefix>[a-z-]+)\.)?(?<provider>[a-z0-9]+)\.(?<name>[a-z0-9][a-z0-9.-]*?)-v(?<version>\d+)(?::(?<minor>\d+))?$/;

export function parseModelId(
    id: string,
): { prefix?: string; provider: string; name: string; version: string } | undefined {
    const m = MODEL_ID.exec(id);
    if (!m?.groups) return undefined;
    const { prefix, provider, name, version, minor } = m.groups;
    return { prefix, provider, name, version: minor === undefined ? version : `${version}:${minor}` };
}

/** Levenshtein distance, stopping early past `max` (ids are short; the catalog has a few hundred). */
export function editDistance(a: string, b: string, max = Infinity): number {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        let best = i;
        for (let j = 1; j <= b.length; j++) {
            cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
            best = Math.min(best, cur[j]);
        }
        if (best > max) return max + 1;
        prev = cur;
    }
    return prev[b.length];
}

/**
 * The known id a typo was probably meant as: within 3 edits (or a tenth of the id), and not merely another version
 * or date of a known model (`-v2:0` for `-v1:0`, a newer release date), which is a new model rather than a typo.
 */
export function nearMiss(id: string, known: Iterable<string>): string | undefined {
    const max = Math.max(3, Math.floor(id.length / 10));
    let best: { id: string; d: number } | undefined;
    for (const k of known) {
        if (k === id) return undefined;
        const d = editDistance(id, k, max);
        if (d <= max && (!best || d < best.d)) best = { id: k, d };
    }
    if (!best) return undefined;
    const digitsOnly = (s: string) => s.replace(/\d+/g, "#");
    // Same shape apart from digits: another version or date of a known model, plausible and not a typo.
    if (digitsOnly(id) === digitsOnly(best.id) && parseModelId(id)) return undefined;
    return best.id;
}

/** How the catalog answers one id in one Region: known there, known elsewhere, a typo of a known id, or unknown. */
export type Lookup<T> =
    | { kind: "found"; entry: T }
    | { kind: "elsewhere"; regions: string[] }
    | { kind: "nearMiss"; suggestion: string }
    | { kind: "unknown" };

export function lookupProfile(catalog: BedrockCatalog, id: string, region: string): Lookup<CatalogProfile> {
    const p = catalog.inferenceProfiles[id];
    if (p)
        return p.sourceRegions.includes(region)
            ? { kind: "found", entry: p }
            : { kind: "elsewhere", regions: p.sourceRegions };
    // Another geography's profile of a known model (au. where the catalog has apac.) is plausible, not a typo.
    const parsed = parseModelId(id);
    if (parsed?.prefix && catalog.foundationModels[id.slice(parsed.prefix.length + 1)]) return { kind: "unknown" };
    const suggestion = nearMiss(id, Object.keys(catalog.inferenceProfiles));
    return suggestion ? { kind: "nearMiss", suggestion } : { kind: "unknown" };
}

export function lookupModel(
    catalog: BedrockCatalog,
    id: string,
    region: string,
): Lookup<CatalogModel & { inferenceTypesSupported: string[] }> {
    const m = catalog.foundationModels[id];
    if (m) {
        const types = m.regions[region];
        return types
            ? { kind: "found", entry: { ...m, inferenceTypesSupported: types } }
            : { kind: "elsewhere", regions: Object.keys(m.regions) };
    }
    const suggestion = nearMiss(id, Object.keys(catalog.foundationModels));
    return suggestion ? { kind: "nearMiss", suggestion } : { kind: "unknown" };
}

/** Everything wrong with a catalog: a malformed one would quietly answer wrong offline. */
export function catalogProblems(c: BedrockCatalog): string[] {
    const problems: string[] = [];
    if (!/^\d{4}-\d{2}-\d{2}$/.test(c.generated ?? ""))
        problems.push(`generated "${c.generated}" is not a YYYY-MM-DD date`);
    if (!c.sources?.length) problems.push("sources is empty: say where the catalog comes from");
    const regions = new Set([...(c.regions ?? []), ...(c.govCloudRegions ?? [])]);
    const regionShape = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
    for (const r of regions) if (!regionShape.test(r)) problems.push(`region "${r}" is not a Region code`);
    if (new Set(c.regions).size !== c.regions.length) problems.push("regions lists a Region twice");
    for (const [id, m] of Object.entries(c.foundationModels)) {
        if (!parseModelId(id) || parseModelId(id)!.prefix)
            problems.push(`model id "${id}" does not parse as provider.name-vN[:M]`);
        for (const [r, types] of Object.entries(m.regions)) {
            if (!regions.has(r)) problems.push(`model ${id} lists unknown Region ${r}`);
            if (!types.length || types.some(t => !["ON_DEMAND", "INFERENCE_PROFILE", "PROVISIONED"].includes(t)))
                problems.push(`model ${id} in ${r} has inference types ${JSON.stringify(types)}`);
            if (new Set(types).size !== types.length) problems.push(`model ${id} in ${r} repeats an inference type`);
        }
    }
    for (const [id, p] of Object.entries(c.inferenceProfiles)) {
        const parsed = parseModelId(id);
        if (!parsed?.prefix) problems.push(`profile id "${id}" does not parse as <prefix>.provider.name-vN[:M]`);
        else if (id !== `${parsed.prefix}.${p.modelId}`)
            problems.push(`profile ${id} routes to ${p.modelId}, not the model its id names`);
        if (!p.sourceRegions.length) problems.push(`profile ${id} has no source Region`);
        if (!p.destinationRegions.length) problems.push(`profile ${id} has no destination Region`);
        for (const list of ["sourceRegions", "destinationRegions"] as const) {
            if (new Set(p[list]).size !== p[list].length)
                problems.push(`profile ${id} lists a Region twice in ${list}`);
            for (const r of p[list])
                if (!regions.has(r)) problems.push(`profile ${id} lists unknown Region ${r} in ${list}`);
        }
        const model = c.foundationModels[p.modelId];
        if (!model) problems.push(`profile ${id} routes to ${p.modelId}, which is no foundation model of the catalog`);
        else
            for (const r of p.destinationRegions)
                if (!model.regions[r])
                    problems.push(`profile ${id} routes to ${r}, where the catalog has no ${p.modelId}`);
    }
    return problems;
}

// ---- From API responses (npm run catalog) ----

/** The fields of ListFoundationModels' modelSummaries that the catalog keeps. */
export interface ApiModelSummary {
    modelId: string;
    modelName?: string;
    providerName?: string;
    inferenceTypesSupported?: string[];
}

/** The fields of ListInferenceProfiles' inferenceProfileSummaries that the catalog keeps. */
export interface ApiProfileSummary {
    inferenceProfileId: string;
    inferenceProfileName?: string;
    type?: string;
    status?: string;
    models?: { modelArn?: string }[];
}

export interface RegionListing {
    region: string;
    models: ApiModelSummary[];
    profiles: ApiProfileSummary[];
}

/** arn:<partition>:bedrock:<region>::foundation-model/<id> -> its Region ("" for the Region-less global ARN) and id. */
export function parseModelArn(arn: string): { region: string; modelId: string } | undefined {
    const m = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*)::foundation-model\/(.+)$/.exec(arn);
    return m ? { region: m[1], modelId: m[2] } : undefined;
}

/**
 * Turns one listing per Region (ListFoundationModels + ListInferenceProfiles type SYSTEM_DEFINED) into the catalog:
 * a profile listed in a Region has it as a source Region; its models' ARNs name the destinations.
 */
export function catalogFromListings(
    listings: RegionListing[],
    opts: { generated: string; sources: string[]; govCloudRegions?: string[] },
): BedrockCatalog {
    const gov = new Set(opts.govCloudRegions ?? listings.map(l => l.region).filter(r => r.startsWith("us-gov-")));
    const foundationModels: Record<string, CatalogModel> = {};
    const inferenceProfiles: Record<string, CatalogProfile> = {};
    for (const { region, models, profiles } of [...listings].sort((a, b) => a.region.localeCompare(b.region))) {
        for (const m of models) {
            // Provisioned-only variants (ids with a context-size suffix like ":200k") cannot be invoked on demand.
            if (!parseModelId(m.modelId)) continue;
            const entry = (foundationModels[m.modelId] ??= {
                modelName: m.modelName ?? m.modelId,
                providerName: m.providerName ?? m.modelId.split(".")[0],
                regions: {},
            });
            entry.regions[region] = [...(m.inferenceTypesSupported ?? [])];
        }
        for (const p of profiles) {
            if (p.type && p.type !== "SYSTEM_DEFINED") continue;
            const arns = (p.models ?? []).map(x => parseModelArn(x.modelArn ?? "")).filter(x => !!x);
            if (!arns.length) continue;
            const entry = (inferenceProfiles[p.inferenceProfileId] ??= {
                inferenceProfileName: p.inferenceProfileName ?? p.inferenceProfileId,
                modelId: arns[0].modelId,
                sourceRegions: [],
                destinationRegions: [],
            });
            entry.sourceRegions.push(region);
            for (const a of arns) {
                if (a.region === "") entry.anyCommercialRegion = true;
                else if (!entry.destinationRegions.includes(a.region)) entry.destinationRegions.push(a.region);
            }
        }
    }
    for (const p of Object.values(inferenceProfiles)) {
        p.sourceRegions.sort();
        p.destinationRegions.sort();
        // A destination is a Region where the model runs even if that Region does not list it for on-demand use.
        const model = foundationModels[p.modelId];
        if (model) for (const r of p.destinationRegions) model.regions[r] ??= ["INFERENCE_PROFILE"];
    }
    const regions = listings
        .map(l => l.region)
        .filter(r => !gov.has(r))
        .sort();
    return {
        generated: opts.generated,
        sources: opts.sources,
        derivation:
            "npm run catalog: ListFoundationModels and ListInferenceProfiles (typeEquals SYSTEM_DEFINED) in every Region",
        regions,
        govCloudRegions: [...gov].sort(),
        foundationModels: sortKeys(foundationModels),
        inferenceProfiles: sortKeys(inferenceProfiles),
    };
}

export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
