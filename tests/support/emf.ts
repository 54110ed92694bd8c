// Reads embedded-metric-format records out of a function's stdout and checks each against CloudWatch's
// specification (written from https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html,
// not from Powertools): a root `_aws` with a millisecond Timestamp and CloudWatchMetrics directives; each directive
// a Namespace, Dimensions (arrays of at most 30 names, each a string member of the root) and Metrics (at most
// 100, Name and a CloudWatch unit, each a number or an array of at most 100 numbers in the root).
import { strict as assert } from "assert";

export const CLOUDWATCH_UNITS = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

export interface EmfMetric {
    namespace: string;
    name: string;
    unit: string;
    /** Each dimension set of the record, as name -> value. */
    dimensionSets: Record<string, string>[];
    values: number[];
}

/** Validates one record and returns its metrics; throws with the reason when it is not valid EMF. */
export function checkEmfRecord(rec: any): EmfMetric[] {
    assert.ok(rec && typeof rec._aws === "object", "no _aws member");
    assert.ok(
        Number.isInteger(rec._aws.Timestamp) && rec._aws.Timestamp > 1e12,
        `_aws.Timestamp ${rec._aws.Timestamp} is not epoch milliseconds`,
    );
    assert.ok(
        Array.isArray(rec._aws.CloudWatchMetrics) && rec._aws.CloudWatchMetrics.length > 0,
        "no CloudWatchMetrics directive",
    );
    const out: EmfMetric[] = [];
    for (const d of rec._aws.CloudWatchMetrics) {
        assert.ok(
            typeof d.Namespace === "string" && d.Namespace.length >= 1 && d.Namespace.length <= 1024,
            "Namespace",
        );
        assert.ok(Array.isArray(d.Dimensions), "Dimensions is an array of dimension sets");
        const sets = d.Dimensions.map((set: unknown) => {
            assert.ok(Array.isArray(set) && set.length <= 30, "a dimension set has at most 30 dimensions");
            return Object.fromEntries(
                (set as string[]).map(k => {
                    assert.ok(
                        typeof rec[k] === "string" && rec[k].length >= 1 && rec[k].length <= 1024,
                        `dimension ${k} has no string value in the root`,
                    );
                    return [k, rec[k]];
                }),
            );
        });
        assert.ok(
            Array.isArray(d.Metrics) && d.Metrics.length >= 1 && d.Metrics.length <= 100,
            "1..100 metrics per directive",
        );
        for (const m of d.Metrics) {
            assert.ok(typeof m.Name === "string" && m.Name.length >= 1 && m.Name.length <= 1024, "metric Name");
            assert.ok(
                m.Unit === undefined || CLOUDWATCH_UNITS.includes(m.Unit),
                `unit ${m.Unit} is not a CloudWatch unit`,
            );
            const v = rec[m.Name];
            const values = Array.isArray(v) ? v : [v];
            assert.ok(
                values.length >= 1 &&
                    values.length <= 100 &&
                    values.every((x: unknown) => typeof x === "number" && Number.isFinite(x)),
                `metric ${m.Name} has no numeric value(s) in the root`,
            );
            out.push({ namespace: d.Namespace, name: m.Name, unit: m.Unit ?? "None", dimensionSets: sets, values });
        }
    }
    return out;
}

/** Every EMF record among the output lines (other lines are ordinary logs), validated. */
export function emfMetrics(lines: string[]): EmfMetric[] {
    return lines.flatMap(l => {
        let rec: any;
        try {
            rec = JSON.parse(l);
        } catch {
            return [];
        }
        return rec && typeof rec === "object" && "_aws" in rec ? checkEmfRecord(rec) : [];
    });
}

/** Sum of a metric's values where every given dimension matches in one of its sets (with exactly those keys). */
export function total(metrics: EmfMetric[], name: string, dims: Record<string, string>): number {
    const keys = Object.keys(dims).sort().join();
    return metrics
        .filter(
            m =>
                m.name === name &&
                m.dimensionSets.some(
                    s => Object.keys(s).sort().join() === keys && Object.entries(dims).every(([k, v]) => s[k] === v),
                ),
        )
        .reduce((n, m) => n + m.values.reduce((a, b) => a + b, 0), 0);
}
