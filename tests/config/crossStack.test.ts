// Cross-stack messages as a newcomer meets them: hints that follow the stack's Region, gateway aliases named like a
// model id, where a tenant's caller must add a model, and a referenced stack that does not exist.
import { strict as assert } from "assert";
import { loadCatalog } from "../../tools/internal/catalog";
import { isModelIdShaped, profilePrefixesFrom } from "../../config/crossStack";
import { failureOf, runBedrock, runCaller } from "../support/stacks";
import { APAC, JP, runGoverned, runTenantCaller } from "../support/governance";

const catalog = loadCatalog();
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0";

describe("config: hints follow the stack's Region", () => {
    it("the profile prefixes offered for a Region include every catalog profile callable from it", () => {
        const missing: string[] = [];
        for (const [id, p] of Object.entries(catalog.inferenceProfiles))
            for (const region of p.sourceRegions)
                if (!profilePrefixesFrom(region).includes(id.split(".")[0])) missing.push(`${id} from ${region}`);
        assert.deepEqual(missing, []);
    });

    it("a bare id without on-demand in us-east-1 is pointed at the us. and global. profiles, not jp. or apac.", async () => {
        const msg = await failureOf(runBedrock({ "aws:region": "us-east-1", "bedrock-bridge:models": [SONNET] }));
        assert.match(msg, new RegExp(`cannot be called directly in us-east-1`));
        assert.ok(msg.includes(`us.${SONNET} or global.${SONNET}`), msg);
        assert.doesNotMatch(msg, /\b(jp|apac)\./);
    });
});

describe("config: gateway aliases named like a model id", () => {
    it("every id of the offline catalog reads as a model id; alias names such as claude-sonnet-4-5 do not", () => {
        const ids = [...Object.keys(catalog.foundationModels), ...Object.keys(catalog.inferenceProfiles)];
        assert.deepEqual(
            ids.filter(id => !isModelIdShaped(id)),
            [],
        );
        for (const alias of ["claude-sonnet-4-5", "gpt-4o", "sonnet", "claude-3.5-haiku", "my.model"])
            assert.equal(isModelIdShaped(alias), false, alias);
    });

    it("fails at preview when a client asking for a real model would silently get another", async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(
            runCaller(bedrock, {
                "bedrock-bridge:gateway": { keys: [{ name: "demo" }], aliases: { [HAIKU3]: JP, [`us.${HAIKU3}`]: JP } },
            }),
        );
        for (const alias of [HAIKU3, `us.${HAIKU3}`])
            assert.ok(
                msg.includes(
                    `bedrock-bridge:gateway.aliases "${alias}" is named like the Bedrock model id "${alias}", which the referenced Bedrock stack(s) bedrock do not allow, but points to the model "${JP}": a client asking for "${alias}" would silently get "${JP}". Name the alias after its own model (e.g. claude-sonnet-4-5)`,
                ),
                msg,
            );
    });

    it("an alias from a model's own id to its profile is the same model, and passes", async () => {
        const bedrock = await runBedrock();
        const run = await runCaller(bedrock, {
            "bedrock-bridge:gateway": { keys: [{ name: "demo" }], aliases: { [SONNET]: JP } },
        });
        assert.ok(run.outputs.gatewayUrl);
    });
});

describe("config: a tenant's caller is sent to the tenant's own models", () => {
    it("defaultModelId, a gateway alias and a key's models outside the tenant's models name bedrock-bridge:tenants there", async () => {
        const gov = await runGoverned();
        // The support tenant has only JP; APAC is the research tenant's, so it is in the stack's models already.
        const msg = await failureOf(
            runTenantCaller(gov, "support", {
                "bedrock-bridge:defaultModelId": APAC,
                "bedrock-bridge:gateway": {
                    keys: [{ name: "demo", models: [APAC] }],
                    aliases: { "claude-sonnet-4": APAC },
                },
            }),
        );
        const fix = `add "${APAC}" to the models of tenant "support" in bedrock-bridge:tenants there (it is in bedrock-bridge:models there already), and run pulumi up -s bedrock-governed`;
        assert.ok(
            msg.includes(
                `bedrock-bridge:defaultModelId "${APAC}" is not allowed by the referenced Bedrock stack(s) bedrock-governed for tenant "support"; allowed: ${JP}. Pick one of these, or ${fix}`,
            ),
            msg,
        );
        assert.ok(msg.includes(`gateway.aliases "claude-sonnet-4" points to "${APAC}"`) && msg.includes(fix), msg);
        assert.ok(msg.includes(`gateway.keys "demo".models names "${APAC}"`), msg);
        assert.doesNotMatch(msg, /add (it|the model) to bedrock-bridge:models there/);
    });
});

describe("config: a referenced stack that does not exist", () => {
    it("bedrockStacks: [bedrock-prod] without such a stack suggests the Bedrock stacks this project has", async () => {
        const bedrock = await runBedrock();
        const msg = await failureOf(runCaller(bedrock, { "bedrock-bridge:bedrockStacks": ["bedrock-prod"] }));
        assert.match(msg, /bedrock-bridge:bedrockStacks names "bedrock-prod", which cannot be read/);
        assert.match(
            msg,
            /There is no stack file Pulumi\.bedrock-prod\.yaml here: did you mean "bedrock"\? The Bedrock stacks of this project: bedrock, bedrock-governed/,
        );
    });
});
