// npm run iam-diff -- <base plan.json> <head plan.json> [--out FILE]: the IAM changes as markdown (for a PR comment).
import * as fs from "fs";
import { iamDiff, Plan } from "./internal/iamDiff";
import { takeOut, writeOut } from "./internal/out";

function readPlan(file: string | undefined, which: string): Plan {
    if (!file)
        throw new Error(`usage: npm run iam-diff -- <base plan.json> <head plan.json> [--out FILE] (missing ${which})`);
    if (!fs.existsSync(file))
        throw new Error(`${which} plan ${file} does not exist: run npm run synth -- <stack> on that revision first`);
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

try {
    const args = process.argv.slice(2);
    const out = takeOut(args);
    const [base, head] = args;
    writeOut(iamDiff(readPlan(base, "base"), readPlan(head, "head")), out);
} catch (e) {
    console.error((e as Error).message);
    process.exit(1);
}
