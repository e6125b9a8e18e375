package org.e2guard.cds.service;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.e2guard.cds.api.CdsServiceDescriptor;

/** One CDS service e2guard offers: the hook it answers and the data it asks the EHR to prefetch. */
public record CdsService(String id, Hook hook, String title, String description, String usageRequirements,
                         List<PrefetchQuery> prefetch) {

    public CdsServiceDescriptor descriptor() {
        Map<String, String> templates = new LinkedHashMap<>();
        for (PrefetchQuery q : prefetch) {
            templates.put(q.key(), q.template());
        }
        return new CdsServiceDescriptor(hook.code(), title, description, id, templates, usageRequirements);
    }
}
