// npm run bench's options: the committed charts change only when asked, and repeats print their spread.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { COMMITTED_CHARTS, LOCAL_CHARTS, parseBenchArgs, showSpread, spread } from "../../bench/options";
import { ROOT } from "../../tools/internal/harness";

describe("npm run bench options", () => {
    it("writes charts to a git-ignored folder unless --update-charts", () => {
        assert.equal(parseBenchArgs([]).chartDir, LOCAL_CHARTS);
        assert.equal(parseBenchArgs(["--update-charts"]).chartDir, COMMITTED_CHARTS);
        const rel = (d: string) => path.relative(ROOT, path.join(d, "relay-timeline.svg"));
        // git check-ignore exits 0 for an ignored path, 1 for a path git would track.
        execFileSync("git", ["check-ignore", "-q", rel(LOCAL_CHARTS)], { cwd: ROOT });
        assert.throws(() => execFileSync("git", ["check-ignore", "-q", rel(COMMITTED_CHARTS)], { cwd: ROOT }));
    });

    it("parses repeats and filters, refuses the rest", () => {
        assert.deepEqual(parseBenchArgs(["pool", "--repeats", "5"]), {
            repeats: 5,
            chartDir: LOCAL_CHARTS,
            only: ["pool"],
        });
        assert.equal(parseBenchArgs([]).repeats, 3);
        assert.throws(() => parseBenchArgs(["--repeats", "0"]), /--repeats takes 1\.\.50/);
        assert.throws(() => parseBenchArgs(["--fast"]), /unknown option --fast\nusage: npm run bench/);
    });

    it("shows median (min–max) over the repeats, a single value when they agree", () => {
        assert.deepEqual(spread([30, 10, 20]), { min: 10, median: 20, max: 30 });
        assert.deepEqual(spread([4, 1, 3, 2]), { min: 1, median: 2, max: 4 }, "a measured value, not an average");
        assert.equal(showSpread([29.6, 26.2, 31.4]), "30 (26–31)");
        assert.equal(showSpread([5, 5, 5]), "5");
        assert.equal(showSpread([]), "-");
    });
});
