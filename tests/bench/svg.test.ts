// The benchmark's tiny SVG writer: round axis scales, one polyline per series and a dot per point where asked,
// bars with their values, text escaped, and coordinates inside the picture.
import { strict as assert } from "assert";
import { barChart, lineChart, niceScale } from "../../bench/svg";

const numbers = (svg: string, attr: string) =>
    [...svg.matchAll(new RegExp(`${attr}="(-?[\\d.]+)"`, "g"))].map(m => Number(m[1]));

describe("bench SVG charts", () => {
    it("chooses round axis maxima and steps", () => {
        assert.deepEqual(niceScale(600), { max: 600, step: 200 });
        assert.deepEqual(niceScale(7530), { max: 8000, step: 2000 });
        assert.deepEqual(niceScale(0.8), { max: 0.8, step: 0.2 });
        assert.deepEqual(niceScale(0), { max: 1, step: 1 });
    });

    it("draws each series of each panel, dots where asked, escaped labels, all inside the canvas", () => {
        const svg = lineChart({
            title: "a < b & c",
            xLabel: "ms",
            yLabel: "tokens",
            width: 900,
            height: 380,
            panels: [
                {
                    title: "seed",
                    series: [
                        {
                            label: "model",
                            color: "#888",
                            points: [
                                [0, 0],
                                [10, 5],
                                [20, 10],
                            ],
                            step: true,
                            dashed: true,
                        },
                        {
                            label: "delivered",
                            color: "#1f77b4",
                            points: [
                                [5, 1],
                                [30, 10],
                            ],
                            markers: true,
                        },
                    ],
                },
                {
                    title: "ours",
                    series: [
                        {
                            label: "model",
                            color: "#888",
                            points: [
                                [0, 0],
                                [20, 10],
                            ],
                        },
                    ],
                },
            ],
        });
        assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.match(svg, /<\/svg>\n$/);
        assert.match(svg, /a &lt; b &amp; c/);
        assert.equal((svg.match(/<polyline /g) ?? []).length, 3);
        assert.equal((svg.match(/<circle /g) ?? []).length, 2, "one dot per point of the marked series");
        const step = /<polyline[^>]*stroke-dasharray[^>]*points="([^"]+)"/.exec(svg)![1].split(" ");
        assert.equal(step.length, 5, "a step line doubles every point after the first");
        for (const x of [...numbers(svg, "x"), ...numbers(svg, "cx"), ...numbers(svg, "x1"), ...numbers(svg, "x2")])
            assert.ok(x >= 0 && x <= 900, `x ${x}`);
        for (const y of [...numbers(svg, "y"), ...numbers(svg, "cy")]) assert.ok(y >= 0 && y <= 380, `y ${y}`);
        assert.equal((svg.match(/>model</g) ?? []).length, 1, "one legend entry per label");
    });

    it("draws one bar per value with its number, and the total as a dashed line", () => {
        const svg = barChart({
            title: "ok",
            yLabel: "answers",
            of: 60,
            bars: [
                { label: "seed", value: 20, color: "#f80" },
                { label: "pool of 3", value: 60, color: "#18f" },
            ],
        });
        const bars = [
            ...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#(f80|18f)"/g),
        ];
        assert.equal(bars.length, 2);
        assert.ok(
            Number(bars[1][2]) === 3 * Number(bars[0][2]) ||
                Math.abs(Number(bars[1][2]) - 3 * Number(bars[0][2])) < 0.5,
            "heights in proportion",
        );
        assert.match(svg, />20</);
        assert.match(svg, />requests sent: 60</);
    });
});
