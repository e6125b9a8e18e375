package org.e2guard.subscription;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Timing;

/**
 * Test patients relative to now (the subscription path evaluates "now"): a man on testosterone
 * and anastrozole 0.5 mg twice weekly for 400 days, with a normal DXA, vitamin D and calcium in
 * range. With an estradiol below 20 pg/mL exactly one rule fires (E1, E2_SUPPRESSED); with 26 pg/mL
 * none does.
 */
public final class Fixtures {
    static final String LOINC = "http://loinc.org";
    static final String UCUM = "http://unitsofmeasure.org";

    private Fixtures() {
    }

    public static List<Resource> manOnAnastrozole(String pid) {
        Instant now = Instant.now();
        Patient p = new Patient();
        p.setId(pid);
        p.setGender(Enumerations.AdministrativeGender.MALE);
        p.setBirthDateElement(new DateType("1968-04-02"));
        MedicationStatement trt = statement(pid + "-trt", pid, new Coding("http://www.whocc.no/atc", "G03BA03", "testosterone"),
                now.minus(500, ChronoUnit.DAYS), 100, 1);
        MedicationStatement ai = statement(pid + "-ai", pid,
                new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "84857", "anastrozole"),
                now.minus(400, ChronoUnit.DAYS), 0.5, 2);
        Observation dxa = observation(pid + "-dxa", pid, "38267-1", -0.5, "1", now.minus(200, ChronoUnit.DAYS));
        Observation vitD = observation(pid + "-vitd", pid, "62292-8", 35, "ng/mL", now.minus(30, ChronoUnit.DAYS));
        Observation calcium = observation(pid + "-ca", pid, "17861-6", 9.5, "mg/dL", now.minus(30, ChronoUnit.DAYS));
        return List.of(p, trt, ai, dxa, vitD, calcium);
    }

    /** A sensitive (LC-MS/MS) estradiol in pg/mL, taken {@code daysAgo} days ago. */
    public static Observation estradiol(String id, String pid, double pgPerMl, int daysAgo) {
        return observation(id, pid, "35384-7", pgPerMl, "pg/mL", Instant.now().minus(daysAgo, ChronoUnit.DAYS));
    }

    static Observation observation(String id, String pid, String loinc, double value, String unit, Instant when) {
        Observation o = new Observation();
        o.setId(id);
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setCode(new CodeableConcept(new Coding(LOINC, loinc, null)));
        o.setSubject(new Reference("Patient/" + pid));
        o.setEffective(new DateTimeType(Date.from(when)));
        o.setValue(new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(unit));
        return o;
    }

    static MedicationStatement statement(String id, String pid, Coding drug, Instant start, double mg, int perWeek) {
        MedicationStatement m = new MedicationStatement();
        m.setId(id);
        m.setStatus(MedicationStatement.MedicationStatementStatus.ACTIVE);
        m.setMedication(new CodeableConcept(drug));
        m.setSubject(new Reference("Patient/" + pid));
        m.setEffective(new Period().setStartElement(new DateTimeType(Date.from(start))));
        Dosage d = m.addDosage();
        d.addDoseAndRate().setDose(new Quantity().setValue(mg).setUnit("mg").setSystem(UCUM).setCode("mg"));
        d.setTiming(new Timing().setRepeat(new Timing.TimingRepeatComponent().setFrequency(perWeek).setPeriod(1)
                .setPeriodUnit(Timing.UnitsOfTime.WK)));
        return m;
    }

    /** One patient with one finding (estradiol 14 pg/mL on anastrozole): what the EHR benchmarks and burst tests file. */
    public static List<Resource> oneFinding(String pid) {
        List<Resource> chart = new ArrayList<>(manOnAnastrozole(pid));
        chart.add(estradiol(pid + "-e2", pid, 14, 5));
        return chart;
    }

    /** The resources as one transaction of PUTs under their own ids, as an EHR's interface engine files them. */
    public static Bundle transaction(List<? extends Resource> resources) {
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Resource r : resources) {
            String url = r.fhirType() + "/" + r.getIdElement().getIdPart();
            tx.addEntry().setFullUrl(url).setResource(r).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(url);
        }
        return tx;
    }

    /** A collection Bundle of the resources, for the test EHR's /control/load. */
    public static Bundle bundle(List<? extends Resource> resources) {
        Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
        resources.forEach(r -> b.addEntry().setResource(r));
        return b;
    }
}
