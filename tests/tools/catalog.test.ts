// The offline Bedrock catalog: well-formed and consistent, and `npm run catalog`'s conversion of API answers
// (shapes from the Bedrock API reference: ListFoundationModels, ListInferenceProfiles) into the same format.
import { strict as assert } from "assert";
import {
    BedrockCatalog,
    catalogFromListings,
    catalogProblems,
    loadCatalog,
    lookupModel,
    lookupProfile,
    nearMiss,
    parseModelId,
} from "../../tools/internal/catalog";

const catalog = loadCatalog();

describe("offline Bedrock catalog", () => {
    it("is dated, names its sources, and has no problem", () => {
        assert.match(catalog.generated, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(catalog.sources.every(s => s.startsWith("https://docs.aws.amazon.com/")));
        assert.deepEqual(catalogProblems(catalog), []);
    });

    it("every profile routes to commercial (or GovCloud) Regions where its model exists", () => {
        const known = new Set([...catalog.regions, ...(catalog.govCloudRegions ?? [])]);
        for (const [id, p] of Object.entries(catalog.inferenceProfiles)) {
            for (const r of p.destinationRegions) {
                assert.ok(known.has(r), `${id} -> ${r}`);
                assert.ok(catalog.foundationModels[p.modelId].regions[r], `${p.modelId} in ${r}`);
            }
            if (!id.startsWith("us-gov."))
                assert.ok(
                    p.destinationRegions.every(r => !r.startsWith("us-gov-")),
                    id,
                );
        }
    });

    it("covers the families and prefixes the program is used with", () => {
        const ids = Object.keys(catalog.inferenceProfiles);
        for (const prefix of ["us", "eu", "apac", "jp", "au", "us-gov", "global"])
            assert.ok(
                ids.some(id => id.startsWith(`${prefix}.`)),
                `${prefix}. profiles`,
            );
        for (const model of [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "anthropic.claude-opus-4-1-20250805-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "anthropic.claude-opus-4-5-20251101-v1:0",
            "amazon.nova-micro-v1:0",
            "amazon.nova-lite-v1:0",
            "amazon.nova-pro-v1:0",
            "amazon.nova-premier-v1:0",
            "meta.llama3-3-70b-instruct-v1:0",
            "mistral.pixtral-large-2502-v1:0",
            "cohere.command-r-plus-v1:0",
            "deepseek.r1-v1:0",
        ])
            assert.ok(catalog.foundationModels[model], model);
        assert.deepEqual(catalog.inferenceProfiles["jp.anthropic.claude-haiku-4-5-20251001-v1:0"].destinationRegions, [
            "ap-northeast-1",
            "ap-northeast-3",
        ]);
    });

    it("finds problems in a broken catalog, naming each", () => {
        const broken: BedrockCatalog = JSON.parse(JSON.stringify(catalog));
        broken.generated = "recently";
        broken.foundationModels["anthropic claude"] = {
            modelName: "x",
            providerName: "x",
            regions: { "us-east-1": ["ON_DEMAND"] },
        };
        broken.inferenceProfiles["us.anthropic.claude-3-haiku-20240307-v1:0"].destinationRegions.push(
            "us-moon-1",
            "ap-south-2",
        );
        const problems = catalogProblems(broken).join("\n");
        assert.match(problems, /generated "recently"/);
        assert.match(problems, /model id "anthropic claude" does not parse/);
        assert.match(problems, /unknown Region us-moon-1/);
        assert.match(problems, /routes to ap-south-2, where the catalog has no anthropic\.claude-3-haiku/);
    });

    it("parses model ids and tells typos from new versions", () => {
        assert.deepEqual(parseModelId("jp.anthropic.claude-haiku-4-5-20251001-v1:0"), {
            prefix: "jp",
            provider: "anthropic",
            name: "claude-haiku-4-5-20251001",
            version: "1:0",
        });
        assert.equal(parseModelId("anthropic claude"), undefined);
        const known = Object.keys(catalog.foundationModels);
        assert.equal(nearMiss("amazon.nova-por-v1:0", known), "amazon.nova-pro-v1:0");
        assert.equal(
            nearMiss("anthropic.claude-sonet-4-5-20250929-v1:0", known),
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
        );
        // Another version of a known model is a new model, not a typo.
        assert.equal(nearMiss("anthropic.claude-sonnet-4-5-20250929-v2:0", known), undefined);
        assert.equal(nearMiss("anthropic.claude-opus-4-6-v1:0", known), undefined);
    });

    it("answers by Region: found, elsewhere, near miss, unknown", () => {
        assert.equal(
            lookupProfile(catalog, "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "eu-central-1").kind,
            "found",
        );
        assert.equal(
            lookupProfile(catalog, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1").kind,
            "elsewhere",
        );
        assert.deepEqual(lookupProfile(catalog, "us.anthropic.claude-haiku-4-5-20251001-v2:0", "us-east-1"), {
            kind: "unknown",
        });
        // Another geography of a known model is plausible (offline cannot know every geography).
        assert.deepEqual(lookupProfile(catalog, "ca.anthropic.claude-haiku-4-5-20251001-v1:0", "ca-central-1"), {
            kind: "unknown",
        });
        assert.deepEqual(lookupModel(catalog, "amazon.nova-por-v1:0", "us-east-1"), {
            kind: "nearMiss",
            suggestion: "amazon.nova-pro-v1:0",
        });
        const tokyo = lookupModel(catalog, "amazon.nova-pro-v1:0", "ap-northeast-1");
        assert.ok(tokyo.kind === "found" && tokyo.entry.inferenceTypesSupported.join() === "INFERENCE_PROFILE");
    });
});

describe("npm run catalog: API answers into the catalog", () => {
    // Shapes as the Bedrock API reference documents them (ListFoundationModels modelSummaries,
    // ListInferenceProfiles inferenceProfileSummaries), trimmed to a few entries.
    const listing = (region: string, extra: string[] = []) => ({
        region,
        models: [
            {
                modelArn: `arn:aws:bedrock:${region}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`,
                modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
                modelName: "Claude Sonnet 4.5",
                providerName: "Anthropic",
                inputModalities: ["TEXT", "IMAGE"],
                outputModalities: ["TEXT"],
                responseStreamingSupported: true,
                customizationsSupported: [],
                inferenceTypesSupported: ["INFERENCE_PROFILE"],
                modelLifecycle: { status: "ACTIVE" },
            },
            // Provisioned-only variants carry a context-size suffix and no on-demand use: not catalogued.
            {
                modelId: "anthropic.claude-3-haiku-20240307-v1:0:200k",
                modelName: "Claude 3 Haiku",
                providerName: "Anthropic",
                inferenceTypesSupported: ["PROVISIONED"],
            },
            ...extra.map(id => ({
                modelId: id,
                modelName: id,
                providerName: "Amazon",
                inferenceTypesSupported: ["ON_DEMAND"],
            })),
        ],
        profiles: [
            {
                inferenceProfileName: "JP Anthropic Claude Sonnet 4.5",
                description: "Routes requests to Claude Sonnet 4.5 in ap-northeast-1 and ap-northeast-3.",
                createdAt: new Date("2025-09-29T00:00:00Z"),
                updatedAt: new Date("2025-09-29T00:00:00Z"),
                inferenceProfileArn: `arn:aws:bedrock:${region}:222222222222:inference-profile/jp.anthropic.claude-sonnet-4-5-20250929-v1:0`,
                models: ["ap-northeast-1", "ap-northeast-3"].map(r => ({
                    modelArn: `arn:aws:bedrock:${r}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`,
                })),
                inferenceProfileId: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
                status: "ACTIVE",
                type: "SYSTEM_DEFINED",
            },
            {
                inferenceProfileName: "Global Claude Sonnet 4.5",
                inferenceProfileId: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
                models: [
                    {
                        modelArn: `arn:aws:bedrock:${region}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`,
                    },
                    { modelArn: "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0" },
                ],
                status: "ACTIVE",
                type: "SYSTEM_DEFINED",
            },
        ],
    });

    it("records source Regions, destinations from the model ARNs, and the Region-less global ARN", () => {
        const c = catalogFromListings(
            [listing("ap-northeast-3"), listing("ap-northeast-1", ["amazon.nova-lite-v1:0"])],
            {
                generated: "2026-12-06",
                sources: ["https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListInferenceProfiles.html"],
            },
        );
        assert.deepEqual(catalogProblems(c), []);
        assert.deepEqual(c.regions, ["ap-northeast-1", "ap-northeast-3"]);
        assert.deepEqual(c.inferenceProfiles["jp.anthropic.claude-sonnet-4-5-20250929-v1:0"], {
            inferenceProfileName: "JP Anthropic Claude Sonnet 4.5",
            modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
            sourceRegions: ["ap-northeast-1", "ap-northeast-3"],
            destinationRegions: ["ap-northeast-1", "ap-northeast-3"],
        });
        const global = c.inferenceProfiles["global.anthropic.claude-sonnet-4-5-20250929-v1:0"];
        assert.equal(global.anyCommercialRegion, true);
        assert.deepEqual(global.destinationRegions, ["ap-northeast-1", "ap-northeast-3"]);
        assert.deepEqual(Object.keys(c.foundationModels), [
            "amazon.nova-lite-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
        ]);
        assert.deepEqual(c.foundationModels["amazon.nova-lite-v1:0"].regions, { "ap-northeast-1": ["ON_DEMAND"] });
    });
});
