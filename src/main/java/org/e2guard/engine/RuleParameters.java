package org.e2guard.engine;

/**
 * Every threshold, window and least-significant-change value of the ruleset. The defaults are
 * those of RULES.md and live in one place, {@code org.e2guard.evaluation.RulesConfig}.
 */
public record RuleParameters(
        // E-rules (pg/mL, days)
        double estradiolSuppressedBelow,
        double estradiolSevereBelow,
        double estradiolBorderlineBelow,
        int persistentMinDaysApart,
        int monitoringMinDaysOnAi,
        int estradiolRecheckDays,
        // B-rules
        double tScoreOsteoporosisAtOrBelow,
        double tScoreOsteopeniaBelow,
        double zScoreLowAtOrBelow,
        int tScoreMinAge,
        double lscLumbarSpinePercent,
        double lscTotalHipPercent,
        double lscFemurPercent,
        double fastSpineLossPercentPerYear,
        int baselineMonthsBeforeAi,
        // M-rules
        int dxaOverdueMonths,
        int vitaminDCalciumMonths,
        double vitaminDDeficientBelow,
        double vitaminDInsufficientBelow,
        // D-rule (mg/week)
        double anastrozoleWeeklyAbove,
        double anastrozoleWeeklyHighAtOrAbove,
        // O-rule
        double orderEstradiolWarningBelow,
        double suggestedDoseMg,
        int suggestedDosesPerWeek,
        // exposure runs (days)
        int exposureGapJoinsBelowDays,
        int recentlyCompletedDays,
        int contextAgeAtOrAbove) {

    /** D1's judgement of a weekly anastrozole dose (RULES.md §4): above the typical TRT range or not. */
    public boolean anastrozoleAboveTypical(org.e2guard.timeline.WeeklyDose dose) {
        return dose != null && DoseRules.severity(this, dose) != null;
    }
}
