package org.e2guard.ehr.testserver;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.SimpleRequestHeaderInterceptor;

/**
 * Rest-hook delivery the way HAPI FHIR's SubscriptionDeliveringRestHookListener does it: with a
 * payload, {@code PUT [endpoint]/[type]/[id]} through a generic client (and
 * {@code DELETE [endpoint]/[type]/[id]} for deletions); without one, a bodiless
 * {@code POST [endpoint]}; the channel's headers on every request. Like a server whose retries ran
 * out, a failed delivery is counted and dropped: that is what e2guard's catch-up sync is for.
 */
public final class SubscriptionDelivery {
    private final MemoryStore store;
    private final FhirContext ctx;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-ehr-delivery");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean enabled = true;

    public SubscriptionDelivery(MemoryStore store, FhirContext ctx) {
        this.store = store;
        this.ctx = ctx;
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        store.onChange(this::changed);
    }

    public void enabled(boolean on) {
        enabled = on;
    }

    public long delivered() {
        return delivered.get();
    }

    public long failed() {
        return failed.get();
    }

    private void changed(MemoryStore.Change change) {
        if (!enabled || List.of("Subscription", "DetectedIssue", "Flag", "Provenance", "Device").contains(change.type())) {
            return;
        }
        for (Resource r : store.all("Subscription")) {
            Subscription s = (Subscription) r;
            if (s.getStatus() != Subscription.SubscriptionStatus.ACTIVE
                    || s.getChannel().getType() != Subscription.SubscriptionChannelType.RESTHOOK || !s.hasCriteria()) {
                continue;
            }
            String criteria = s.getCriteria();
            String type = criteria.contains("?") ? criteria.substring(0, criteria.indexOf('?')) : criteria;
            if (!type.equals(change.type())) {
                continue;
            }
            if (change.resource() != null) {
                boolean match = true;
                for (Map.Entry<String, String[]> p : MemoryStore.query(criteria).entrySet()) {
                    for (String v : p.getValue()) {
                        match &= store.matches(change.resource(), p.getKey(), v);
                    }
                }
                if (!match) {
                    continue;
                }
            }
            Subscription copy = s.copy();
            executor.submit(() -> deliver(copy, change));
        }
    }

    private void deliver(Subscription s, MemoryStore.Change change) {
        String endpoint = s.getChannel().getEndpoint();
        try {
            if (!s.getChannel().hasPayload()) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint)).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.noBody());
                for (StringType h : s.getChannel().getHeader()) {
                    String[] kv = h.getValue().split(":", 2);
                    b.header(kv[0].trim(), kv[1].trim());
                }
                HttpResponse<String> response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() >= 300) {
                    throw new IllegalStateException("HTTP " + response.statusCode());
                }
            } else {
                IGenericClient client = ctx.newRestfulGenericClient(endpoint);
                for (StringType h : s.getChannel().getHeader()) {
                    client.registerInterceptor(new SimpleRequestHeaderInterceptor(h.getValue()));
                }
                if (change.resource() == null) {
                    client.delete().resourceById(new IdType(change.type(), change.id())).execute();
                } else {
                    client.update().resource(change.resource()).execute();
                }
            }
            delivered.incrementAndGet();
        } catch (Exception e) {
            failed.incrementAndGet();
        }
    }

    public void close() {
        executor.shutdownNow();
    }
}
