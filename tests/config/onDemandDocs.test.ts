// docs/configuration.md lists which Claude 4.x ids Bedrock serves on demand (without a profile) and where; the
// offline catalog answers the same question for offline synth. The two must say the same.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadCatalog } from "../../tools/internal/catalog";
import { ROOT } from "../../tools/internal/harness";

const CLAUDE_4 = /^anthropic\.claude-(haiku|sonnet|opus)-4\b/;

/** The doc's list: model id -> the Regions it names as on demand ([] for "a profile only"). */
function docList(): Map<string, string[]> {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
    const block = /<!-- claude-4-on-demand:[^>]*-->\n([\s\S]*?)<!-- \/claude-4-on-demand -->/.exec(doc);
    assert.ok(block, "docs/configuration.md has the claude-4-on-demand list");
    const list = new Map<string, string[]>();
    for (const line of block[1].split("\n").filter(l => l.startsWith("- "))) {
        const ticked = [...line.matchAll(/`([^`]+)`/g)].map(m => m[1]);
        const ids = ticked.filter(t => t.startsWith("anthropic."));
        const regions = ticked.filter(t => /^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(t)).sort();
        for (const id of ids) list.set(id, regions);
    }
    return list;
}

describe("docs: Claude 4.x ids callable without a profile agree with the offline catalog", () => {
    const catalog = loadCatalog();
    const onDemand = (id: string) =>
        Object.entries(catalog.foundationModels[id].regions)
            .filter(([, types]) => types.includes("ON_DEMAND"))
            .map(([region]) => region)
            .sort();

    it("names every Claude 4.x model of the catalog, and only those", () => {
        const inCatalog = Object.keys(catalog.foundationModels).filter(id => CLAUDE_4.test(id));
        assert.ok(inCatalog.length >= 5);
        assert.deepEqual([...docList().keys()].sort(), inCatalog.sort());
    });

    it("names, for each, exactly the Regions where the catalog has ON_DEMAND", () => {
        for (const [id, regions] of docList()) assert.deepEqual(regions, onDemand(id), id);
    });

    it("the catalog follows the Claude Haiku 4.5 model card: In-Region in Tokyo, the AU profile from New Zealand too", () => {
        const haiku = catalog.foundationModels["anthropic.claude-haiku-4-5-20251001-v1:0"];
        assert.ok(haiku.regions["ap-northeast-1"].includes("ON_DEMAND"));
        const au = catalog.inferenceProfiles["au.anthropic.claude-haiku-4-5-20251001-v1:0"];
        assert.deepEqual(au.sourceRegions, ["ap-southeast-2", "ap-southeast-4", "ap-southeast-6"]);
        assert.ok(au.destinationRegions.includes("ap-southeast-6"));
    });
});
