// One formatter (Prettier, .prettierrc.json): a review reads the change, not the layout. A file that differs from
// what Prettier writes fails the run, named, with the command that fixes it.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { ROOT } from "../../tools/internal/harness";

describe("style: formatting", () => {
    it("every file is as Prettier writes it (npm run format)", () => {
        const r = spawnSync(process.execPath, [require.resolve("prettier/bin/prettier.cjs"), "--list-different", "."], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(r.stderr.trim(), "", "prettier itself failed");
        const files = r.stdout.trim().split("\n").filter(Boolean);
        assert.deepEqual(files, [], `${files.length} file(s) are not formatted: run npm run format`);
    });
});
