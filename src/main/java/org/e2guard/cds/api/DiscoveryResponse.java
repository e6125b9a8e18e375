package org.e2guard.cds.api;

import java.util.List;

/** {@code GET /cds-services}: the list is always present, even when empty. */
public record DiscoveryResponse(List<CdsServiceDescriptor> services) {
}
