// docs/configuration.md's table and Pulumi.yaml's config declarations are generated from config/schema.ts: these
// fail when either differs from what `npm run config-docs` writes, or when CI would skip the type check.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
    CONFIG_PAGE,
    configTable,
    PROJECT_FILE,
    projectConfig,
    withProjectConfig,
    withTable,
} from "../../tools/configDocs";
import { AWS_KEYS, KEYS, PROJECT } from "../../config/schema";

describe("config docs (npm run config-docs)", () => {
    it("docs/configuration.md's table is the one the schema generates", () => {
        const readme = fs.readFileSync(CONFIG_PAGE, "utf8");
        assert.equal(
            withTable(readme),
            readme,
            "docs/configuration.md's table differs from config/schema.ts: run npm run config-docs",
        );
    });

    it("the table has one row per key of both namespaces, and a hand edit is caught", () => {
        const rows = configTable()
            .split("\n")
            .slice(2)
            .map(r => r.split("|")[1].trim().replace(/`/g, ""));
        assert.deepEqual(rows, [
            ...Object.keys(AWS_KEYS).map(k => `aws:${k}`),
            ...Object.keys(KEYS).map(k => `${PROJECT}:${k}`),
        ]);
        const readme = fs.readFileSync(CONFIG_PAGE, "utf8");
        const edited = readme.replace(
            "| `bedrock-bridge:roleName` | bedrock | `bedrock-bridge-execution-<stack>-<region>` |",
            "| `bedrock-bridge:roleName` | bedrock | `my-role` |",
        );
        assert.notEqual(edited, readme, "the row to edit exists");
        assert.notEqual(withTable(edited), edited);
    });

    it("Pulumi.yaml declares the project's keys as the schema generates them", () => {
        const text = fs.readFileSync(PROJECT_FILE, "utf8");
        assert.equal(
            withProjectConfig(text),
            text,
            "Pulumi.yaml's config differs from config/schema.ts: run npm run config-docs",
        );
        const declared = YAML.parse(text).config;
        assert.deepEqual(declared, projectConfig());
    });

    it("declares only keys every stack may set, with Pulumi's types, and defaults the schema accepts", () => {
        // Pulumi fails a stack that lacks a declared key without a default, and gives a declared default to every
        // stack: a side-specific key declared here would break (or contradict) the other side's stack.
        const declared: Record<string, any> = YAML.parse(fs.readFileSync(PROJECT_FILE, "utf8")).config;
        assert.ok(Object.keys(declared).length >= 2);
        for (const [name, d] of Object.entries(declared)) {
            assert.ok(KEYS[name], `${name} is a schema key`);
            assert.equal(KEYS[name].side, "both", `${name} holds on both sides`);
            assert.ok(["string", "boolean", "integer", "array"].includes(d.type), `${name}: a Pulumi config type`);
            assert.ok(d.description, `${name} has a description`);
            if ("default" in d) assert.ok(KEYS[name].schema.safeParse(d.default).success, `${name}'s default is valid`);
        }
        assert.equal(declared.side.type, "string");
        assert.ok(!("default" in declared.side), "side has no default: every stack must say which it is");
    });

    it("npm test type-checks the program first, as pulumi up does", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
        assert.match(pkg.scripts.pretest, /^tsc --noEmit -p \.$/);
    });
});
