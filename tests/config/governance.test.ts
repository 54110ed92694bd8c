// Governance keys that AWS would refuse only at `pulumi up` are refused at preview instead (issue 19, section 4).
import { strict as assert } from "assert";
import { readStackConfig } from "../../tools/internal/harness";
import { readConfig, toStackConfig } from "../../config";

const governedTenants = () => JSON.parse(readStackConfig("bedrock-governed").config["bedrock-bridge:tenants"]);

function problems(tenants: unknown): string[] {
    const read = readConfig({
        ...readStackConfig("bedrock-governed").config,
        "bedrock-bridge:tenants": JSON.stringify(tenants),
    });
    toStackConfig(read);
    return read.problems;
}

describe("config: tenant tags as Bedrock accepts them", () => {
    it("refuses characters outside [a-zA-Z0-9\\s._:/=+@-] in a tag's key or value (a Japanese team name)", () => {
        const tenants = governedTenants();
        tenants[0].costAllocationTags = { team: "サポート", チーム: "support" };
        const p = problems(tenants);
        assert.equal(p.length, 2, p.join("\n"));
        assert.ok(
            p.some(m =>
                m.startsWith(
                    'bedrock-bridge:tenants "support".costAllocationTags has the value "サポート" (key team), which Bedrock refuses',
                ),
            ),
            p.join("\n"),
        );
        assert.ok(
            p.some(m => m.startsWith('bedrock-bridge:tenants "support".costAllocationTags has the key "チーム"')),
            p.join("\n"),
        );
        assert.ok(p.every(m => m.includes("letters a-z A-Z, digits, spaces and . _ : / = + @ -")));
    });

    it("accepts every character Bedrock allows, and still refuses aws: keys and empty maps", () => {
        const tenants = governedTenants();
        tenants[0].costAllocationTags = { "cost-center/team_1": "Support Team: A+B=C @tokyo.jp" };
        assert.deepEqual(problems(tenants), []);
        tenants[0].costAllocationTags = { "aws:team": "x" };
        assert.match(problems(tenants).join("\n"), /has the key "aws:team"/);
        tenants[0].costAllocationTags = {};
        assert.match(problems(tenants).join("\n"), /must be 1\.\.10 tags/);
    });
});
