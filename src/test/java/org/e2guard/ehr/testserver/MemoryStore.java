package org.e2guard.ehr.testserver;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.UrlUtil;

/**
 * The data of the test EHR: every version of every resource, in memory, with the search and
 * conditional-request semantics e2guard relies on (a real FHIR server does these with its
 * database; HashMapResourceProvider does not do conditional requests or searches by parameter).
 * Search parameters supported: _id, _lastUpdated, _tag, identifier, code, patient, subject, url
 * (Subscription endpoint), status, target (Provenance); anything else is a 400, as a strict
 * server would answer.
 */
public final class MemoryStore {
    /** A change, for the subscription delivery: {@code resource} is null for a deletion. */
    public record Change(String type, String id, Resource resource) {
    }

    public record Written(String id, String version, boolean created) {
    }

    private final FhirContext ctx;
    /** type -> id -> versions (null entry: deleted). */
    private final Map<String, Map<String, List<Resource>>> data = new HashMap<>();
    /** type -> "patient:<id>" or "identifier:<system>|<value>" -> ids: the indexes a real server keeps. */
    private final Map<String, Map<String, java.util.Set<String>>> index = new HashMap<>();
    private final AtomicLong nextId = new AtomicLong(1000);
    private final AtomicLong writes = new AtomicLong();
    private volatile Consumer<Change> listener = c -> {
    };

    public MemoryStore(FhirContext ctx) {
        this.ctx = ctx;
    }

    public void onChange(Consumer<Change> listener) {
        this.listener = listener;
    }

    public long writes() {
        return writes.get();
    }

    public synchronized Resource read(String type, String id, String version) {
        List<Resource> versions = data.getOrDefault(type, Map.of()).get(id);
        if (versions == null) {
            throw new ResourceNotFoundException(type + "/" + id);
        }
        if (version != null) {
            int v = Integer.parseInt(version);
            if (v < 1 || v > versions.size() || versions.get(v - 1) == null) {
                throw new ResourceNotFoundException(type + "/" + id + "/_history/" + version);
            }
            return versions.get(v - 1).copy();
        }
        Resource current = versions.get(versions.size() - 1);
        if (current == null) {
            throw new ResourceGoneException("Resource " + type + "/" + id + " is deleted");
        }
        return current.copy();
    }

    /** Number of versions of a resource (deletions count), 0 if never written. */
    public synchronized int versions(String type, String id) {
        List<Resource> v = data.getOrDefault(type, Map.of()).get(id);
        return v == null ? 0 : v.size();
    }

    public Written create(Resource r, String conditionalUrl) {
        Written w;
        synchronized (this) {
            String type = r.fhirType();
            if (conditionalUrl != null) {
                List<Resource> matches = searchLocked(type, query(conditionalUrl));
                if (matches.size() > 1) {
                    throw new PreconditionFailedException("Multiple " + type + " match " + conditionalUrl);
                }
                if (matches.size() == 1) {
                    Resource m = matches.get(0);
                    return new Written(m.getIdElement().getIdPart(), m.getMeta().getVersionId(), false);
                }
            }
            w = store(type, Long.toString(nextId.incrementAndGet()), r);
        }
        notifyChange(r.fhirType(), w.id());
        return w;
    }

    public Written update(String type, String id, Resource r, String conditionalUrl) {
        Written w;
        synchronized (this) {
            String target = id;
            if (conditionalUrl != null) {
                List<Resource> matches = searchLocked(type, query(conditionalUrl));
                if (matches.size() > 1) {
                    throw new PreconditionFailedException("Multiple " + type + " match " + conditionalUrl);
                }
                if (matches.size() == 1) {
                    target = matches.get(0).getIdElement().getIdPart();
                    if (r.getIdElement().hasIdPart() && !r.getIdElement().getIdPart().equals(target)) {
                        throw new InvalidRequestException("The body id does not match the resource the condition found");
                    }
                } else {
                    target = r.getIdElement().hasIdPart() ? r.getIdElement().getIdPart() : Long.toString(nextId.incrementAndGet());
                }
            }
            if (target == null) {
                throw new InvalidRequestException("No id");
            }
            List<Resource> versions = data.getOrDefault(type, Map.of()).get(target);
            Resource current = versions == null ? null : versions.get(versions.size() - 1);
            if (current != null && sameContent(current, r)) {
                // like HAPI FHIR JPA: an update that changes nothing creates no version
                return new Written(target, current.getMeta().getVersionId(), false);
            }
            w = store(type, target, r);
        }
        notifyChange(type, w.id());
        return w;
    }

