// What `npm run bench` takes and how it reports: repeats with their spread, and where the charts go.
// The committed charts (bench/results/, shown in docs/benchmarks.md) change only when asked (--update-charts):
// a plain run writes to .bench/ (git-ignored), so `git status` stays clean.
import * as path from "path";

export const COMMITTED_CHARTS = path.join(__dirname, "results");
export const LOCAL_CHARTS = path.join(__dirname, "..", ".bench");

export interface BenchOptions {
    /** Measurements per figure; the tables print median (min–max). */
    repeats: number;
    chartDir: string;
    /** Benchmarks whose name contains one of these (all when empty). */
    only: string[];
}

export const BENCH_USAGE =
    "usage: npm run bench -- [streaming|pool|gateway] [--repeats N, default 3] [--update-charts (rewrite bench/results/*.svg)]";

export function parseBenchArgs(argv: string[]): BenchOptions {
    const o: BenchOptions = { repeats: 3, chartDir: LOCAL_CHARTS, only: [] };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--update-charts") o.chartDir = COMMITTED_CHARTS;
        else if (a === "--repeats") {
            const n = Number(argv[++i]);
            if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--repeats takes 1..50\n${BENCH_USAGE}`);
            o.repeats = n;
        } else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${BENCH_USAGE}`);
        else o.only.push(a);
    }
    return o;
}

let options: BenchOptions = parseBenchArgs([]);
export const benchOptions = (): BenchOptions => options;
export function setBenchOptions(o: BenchOptions): void {
    options = o;
}

export interface Spread {
    min: number;
    median: number;
    max: number;
}

/** min, median (the lower middle one for an even count: a measured value) and max. */
export function spread(xs: number[]): Spread {
    const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
    if (!s.length) return { min: NaN, median: NaN, max: NaN };
    return { min: s[0], median: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1] };
}

/** "median (min–max)", or the value alone when every repeat gave the same (counts usually do). */
export function showSpread(xs: number[]): string {
    const { min, median, max } = spread(xs);
    if (!Number.isFinite(median)) return "-";
    const r = (n: number) => String(Math.round(n));
    return r(min) === r(max) ? r(median) : `${r(median)} (${r(min)}–${r(max)})`;
}
