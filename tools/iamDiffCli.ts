// npm run iam-diff -- <base plan.json> <head plan.json>: prints the IAM changes as markdown (for a PR comment).
import * as fs from "fs";
import { iamDiff, Plan } from "./internal/iamDiff";

function readPlan(file: string | undefined, which: string): Plan {
    if (!file) throw new Error(`usage: npm run iam-diff -- <base plan.json> <head plan.json> (missing ${which})`);
    if (!fs.existsSync(file))
        throw new Error(`${which} plan ${file} does not exist: run npm run synth -- <stack> on that revision first`);
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

try {
    const [base, head] = process.argv.slice(2);
    process.stdout.write(iamDiff(readPlan(base, "base"), readPlan(head, "head")));
} catch (e) {
    console.error((e as Error).message);
    process.exit(1);
}