    public void delete(String type, String id) {
        synchronized (this) {
            List<Resource> versions = data.getOrDefault(type, Map.of()).get(id);
            if (versions == null || versions.get(versions.size() - 1) == null) {
                return;
            }
            unindex(type, id, versions.get(versions.size() - 1));
            versions.add(null);
            writes.incrementAndGet();
        }
        listener.accept(new Change(type, id, null));
    }

    private void notifyChange(String type, String id) {
        Resource r;
        synchronized (this) {
            r = read(type, id, null);
        }
        listener.accept(new Change(type, id, r));
    }

    private Written store(String type, String id, Resource r) {
        List<Resource> versions = data.computeIfAbsent(type, k -> new LinkedHashMap<>()).computeIfAbsent(id, k -> new ArrayList<>());
        Resource copy = r.copy();
        String version = Integer.toString(versions.size() + 1);
        copy.setId(type + "/" + id + "/_history/" + version);
        copy.getMeta().setVersionId(version);
        Date now = new Date(Math.max(System.currentTimeMillis(), lastUpdatedFloor + 1));
        lastUpdatedFloor = now.getTime();
        copy.getMeta().setLastUpdated(now);
        if (copy instanceof Subscription s && s.getStatus() == Subscription.SubscriptionStatus.REQUESTED) {
            // like HAPI FHIR: a requested rest-hook subscription is activated
            s.setStatus(Subscription.SubscriptionStatus.ACTIVE);
        }
        if (!versions.isEmpty() && versions.get(versions.size() - 1) != null) {
            unindex(type, id, versions.get(versions.size() - 1));
        }
        versions.add(copy);
        indexKeys(copy).forEach(k -> index.computeIfAbsent(type, t -> new HashMap<>())
                .computeIfAbsent(k, x -> new java.util.HashSet<>()).add(id));
        writes.incrementAndGet();
        return new Written(id, version, versions.size() == 1 || versions.get(versions.size() - 2) == null);
    }

    private long lastUpdatedFloor;

    private void unindex(String type, String id, Resource old) {
        Map<String, java.util.Set<String>> byKey = index.getOrDefault(type, Map.of());
        for (String k : indexKeys(old)) {
            java.util.Set<String> ids = byKey.get(k);
            if (ids != null) {
                ids.remove(id);
            }
        }
    }

    private static List<String> indexKeys(Resource r) {
        List<String> keys = new ArrayList<>();
        for (String prop : List.of("subject", "patient")) {
            for (Base b : values(r, prop)) {
                if (b instanceof Reference ref && ref.getReference() != null && ref.getReference().contains("Patient/")) {
                    keys.add("patient:" + ref.getReference().substring(ref.getReference().lastIndexOf('/') + 1));
                }
            }
        }
        for (Base b : values(r, "identifier")) {
            if (b instanceof Identifier i) {
                keys.add("identifier:" + i.getSystem() + "|" + i.getValue());
            }
        }
        return keys;
    }

    /** Candidate ids from an index, or null when the criteria name nothing indexed. */
    private java.util.Set<String> candidates(String type, List<Map.Entry<String, List<String>>> criteria) {
        for (Map.Entry<String, List<String>> c : criteria) {
            if (c.getValue().size() != 1) {
                continue;
            }
            String v = c.getValue().get(0);
            String key = switch (c.getKey()) {
                case "patient", "subject" -> "patient:" + v.substring(v.lastIndexOf('/') + 1);
                case "identifier" -> v.contains("|") ? "identifier:" + v : null;
                default -> null;
            };
            if (key != null) {
                return index.getOrDefault(type, Map.of()).getOrDefault(key, java.util.Set.of());
            }
        }
        return null;
    }

