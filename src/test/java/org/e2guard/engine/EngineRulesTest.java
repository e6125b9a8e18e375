package org.e2guard.engine;

import static org.e2guard.engine.Records.day;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.e2guard.timeline.Bound;
import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DraftOrder;
import org.e2guard.timeline.DxaResult.Kind;
import org.e2guard.timeline.DxaResult.Region;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.WeeklyDose;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every rule of RULES.md v1 at and around its boundaries, on the pure engine. */
class EngineRulesTest {
    static final Engine ENGINE = new Engine(Records.defaults());
    static final Instant AS_OF = day("2026-07-01");

    /** A male on TRT and anastrozole 1 mg/week since 2024-03-01 with baseline and recent DXA and labs: no findings. */
    static Records quietMale() {
        return Records.male().testosterone("2024-01-01").anastrozole("2024-03-01", 1.0)
                .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45)
                .labsUpToDate("2026-05-01");
    }

    static Map<String, String> findings(Records r) {
        return findings(ENGINE.evaluate(r.build(), AS_OF));
    }

    static Map<String, String> findings(Evaluation e) {
        Map<String, String> out = new TreeMap<>();
        e.findings().forEach(f -> out.put(f.rule().code(), f.severity().code()));
        return out;
    }

    @Test
    void baselineScenarioIsQuiet() {
        assertEquals(Map.of(), findings(quietMale().e2("2026-05-01", 27)));
    }

    @Test
    void noAromataseInhibitorNoFindings() {
        Records r = Records.male().testosterone("2024-01-01").e2("2026-05-01", 8).vitD("2026-05-01", 10);
        assertEquals(Map.of(), findings(r));
    }

    @Nested
    class Estradiol {
        @ParameterizedTest(name = "{0} pg/mL -> {1}")
        @CsvSource({
                "9.99, E2_SUPPRESSED=high",
                "10, E2_SUPPRESSED=moderate",
                "19.99, E2_SUPPRESSED=moderate",
                "20, E2_BORDERLINE=low",
                "24.99, E2_BORDERLINE=low",
                "25, ''",
        })
        void latestEstradiolThresholds(double value, String expected) {
            assertEquals(parse(expected), findings(quietMale().e2("2026-05-01", value)));
        }

        @ParameterizedTest(name = "{0}{1} pg/mL -> {2}")
        @CsvSource({
                "LT, 5, E2_SUPPRESSED=high",
                "LT, 10, E2_SUPPRESSED=high",
                "LE, 10, E2_SUPPRESSED=moderate",
                "LT, 20, E2_SUPPRESSED=moderate",
                "LE, 20, ''",
                "LT, 25, ''",
                "GT, 22, ''",
                "GE, 25, ''",
        })
        void boundsSettleOnlyWhatTheyCertainlySettle(Bound.Comparator comparator, double value, String expected) {
            Records r = quietMale().lab(LabConcept.ESTRADIOL, "2026-05-01", new Bound(value, comparator), true);
            assertEquals(parse(expected), findings(r));
        }

        @Test
        void unsettledBoundAsksForASensitiveAssay() {
            Evaluation e = ENGINE.evaluate(quietMale()
                    .lab(LabConcept.ESTRADIOL, "2026-05-01", new Bound(25, Bound.Comparator.LT), false).build(), AS_OF);
            assertTrue(e.findings().isEmpty());
            assertTrue(e.notices().stream().anyMatch(n -> n.message().contains("sensitive")), e.notices().toString());
        }

        @Test
        void standardImmunoassayBelow20CarriesTheCaveat() {
            Evaluation e = ENGINE.evaluate(quietMale()
                    .lab(LabConcept.ESTRADIOL, "2026-05-01", Bound.exact(15), false).build(), AS_OF);
            Finding f = e.findings().get(0);
            assertEquals(Rule.E1, f.rule());
            assertTrue(f.notes().stream().anyMatch(n -> n.contains("LC-MS/MS")));
            assertTrue(f.actions().contains(Action.ORDER_SENSITIVE_ESTRADIOL));
        }

        @Test
        void womenOnAnAromataseInhibitorGetNoEstradiolRules() {
            Records r = Records.female().born("1963-09-12").anastrozole("2024-03-01", 7)
                    .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 3);
            assertEquals(Map.of(), findings(r));
        }

        @ParameterizedTest(name = "{0} days apart -> {1}")
        @CsvSource({
                "2026-01-31, E2_PERSISTENTLY_SUPPRESSED=high",
                "2026-02-01, E2_SUPPRESSED=moderate",
        })
        void persistentSuppressionNeedsNinetyDaysBetweenTheTwoNewest(String previous, String expected) {
            // 2026-01-31 to 2026-05-01 is exactly 90 days
            assertEquals(parse(expected), findings(quietMale().e2(previous, 16).e2("2026-05-01", 15)));
        }

        @Test
        void aResultBeforeTheAromataseInhibitorIsABaselineNotPersistence() {
            assertEquals(parse("E2_SUPPRESSED=moderate"), findings(quietMale().e2("2024-02-01", 12).e2("2026-05-01", 15)));
        }

        @Test
        void persistenceLooksAtTheTwoNewestOnly() {
            assertEquals(parse("E2_BORDERLINE=low"),
                    findings(quietMale().e2("2025-06-01", 12).e2("2026-01-01", 14).e2("2026-05-01", 22)));
        }

        @ParameterizedTest(name = "AI start {0} -> {1}")
        @CsvSource({
                // asOf 2026-07-01 minus 90 days is 2026-04-02
                "2026-04-02, E2_NOT_MONITORED=moderate",
                "2026-04-03, ''",
        })
        void notMonitoredAfterNinetyDaysOnTheAromataseInhibitor(String aiStart, String expected) {
            Records r = Records.male().testosterone("2024-01-01").anastrozole(aiStart, 1.0)
                    .spine("2026-03-01", 1.1, -0.4).labsUpToDate("2026-05-01").e2("2026-03-01", 40);
            assertEquals(parse(expected), findings(r));
        }

        @ParameterizedTest(name = "estradiol on {0} -> {1}")
        @CsvSource({
                // asOf minus 180 days is 2026-01-02
                "2026-01-02, ''",
                "2026-01-01, E2_NOT_MONITORED=moderate",
        })
        void notMonitoredWindowIs180Days(String e2Date, String expected) {
            assertEquals(parse(expected), findings(quietMale().e2(e2Date, 30)));
        }

        @Test
        void anOldSuppressedResultFiresTogetherWithNotMonitored() {
            assertEquals(parse("E2_SUPPRESSED=moderate,E2_NOT_MONITORED=moderate"),
                    findings(quietMale().e2("2025-06-01", 14)));
        }
    }

    @Nested
    class Bone {
        Records onAi(String born) {
            return Records.male().born(born).testosterone("2024-01-01").anastrozole("2024-03-01", 1.0)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 27);
        }

        @ParameterizedTest(name = "T {0} -> {1}")
        @CsvSource({
                "-2.6, BMD_OSTEOPOROSIS=high",
                "-2.5, BMD_OSTEOPOROSIS=high",
                "-2.49, BMD_OSTEOPENIA=moderate",
                "-1.01, BMD_OSTEOPENIA=moderate",
                "-1.0, ''",
        })
        void tScoreCategories(double t, String expected) {
            assertEquals(parse(expected), findings(onAi("1968-04-02").spine("2025-10-01", 1.0, t)));
        }

        @Test
        void theLowestScoreOfTheNewestScanCounts() {
            Records r = onAi("1968-04-02").spine("2025-10-01", 1.0, -0.5)
                    .dxa(Kind.T_SCORE, Region.TOTAL_HIP, "2025-10-01", -2.7);
            assertEquals(parse("BMD_OSTEOPOROSIS=high"), findings(r));
        }

        @Test
        void ageExactlyFiftyOnTheScanDateUsesTheTScore() {
            // born 1975-10-01: exactly 50 on 2025-10-01
            assertEquals(parse("BMD_OSTEOPENIA=moderate"), findings(onAi("1975-10-01").spine("2025-10-01", 1.0, -1.5)));
        }

        @ParameterizedTest(name = "Z {0} -> {1}")
        @CsvSource({"-2.0, BMD_OSTEOPOROSIS=high", "-1.99, ''"})
        void underFiftyTheZScoreDecidesAndOsteopeniaDoesNotApply(double z, String expected) {
            // born 1975-10-02: 49 on 2025-10-01; a T-score of -2.0 would be osteopenia at 50+
            Records r = onAi("1975-10-02").dxa(Kind.BMD, Region.LUMBAR_SPINE, "2025-10-01", 1.0)
                    .dxa(Kind.T_SCORE, Region.LUMBAR_SPINE, "2025-10-01", -2.0)
                    .dxa(Kind.Z_SCORE, Region.LUMBAR_SPINE, "2025-10-01", z);
            assertEquals(parse(expected), findings(r));
        }

        @Test
        void aNewestScanWithoutScoresGivesNoClassification() {
            Records r = onAi("1968-04-02").spine("2024-02-15", 0.9, -3.0)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2025-10-01", 0.9);
            assertEquals(Map.of(), findings(r));
        }

        @Test
        void fragilityFractureMakesOsteoporosisSevere() {
            Evaluation e = ENGINE.evaluate(onAi("1968-04-02").spine("2025-10-01", 0.8, -2.8)
                    .context(ClinicalContext.Kind.FRAGILITY_FRACTURE, "Vertebral fracture").build(), AS_OF);
            assertTrue(e.findings().get(0).notes().stream().anyMatch(n -> n.contains("severe osteoporosis")));
            assertTrue(e.findings().get(0).evidence().stream().anyMatch(r -> r.startsWith("Condition/")));
        }

        @ParameterizedTest(name = "{0} {1} -> {2} -> {3}")
        @CsvSource({
                // spine: LSC 3.0 %; 2024-06-01 to 2026-06-01 is 730 days (1.9986 years)
                "LUMBAR_SPINE, 1.000, 0.970, BMD_DECLINE=moderate",
                "LUMBAR_SPINE, 1.000, 0.971, ''",
                "LUMBAR_SPINE, 1.000, 0.966, BMD_DECLINE=high",
                "TOTAL_HIP, 1.000, 0.965, BMD_DECLINE=moderate",
                "TOTAL_HIP, 1.000, 0.966, ''",
                "TOTAL_HIP, 1.000, 0.900, BMD_DECLINE=moderate",
                "FEMUR, 1.000, 0.950, BMD_DECLINE=moderate",
                "FEMUR, 1.000, 0.951, ''",
        })
        void declineBeyondTheLeastSignificantChange(Region region, double first, double second, String expected) {
            Records r = onAi("1968-04-02").dxa(Kind.BMD, region, "2024-06-01", first)
                    .dxa(Kind.BMD, region, "2026-06-01", second);
            assertEquals(parse(expected), findings(r));
        }

        @Test
        void fastSpineLossIsMeasuredPerYear() {
            // 3.4 % in one year: 3.4 %/year >= 1.7 -> high; the same loss over 2.5 years is 1.36 %/year -> moderate
            assertEquals(parse("BMD_DECLINE=high"), findings(onAi("1968-04-02")
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2025-06-01", 1.0).dxa(Kind.BMD, Region.LUMBAR_SPINE, "2026-06-01", 0.966)));
            assertEquals(parse("BMD_DECLINE=moderate"), findings(onAi("1968-04-02")
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2023-12-01", 1.0).dxa(Kind.BMD, Region.LUMBAR_SPINE, "2026-06-01", 0.966)));
        }

        @Test
        void declineAgainstThePreviousScanCountsToo() {
            // baseline 1.00 -> 1.05 -> 1.01: -3.8 % against the previous scan only
            Records r = onAi("1968-04-02").dxa(Kind.BMD, Region.LUMBAR_SPINE, "2024-06-01", 1.00)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2025-06-01", 1.05)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2026-06-01", 1.01);
            assertEquals(parse("BMD_DECLINE=high"), findings(r));
        }

        @Test
        void thePreviousScanIsTheLastDateBeforeTheNewestNotASameDayCopy() {
            // RULES.md §4 B3 "the previous one at that site": the newest value filed twice (a report's
            // result and a standalone copy) is one scan; 1.12 -> 1.085 is -3.1 % in a year
            Records r = onAi("1968-04-02").dxa(Kind.BMD, Region.LUMBAR_SPINE, "2024-02-15", 1.10)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2025-06-01", 1.12)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2026-06-01", 1.085)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2026-06-01", 1.085);
            assertEquals(parse("BMD_DECLINE=high"), findings(r));
        }

        @Test
        void baselineIsTheEarliestFromTwelveMonthsBeforeTheRunStarted() {
            // AI from 2024-03-01: a 2023-02-01 scan is too old to be the baseline; 2023-03-01 is the earliest allowed
            Records tooOld = onAi("1968-04-02").dxa(Kind.BMD, Region.LUMBAR_SPINE, "2023-02-01", 1.10)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2024-06-01", 1.00)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2026-06-01", 0.99);
            assertEquals(Map.of(), findings(tooOld));
            Records inWindow = onAi("1968-04-02").dxa(Kind.BMD, Region.LUMBAR_SPINE, "2023-03-01", 1.10)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2024-06-01", 1.00)
                    .dxa(Kind.BMD, Region.LUMBAR_SPINE, "2026-06-01", 0.99);
            assertEquals(parse("BMD_DECLINE=high"), findings(inWindow));
        }
    }

    @Nested
    class Monitoring {
        @ParameterizedTest(name = "AI start {0}, DXA {1} -> {2}")
        @CsvSource({
                "2026-04-02, , DXA_NO_BASELINE=moderate",
                "2026-04-03, , ''",
                // AI from 2025-08-01: the baseline window opens 2024-08-01 (and that scan is < 24 months old)
                "2025-08-01, 2024-08-01, ''",
                "2025-08-01, 2024-07-31, DXA_NO_BASELINE=moderate",
        })
        void baselineDxa(String aiStart, String dxaDate, String expected) {
            Records r = Records.male().testosterone("2024-01-01").anastrozole(aiStart, 1.0)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 27);
            if (dxaDate != null) {
                r.spine(dxaDate, 1.1, -0.4);
            }
            assertEquals(parse(expected), findings(r));
        }

        @ParameterizedTest(name = "newest DXA {0} -> {1}")
        @CsvSource({"2024-07-01, ''", "2024-06-30, DXA_OVERDUE=moderate"})
        void dxaOverdueAfter24Months(String dxaDate, String expected) {
            Records r = Records.male().testosterone("2024-01-01").anastrozole("2024-06-01", 1.0)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 27).spine(dxaDate, 1.1, -0.4);
            assertEquals(parse(expected), findings(r));
        }

        @ParameterizedTest(name = "procedure at {0} -> {1}")
        @CsvSource({
                // 2024-06-30T22:00-05:00 is 2024-07-01T03:00 UTC: its local date is older than 24 months, it is not
                "2024-07-01T03:00:00Z, 2024-06-30, ''",
                // and the other way round: 2024-07-01T01:00+05:00 is 2024-06-30T20:00 UTC
                "2024-06-30T20:00:00Z, 2024-07-01, DXA_OVERDUE=moderate",
        })
        void dxaOverdueCountsCalendarMonthsInUtcNotTheLocalDate(String instant, String localDate, String expected) {
            // RULES.md §3: "months" are calendar months in UTC; the scan's local date only groups its results
            Records r = Records.male().testosterone("2024-01-01").anastrozole("2024-08-01", 1.0)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 27)
                    .scan(DxaScan.Kind.PROCEDURE, localDate, Instant.parse(instant));
            assertEquals(parse(expected), findings(r));
        }

        @ParameterizedTest(name = "vitamin D {0}, calcium {1} -> {2}")
        @CsvSource({
                "2025-07-01, 2025-07-01, ''",
                "2025-06-30, 2025-07-01, VITD_CA_OVERDUE=low",
                "2025-07-01, 2025-06-30, VITD_CA_OVERDUE=low",
        })
        void vitaminDAndCalciumWithinTwelveMonths(String vitD, String calcium, String expected) {
            Records r = Records.male().testosterone("2024-01-01").anastrozole("2024-03-01", 1.0)
                    .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45).e2("2026-05-01", 27)
                    .vitD(vitD, 34).calcium(calcium);
            assertEquals(parse(expected), findings(r));
        }

        @ParameterizedTest(name = "vitamin D {0} -> {1}")
        @CsvSource({"19.99, VITD_LOW=moderate", "20, VITD_LOW=low", "29.99, VITD_LOW=low", "30, ''"})
        void vitaminDLevels(double ngMl, String expected) {
            Records r = Records.male().testosterone("2024-01-01").anastrozole("2024-03-01", 1.0)
                    .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45).e2("2026-05-01", 27)
                    .calcium("2026-05-01").vitD("2026-05-01", ngMl);
            assertEquals(parse(expected), findings(r));
        }
    }

    @Nested
    class Dose {
        @ParameterizedTest(name = "{0} mg/week -> {1}")
        @CsvSource({"1.0, ''", "1.01, AI_DOSE_ABOVE_TYPICAL=moderate", "6.99, AI_DOSE_ABOVE_TYPICAL=moderate",
                "7.0, AI_DOSE_ABOVE_TYPICAL=high"})
        void weeklyAnastrozoleDose(double mgPerWeek, String expected) {
            Records r = Records.male().testosterone("2024-01-01").anastrozole("2024-03-01", mgPerWeek)
                    .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 27);
            assertEquals(parse(expected), findings(r));
        }

        @Test
        void doseRuleNeedsTestosteroneTherapy() {
            Records r = Records.male().anastrozole("2024-03-01", 7).spine("2024-02-15", 1.1, -0.4)
                    .spine("2025-10-01", 1.095, -0.45).labsUpToDate("2026-05-01").e2("2026-05-01", 27);
            assertEquals(Map.of(), findings(r));
        }

        @Test
        void unknownDoseIsANoticeNotAGuess() {
            Records r = Records.male().testosterone("2024-01-01").exposure(Ingredient.ANASTROZOLE, "2024-03-01", null, true)
                    .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 27);
            Evaluation e = ENGINE.evaluate(r.build(), AS_OF);
            assertTrue(e.findings().isEmpty());
            assertTrue(e.notices().stream().anyMatch(n -> n.message().contains("dose unknown")));
        }
    }

    @Nested
    class Exposure {
        @ParameterizedTest(name = "gap until {1} -> start counted from {2}")
        @CsvSource({
                // first course 2025-01-01..2026-02-01; a second from 2026-05-01 (89 days later) joins it, so the
                // patient has been on the AI since 2025-01-01; from 2026-05-02 (90 days) it is a new run of 60 days
                "2026-02-01, 2026-05-01, E2_NOT_MONITORED=moderate",
                "2026-02-01, 2026-05-02, ''",
        })
        void gapsUnderNinetyDaysJoinRuns(String firstEnd, String secondStart, String expected) {
            Records r = Records.male().testosterone("2024-01-01")
                    .exposure(Ingredient.ANASTROZOLE, "2025-01-01", firstEnd, false)
                    .anastrozole(secondStart, 1.0)
                    .spine("2025-01-01", 1.1, -0.4).labsUpToDate("2026-05-01");
            assertEquals(parse(expected), findings(r));
        }

        @ParameterizedTest(name = "ended {0} -> {1}")
        @CsvSource({"2026-04-02, VITD_LOW=moderate", "2026-04-01, ''"})
        void recentlyCompletedStaysInScopeForNinetyDays(String end, String expected) {
            Records r = Records.male().exposure(Ingredient.ANASTROZOLE, "2024-03-01", end, false)
                    .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45)
                    .calcium("2026-05-01").vitD("2026-05-01", 15).e2("2026-05-01", 27);
            assertEquals(parse(expected), findings(r));
        }

        @Test
        void recordsStartingAfterTheEvaluationTimeDoNotCount() {
            Records r = Records.male().testosterone("2024-01-01").anastrozole("2026-08-01", 1.0).vitD("2026-05-01", 10);
            assertEquals(Map.of(), findings(r));
        }

        @Test
        void resultsAfterTheEvaluationTimeAreNotYetKnown() {
            assertEquals(Map.of(), findings(quietMale().e2("2026-05-01", 27).e2("2026-08-01", 5)));
        }
    }

    @Nested
    class Order {
        @Test
        void anAromataseInhibitorOrderOnSuppressedEstradiolIsCritical() {
            Records r = Records.male().testosterone("2024-01-01").labsUpToDate("2026-05-01").e2("2026-05-01", 14);
            DraftOrder order = new DraftOrder("MedicationRequest/draft", Ingredient.ANASTROZOLE,
                    new WeeklyDose(7, "1 mg x 7/week"), false);
            Evaluation e = ENGINE.evaluate(r.build(), AS_OF, order);
            assertEquals(parse("AI_ORDER_REVIEW=high"), findings(e));
            Finding o1 = e.findings().get(0);
            assertTrue(o1.actions().contains(Action.ORDER_DXA), "no DXA ever: suggest a baseline");
            assertTrue(o1.actions().contains(Action.REVIEW_AI_DOSE), "7 mg/week triggers D1");
            assertTrue(o1.implicated().contains("MedicationRequest/draft"));
        }

        @Test
        void noRecentEstradiolIsAWarningWithASuggestionToMeasureFirst() {
            Records r = Records.male().testosterone("2024-01-01").spine("2025-10-01", 1.1, -0.4).e2("2025-06-01", 40);
            DraftOrder order = new DraftOrder("MedicationRequest/draft", Ingredient.ANASTROZOLE,
                    new WeeklyDose(1, "0.5 mg x 2/week"), false);
            Evaluation e = ENGINE.evaluate(r.build(), AS_OF, order);
            assertEquals(parse("AI_ORDER_REVIEW=moderate"), findings(e));
            assertTrue(e.findings().get(0).actions().contains(Action.ORDER_SENSITIVE_ESTRADIOL));
        }

        @Test
        void aTypicalOrderWithRecentGoodDataIsQuiet() {
            Records r = Records.male().testosterone("2024-01-01").spine("2025-10-01", 1.1, -0.4).e2("2026-05-01", 45);
            DraftOrder order = new DraftOrder("MedicationRequest/draft", Ingredient.ANASTROZOLE,
                    new WeeklyDose(1, "0.5 mg x 2/week"), false);
            assertFalse(findings(ENGINE.evaluate(r.build(), AS_OF, order)).containsKey("AI_ORDER_REVIEW"));
        }
    }

    @Test
    void everyFindingIsTraceable() {
        Evaluation e = ENGINE.evaluate(quietMale().e2("2026-05-01", 8).build(), AS_OF);
        for (Finding f : e.findings()) {
            assertEquals(Engine.RULESET_VERSION, f.rulesetVersion());
            assertFalse(f.threshold().isBlank());
            assertFalse(f.evidence().isEmpty());
            assertFalse(f.implicated().isEmpty());
            assertFalse(f.sources().isEmpty());
            assertTrue(f.summary().length() <= 140);
        }
    }

    @Test
    void thresholdsComeFromConfiguration() {
        RuleParameters p = Records.defaults();
        RuleParameters stricter = new RuleParameters(25, p.estradiolSevereBelow(), 30, p.persistentMinDaysApart(),
                p.monitoringMinDaysOnAi(), p.estradiolRecheckDays(), p.tScoreOsteoporosisAtOrBelow(),
                p.tScoreOsteopeniaBelow(), p.zScoreLowAtOrBelow(), p.tScoreMinAge(), p.lscLumbarSpinePercent(),
                p.lscTotalHipPercent(), p.lscFemurPercent(), p.fastSpineLossPercentPerYear(), p.baselineMonthsBeforeAi(),
                p.dxaOverdueMonths(), p.vitaminDCalciumMonths(), p.vitaminDDeficientBelow(), p.vitaminDInsufficientBelow(),
                p.anastrozoleWeeklyAbove(), p.anastrozoleWeeklyHighAtOrAbove(), p.orderEstradiolWarningBelow(),
                p.suggestedDoseMg(), p.suggestedDosesPerWeek(), p.exposureGapJoinsBelowDays(), p.recentlyCompletedDays(),
                p.contextAgeAtOrAbove());
        Evaluation e = new Engine(stricter).evaluate(quietMale().e2("2026-05-01", 22).build(), AS_OF);
        assertEquals(parse("E2_SUPPRESSED=moderate"), findings(e));
        assertTrue(e.findings().get(0).threshold().startsWith("estradiol < 25 pg/mL"));
    }

    static Map<String, String> parse(String expected) {
        Map<String, String> out = new TreeMap<>();
        if (expected == null || expected.isBlank()) {
            return out;
        }
        for (String pair : expected.split(",")) {
            String[] kv = pair.trim().split("=");
            out.put(kv[0], kv[1]);
        }
        return out;
    }

    @Test
    void extremeValuesKeepSummariesShortInsteadOfFailing() {
        Records r = Records.male().testosterone("2024-01-01").anastrozole("2024-03-01", 3.0e12)
                .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.0e-300, -7.5e200)
                .labsUpToDate("2026-05-01").e2("2026-05-01", 27);
        Evaluation e = ENGINE.evaluate(r.build(), AS_OF);
        assertEquals(Map.of("AI_DOSE_ABOVE_TYPICAL", "high", "BMD_OSTEOPOROSIS", "high", "BMD_DECLINE", "high"), findings(e));
        e.findings().forEach(f -> assertTrue(f.summary().length() <= Finding.SUMMARY_MAX, f.summary()));
        assertTrue(e.findings().stream().anyMatch(f -> f.summary().contains("3E+12")), "large numbers in short form");
    }

    /** What ruleset 1.1 added (RULES.md "Changes"), each at its boundary. */
    @Nested
    class Ruleset11 {
        /** A man who, alive, would get E1, M1 and M3 (case 13 of RULES.md 1.1). */
        Records suppressedMaleWithoutMonitoring() {
            return Records.male().testosterone("2024-01-01").anastrozole("2024-03-01", 7.0).e2("2026-05-01", 12);
        }

        @Test
        void aDeceasedPatientIsNotEvaluatedAndGetsOneInformationNotice() {
            Evaluation alive = ENGINE.evaluate(suppressedMaleWithoutMonitoring().build(), AS_OF);
            assertFalse(alive.findings().isEmpty(), "alive, the same record fires");
            Evaluation e = ENGINE.evaluate(suppressedMaleWithoutMonitoring().deceased(null).build(), AS_OF);
            assertEquals(Map.of(), findings(e));
            assertEquals(1, e.notices().size());
            assertEquals(Notice.Level.INFORMATION, e.notices().get(0).level());
            assertTrue(e.notices().get(0).message().contains("deceased"));
        }

        @ParameterizedTest(name = "died {0} -> evaluated {1}")
        @CsvSource({"2026-07-01, false", "2026-06-30, false", "2026-07-02, true"})
        void aDeathDateCountsAtOrBeforeTheEvaluationInstant(String died, boolean evaluated) {
            Evaluation e = ENGINE.evaluate(suppressedMaleWithoutMonitoring().deceased(died).build(), AS_OF);
            assertEquals(evaluated, !e.findings().isEmpty());
        }

        @ParameterizedTest(name = "forearm T {0}, spine T -0.5 -> {1}")
        @CsvSource({"-2.5, BMD_OSTEOPOROSIS=high", "-2.49, BMD_OSTEOPENIA=moderate", "-1.0, ''"})
        void theForearmIsAClassificationSite(double forearm, String expected) {
            Records r = quietMale().e2("2026-05-01", 27)
                    .dxa(Kind.T_SCORE, Region.FOREARM, "2025-10-01", forearm);
            assertEquals(parse(expected), findings(r));
        }

        @Test
        void theForearmIsNeverComparedOverTime() {
            // a 20 % forearm BMD loss (a deployment's one-third radius BMD code) fires no BMD_DECLINE
            Records r = quietMale().e2("2026-05-01", 27)
                    .dxa(Kind.BMD, Region.FOREARM, "2024-02-15", 0.8).dxa(Kind.BMD, Region.FOREARM, "2025-10-01", 0.64);
            assertEquals(Map.of(), findings(r));
        }

        @ParameterizedTest(name = "{0} on {1} -> {2}")
        @CsvSource({
                // AI since 2024-03-01: the baseline window opens 2023-03-01; overdue before 2024-07-01
                "PROCEDURE, 2024-07-01, ''",
                "REPORT, 2024-07-01, ''",
                "PROCEDURE, 2024-06-30, DXA_OVERDUE=moderate",
                "PROCEDURE, 2023-02-28, 'DXA_NO_BASELINE=moderate,DXA_OVERDUE=moderate'",
        })
        void aScanOnRecordIsADxaForTheMonitoringRules(DxaScan.Kind kind, String date, String expected) {
            Records r = Records.male().testosterone("2024-01-01").anastrozole("2024-03-01", 1.0)
                    .labsUpToDate("2026-05-01").e2("2026-05-01", 27).scan(kind, date);
            assertEquals(parse(expected), findings(r));
        }

        @Test
        void aScanWithoutNumbersNeverClassifiesAndAnOlderScoreStillDoes() {
            // the newest DXA date with results decides B1/B2; a later procedure only dates M2
            Records r = quietMale().e2("2026-05-01", 27).dxa(Kind.T_SCORE, Region.TOTAL_HIP, "2025-10-01", -2.7)
                    .scan(DxaScan.Kind.PROCEDURE, "2026-06-01");
            assertEquals(Map.of("BMD_OSTEOPOROSIS", "high"), findings(r));
        }

        @Test
        void aScanOnRecordSettlesTheOrderRulesBaselineDxa() {
            Records r = Records.male().testosterone("2024-01-01").e2("2026-05-01", 35).labsUpToDate("2026-05-01");
            DraftOrder draft = new DraftOrder("MedicationRequest/draft", Ingredient.ANASTROZOLE,
                    new WeeklyDose(0.5, "0.5 mg/week"), false);
            assertEquals(Map.of("AI_ORDER_REVIEW", "low"), findings(ENGINE.evaluate(r.build(), AS_OF, draft)));
            r.scan(DxaScan.Kind.PROCEDURE, "2025-01-10");
            assertEquals(Map.of(), findings(ENGINE.evaluate(r.build(), AS_OF, draft)));
        }
    }

    /** RULES.md 1.2: what a finding says and recommends; no firing condition changed. */
    @Nested
    class Ruleset12 {
        /** A woman on letrozole (no TRT) since 2024-06-01 with recent labs. */
        Records womanOnLetrozole() {
            return Records.female().born("1958-01-01").exposure(Ingredient.LETROZOLE, "2024-06-01", null, true)
                    .labsUpToDate("2026-05-01");
        }

        Finding only(Records r, Rule rule) {
            return ENGINE.evaluate(r.build(), AS_OF).findings().stream().filter(f -> f.rule() == rule).findFirst().orElseThrow();
        }

        java.util.List<String> actions(Finding f) {
            return f.actions().stream().map(Action::code).toList();
        }

        @Test
        void theActionTableByTestosteroneTherapy() {
            Finding trt = only(quietMale().e2("2026-05-01", 27).spine("2026-03-01", 1.09, -2.6), Rule.B1);
            assertEquals(java.util.List.of("review-ai-dose", "consider-bone-protective-therapy", "calcium-vitamin-d-intake",
                    "weight-bearing-exercise", "consider-referral"), actions(trt));
            Finding noTrt = only(womanOnLetrozole().spine("2024-05-20", 0.9, -2.0).spine("2026-02-01", 0.885, -2.7), Rule.B1);
            assertEquals(java.util.List.of("consider-bone-protective-therapy", "calcium-vitamin-d-intake",
                    "weight-bearing-exercise", "consider-referral"), actions(noTrt));
            assertTrue(noTrt.notes().stream().anyMatch(n -> n.contains("bisphosphonate or denosumab")), noTrt.notes().toString());
            assertTrue(noTrt.sources().contains(Source.HADJI_2017) && noTrt.sources().contains(Source.COLEMAN_2020_ESMO));
            Finding b2 = only(womanOnLetrozole().spine("2024-05-20", 0.9, -1.6).spine("2026-02-01", 0.89, -1.8), Rule.B2);
            assertEquals(java.util.List.of("calcium-vitamin-d-intake", "weight-bearing-exercise"), actions(b2));
            assertTrue(b2.notes().stream().anyMatch(n -> n.contains("Assess fracture risk")), b2.notes().toString());
        }

        @Test
        void aManWithoutTestosteroneIsNeverToldToReviewTheAiDose() {
            Records r = Records.male().born("1960-01-01").anastrozole("2024-03-01", 7.0).e2("2026-05-01", 12)
                    .spine("2024-02-15", 1.1, -0.4).spine("2025-10-01", 1.095, -0.45).labsUpToDate("2026-05-01");
            Finding e1 = only(r, Rule.E1);
            assertEquals(java.util.List.of(), actions(e1));
            assertTrue(e1.notes().stream().anyMatch(n -> n.contains("estradiol suppression is its intended effect")));
            assertFalse(ENGINE.evaluate(r.build(), AS_OF).findings().stream().anyMatch(f -> f.actions().contains(Action.REVIEW_AI_DOSE)));
            Finding withTrt = only(r.testosterone("2024-01-01"), Rule.E1);
            assertEquals(java.util.List.of("review-ai-dose"), actions(withTrt));
        }

        @ParameterizedTest(name = "newest DXA {0} -> ''{1}''")
        @CsvSource({
                "2024-05-31, 'DXA T-score -2.6 (lumbar spine), 2024-05-31, before letrozole started: osteoporosis range'",
                "2024-06-01, 'DXA T-score -2.6 (lumbar spine), 2024-06-01, as letrozole started: osteoporosis range'",
                "2024-06-02, 'DXA T-score -2.6 (lumbar spine), 2024-06-02, on letrozole: osteoporosis range'",
        })
        void aScanBeforeTheAiIsSaidToBeSo(String date, String summary) {
            Finding b1 = only(womanOnLetrozole().dxa(Kind.T_SCORE, Region.LUMBAR_SPINE, date, -2.6), Rule.B1);
            assertEquals(summary, b1.summary());
        }

        @ParameterizedTest(name = "T {0} -> {1}")
        @CsvSource({"-3.414, -3.4", "-2.46, -2.46", "-2.54, -2.54", "-2.5, -2.5", "-2.66, -2.7", "-0.96, -0.96", "-1.04, -1.04"})
        void aScoreIsRoundedAsAPersonWritesItButNeverAcrossAThreshold(double t, String shown) {
            Finding f = ENGINE.evaluate(womanOnLetrozole().dxa(Kind.T_SCORE, Region.FOREARM, "2025-10-01", t).build(), AS_OF)
                    .findings().stream().filter(x -> x.rule().family() == Rule.Family.BONE).findFirst().orElse(null);
            if (f != null) {
                assertTrue(f.summary().startsWith("DXA T-score " + shown + " (forearm)"), f.summary());
            } else {
                assertEquals("-0.96", shown, "only a normal T-score fires nothing");
            }
        }

        @Test
        void summariesStateDatesNotTreatmentTaken() {
            Finding m1 = only(womanOnLetrozole(), Rule.M1);
            assertEquals("No baseline DXA: letrozole since 2024-06-01, 760 days; no DXA since 2023-06-01", m1.summary());
            assertFalse(m1.summary().contains("days on"));
        }

        @ParameterizedTest(name = "onset {0}, abated {1}, active today {2} -> counts {3}")
        @CsvSource({
                "2020-01-01, , true, true",
                "2020-01-01, , false, false",
                "2020-01-01, 2026-09-01, false, true",
                "2020-01-01, 2026-07-01, true, false",
                "2020-01-01, 2025-01-01, true, false",
                "2026-08-01, , true, false",
                ", , true, true",
        })
        void aConditionIsJudgedAsItStoodAtTheEvaluationInstant(String onset, String abated, boolean active, boolean counts) {
            Records r = womanOnLetrozole().spine("2024-05-20", 0.9, -2.0).spine("2026-02-01", 0.885, -2.7)
                    .condition(ClinicalContext.Kind.ALCOHOL_EXCESS, "Alcohol abuse", onset, abated, active);
            assertEquals(counts, only(r, Rule.B1).notes().stream().anyMatch(n -> n.contains("Alcohol abuse")));
        }

        @Test
        void historyCountsWhateverBecameOfIt() {
            Records r = womanOnLetrozole().spine("2024-05-20", 0.9, -2.0).spine("2026-02-01", 0.885, -2.7)
                    .condition(ClinicalContext.Kind.FRAGILITY_FRACTURE, "Vertebral fracture", "2019-03-02", "2019-09-01", false)
                    .condition(ClinicalContext.Kind.OSTEOPOROSIS_DIAGNOSIS, "Osteoporosis", "2010-04-02", "2012-01-01", false);
            Finding b1 = only(r, Rule.B1);
            assertTrue(b1.notes().contains("A fragility fracture is on record: this is severe osteoporosis."), b1.notes().toString());
            assertTrue(b1.notes().contains("Known diagnosis: osteoporosis diagnosed 2010-04-02."), b1.notes().toString());
            // every B- and M-finding names it; a diagnosis made after asOf is not yet known
            Records later = womanOnLetrozole().condition(ClinicalContext.Kind.OSTEOPENIA_DIAGNOSIS, "Osteopenia", "2026-08-01", null, true);
            assertFalse(only(later, Rule.M1).notes().stream().anyMatch(n -> n.contains("osteopenia")));
            Records known = womanOnLetrozole().condition(ClinicalContext.Kind.OSTEOPENIA_DIAGNOSIS, "Osteopenia", "2021-05-06", null, false);
            assertTrue(only(known, Rule.M1).notes().contains("Known diagnosis: osteopenia diagnosed 2021-05-06."));
        }
    }
}
