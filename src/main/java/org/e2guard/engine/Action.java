package org.e2guard.engine;

/**
 * Recommended actions (RULES.md §5); which finding recommends which is {@link ActionTable}'s. The
 * CDS layer turns the orderable ones into suggestions.
 */
public enum Action {
    ORDER_DXA("order-dxa", "Order a DXA scan (lumbar spine and hip)"),
    ORDER_SENSITIVE_ESTRADIOL("order-sensitive-estradiol", "Order a sensitive (LC-MS/MS) estradiol"),
    ORDER_VITAMIN_D("order-vitamin-d", "Order 25-OH vitamin D"),
    ORDER_CALCIUM("order-calcium", "Order serum calcium"),
    REVIEW_AI_DOSE("review-ai-dose", "Review the aromatase inhibitor dose"),
    CONSIDER_BONE_PROTECTIVE_THERAPY("consider-bone-protective-therapy",
            "Consider bone-protective therapy: assess fracture risk; a bisphosphonate or denosumab"),
    CALCIUM_VITAMIN_D_INTAKE("calcium-vitamin-d-intake", "Review calcium and vitamin D intake"),
    WEIGHT_BEARING_EXERCISE("weight-bearing-exercise", "Encourage weight-bearing exercise"),
    CONSIDER_REFERRAL("consider-referral", "Consider referral (endocrinology / bone health)");

    private final String code;
    private final String display;

    Action(String code, String display) {
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
