// `npm ci` on npm 11 runs no dependency install script that package.json's allowScripts does not name, and warns
// about each unnamed one. The decision for each is recorded there (why: docs/design.md, "Install scripts").
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../tools/internal/harness";

describe("dependency install scripts (npm 11 allowScripts)", () => {
    const npmMajor = Number(execFileSync("npm", ["--version"], { encoding: "utf8" }).split(".")[0]);

    it("every installed package with an install script has a decision in package.json", function () {
        if (npmMajor < 11) this.skip(); // `npm install-scripts` is npm 11's
        const out = execFileSync("npm", ["install-scripts", "ls"], { cwd: ROOT, encoding: "utf8" });
        assert.match(out, /No packages with unreviewed install scripts/, out);
    });

    it("none is allowed: what they would do is not needed here, and documented", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const design = fs.readFileSync(path.join(ROOT, "docs", "design.md"), "utf8");
        for (const [name, allowed] of Object.entries(pkg.allowScripts as Record<string, boolean>)) {
            assert.equal(allowed, false, name);
            assert.ok(design.includes(`\`${name}\``), `docs/design.md says why ${name}'s script does not run`);
        }
    });
});
