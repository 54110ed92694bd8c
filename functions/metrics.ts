// Metrics of one request, written as CloudWatch embedded metric format (EMF) records by Powertools for AWS Lambda
// (Metrics). Records go straight to stdout (Powertools' own Console), which Lambda ships to the function's log group
// also with the JSON log format, and CloudWatch extracts the metrics: no PutMetricData call, no extra permission.
// Names, units and dimension sets come from metricCatalog.ts, the list the dashboards and alarms are built from.
// Never a prompt or answer text here: values are numbers, dimensions are ids from a bounded set.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import {
    DIM,
    DimensionName,
    METRICS,
    METRICS_NAMESPACE,
    MetricKey,
    MetricSpec,
    ServiceName,
} from "./metrics/metricCatalog";

export type Detail = Partial<Record<Exclude<DimensionName, "service">, string>>;

export interface MetricsRecorder {
    /** Buffers one value; `detail` gives the dimensions beyond `service` that the metric's sets need. */
    add(key: MetricKey, value: number, detail?: Detail): void;
    /** Writes the buffered values (one EMF record per distinct dimension-value combination) and clears them. */
    flush(): void;
}

const UNITS: Record<MetricSpec["unit"], (typeof MetricUnit)[keyof typeof MetricUnit]> = {
    Milliseconds: MetricUnit.Milliseconds,
    Count: MetricUnit.Count,
};

/** A recorder for one function; create it once per container and flush at the end of every request. */
export function createMetricsRecorder(
    service: ServiceName,
    metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service }),
): MetricsRecorder {
    let pending: { spec: MetricSpec; value: number; detail: Detail }[] = [];
    return {
        add(key, value, detail = {}) {
            if (!Number.isFinite(value)) return;
            pending.push({ spec: (METRICS as Record<string, MetricSpec>)[key], value, detail });
        },
        flush() {
            // Values that share their dimension sets and the values of those dimensions share one record.
            const groups = new Map<string, { sets: Record<string, string>[]; entries: typeof pending }>();
            for (const e of pending) {
                const sets = e.spec.dimensionSets
                    .map(set => set.filter(d => d !== DIM.service))
                    // A set whose value is unknown for this request (no member served an AllThrottled) is left out.
                    .filter(rest => rest.every(d => e.detail[d] !== undefined))
                    .map(rest => Object.fromEntries(rest.map(d => [d, e.detail[d]!])));
                if (!sets.length) continue;
                const id = JSON.stringify(sets);
                const g = groups.get(id) ?? { sets, entries: [] };
                g.entries.push(e);
                groups.set(id, g);
            }
            pending = [];
            for (const g of groups.values()) {
                // An empty set is the roll-up [service] (Powertools adds the service dimension to every set).
                for (const set of g.sets) metrics.addDimensions(set);
                for (const e of g.entries) metrics.addMetric(e.spec.name, UNITS[e.spec.unit], e.value);
                metrics.publishStoredMetrics();
            }
        },
    };
}
