package org.e2guard.evaluation;

import java.util.EnumMap;
import java.util.Map;

import org.e2guard.engine.Rule;
import org.e2guard.engine.RuleMode;
import org.e2guard.engine.RuleModes;
import org.e2guard.engine.RuleParameters;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every threshold of RULES.md, overridable per deployment without a rebuild
 * ({@code E2GUARD_RULES_ESTRADIOL_SUPPRESSED_BELOW=25}, say). The defaults here are the
 * specification's and exist nowhere else.
 */
@ConfigMapping(prefix = "e2guard.rules")
public interface RulesConfig {

    Estradiol estradiol();

    Bone bone();

    Monitoring monitoring();

    Dose dose();

    Order order();

    Exposure exposure();

    interface Estradiol {
        /** E1: estradiol below this (pg/mL) is suppressed. */
        @WithDefault("20")
        double suppressedBelow();

        /** E1 is high severity below this (pg/mL). */
        @WithDefault("10")
        double severeBelow();

        /** E2: from suppressed-below up to (not including) this (pg/mL) is borderline. */
        @WithDefault("25")
        double borderlineBelow();

        /** E3: the two suppressed results are at least this many days apart. */
        @WithDefault("90")
        int persistentMinDaysApart();

        /** E4: estradiol is expected within this many days. */
        @WithDefault("180")
        int recheckDays();
    }

    interface Bone {
        @WithDefault("-2.5")
        double tScoreOsteoporosisAtOrBelow();

        @WithDefault("-1.0")
        double tScoreOsteopeniaBelow();

        /** Under the T-score age, a Z-score at or below this counts as B1 (ISCD). */
        @WithDefault("-2.0")
        double zScoreLowAtOrBelow();

        /** T-scores apply from this age on the scan date; Z-scores below it. */
        @WithDefault("50")
        int tScoreMinAge();

        /** B3 least significant change, percent. */
        @WithDefault("3.0")
        double lscLumbarSpinePercent();

        @WithDefault("3.5")
        double lscTotalHipPercent();

        @WithDefault("5.0")
        double lscFemurPercent();

        /** B3 is high when lumbar spine loss per year reaches this percentage. */
        @WithDefault("1.7")
        double fastSpineLossPercentPerYear();

        /** Baseline DXA/BMD counts from this many months before the AI run started (B3, M1). */
        @WithDefault("12")
        int baselineMonthsBeforeAi();
    }

    interface Monitoring {
        /** E4 and M1 apply after this many days on the AI. */
        @WithDefault("90")
        int minDaysOnAi();

        /** M2: newest DXA older than this many months (policy may set 12). */
        @WithDefault("24")
        int dxaOverdueMonths();

        /** M3: 25-OH vitamin D and calcium expected within this many months. */
        @WithDefault("12")
        int vitaminDCalciumMonths();

        /** M4 moderate below this (ng/mL). */
        @WithDefault("20")
        double vitaminDDeficientBelow();

        /** M4 low below this (ng/mL). */
        @WithDefault("30")
        double vitaminDInsufficientBelow();

        /** Context: age at or above this is listed as a risk factor. */
        @WithDefault("70")
        int riskAge();
    }

    interface Dose {
        /** D1 fires above this weekly anastrozole dose (mg). */
        @WithDefault("1.0")
        double anastrozoleWeeklyAbove();

        /** D1 is high at or above this weekly dose (mg). */
        @WithDefault("7.0")
        double anastrozoleWeeklyHighAtOrAbove();
    }

    interface Order {
        /** O1 warns while the latest estradiol is below this (pg/mL). */
        @WithDefault("30")
        double estradiolWarningBelow();

        /** O1 suggests this anastrozole dose (mg) ... */
        @WithDefault("0.5")
        double suggestedDoseMg();

        /** ... this many times a week. */
        @WithDefault("2")
        int suggestedDosesPerWeek();
    }

    interface Exposure {
        /** Medication records with gaps shorter than this (days) form one continuous run. */
        @WithDefault("90")
        int gapJoinsBelowDays();

        /** A run that ended at most this many days ago still counts ("recently completed"). */
        @WithDefault("90")
        int recentlyCompletedDays();
    }

    // Each rule's mode (e2guard.rules.e1.mode = active | silent | off): deployment policy, see RuleMode.
    Mode e1();

    Mode e2();

    Mode e3();

    Mode e4();

    Mode b1();

    Mode b2();

    Mode b3();

    Mode m1();

    Mode m2();

    Mode m3();

    Mode m4();

    Mode d1();

    Mode o1();

    /** A rule's deployment setting. */
    interface Mode {
        /** active: cards and write-back; silent: counted and returned tagged, never shown or written; off: dropped. */
        @WithDefault("active")
        RuleMode mode();
    }

    /** Every rule's mode, by rule. */
    default RuleModes modes() {
        Map<Rule, RuleMode> out = new EnumMap<>(Rule.class);
        out.put(Rule.E1, e1().mode());
        out.put(Rule.E2, e2().mode());
        out.put(Rule.E3, e3().mode());
        out.put(Rule.E4, e4().mode());
        out.put(Rule.B1, b1().mode());
        out.put(Rule.B2, b2().mode());
        out.put(Rule.B3, b3().mode());
        out.put(Rule.M1, m1().mode());
        out.put(Rule.M2, m2().mode());
        out.put(Rule.M3, m3().mode());
        out.put(Rule.M4, m4().mode());
        out.put(Rule.D1, d1().mode());
        out.put(Rule.O1, o1().mode());
        return new RuleModes(out);
    }

    default RuleParameters toParameters() {
        return new RuleParameters(
                estradiol().suppressedBelow(), estradiol().severeBelow(), estradiol().borderlineBelow(),
                estradiol().persistentMinDaysApart(), monitoring().minDaysOnAi(), estradiol().recheckDays(),
                bone().tScoreOsteoporosisAtOrBelow(), bone().tScoreOsteopeniaBelow(), bone().zScoreLowAtOrBelow(),
                bone().tScoreMinAge(), bone().lscLumbarSpinePercent(), bone().lscTotalHipPercent(),
                bone().lscFemurPercent(), bone().fastSpineLossPercentPerYear(), bone().baselineMonthsBeforeAi(),
                monitoring().dxaOverdueMonths(), monitoring().vitaminDCalciumMonths(),
                monitoring().vitaminDDeficientBelow(), monitoring().vitaminDInsufficientBelow(),
                dose().anastrozoleWeeklyAbove(), dose().anastrozoleWeeklyHighAtOrAbove(),
                order().estradiolWarningBelow(), order().suggestedDoseMg(), order().suggestedDosesPerWeek(),
                exposure().gapJoinsBelowDays(), exposure().recentlyCompletedDays(), monitoring().riskAge());
    }
}
