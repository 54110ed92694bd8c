// npm run bench: runs each benchmark in turn (against local fakes; figures are printed, never asserted). Options: bench/options.ts.
import "../tools/internal/quiet";
import { parseBenchArgs, setBenchOptions } from "./options";
const BENCHMARKS: { name: string; load: () => Promise<{ run: () => Promise<void> }> }[] = [
    { name: "streaming chat relay", load: () => import("./streaming") },
    { name: "quota pool", load: () => import("./pool") },
    { name: "gateway", load: () => import("./gateway") },
];

// The functions write their metrics as EMF lines on stdout (as in Lambda); here they would bury the tables.
process.env.POWERTOOLS_METRICS_DISABLED = "true";

async function main(): Promise<void> {
    const opts = parseBenchArgs(process.argv.slice(2));
    setBenchOptions(opts);
    const { only, repeats } = opts;
    console.log(`${repeats} repeats per figure: median (min–max); charts from the last repeat`);
    for (const b of BENCHMARKS.filter(x => !only.length || only.some(o => x.name.includes(o)))) {
        console.log(`\n== ${b.name}`);
        await (await b.load()).run();
    }
}

main().then(
    () => process.exit(0),
    e => {
        console.error(e);
        process.exit(1);
    },
);
