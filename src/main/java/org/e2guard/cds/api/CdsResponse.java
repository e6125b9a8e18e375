package org.e2guard.cds.api;

import java.util.List;

/** A hook call's answer. {@code cards} is required even when empty ("no guidance"). */
public record CdsResponse(List<Card> cards) {
}
