// Offline synth answers model and profile look-ups from the offline catalog: real ids synthesize in their Regions,
// an id the catalog lacks warns (preview asks AWS), a near-miss of a known id fails with "did you mean".
import { strict as assert } from "assert";
import { loadCatalog } from "../../tools/internal/catalog";
import { captureWarnings, failureOf, one, runBedrock } from "../support/stacks";

const BEDROCK = "222222222222";
const catalog = loadCatalog();
const policyOf = (run: Awaited<ReturnType<typeof runBedrock>>) =>
    JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy) as { Statement: any[] };

describe("config: model ids against the offline catalog", () => {
    for (const [id, region] of [
        ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "eu-central-1"],
        ["us.anthropic.claude-haiku-4-5-20251001-v1:0", "us-east-1"],
        ["jp.anthropic.claude-haiku-4-5-20251001-v1:0", "ap-northeast-1"],
        ["global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1"],
    ])
        it(`${id} synthesizes in ${region}, allowed on the foundation models of its catalog destinations`, async () => {
            const { result: run, warnings } = await captureWarnings(() =>
                runBedrock({ "aws:region": region, "bedrock-bridge:models": [id] }),
            );
            assert.deepEqual(run.outputs.allowedModelIds, [id]);
            assert.deepEqual(
                warnings.filter(w => /offline catalog/.test(w)),
                [],
            );
            const profile = catalog.inferenceProfiles[id];
            const profileArn = `arn:aws:bedrock:${region}:${BEDROCK}:inference-profile/${id}`;
            const models = policyOf(run).Statement.find(
                s => s.Condition?.StringEquals?.["bedrock:InferenceProfileArn"] === profileArn,
            );
            assert.ok(models, `a statement for the models behind ${profileArn}`);
            const expected = profile.anyCommercialRegion
                ? [
                      `arn:aws:bedrock:${region}::foundation-model/${profile.modelId}`,
                      `arn:aws:bedrock:::foundation-model/${profile.modelId}`,
                  ]
                : profile.destinationRegions.map(r => `arn:aws:bedrock:${r}::foundation-model/${profile.modelId}`);
            assert.deepEqual(models.Resource, [...expected].sort());
        });

    it("the least-privilege policy of a geographic profile names exactly its catalog destinations", async () => {
        const id = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0";
        const run = await runBedrock({ "aws:region": "eu-central-1", "bedrock-bridge:models": [id] });
        const regions = policyOf(run)
            .Statement.filter(s => [s.Action].flat().includes("bedrock:InvokeModel"))
            .flatMap(s => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
            .filter((r: string) => r.includes(":foundation-model/"))
            .map((r: string) => r.split(":")[3])
            .sort();
        assert.deepEqual(regions, catalog.inferenceProfiles[id].destinationRegions);
        assert.ok(regions.includes("eu-west-3") && !regions.some((r: string) => r.startsWith("us-")));
    });

    it("an id the catalog lacks warns, naming the catalog's date and preview, and synthesizes", async () => {
        const profile = "us.anthropic.claude-haiku-4-5-20251001-v2:0";
        const model = "anthropic.claude-opus-4-6-v1:0";
        const { result: run, warnings } = await captureWarnings(() =>
            runBedrock({ "aws:region": "us-east-1", "bedrock-bridge:models": [profile, model] }),
        );
        assert.deepEqual(run.outputs.allowedModelIds, [profile, model]);
        const about = (id: string) => warnings.filter(w => w.includes(`"${id}"`));
        for (const id of [profile, model]) {
            assert.equal(about(id).length, 1, `one warning about ${id}: ${warnings.join("\n")}`);
            assert.match(
                about(id)[0],
                new RegExp(
                    `is not in the offline catalog of ${catalog.generated}; \`pulumi preview\` checks it against AWS`,
                ),
            );
        }
        // Until preview, the profile's routes are the guess of its geography from this Region: the US Regions.
        const doc = policyOf(run);
        const arn = `arn:aws:bedrock:us-east-1:${BEDROCK}:inference-profile/${profile}`;
        const models = doc.Statement.find(s => s.Condition?.StringEquals?.["bedrock:InferenceProfileArn"] === arn);
        assert.ok(
            models.Resource.every((r: string) => /^arn:aws:bedrock:us-(east|west)-\d::foundation-model\//.test(r)),
        );
    });

    it("a near-miss of a known id fails with did you mean, for profiles and models", async () => {
        const msg = await failureOf(
            runBedrock({
                "aws:region": "eu-central-1",
                "bedrock-bridge:models": ["eu.anthropic.claude-sonet-4-5-20250929-v1:0", "amazon.nova-lit-v1:0"],
            }),
        );
        assert.match(
            msg,
            /inference profile "eu\.anthropic\.claude-sonet-4-5-20250929-v1:0" in eu-central-1 .*did you mean eu\.anthropic\.claude-sonnet-4-5-20250929-v1:0/,
        );
        assert.match(msg, /model "amazon\.nova-lit-v1:0" in eu-central-1 .*did you mean amazon\.nova-lite-v1:0/);
    });

    it("a known profile asked for from a Region of another geography still fails", async () => {
        const msg = await failureOf(
            runBedrock({
                "aws:region": "us-east-1",
                "bedrock-bridge:models": ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0"],
            }),
        );
        assert.match(
            msg,
            /Bedrock has no inference profile "eu\.anthropic\.claude-sonnet-4-5-20250929-v1:0" in us-east-1/,
        );
        assert.match(msg, /offers it from eu-central-1/);
    });
});
