package org.e2guard.engine;

import java.util.List;

/**
 * RULES.md 1.2 §5, the action table: what a finding recommends depends on whether the patient is on
 * testosterone therapy. For a man on TRT the aromatase inhibitor is an off-label way to hold
 * estradiol down, and its dose is the lever; without TRT it is taken to be cancer therapy, to be
 * continued, with bone loss treated alongside it (Hadji 2017; Coleman 2020). Rule-specific actions
 * RULES.md names elsewhere (a sensitive estradiol where §3 asks for one, the missing M3 tests, O1's
 * own suggestions) are added by the rules themselves.
 */
final class ActionTable {
    private ActionTable() {
    }

    static List<Action> of(Rule rule, Severity severity, boolean onTrt) {
        List<Action> table = switch (rule) {
            case E1, E2, E3, D1, O1 -> List.of(Action.REVIEW_AI_DOSE);
            case E4 -> List.of(Action.ORDER_SENSITIVE_ESTRADIOL);
            case B1 -> serious();
            case B2 -> List.of(Action.REVIEW_AI_DOSE, Action.CALCIUM_VITAMIN_D_INTAKE, Action.WEIGHT_BEARING_EXERCISE);
            case B3 -> severity == Severity.HIGH ? serious()
                    : List.of(Action.REVIEW_AI_DOSE, Action.CALCIUM_VITAMIN_D_INTAKE, Action.WEIGHT_BEARING_EXERCISE);
            case M1, M2 -> List.of(Action.ORDER_DXA);
            case M3, M4 -> List.of(Action.CALCIUM_VITAMIN_D_INTAKE);
        };
        // the one difference between the columns: without TRT the AI is never the lever
        return onTrt ? table : table.stream().filter(a -> a != Action.REVIEW_AI_DOSE).toList();
    }

    private static List<Action> serious() {
        return List.of(Action.REVIEW_AI_DOSE, Action.CONSIDER_BONE_PROTECTIVE_THERAPY, Action.CALCIUM_VITAMIN_D_INTAKE,
                Action.WEIGHT_BEARING_EXERCISE, Action.CONSIDER_REFERRAL);
    }
}
