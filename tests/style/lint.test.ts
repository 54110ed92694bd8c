// typescript-eslint with type information (eslint.config.mjs) on the whole tree: floating promises, `any` in
// product code, unused code. A finding fails the run, named, with the command that shows it.
import { strict as assert } from "assert";
import { ESLint } from "eslint";
import { ROOT } from "../../tools/internal/harness";

describe("style: lint", function () {
    this.timeout(300_000); // type-aware linting of the tree takes tens of seconds on a 2-core machine

    it("eslint finds nothing (npm run lint)", async () => {
        const results = await new ESLint({ cwd: ROOT }).lintFiles(["."]);
        const findings = results.flatMap(r =>
            r.messages.map(m => `${r.filePath.slice(ROOT.length + 1)}:${m.line} ${m.ruleId ?? "parse"} ${m.message}`),
        );
        assert.deepEqual(findings, [], `${findings.length} lint finding(s): run npm run lint`);
    });
});
