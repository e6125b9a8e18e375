package org.e2guard.ops.metrics;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Histogram buckets for the latencies operators alert on, so that Prometheus can compute
 * percentiles across replicas ({@code histogram_quantile(0.99, ...)} in
 * k8s/monitoring/prometheusrule.yaml). A Micrometer timer alone exports only count, sum and max.
 *
 * <p>Fixed buckets around the CDS Hooks budget (an EHR waits for cards while the clinician
 * waits for the EHR) rather than Micrometer's full percentile histogram: about a dozen series
 * per route instead of some seventy.
 */
public class LatencyBuckets {
    /** Timers that get the buckets: CDS Hooks calls (tag hook), every HTTP request, notification to write-back. */
    static final Set<String> TIMERS = Set.of("e2guard.cds.request", "http.server.requests", "e2guard.writeback.delay");

    static final double[] BUCKETS_NANOS = Stream.of(25, 50, 100, 200, 300, 500, 750, 1000, 2000, 5000, 10000)
            .mapToDouble(ms -> Duration.ofMillis(ms).toNanos()).toArray();

    @Produces
    @Singleton
    MeterFilter latencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() == Meter.Type.TIMER && TIMERS.contains(id.getName())) {
                    return DistributionStatisticConfig.builder().serviceLevelObjectives(BUCKETS_NANOS).build()
                            .merge(config);
                }
                return config;
            }
        };
    }
}
