package org.e2guard.bench;

import java.time.LocalDate;
import java.util.Random;

/**
 * Generates a realistic multi-patient Bundle (JSON text) for benchmarks: per patient about 30
 * resources — Patient, testosterone and anastrozole statements, four DXA scans, estradiol,
 * testosterone, vitamin D and calcium series, a condition — with seeded random values so that
 * every rule fires for some patients and none for others.
 */
public final class SyntheticPatients {
    private SyntheticPatients() {
    }

    public static String bundle(int patients, long seed) {
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder(patients * 12_000);
        sb.append("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[");
        boolean first = true;
        for (int p = 0; p < patients; p++) {
            String pid = "bench-" + p;
            boolean male = rnd.nextInt(10) < 8;
            int resources = 0;
            first = entry(sb, first, pid, "Patient", pid, "{\"resourceType\":\"Patient\",\"id\":\"" + pid + "\",\"gender\":\""
                    + (male ? "male" : "female") + "\",\"birthDate\":\"" + (1950 + rnd.nextInt(40)) + "-0" + (1 + rnd.nextInt(9))
                    + "-1" + rnd.nextInt(10) + "\",\"identifier\":[{\"system\":\"http://ehr.example.org/mrn\",\"value\":\"MRN-" + p + "\"}]}");
            resources++;
            if (male) {
                first = entry(sb, first, pid, "MedicationStatement", pid + "-trt", medication(pid + "-trt", pid,
                        "http://www.whocc.no/atc", "G03BA03", "testosterone", "2023-01-01", 100, 1, "wk"));
                resources++;
            }
            double aiDose = new double[] {0.25, 0.5, 0.5, 1.0}[rnd.nextInt(4)];
            int perWeek = rnd.nextInt(5) == 0 ? 7 : 2;
            LocalDate aiStart = LocalDate.of(2023, 1, 1).plusDays(rnd.nextInt(900));
            first = entry(sb, first, pid, "MedicationStatement", pid + "-ai", medication(pid + "-ai", pid,
                    "http://www.nlm.nih.gov/research/umls/rxnorm", "84857", "anastrozole", aiStart.toString(), aiDose,
                    perWeek, perWeek == 7 ? "d" : "wk").replace("\"frequency\":7,\"period\":1,\"periodUnit\":\"d\"",
                    "\"frequency\":1,\"period\":1,\"periodUnit\":\"d\""));
            resources++;
            double bmd = 0.9 + rnd.nextDouble() * 0.3;
            double t = -2.8 + rnd.nextDouble() * 3;
            for (int scan = 0; scan < 4 && resources < 28; scan++) {
                String date = aiStart.minusMonths(6).plusMonths(scan * 9L).toString();
                first = entry(sb, first, pid, "Observation", pid + "-bmd" + scan,
                        observation(pid + "-bmd" + scan, pid, "24966-4", bmd, "g/cm2", date, null));
                first = entry(sb, first, pid, "Observation", pid + "-t" + scan,
                        observation(pid + "-t" + scan, pid, "38267-1", t, "1", date, null));
                bmd -= rnd.nextDouble() * 0.03;
                t -= rnd.nextDouble() * 0.2;
                resources += 2;
            }
            String[][] series = {
                    {"35384-7", "pg/mL", "8", "40"}, {"2986-8", "ng/dL", "300", "900"},
                    {"62292-8", "ng/mL", "12", "45"}, {"17861-6", "mg/dL", "8.6", "10.2"}};
            while (resources < 30) {
                for (String[] s : series) {
                    if (resources >= 30) {
                        break;
                    }
                    double low = Double.parseDouble(s[2]);
                    double value = low + rnd.nextDouble() * (Double.parseDouble(s[3]) - low);
                    String date = LocalDate.of(2025, 1, 1).plusDays(rnd.nextInt(540)).toString();
                    String id = pid + "-o" + resources;
                    first = entry(sb, first, pid, "Observation", id, observation(id, pid, s[0], value, s[1], date,
                            rnd.nextInt(20) == 0 ? "<" : null));
                    resources++;
                }
            }
        }
        return sb.append("]}").toString();
    }

    private static boolean entry(StringBuilder sb, boolean first, String pid, String type, String id, String resource) {
        if (!first) {
            sb.append(',');
        }
        sb.append("{\"fullUrl\":\"http://ehr.example.org/fhir/").append(type).append('/').append(id)
                .append("\",\"resource\":").append(resource).append('}');
        return false;
    }

    private static String medication(String id, String pid, String system, String code, String display, String start,
                                     double dose, int frequency, String periodUnit) {
        return "{\"resourceType\":\"MedicationStatement\",\"id\":\"" + id + "\",\"status\":\"active\","
                + "\"medicationCodeableConcept\":{\"coding\":[{\"system\":\"" + system + "\",\"code\":\"" + code
                + "\",\"display\":\"" + display + "\"}]},\"subject\":{\"reference\":\"Patient/" + pid + "\"},"
                + "\"effectivePeriod\":{\"start\":\"" + start + "\"},\"dosage\":[{\"doseAndRate\":[{\"doseQuantity\":{\"value\":"
                + dose + ",\"unit\":\"mg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"}}],\"timing\":{\"repeat\":"
                + "{\"frequency\":" + frequency + ",\"period\":1,\"periodUnit\":\"" + periodUnit + "\"}}}]}";
    }

    private static String observation(String id, String pid, String loinc, double value, String unit, String date,
                                      String comparator) {
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"status\":\"final\",\"category\":[{\"coding\":"
                + "[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],"
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + loinc + "\"}]},"
                + "\"subject\":{\"reference\":\"Patient/" + pid + "\"},\"effectiveDateTime\":\"" + date + "\","
                + "\"valueQuantity\":{\"value\":" + String.format(java.util.Locale.ROOT, "%.3f", value)
                + (comparator == null ? "" : ",\"comparator\":\"" + comparator + "\"")
                + ",\"unit\":\"" + unit + "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + unit + "\"}}";
    }
}
