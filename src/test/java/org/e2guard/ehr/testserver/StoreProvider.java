package org.e2guard.ehr.testserver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;

/**
 * One resource type of the test EHR on a HAPI FHIR plain server: read (and vread), create
 * (conditional with If-None-Exist), update (conditional with a search URL), delete, and search with
 * paging (the server's paging provider) and {@code _include} of referenced resources.
 */
public final class StoreProvider implements IResourceProvider {
    private final MemoryStore store;
    private final Class<? extends IBaseResource> type;
    private final String typeName;
    private final FhirContext ctx;

    public StoreProvider(MemoryStore store, FhirContext ctx, Class<? extends IBaseResource> type) {
        this.store = store;
        this.ctx = ctx;
        this.type = type;
        this.typeName = ctx.getResourceType(type);
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return type;
    }

    @Read(version = true)
    public IBaseResource read(@IdParam IdType id) {
        return store.read(typeName, id.getIdPart(), id.hasVersionIdPart() ? id.getVersionIdPart() : null);
    }

    @Create
    public MethodOutcome create(@ResourceParam IBaseResource resource, @ConditionalUrlParam String conditional) {
        MemoryStore.Written w = store.create((Resource) resource, conditional);
        return outcome(w);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam IBaseResource resource,
                                @ConditionalUrlParam String conditional) {
        if (conditional == null && (id == null || !id.hasIdPart())) {
            throw new InvalidRequestException("An update needs an id or a condition");
        }
        MemoryStore.Written w = store.update(typeName, id == null ? null : id.getIdPart(), (Resource) resource, conditional);
        return outcome(w);
    }

    @Delete
    public MethodOutcome delete(@IdParam IdType id) {
        store.delete(typeName, id.getIdPart());
        return new MethodOutcome();
    }

    @Search(allowUnknownParams = true)
    public List<IBaseResource> search(RequestDetails request) {
        Map<String, String[]> params = request.getParameters();
        List<Resource> matches = store.search(typeName, params);
        Map<String, IBaseResource> out = new LinkedHashMap<>();
        matches.forEach(r -> out.put(r.fhirType() + "/" + r.getIdElement().getIdPart(), r));
        String[] includes = params.get("_include");
        if (includes != null) {
            for (Resource r : matches) {
                for (Reference ref : ctx.newTerser().getAllPopulatedChildElementsOfType(r, Reference.class)) {
                    include(out, ref, includes);
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    /** Includes the targets of references of the named kinds ({@code X:medication}, {@code X:result}). */
    private void include(Map<String, IBaseResource> out, Reference ref, String[] includes) {
        if (ref.getReference() == null || !ref.getReference().contains("/")) {
            return;
        }
        String[] parts = ref.getReference().split("/");
        String targetType = parts[parts.length - 2];
        for (String include : includes) {
            boolean wanted = include.endsWith(":medication") && targetType.equals("Medication")
                    || include.endsWith(":result") && targetType.equals("Observation");
            if (wanted) {
                try {
                    out.putIfAbsent(targetType + "/" + parts[parts.length - 1],
                            store.read(targetType, parts[parts.length - 1], null));
                } catch (ResourceNotFoundException | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
                    // a dangling reference is not included
                }
            }
        }
    }

    private MethodOutcome outcome(MemoryStore.Written w) {
        MethodOutcome mo = new MethodOutcome(new IdType(typeName, w.id(), w.version()), w.created());
        mo.setResource(store.read(typeName, w.id(), null));
        return mo;
    }
}
