package org.e2guard.engine;

import java.time.Instant;
import java.util.List;

/** The result of evaluating one patient: findings, most severe first, and notices about the input. */
public record Evaluation(String patientRef, Instant asOf, String rulesetVersion, List<Finding> findings,
                         List<Notice> notices) {
    public Evaluation {
        findings = List.copyOf(findings);
        notices = List.copyOf(notices);
    }
}
