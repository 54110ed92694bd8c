// Mocha's spec output, then the closing line CI reads: "N passed, N failed".
"use strict";
const Mocha = require("mocha");
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountingReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(EVENT_RUN_END, () => {
            const s = runner.stats;
            const pending = s.pending ? `, ${s.pending} skipped` : "";
            process.stdout.write(`\n${s.passes} passed, ${s.failures} failed${pending}\n`);
        });
    }
}
module.exports = CountingReporter;