    private boolean sameContent(Resource a, Resource b) {
        Resource ca = a.copy();
        Resource cb = b.copy();
        for (Resource x : List.of(ca, cb)) {
            x.setId((String) null);
            x.getMeta().setVersionId(null);
            x.getMeta().setLastUpdated(null);
        }
        if (ca instanceof Subscription s && cb instanceof Subscription t && s.getStatus() == Subscription.SubscriptionStatus.ACTIVE
                && t.getStatus() == Subscription.SubscriptionStatus.REQUESTED) {
            t.setStatus(Subscription.SubscriptionStatus.ACTIVE);
        }
        return ctx.newJsonParser().encodeResourceToString(ca).equals(ctx.newJsonParser().encodeResourceToString(cb));
    }

    /** Test and demo seeding: stores a resource under its own id, without notifying. */
    public synchronized void put(Resource r) {
        store(r.fhirType(), r.getIdElement().getIdPart(), r);
    }

    /** Every current (not deleted) resource of a type, in id order. */
    public synchronized List<Resource> all(String type) {
        List<Resource> out = new ArrayList<>();
        data.getOrDefault(type, Map.of()).values().forEach(v -> {
            Resource current = v.get(v.size() - 1);
            if (current != null) {
                out.add(current.copy());
            }
        });
        return out;
    }

    public synchronized List<Resource> search(String type, Map<String, String[]> params) {
        return searchLocked(type, params);
    }

    private List<Resource> searchLocked(String type, Map<String, String[]> params) {
        // each occurrence of a parameter is an AND; its comma-separated values an OR
        List<Map.Entry<String, List<String>>> criteria = new ArrayList<>();
        for (Map.Entry<String, String[]> p : params.entrySet()) {
            if (!ignored(p.getKey())) {
                for (String value : p.getValue()) {
                    criteria.add(Map.entry(p.getKey(), orList(value)));
                }
            }
        }
        List<Resource> out = new ArrayList<>();
        Map<String, List<Resource>> byId = data.getOrDefault(type, Map.of());
        java.util.Set<String> candidates = candidates(type, criteria);
        java.util.Collection<List<Resource>> scan = candidates == null ? byId.values()
                : new java.util.TreeSet<>(candidates).stream().map(byId::get).toList();
        for (List<Resource> versions : scan) {
            Resource r = versions.get(versions.size() - 1);
            if (r == null) {
                continue;
            }
            boolean match = true;
            for (Map.Entry<String, List<String>> c : criteria) {
                match &= matchesAny(r, c.getKey(), c.getValue());
            }
            if (match) {
                // only matches are copied: callers must not change the stored versions
                out.add(r.copy());
            }
        }
        return out;
    }

    static List<String> orList(String value) {
        List<String> out = new ArrayList<>();
        for (String v : value.split("(?<!\\\\),")) {
            out.add(v.replace("\\,", ","));
        }
        return out;
    }

    private boolean matchesAny(Resource r, String name, List<String> values) {
        for (String v : values) {
            if (matchesOne(r, name, v)) {
                return true;
            }
        }
        return false;
    }

    static boolean ignored(String name) {
        return name.equals("_count") || name.equals("_include") || name.equals("_format") || name.equals("_pretty")
                || name.equals("_sort") || name.equals("_summary") || name.equals("_elements") || name.equals("_total");
    }

    public static Map<String, String[]> query(String url) {
        int q = url.indexOf('?');
        return q < 0 ? Map.of() : UrlUtil.parseQueryString(url.substring(q + 1));
    }

    /** Whether a resource matches one parameter occurrence (a comma-separated list is an OR). */
    boolean matches(Resource r, String name, String value) {
        return matchesAny(r, name, orList(value));
    }

