// npm run catalog [-- --regions us-east-1,eu-central-1] [--out FILE]: rebuilds the offline Bedrock catalog from the
// Bedrock API (ListFoundationModels, ListInferenceProfiles typeEquals SYSTEM_DEFINED) in every Region the account can
// reach. Needs read-only credentials (bedrock:ListFoundationModels, bedrock:ListInferenceProfiles).
import "./internal/quiet";
import * as fs from "fs";
import { BedrockClient, ListFoundationModelsCommand, paginateListInferenceProfiles } from "@aws-sdk/client-bedrock";
import {
    ApiProfileSummary,
    CATALOG_FILE,
    catalogFromListings,
    catalogProblems,
    loadCatalog,
    RegionListing,
} from "./internal/catalog";

const API_REFERENCE = [
    "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html",
    "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListInferenceProfiles.html",
];

async function listRegion(region: string): Promise<RegionListing> {
    const client = new BedrockClient({ region });
    const models = (await client.send(new ListFoundationModelsCommand({}))).modelSummaries ?? [];
    const profiles: ApiProfileSummary[] = [];
    for await (const page of paginateListInferenceProfiles({ client }, { typeEquals: "SYSTEM_DEFINED" }))
        for (const p of page.inferenceProfileSummaries ?? [])
            profiles.push({ ...p, inferenceProfileId: p.inferenceProfileId ?? "", type: p.type, status: p.status });
    return {
        region,
        models: models.map(m => ({
            modelId: m.modelId ?? "",
            modelName: m.modelName,
            providerName: m.providerName,
            inferenceTypesSupported: m.inferenceTypesSupported,
        })),
        profiles,
    };
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const opt = (name: string) => {
        const i = args.indexOf(name);
        return i >= 0 ? args[i + 1] : undefined;
    };
    const out = opt("--out") ?? CATALOG_FILE;
    // Default: the Regions of the current catalog (commercial and GovCloud); a Region the account cannot reach is skipped.
    const current = loadCatalog();
    const regions = opt("--regions")?.split(",") ?? [...current.regions, ...(current.govCloudRegions ?? [])];
    const listings: RegionListing[] = [];
    for (const region of regions) {
        try {
            listings.push(await listRegion(region));
            process.stderr.write(`${region}: listed\n`);
        } catch (e) {
            process.stderr.write(`${region}: skipped (${(e as Error).name}: ${(e as Error).message.split("\n")[0]})\n`);
        }
    }
    if (!listings.length)
        throw new Error("no Region answered: check your AWS credentials (aws sts get-caller-identity)");
    const catalog = catalogFromListings(listings, {
        generated: new Date().toISOString().slice(0, 10),
        sources: API_REFERENCE,
    });
    const problems = catalogProblems(catalog);
    if (problems.length) throw new Error(`the catalog built is inconsistent:\n${problems.join("\n")}`);
    fs.writeFileSync(out, JSON.stringify(catalog, null, 2) + "\n");
    process.stderr.write(
        `${out}: ${Object.keys(catalog.foundationModels).length} models, ${Object.keys(catalog.inferenceProfiles).length} profiles in ${listings.length} Regions\n`,
    );
}

main().catch(e => {
    process.stderr.write(`npm run catalog: ${(e as Error).message}\n`);
    process.exit(1);
});
