package org.e2guard.writeback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.e2guard.engine.Action;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Source;
import org.hl7.fhir.r4.model.Flag;

import ca.uhn.fhir.context.FhirContext;

/**
 * What counts as a change worth writing. A finding's hash covers what it asserts: rule, severity,
 * ruleset version, threshold, the values and their sources, evidence, implicated medications,
 * actions, sources and notes. It leaves out what moves with the evaluation time alone (the window
 * dates, day counts in the one-line summary, the identified time), so re-evaluating an unchanged
 * record writes nothing, while a new result, a changed severity or new context does.
 */
public final class ContentHash {
    private ContentHash() {
    }

    public static String of(Finding f) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(f.rule().code()).append('\n').append(f.severity().code()).append('\n').append(f.rulesetVersion())
                .append('\n').append(f.threshold()).append('\n').append(f.patientRef()).append('\n');
        for (Finding.Observed v : f.values()) {
            sb.append("value ").append(v.label()).append('|').append(v.text())
                    .append('|').append(v.time()).append('|').append(v.ref()).append('\n');
        }
        f.evidence().forEach(r -> sb.append("evidence ").append(r).append('\n'));
        f.implicated().forEach(r -> sb.append("implicated ").append(r).append('\n'));
        for (Action a : f.actions()) {
            sb.append("action ").append(a.code()).append('\n');
        }
        for (Source s : f.sources()) {
            sb.append("source ").append(s.citation()).append('\n');
        }
        f.notes().forEach(n -> sb.append("note ").append(n).append('\n'));
        return sha256(sb.toString());
    }

    /** A Flag's hash: the resource as JSON without its period (the start is the first activation, kept). */
    public static String of(Flag flag, FhirContext ctx) {
        Flag copy = flag.copy();
        copy.setPeriod(null);
        copy.setId((String) null);
        return sha256(ctx.newJsonParser().encodeResourceToString(copy));
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
