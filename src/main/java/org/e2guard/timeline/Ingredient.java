package org.e2guard.timeline;

/** Drugs the rules recognise, grouped by class. */
public enum Ingredient {
    ANASTROZOLE(DrugClass.AROMATASE_INHIBITOR),
    LETROZOLE(DrugClass.AROMATASE_INHIBITOR),
    EXEMESTANE(DrugClass.AROMATASE_INHIBITOR),
    /** Coded only by the AI class (SNOMED 413575009, ATC L02BG, ...): an AI, ingredient unknown. */
    AROMATASE_INHIBITOR_UNSPECIFIED(DrugClass.AROMATASE_INHIBITOR),
    TESTOSTERONE(DrugClass.TESTOSTERONE),
    GLUCOCORTICOID(DrugClass.GLUCOCORTICOID);

    public enum DrugClass { AROMATASE_INHIBITOR, TESTOSTERONE, GLUCOCORTICOID }

    private final DrugClass drugClass;

    Ingredient(DrugClass drugClass) {
        this.drugClass = drugClass;
    }

    public DrugClass drugClass() {
        return drugClass;
    }

    public String label() {
        return name().toLowerCase().replace('_', ' ');
    }
}
