// The gateway benchmark's percentiles: nearest rank, so every figure it prints is a measured value.
import { strict as assert } from "assert";
import { percentile } from "../../bench/gateway";

describe("gateway benchmark percentiles", () => {
    it("takes the nearest rank, unsorted input, nothing for no samples", () => {
        const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
        assert.equal(percentile(xs, 50), 50);
        assert.equal(percentile(xs, 95), 95);
        assert.equal(percentile(xs, 100), 100);
        assert.equal(percentile([7, 3], 50), 3);
        assert.equal(percentile([7, 3], 95), 7);
        assert.equal(percentile([4], 0), 4);
        assert.ok(Number.isNaN(percentile([], 50)));
        assert.deepEqual(xs.slice(0, 2), [100, 99], "the input is left as it was");
    });
});
