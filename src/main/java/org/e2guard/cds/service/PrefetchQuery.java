package org.e2guard.cds.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One prefetch template: a read of the patient, or a patient-scoped search. It renders both as
 * the discovery template (with the CDS Hooks 2.0 token {@code {{context.patientId}}}) and as the
 * concrete relative URL the service issues itself when prefetch did not supply it, so that the two
 * can never disagree.
 *
 * <p>Only what the 2.0 "prefetch query restrictions" allow is used: an instance read, type-level
 * searches by patient reference and token equality ({@code code=system|code,...}). No
 * {@code _include}: referenced Medications and DXA report results are read afterwards.
 *
 * @param params search parameters (name to already URL-encoded value), in order; empty for a read
 */
public record PrefetchQuery(String key, String resourceType, boolean read, Map<String, String> params) {

    public static final String PATIENT_TOKEN = "{{context.patientId}}";

    public PrefetchQuery {
        params = params == null ? Map.of() : new LinkedHashMap<>(params);
    }

    public static PrefetchQuery read(String key, String resourceType) {
        return new PrefetchQuery(key, resourceType, true, Map.of());
    }

    /** A search by {@code patient} plus, when given, {@code code} (system|code tokens, OR'd). */
    public static PrefetchQuery search(String key, String resourceType, List<String> codings) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("patient", PATIENT_TOKEN);
        if (codings != null && !codings.isEmpty()) {
            List<String> encoded = new ArrayList<>(codings.size());
            for (String c : codings) {
                encoded.add(encodeToken(c));
            }
            p.put("code", String.join(",", encoded));
        }
        return new PrefetchQuery(key, resourceType, false, p);
    }

    /** The template published in discovery. */
    public String template() {
        return render(PATIENT_TOKEN);
    }

    /** The relative URL for one patient; {@code patientId} must already be a valid FHIR id. */
    public String forPatient(String patientId) {
        return render(patientId);
    }

    private String render(String patientId) {
        if (read) {
            return resourceType + "/" + patientId;
        }
        StringBuilder sb = new StringBuilder(resourceType).append('?');
        boolean first = true;
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (!first) {
                sb.append('&');
            }
            first = false;
            sb.append(e.getKey()).append('=').append(e.getValue().replace(PATIENT_TOKEN, patientId));
        }
        return sb.toString();
    }

    /**
     * A {@code system|code} token for a query string: the vertical bar is not a legal URI
     * character (RFC 3986) and is percent-encoded; ':' and '/' are legal in a query and stay, so
     * the template remains readable. Codes of the published value sets need nothing else.
     */
    static String encodeToken(String systemAndCode) {
        StringBuilder sb = new StringBuilder(systemAndCode.length() + 4);
        for (int i = 0; i < systemAndCode.length(); i++) {
            char c = systemAndCode.charAt(i);
            if (c == '|') {
                sb.append("%7C");
            } else if (isQueryChar(c)) {
                sb.append(c);
            } else {
                for (byte b : String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
                }
            }
        }
        return sb.toString();
    }

    /** Unreserved and query-safe characters that need no encoding inside a parameter value. */
    private static boolean isQueryChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~:/@!$'()*;".indexOf(c) >= 0;
    }
}
