package org.e2guard.engine;

/** The literature behind the rules (SOURCES.md of the clinical specification the project implements), cited by every finding. */
public enum Source {
    BURNETT_BOWIE_2009("burnett-bowie-2009", "Burnett-Bowie et al., J Clin Endocrinol Metab 2009",
            "Burnett-Bowie SA et al. Effects of aromatase inhibition on bone mineral density and bone turnover in older men with low testosterone levels. J Clin Endocrinol Metab 2009;94(12):4785-92",
            "https://doi.org/10.1210/jc.2009-0739"),
    EASTELL_2008_ATAC("eastell-2008-atac", "Eastell et al., ATAC 5-year BMD, J Clin Oncol 2008",
            "Eastell R et al. Effect of anastrozole on bone mineral density: 5-year results from the ATAC trial. J Clin Oncol 2008;26(7):1051-7",
            "https://doi.org/10.1200/JCO.2007.11.0726"),
    KHOSLA_RIGGS("khosla-riggs", "Khosla, Riggs et al., Estrogen and the male skeleton, JCEM 2002",
            "Khosla S, Riggs BL et al. Estrogen and the male skeleton. J Clin Endocrinol Metab 2002;87(4):1443-50",
            "https://doi.org/10.1210/jcem.87.4.8417"),
    WHO_1994("who-1994", "WHO Technical Report Series 843, 1994",
            "WHO Study Group. Assessment of fracture risk and its application to screening for postmenopausal osteoporosis. WHO Technical Report Series 843 (1994)",
            "https://iris.who.int/handle/10665/39142"),
    ISCD("iscd", "ISCD Official Positions (adult)",
            "International Society for Clinical Densitometry. Official Positions (adult)",
            "https://iscd.org/official-positions-2023/"),
    MONITORING("monitoring", "e2guard monitoring guidance (DXA, calcium, 25-OH vitamin D)",
            "e2guard background articles on monitoring bone health on aromatase inhibitors (DXA baseline and every 1-2 years; calcium and 25-OH vitamin D every 6-12 months)",
            "https://e2guard.org/docs/rules#monitoring"),
    HADJI_2017("hadji-2017", "Hadji et al., AI-associated bone loss, J Bone Oncol 2017",
            "Hadji P et al. Management of Aromatase Inhibitor-Associated Bone Loss (AIBL) in postmenopausal women with hormone sensitive breast cancer: joint position statement of the IOF, CABS, ECTS, IEG, ESCEO, IMS, and SIOG. J Bone Oncol 2017;7:1-12",
            "https://doi.org/10.1016/j.jbo.2017.03.001"),
    COLEMAN_2020_ESMO("coleman-2020-esmo", "Coleman et al., Bone health in cancer, ESMO guidelines, Ann Oncol 2020",
            "Coleman R et al. Bone health in cancer: ESMO Clinical Practice Guidelines. Ann Oncol 2020;31(12):1650-1663",
            "https://doi.org/10.1016/j.annonc.2020.07.019"),
    DOSING("dosing", "e2guard anastrozole dosing guidance with TRT",
            "e2guard background articles on anastrozole dosing with testosterone therapy (typical 0.25-0.5 mg twice weekly; estradiol target 20-30 pg/mL)",
            "https://e2guard.org/docs/rules#dosing");

    private final String key;
    private final String label;
    private final String citation;
    private final String url;

    Source(String key, String label, String citation, String url) {
        this.key = key;
        this.label = label;
        this.citation = citation;
        this.url = url;
    }

    /** A short citation for cards and detail text; {@link #citation()} is the full reference. */
    public String label() {
        return label;
    }

    public String key() {
        return key;
    }

    public String citation() {
        return citation;
    }

    public String url() {
        return url;
    }
}
