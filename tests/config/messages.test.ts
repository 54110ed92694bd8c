// Messages a newcomer meets (issue 19, section 4): each names the key, what it must be, and the fix, instead of a
// symptom (missing models for a misspelled region) or a whole map's summary. Also the slips that used to pass
// silently: a misspelled namespace, trustedStateMachineArns without externalId.
import { strict as assert } from "assert";
import { readStackConfig } from "../../tools/internal/harness";
import { readConfig, toStackConfig } from "../../config";
import { failureOf, runBedrock } from "../support/stacks";
import { regionalExamples } from "../../config/messages";
import { loadCatalog } from "../../tools/internal/catalog";

/** The problems readConfig and toStackConfig find for a stack's file with these keys replaced. */
function problems(stack: string, overrides: Record<string, unknown>): string[] {
    const all: Record<string, string> = { ...readStackConfig(stack).config };
    for (const [k, v] of Object.entries(overrides)) all[k] = typeof v === "string" ? v : JSON.stringify(v);
    const read = readConfig(all);
    toStackConfig(read);
    return read.problems;
}

describe("config messages: say what is wrong, not a symptom", () => {
    it("a misspelled namespace (bedrock-brigde:auditTrail) fails with did you mean, the feature is not silently off", () => {
        const p = problems("bedrock", { "bedrock-brigde:auditTrail": "true", "bedrock-bridg:modls": "[]" });
        assert.ok(
            p.includes(
                'bedrock-brigde:auditTrail is in the namespace "bedrock-brigde", which this program does not read: did you mean bedrock-bridge:auditTrail?',
            ),
            p.join("\n"),
        );
        assert.ok(
            p.some(m => /^bedrock-bridg:modls .*did you mean bedrock-bridge:models\?/.test(m)),
            p.join("\n"),
        );
    });

    it("namespaces far from bedrock-bridge (pulumi:, other providers, bedrock:) are not ours to judge", () => {
        assert.deepEqual(problems("bedrock", { "pulumi:tags": "{}", "random:seed": "x", "bedrock:whatever": "x" }), []);
    });

    it("trustedStateMachineArns without externalId is refused, naming both keys", () => {
        const p = problems("bedrock", {
            "bedrock-bridge:trustedStateMachineArns": ["arn:aws:states:ap-northeast-1:111111111111:stateMachine:x"],
        });
        assert.equal(p.length, 1, p.join("\n"));
        assert.match(
            p[0],
            /^bedrock-bridge:trustedStateMachineArns has no effect without bedrock-bridge:externalId: .*remove bedrock-bridge:trustedStateMachineArns, or set bedrock-bridge:externalId/,
        );
    });

    it("a guardrail strength such as VERYHIGH lists NONE, LOW, MEDIUM, HIGH; a misspelled filter type is suggested", () => {
        const g = JSON.parse(readStackConfig("bedrock-governed").config["bedrock-bridge:guardrails"]);
        g["content-safety"].contentFilters.HATE = "VERYHIGH";
        assert.deepEqual(problems("bedrock-governed", { "bedrock-bridge:guardrails": g }), [
            'bedrock-bridge:guardrails.content-safety.contentFilters.HATE must be one of NONE, LOW, MEDIUM, HIGH (got "VERYHIGH")',
        ]);
        g["content-safety"].contentFilters.HATE = "HIGH";
        g["content-safety"].contentFilters.HATRED = "HIGH";
        const p = problems("bedrock-governed", { "bedrock-bridge:guardrails": g });
        assert.equal(p.length, 1, p.join("\n"));
        assert.match(p[0], /contentFilters\.HATRED .*did you mean HATE\?/);
    });

    it("an invalid alarmEmail says an e-mail address is expected", () => {
        assert.deepEqual(problems("bedrock", { "bedrock-bridge:monitoring": { alarmEmail: "ops-at-example" } }), [
            'bedrock-bridge:monitoring.alarmEmail is not valid: an e-mail address such as ops@example.com (got "ops-at-example")',
        ]);
    });

    it("an out-of-range field of a map names the field and its bounds, not the map's summary", () => {
        const p = problems("caller", {
            "bedrock-bridge:invoker": { memorySize: 5 },
            "bedrock-bridge:stepFunctions": { temperature: 3 },
        });
        assert.deepEqual(p.sort(), [
            "bedrock-bridge:invoker.memorySize must be a whole number from 128 to 10240 (got 5)",
            "bedrock-bridge:stepFunctions.temperature must be a number from 0 to 1 (got 3)",
        ]);
    });

    it("chat.publishOutageSeconds is bounded (2..600)", () => {
        const p = problems("caller", {
            "bedrock-bridge:chat": { allowedOrigins: ["https://chat.example.com"], publishOutageSeconds: 1 },
        });
        assert.deepEqual(p, ["bedrock-bridge:chat.publishOutageSeconds must be a whole number from 2 to 600 (got 1)"]);
    });

    it("a misspelled region says the region is unknown, not that every model is missing", async () => {
        const msg = await failureOf(runBedrock({ "aws:region": "ap-northest-1" }));
        assert.match(msg, /aws:region "ap-northest-1" is not an AWS region: did you mean ap-northeast-1\?/);
        assert.doesNotMatch(msg, /has no (inference profile|model)/);
    });
});

describe("config messages: examples follow the stack's Region", () => {
    const EXAMPLE = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    it("a US stack missing its models is shown a us. example, not the Tokyo stacks' jp. one", () => {
        const p = problems("bedrock", { "aws:region": "us-east-1", "bedrock-bridge:models": undefined });
        const msg = p.find(m => m.startsWith("bedrock-bridge:models is required"));
        assert.ok(msg, p.join("\n"));
        assert.ok(msg.includes(`e.g. us.${EXAMPLE}`), msg);
        assert.doesNotMatch(msg, /jp\./);
        const tokyo = problems("bedrock", { "bedrock-bridge:models": undefined });
        assert.ok(tokyo.some(m => m.includes(`e.g. jp.${EXAMPLE}`)));
    });

    it("rewrites examples only, never what the stack says (shown quoted)", () => {
        const us = regionalExamples("us-east-1");
        assert.equal(
            us(`must be a model id such as {claude-sonnet-4-5: jp.${EXAMPLE}} (got "jp.${EXAMPLE}")`),
            `must be a model id such as {claude-sonnet-4-5: us.${EXAMPLE}} (got "jp.${EXAMPLE}")`,
        );
    });

    it("in every Region of the offline catalog the example is a profile callable from it", () => {
        const catalog = loadCatalog();
        const wrong = [...catalog.regions, ...(catalog.govCloudRegions ?? [])].filter(region => {
            const id = regionalExamples(region)(`e.g. jp.${EXAMPLE}`).slice("e.g. ".length);
            return !catalog.inferenceProfiles[id]?.sourceRegions.includes(region);
        });
        assert.deepEqual(wrong, []);
    });
});
