package org.e2guard.mapping.record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Resources that arrived together (a Bundle, a CDS Hooks prefetch, the pages of an EHR search),
 * with the references between them resolved as FHIR says: contained ({@code #id}), by the entry's
 * {@code fullUrl} (including {@code urn:uuid:}), and by {@code Type/id}, relative or absolute.
 */
public final class ResourceIndex {
    private final List<Resource> resources = new ArrayList<>();
    private final Map<String, Resource> byKey;
    private final Map<Resource, String> refs;
    private final Map<String, Integer> skipped = new TreeMap<>();
    /** 1-based position of the last resource arrived, read or skipped: names one without an id. */
    private int position;

    /** An empty index to {@link #add} resources to as they arrive (prefetch, then fetched pages). */
    public ResourceIndex() {
        this(64);
    }

    private ResourceIndex(int expected) {
        byKey = new HashMap<>(expected * 3);
        refs = new IdentityHashMap<>(expected * 2);
    }

    public static ResourceIndex of(Bundle bundle) {
        ResourceIndex index = new ResourceIndex(bundle.getEntry().size());
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            if (e.hasResource()) {
                index.add(e.getFullUrl(), e.getResource());
            }
        }
        return index;
    }

    public static ResourceIndex of(List<? extends Resource> resources) {
        ResourceIndex index = new ResourceIndex(resources.size());
        resources.forEach(r -> index.add(null, r));
        return index;
    }

    public void add(String fullUrl, Resource r) {
        resources.add(r);
        position++;
        String type = r.fhirType();
        String id = r.getIdElement().getIdPart();
        if (fullUrl != null && !fullUrl.isEmpty()) {
            byKey.putIfAbsent(fullUrl, r);
            if (id == null) {
                // a resource known only by its fullUrl: urn:uuid:x stands as Type/x
                id = fullUrl.substring(fullUrl.lastIndexOf(fullUrl.startsWith("urn:") ? ':' : '/') + 1);
            }
        }
        if (id != null) {
            byKey.putIfAbsent(type + "/" + id, r);
            refs.put(r, type + "/" + id);
        } else {
            refs.put(r, type + "/#" + position);
        }
    }

    /**
     * A resource of a type the rules do not read, passed over by a selective reader without
     * being built: it is counted (and reported as ignored) and keeps its place, so that a
     * resource without an id is named as it would be had everything been built.
     */
    public void skip(String type) {
        position++;
        skipped.merge(type, 1, Integer::sum);
    }

    /** Resources passed over by {@link #skip}, per type, in type order. */
    public Map<String, Integer> skipped() {
        return skipped;
    }

    public List<Resource> resources() {
        return resources;
    }

    /** The reference e2guard uses for a resource in its output: {@code Type/id}. */
    public String refOf(Resource r) {
        String ref = refs.get(r);
        return ref != null ? ref : r.fhirType() + "/" + r.getIdElement().getIdPart();
    }

    /** The resource a reference points to, or null when it is not among these resources. */
    public Resource resolve(Reference ref, Resource from) {
        if (ref == null) {
            return null;
        }
        if (ref.getResource() instanceof Resource r) {
            return r;
        }
        String s = ref.getReference();
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.startsWith("#")) {
            if (from instanceof DomainResource dr) {
                String id = s.substring(1);
                for (Resource c : dr.getContained()) {
                    String cid = c.getIdElement().getIdPart();
                    if (id.equals(cid) || s.equals(c.getId())) {
                        return c;
                    }
                }
            }
            return null;
        }
        Resource hit = byKey.get(s);
        if (hit == null && !s.startsWith("urn:")) {
            hit = byKey.get(typeAndId(s));
        }
        return hit;
    }

    /** {@code Type/id} of a relative or absolute reference, dropping any {@code _history}. */
    public static String typeAndId(String reference) {
        String s = reference;
        int history = s.indexOf("/_history/");
        if (history >= 0) {
            s = s.substring(0, history);
        }
        String[] parts = s.split("/");
        if (parts.length < 2) {
            return s;
        }
        return parts[parts.length - 2] + "/" + parts[parts.length - 1];
    }
}
