package org.e2guard.ops.logging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The patient data in a set of FHIR bundles, as strings that must never show up in a log:
 * patient and resource ids, fullUrls, identifier values (MRNs), birth dates, names, telecom and
 * address parts, and observation values with their units (in the spellings a log line would
 * use: "14 pg/mL", "14pg/mL", "14.0 pg/mL").
 *
 * <p>Matching is by whole token, so "p1" is found in "Patient/p1" or "id=p1" but not inside
 * "p1-ai" (which is a token of its own) or a random hex id.
 */
final class PatientData {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Hit(String datum, String where) {
    }

    private final Set<String> tokens = new LinkedHashSet<>();
    private final List<Pattern> patterns = new ArrayList<>();

    static PatientData of(List<Path> bundles) {
        PatientData data = new PatientData();
        for (Path p : bundles) {
            try {
                data.addBundle(JSON.readTree(p.toFile()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        data.compile();
        return data;
    }

    Set<String> tokens() {
        return Set.copyOf(tokens);
    }

    private void addBundle(JsonNode bundle) {
        for (JsonNode entry : bundle.path("entry")) {
            add(entry.path("fullUrl").asText(null));
            JsonNode r = entry.path("resource");
            add(r.path("id").asText(null));
            for (JsonNode id : r.path("identifier")) {
                add(id.path("value").asText(null));
            }
            if ("Patient".equals(r.path("resourceType").asText())) {
                add(r.path("birthDate").asText(null));
                for (JsonNode name : r.path("name")) {
                    add(name.path("text").asText(null));
                    add(name.path("family").asText(null));
                    name.path("given").forEach(g -> add(g.asText(null)));
                }
                r.path("telecom").forEach(t -> add(t.path("value").asText(null)));
                for (JsonNode a : r.path("address")) {
                    a.path("line").forEach(l -> add(l.asText(null)));
                    add(a.path("city").asText(null));
                    add(a.path("postalCode").asText(null));
                }
            }
            if ("Observation".equals(r.path("resourceType").asText())) {
                addQuantity(r.path("valueQuantity"));
                add(r.path("valueString").asText(null));
                for (JsonNode c : r.path("component")) {
                    addQuantity(c.path("valueQuantity"));
                }
            }
        }
    }

    private void addQuantity(JsonNode q) {
        if (!q.has("value")) {
            return;
        }
        BigDecimal v = q.get("value").decimalValue();
        Set<String> numbers = new LinkedHashSet<>(List.of(q.get("value").asText(), v.toPlainString(),
                v.stripTrailingZeros().toPlainString(), String.valueOf(v.doubleValue())));
        Set<String> units = new LinkedHashSet<>();
        if (q.hasNonNull("unit")) {
            units.add(q.get("unit").asText());
        }
        if (q.hasNonNull("code")) {
            units.add(q.get("code").asText());
        }
        for (String n : numbers) {
            for (String u : units) {
                add(n + " " + u);
                add(n + u);
            }
        }
    }

    private void add(String datum) {
        if (datum != null && !datum.isBlank()) {
            tokens.add(datum.trim());
        }
    }

    private void compile() {
        for (String t : tokens) {
            patterns.add(Pattern.compile("(?<![A-Za-z0-9_-])" + Pattern.quote(t) + "(?![A-Za-z0-9_-])",
                    Pattern.CASE_INSENSITIVE));
        }
    }

    /** Every patient datum that occurs in the text. */
    List<Hit> findIn(String text) {
        List<Hit> hits = new ArrayList<>();
        for (Pattern p : patterns) {
            Matcher m = p.matcher(text);
            if (m.find()) {
                int from = Math.max(0, m.start() - 60);
                int to = Math.min(text.length(), m.end() + 60);
                hits.add(new Hit(m.group().toLowerCase(Locale.ROOT), text.substring(from, to)));
            }
        }
        return hits;
    }
}