    private boolean matchesOne(Resource r, String name, String v) {
        switch (name) {
            case "_id":
                return v.equals(r.getIdElement().getIdPart());
            case "_lastUpdated":
                return dateMatches(r.getMeta().getLastUpdated(), v);
            case "_tag":
                return r.getMeta().getTag().stream().anyMatch(c -> tokenMatches(c.getSystem(), c.getCode(), v));
            case "identifier":
                for (Base b : values(r, "identifier")) {
                    Identifier i = (Identifier) b;
                    if (tokenMatches(i.getSystem(), i.getValue(), v)) {
                        return true;
                    }
                }
                return false;
            case "code":
                for (Base b : values(r, "code")) {
                    if (b instanceof CodeableConcept cc) {
                        for (Coding c : cc.getCoding()) {
                            if (tokenMatches(c.getSystem(), c.getCode(), v)) {
                                return true;
                            }
                        }
                    }
                }
                return false;
            case "status":
                return values(r, "status").stream().anyMatch(b -> v.equals(b.primitiveValue()));
            case "patient":
            case "subject":
                List<Base> refs = new ArrayList<>(values(r, "subject"));
                refs.addAll(values(r, "patient"));
                String wanted = v.contains("/") ? org.e2guard.mapping.record.ResourceIndex.typeAndId(v) : "Patient/" + v;
                return refs.stream().anyMatch(b -> b instanceof Reference ref && ref.getReference() != null
                        && ref.getReference().endsWith(wanted));
            case "target":
                return values(r, "target").stream().anyMatch(b -> b instanceof Reference ref && ref.getReference() != null
                        && (ref.getReference().equals(v) || ref.getReference().startsWith(v + "/_history/")));
            case "url":
                return r instanceof Subscription s && v.equals(s.getChannel().getEndpoint());
            default:
                throw new InvalidRequestException("Unsupported search parameter: " + name);
        }
    }

    private static List<Base> values(Resource r, String property) {
        Property p = r.getNamedProperty(property);
        return p == null ? List.of() : p.getValues();
    }

    static boolean tokenMatches(String system, String code, String token) {
        int bar = token.indexOf('|');
        if (bar < 0) {
            return token.equals(code);
        }
        String s = token.substring(0, bar);
        String c = token.substring(bar + 1);
        boolean systemOk = s.isEmpty() ? system == null || system.isEmpty() : s.equals(system);
        return systemOk && (c.isEmpty() || c.equals(code));
    }

    static boolean dateMatches(Date date, String v) {
        if (date == null) {
            return false;
        }
        String prefix = v.length() > 2 && Character.isLetter(v.charAt(0)) ? v.substring(0, 2) : "eq";
        String text = prefix.equals("eq") && !v.startsWith("eq") ? v : v.substring(2);
        Instant t = new org.hl7.fhir.r4.model.InstantType(text).getValue().toInstant();
        Instant d = date.toInstant();
        return switch (prefix) {
            case "gt" -> d.isAfter(t);
            case "ge" -> !d.isBefore(t);
            case "lt" -> d.isBefore(t);
            case "le" -> !d.isAfter(t);
            default -> d.equals(t);
        };
    }

    /** Loads a collection or transaction Bundle (the golden cases): urn:uuid references become Type/id. */
    public void load(Bundle bundle, boolean notify) {
        Map<String, String> urnToRef = new HashMap<>();
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            if (e.hasFullUrl() && e.getResource() != null && e.getResource().getIdElement().hasIdPart()) {
                urnToRef.put(e.getFullUrl(), e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart());
            }
        }
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            Resource r = e.getResource();
            if (r == null) {
                continue;
            }
            for (Reference ref : ctx.newTerser().getAllPopulatedChildElementsOfType(r, Reference.class)) {
                if (ref.getReference() != null && urnToRef.containsKey(ref.getReference())) {
                    ref.setReference(urnToRef.get(ref.getReference()));
                }
            }
            String id = r.getIdElement().getIdPart();
            if (id == null) {
                create(r, null);
            } else if (notify) {
                update(r.fhirType(), id, r, null);
            } else {
                put(r);
            }
        }
    }
}
