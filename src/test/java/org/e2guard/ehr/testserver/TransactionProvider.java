package org.e2guard.ehr.testserver;

import java.util.HashMap;
import java.util.Map;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;

/**
 * {@code POST [base]} with a {@code transaction} Bundle on the test EHR: creates (conditional with
 * {@code ifNoneExist}), updates by id or by condition, with {@code urn:uuid} placeholders in later
 * entries' references replaced by the ids earlier entries got, as a FHIR server does. Entries run
 * in order on the {@link MemoryStore}, each atomically; unlike a database-backed server, a failing
 * entry does not undo the ones before it (e2guard's transactions are idempotent when retried, and
 * the tests that fail writes fail whole requests through the outage switch).
 */
public final class TransactionProvider {
    private final MemoryStore store;
    private final FhirContext ctx;

    public TransactionProvider(MemoryStore store, FhirContext ctx) {
        this.store = store;
        this.ctx = ctx;
    }

    @Transaction
    public Bundle transaction(@TransactionParam Bundle bundle) {
        if (bundle.getType() != Bundle.BundleType.TRANSACTION) {
            throw new InvalidRequestException("Only transaction Bundles are supported here");
        }
        Map<String, String> placeholders = new HashMap<>();
        Bundle out = new Bundle().setType(Bundle.BundleType.TRANSACTIONRESPONSE);
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            Resource r = e.getResource();
            if (r == null) {
                throw new InvalidRequestException("Only entries with a resource are supported here");
            }
            for (Reference ref : ctx.newTerser().getAllPopulatedChildElementsOfType(r, Reference.class)) {
                String resolved = placeholders.get(ref.getReference());
                if (resolved != null) {
                    ref.setReference(resolved);
                }
            }
            String url = e.getRequest().getUrl();
            MemoryStore.Written w = switch (e.getRequest().getMethod()) {
                case POST -> store.create(r, e.getRequest().hasIfNoneExist() ? r.fhirType() + "?" + e.getRequest().getIfNoneExist() : null);
                case PUT -> url.contains("?")
                        ? store.update(r.fhirType(), null, r, url)
                        : store.update(r.fhirType(), url.substring(url.lastIndexOf('/') + 1), r, null);
                default -> throw new InvalidRequestException("Unsupported transaction method " + e.getRequest().getMethod());
            };
            if (e.hasFullUrl()) {
                placeholders.put(e.getFullUrl(), r.fhirType() + "/" + w.id());
            }
            out.addEntry().getResponse().setStatus(w.created() ? "201 Created" : "200 OK")
                    .setLocation(r.fhirType() + "/" + w.id() + "/_history/" + w.version());
        }
        return out;
    }
}
