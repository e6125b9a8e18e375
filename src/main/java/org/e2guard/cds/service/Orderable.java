package org.e2guard.cds.service;

import java.util.List;

import org.e2guard.engine.Action;

/**
 * The recommended actions (RULES.md §5) that are tests the clinician can order with one click,
 * each as the LOINC order code of its ServiceRequest. The value sets say which result codes
 * count as "the same test" when a draft order for it is already in the ordering session.
 */
public enum Orderable {
    DXA(Action.ORDER_DXA, "38269-7", "DXA Bone density", "DXA scan (lumbar spine and hip)", "a DXA scan",
            Category.IMAGING, List.of("dxa-report")),
    SENSITIVE_ESTRADIOL(Action.ORDER_SENSITIVE_ESTRADIOL, "72873-3",
            "Estradiol (E2) [Moles/volume] in Serum or Plasma by High sensitivity method",
            "Estradiol, sensitive assay (LC-MS/MS)", "a sensitive estradiol", Category.LABORATORY,
            List.of("estradiol-sensitive")),
    VITAMIN_D(Action.ORDER_VITAMIN_D, "62292-8",
            "25-Hydroxyvitamin D2+25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma", "25-OH vitamin D",
            "25-OH vitamin D", Category.LABORATORY, List.of("vitamin-d-total", "vitamin-d3-proxy")),
    CALCIUM(Action.ORDER_CALCIUM, "17861-6", "Calcium [Mass/volume] in Serum or Plasma", "Serum calcium",
            "serum calcium", Category.LABORATORY, List.of("calcium-serum"));

    /** ServiceRequest.category, from the R4 example value set (SNOMED CT). */
    public enum Category {
        LABORATORY("108252007", "Laboratory procedure"),
        IMAGING("363679005", "Imaging");

        private final String code;
        private final String display;

        Category(String code, String display) {
            this.code = code;
            this.display = display;
        }

        public String code() {
            return code;
        }

        public String display() {
            return display;
        }
    }

    private final Action action;
    private final String loinc;
    private final String loincDisplay;
    private final String text;
    private final String shortName;
    private final Category category;
    private final List<String> valueSets;

    Orderable(Action action, String loinc, String loincDisplay, String text, String shortName, Category category,
              List<String> valueSets) {
        this.action = action;
        this.loinc = loinc;
        this.loincDisplay = loincDisplay;
        this.text = text;
        this.shortName = shortName;
        this.category = category;
        this.valueSets = valueSets;
    }

    public static Orderable of(Action a) {
        for (Orderable o : values()) {
            if (o.action == a) {
                return o;
            }
        }
        return null;
    }

    public Action action() {
        return action;
    }

    public String loinc() {
        return loinc;
    }

    public String loincDisplay() {
        return loincDisplay;
    }

    public String text() {
        return text;
    }

    /** For labels: "order a DXA scan and serum calcium". */
    public String shortName() {
        return shortName;
    }

    public Category category() {
        return category;
    }

    public List<String> valueSets() {
        return valueSets;
    }
}
