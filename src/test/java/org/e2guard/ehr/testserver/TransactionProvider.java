package org.e2guard.ehr.testserver;

import java.util.HashMap;
import java.util.Map;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.SimpleRequestHeaderInterceptor;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;

/**
 * {@code POST [base]} with a {@code transaction} or {@code batch} Bundle on the test EHR: creates
 * (conditional with {@code ifNoneExist}), updates by id or by condition, with {@code urn:uuid}
 * placeholders in later entries' references replaced by the ids earlier entries got, as a FHIR
 * server does; and reads and searches ({@code GET}), each sent to this same server over HTTP with
 * the caller's credentials, so a batch entry is answered exactly as the plain request would be (in a
 * batch, a failing entry gets its own error status and the others still run). Entries run
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
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    }

    @Transaction
    public Bundle transaction(@TransactionParam Bundle bundle, RequestDetails request) {
        boolean batch = bundle.getType() == Bundle.BundleType.BATCH;
        if (!batch && bundle.getType() != Bundle.BundleType.TRANSACTION) {
            throw new InvalidRequestException("Only transaction and batch Bundles are supported here");
        }
        Map<String, String> placeholders = new HashMap<>();
        Bundle out = new Bundle().setType(batch ? Bundle.BundleType.BATCHRESPONSE : Bundle.BundleType.TRANSACTIONRESPONSE);
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            if (!batch) {
                out.addEntry(write(e, placeholders));
                continue;
            }
            try {
                out.addEntry(e.getRequest().getMethod() == Bundle.HTTPVerb.GET ? get(e.getRequest().getUrl(), request)
                        : write(e, placeholders));
            } catch (BaseServerResponseException failure) {
                OperationOutcome outcome = new OperationOutcome();
                outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(OperationOutcome.IssueType.PROCESSING).setDiagnostics(failure.getMessage());
                Bundle.BundleEntryComponent answer = out.addEntry().setResource(outcome);
                answer.getResponse().setStatus(String.valueOf(failure.getStatusCode()));
            }
        }
        return out;
    }

    private Bundle.BundleEntryComponent get(String url, RequestDetails request) {
        IGenericClient self = ctx.newRestfulGenericClient(request.getFhirServerBase());
        String authorization = request.getHeader("Authorization");
        if (authorization != null) {
            self.registerInterceptor(new SimpleRequestHeaderInterceptor("Authorization", authorization));
        }
        // a read (Type/id) answers a resource of that type, anything else (a search) a Bundle
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        Class<? extends IBaseResource> type = path.contains("/")
                ? ctx.getResourceDefinition(path.substring(0, path.indexOf('/'))).getImplementingClass() : Bundle.class;
        Bundle.BundleEntryComponent answer = new Bundle.BundleEntryComponent()
                .setResource((Resource) self.fetchResourceFromUrl(type, url));
        answer.getResponse().setStatus("200 OK");
        return answer;
    }

    private Bundle.BundleEntryComponent write(Bundle.BundleEntryComponent e, Map<String, String> placeholders) {
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
        Bundle.BundleEntryComponent answer = new Bundle.BundleEntryComponent();
        answer.getResponse().setStatus(w.created() ? "201 Created" : "200 OK")
                .setLocation(r.fhirType() + "/" + w.id() + "/_history/" + w.version());
        return answer;
    }
}
