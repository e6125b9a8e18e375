#!/usr/bin/env python3
"""Writes the clinical golden cases of src/test/resources/clinical/cases.

Three series: c01-c15, the core scenarios (one patient's whole chart each, resources named by
what they are, e.g. p1-e2), and x01-x41, one point of RULES.md each, and r01-r48, an independent review's probes
(mostly boundaries and the 1.1 changes). Only the FHIR bundles are
built here (to keep 56 bundles consistent); every expected finding list below is written by hand
from RULES.md, never from running e2guard. The reason for each is in the README of that folder.
Re-run after editing:
    python3 src/test/scripts/clinical_cases.py
"""
import json
import os
import uuid

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "clinical", "cases")
AS_OF = "2026-07-01T00:00:00Z"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"


class P:
    """One patient's resources; subject references are Patient/<id> unless urn is set."""

    def __init__(self, pid, gender="male", birth="1968-04-02", with_patient=True):
        self.pid = pid
        self.urn = None
        self.res = []
        self.n = 0
        if with_patient:
            self.res.append({"resourceType": "Patient", "id": pid, "gender": gender, "birthDate": birth})

    def subject(self):
        return {"reference": self.urn or f"Patient/{self.pid}"}

    def _id(self, stem):
        self.n += 1
        return f"{self.pid}-{stem}{self.n}"

    def add(self, r):
        self.res.append(r)
        return r

    # --- medications -------------------------------------------------------------------
    @staticmethod
    def dose(mg, freq=None, period=None, unit=None, code=None):
        timing = {}
        if freq is not None:
            timing["repeat"] = {"frequency": freq, "period": period, "periodUnit": unit}
        if code is not None:
            timing["code"] = {"coding": [{"system": GTS, "code": code}]}
        return [{"doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"}}],
                 "timing": timing}]

    def statement(self, concept, start, end=None, status="active", dosage=None, stem="ms"):
        r = {"resourceType": "MedicationStatement", "id": self._id(stem), "status": status,
             "medicationCodeableConcept": concept, "subject": self.subject(),
             "effectivePeriod": {"start": start, **({"end": end} if end else {})}}
        if dosage:
            r["dosage"] = dosage
        return self.add(r)

    def trt(self, start="2024-01-01"):
        return self.statement({"coding": [{"system": ATC, "code": "G03BA03", "display": "testosterone"}],
                               "text": "Testosterone cypionate 200 mg/mL injection"}, start,
                              dosage=self.dose(100, 1, 1, "wk"), stem="trt")

    def anastrozole(self, start="2024-03-01", end=None, status="active", dosage=None):
        return self.statement({"coding": [{"system": RXNORM, "code": "84857", "display": "anastrozole"}]}, start,
                              end, status, dosage if dosage is not None else self.dose(0.5, 2, 1, "wk"), stem="ai")

    def letrozole(self, start="2024-03-01"):
        return self.statement({"coding": [{"system": ATC, "code": "L02BG04", "display": "letrozole"}]}, start,
                              dosage=self.dose(2.5, 1, 1, "d"), stem="ai")

    def exemestane(self, start="2024-03-01"):
        return self.statement({"coding": [{"system": ATC, "code": "L02BG06", "display": "exemestane"}]}, start,
                              dosage=self.dose(25, 1, 1, "d"), stem="ai")

    # --- observations ------------------------------------------------------------------
    def obs(self, loinc, value, unit, date, status="final", comparator=None, quantity=None, stem="obs", **extra):
        q = quantity if quantity is not None else {"value": value, "unit": unit, "system": UCUM, "code": unit}
        if comparator:
            q = {"comparator": comparator, **q}
        r = {"resourceType": "Observation", "id": self._id(stem), "status": status,
             "code": {"coding": [{"system": LOINC, "code": loinc}]}, "subject": self.subject()}
        if date:
            r["effectiveDateTime"] = date
        if q:
            r["valueQuantity"] = q
        r.update(extra)
        return self.add(r)

    def e2(self, value, date="2026-05-01", unit="pg/mL", loinc="35384-7", **kw):
        return self.obs(loinc, value, unit, date, stem="e2-", **kw)

    def vitd(self, value=34, date="2026-05-01", unit="ng/mL", loinc="62292-8"):
        return self.obs(loinc, value, unit, date, stem="vitd-")

    def calcium(self, value=9.4, date="2026-05-01", unit="mg/dL", loinc="17861-6"):
        return self.obs(loinc, value, unit, date, stem="ca-")

    def labs(self, date="2026-05-01"):
        self.vitd(34, date)
        self.calcium(9.4, date)

    def spine(self, date, bmd, t=None):
        self.obs("24966-4", bmd, "g/cm2", date, stem="bmd-")
        if t is not None:
            self.obs("38267-1", t, "1", date, stem="t-")

    def hip(self, date, bmd, t=None):
        self.obs("38261-4", bmd, "g/cm2", date, stem="hipbmd-")
        if t is not None:
            self.obs("38264-8", t, "1", date, stem="hipt-")

    def quiet_dxa(self):
        """Baseline before the AI and a recent normal scan: no B- or M1/M2 findings."""
        self.spine("2024-02-15", 1.1, -0.4)
        self.spine("2025-10-01", 1.095, -0.45)


def quiet_male(pid="p1"):
    """Male on TRT and anastrozole 0.5 mg twice weekly since 2024-03-01, DXA and labs up to date."""
    p = P(pid)
    p.trt()
    p.anastrozole()
    p.quiet_dxa()
    p.labs()
    return p


def urn(rtype, rid):
    """A stable urn:uuid for a transaction entry, so re-running the script changes nothing."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "e2guard-extra/" + rtype + "/" + rid))


def bundle(patients, kind="collection"):
    entries = []
    for p in patients:
        for r in p.res:
            if kind == "transaction":
                full = urn(r["resourceType"], r["id"])
                entries.append({"fullUrl": full, "resource": r,
                                "request": {"method": "POST", "url": r["resourceType"]}})
            else:
                entries.append({"fullUrl": f"http://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r})
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


CASES = {}


def case(name, patients, expected, kind="collection", note=None):
    """expected: (pid, rule, severity) or (pid, rule, severity, {what the finding must carry}), the
    latter with the optional keys of the README (actionsInclude, summaryExcludes, ...)."""
    CASES[name] = (bundle(patients, kind), [{"patient": f"Patient/{e[0]}", "rule": e[1], "severity": e[2],
                                             **(e[3] if len(e) > 3 else {})} for e in expected], note)


# ---- §1 scope and exposure ---------------------------------------------------------------
p = P("p1")
p.trt()
p.add({"resourceType": "MedicationRequest", "id": "p1-ai-rx", "status": "active", "intent": "order",
       "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "84857", "display": "anastrozole"}]},
       "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-06-15",
       "dosageInstruction": P.dose(0.5, 2, 1, "wk"),
       "dispenseRequest": {"validityPeriod": {"start": "2024-03-01", "end": "2027-03-01"}}})
p.quiet_dxa()
p.labs()
p.e2(15)
case("x01-ai-medicationrequest-validityperiod", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = P("p1")
p.trt()
p.add({"resourceType": "MedicationRequest", "id": "p1-ai-rx", "status": "active", "intent": "order",
       "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "84857", "display": "anastrozole"}]},
       "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-05-15",
       "dosageInstruction": P.dose(0.5, 2, 1, "wk")})
p.quiet_dxa()
p.labs()
p.e2(12, "2026-05-01")
case("x02-ai-medicationrequest-authoredon-only", [p], [])

p = P("p1")
p.trt()
p.add({"resourceType": "MedicationRequest", "id": "p1-ai-rx", "status": "active", "intent": "order",
       "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "199224",
                                                 "display": "anastrozole 1 MG Oral Tablet"}]},
       "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-05-15",
       "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "mg", "system": UCUM, "code": "mg"}}],
                              "timing": {"repeat": {"boundsPeriod": {"start": "2024-03-01"},
                                                    "frequency": 1, "period": 1, "periodUnit": "d"}}}]})
p.quiet_dxa()
p.labs()
p.e2(14)
case("x03-ai-medicationrequest-boundsperiod-daily", [p], [("p1", "E2_SUPPRESSED", "moderate"),
                                                         ("p1", "AI_DOSE_ABOVE_TYPICAL", "high")])

p = P("p1")
p.trt()
p.anastrozole(dosage=P.dose(0.5, code="BID"))
p.quiet_dxa()
p.labs()
p.e2(30)
case("x04-timing-code-bid", [p], [("p1", "AI_DOSE_ABOVE_TYPICAL", "high")])

p = P("p1")
p.trt()
p.anastrozole(dosage=P.dose(0.25, code="BID"))
p.quiet_dxa()
p.labs()
p.e2(30)
case("x05-timing-code-bid-moderate", [p], [("p1", "AI_DOSE_ABOVE_TYPICAL", "moderate")])

p = P("p1")
p.trt()
p.statement({"text": "Anastrozole 1 mg oral tablet"}, "2024-03-01", dosage=P.dose(0.5, 2, 1, "wk"), stem="ai")
p.quiet_dxa()
p.labs()
p.e2(12)
case("x06-ai-by-name-in-text", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = P("p1", gender="female", birth="1960-05-05")
p.anastrozole(start="2024-03-01", end="2026-05-02", status="completed", dosage=P.dose(1, 1, 1, "d"))
p.quiet_dxa()
p.calcium()
p.vitd(18)
case("x07-ai-completed-60-days-ago-in-scope", [p], [("p1", "VITD_LOW", "moderate")])

p = P("p1", gender="female", birth="1960-05-05")
p.anastrozole(start="2024-03-01", end="2026-03-03", status="completed", dosage=P.dose(1, 1, 1, "d"))
p.quiet_dxa()
p.calcium()
p.vitd(18)
case("x08-ai-completed-120-days-ago-out-of-scope", [p], [])

p = P("p1")
p.trt()
p.anastrozole(start="2025-01-01", end="2025-06-30", status="completed")
p.anastrozole(start="2025-09-01")
p.quiet_dxa()
p.labs()
p.e2(15, "2025-03-01")
p.e2(14, "2026-05-01")
case("x09-ai-courses-joined-by-short-gap", [p], [("p1", "E2_PERSISTENTLY_SUPPRESSED", "high")])

p = P("p1")
p.trt()
p.anastrozole(start="2025-01-01", end="2025-05-01", status="completed")
p.anastrozole(start="2025-09-01")
p.quiet_dxa()
p.labs()
p.e2(15, "2025-03-01")
p.e2(14, "2026-05-01")
case("x10-ai-courses-split-by-long-gap", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = P("p1")
p.trt()
p.anastrozole(status="on-hold")
p.quiet_dxa()
p.labs()
p.e2(22)
case("x11-ai-on-hold-counts-as-current", [p], [("p1", "E2_BORDERLINE", "low")])

p = P("p1")
p.trt()
p.anastrozole(status="entered-in-error")
p.quiet_dxa()
p.labs()
p.e2(8)
case("x12-ai-entered-in-error-never-counts", [p], [])

# ---- §3 observations -----------------------------------------------------------------------
p = quiet_male()
p.e2(30, unit="pmol/L", loinc="14715-7")
case("x13-e2-pmol-standard-suppressed", [p], [("p1", "E2_SUPPRESSED", "high")])

p = quiet_male()
p.e2(5, comparator="<")
case("x14-e2-below-5-bound", [p], [("p1", "E2_SUPPRESSED", "high")])

p = quiet_male()
p.e2(25, comparator="<")
case("x15-e2-below-25-bound-settles-nothing", [p], [])

p = quiet_male()
p.e2(None, quantity={"value": 22, "unit": "pg/ml"})
case("x16-e2-unit-text-only", [p], [("p1", "E2_BORDERLINE", "low")])

p = quiet_male()
p.e2(15, "2026-04-01")
p.e2(30, "2026-06-01", status="preliminary")
case("x17-preliminary-e2-newer-than-final", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = quiet_male()
p.e2(30, "2025-06-01")
p.e2(None, "2026-06-01", quantity={},
     dataAbsentReason={"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                   "code": "error"}]})
case("x18-e2-data-absent-reason", [p], [("p1", "E2_NOT_MONITORED", "moderate")])

p = quiet_male()
p.e2(30, date=None, issued="2026-05-03T09:00:00Z")
p.e2(15, date=None, issued="2026-05-02T09:00:00Z")
case("x19-e2-time-from-issued", [p], [])

p = quiet_male()
p.e2(15, "2026-05-01", issued="2026-05-03T09:00:00Z")
p.e2(30, "2026-05-01", issued="2026-05-02T09:00:00Z")
case("x20-e2-same-day-tie-broken-by-issued", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = P("p1")
p.trt()
p.anastrozole()
p.quiet_dxa()
p.vitd(34)
p.calcium(2.35, unit="mmol/L", loinc="2000-8")
p.e2(30)
case("x21-calcium-in-mmol", [p], [])

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole()
p.quiet_dxa()
p.calcium()
p.vitd(25)
case("x22-female-vitd-insufficient", [p], [("p1", "VITD_LOW", "low")])

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole()
p.quiet_dxa()
p.calcium()
p.vitd(45, unit="nmol/L", loinc="14635-7")
case("x23-vitd-d3-in-nmol-deficient", [p], [("p1", "VITD_LOW", "moderate")])

p = P("p1")
p.trt()
p.anastrozole()
p.quiet_dxa()
p.calcium()
p.vitd(34, "2025-05-01")
p.e2(30)
case("x24-vitd-older-than-12-months", [p], [("p1", "VITD_CA_OVERDUE", "low")])

# ---- §4 E-rules ------------------------------------------------------------------------------
p = quiet_male()
p.e2(15, "2025-06-01")
p.e2(15, "2026-03-01")
p.e2(14, "2026-05-01")
case("x25-two-newest-e2-under-90-days-apart", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = quiet_male()
p.e2(12, "2025-10-01")
case("x26-old-suppressed-e2-and-overdue", [p], [("p1", "E2_SUPPRESSED", "moderate"),
                                                 ("p1", "E2_NOT_MONITORED", "moderate")])

p = P("p1")
p.anastrozole()
p.quiet_dxa()
p.labs()
p.e2(9)
case("x27-male-on-ai-without-trt", [p], [("p1", "E2_SUPPRESSED", "high")])

# ---- §4 B-rules ------------------------------------------------------------------------------
p = P("p1", gender="female", birth="1963-09-12")
p.letrozole()
p.spine("2024-02-15", 0.95)
p.add({"resourceType": "Observation", "id": "p1-dxa-bmd", "status": "final",
       "code": {"coding": [{"system": LOINC, "code": "24966-4"}]}, "subject": {"reference": "Patient/p1"},
       "effectiveDateTime": "2026-06-01",
       "valueQuantity": {"value": 0.94, "unit": "g/cm2", "system": UCUM, "code": "g/cm2"}})
p.add({"resourceType": "Observation", "id": "p1-dxa-t", "status": "final",
       "code": {"coding": [{"system": LOINC, "code": "38267-1"}]}, "subject": {"reference": "Patient/p1"},
       "effectiveDateTime": "2026-06-01",
       "valueQuantity": {"value": -2.7, "unit": "1", "system": UCUM, "code": "1"}})
p.add({"resourceType": "DiagnosticReport", "id": "p1-dxa-report", "status": "final",
       "code": {"coding": [{"system": LOINC, "code": "38269-7", "display": "DXA Bone density"}]},
       "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-06-01",
       "result": [{"reference": "Observation/p1-dxa-bmd"}, {"reference": "Observation/p1-dxa-t"}]})
p.labs()
case("x28-dxa-as-diagnosticreport", [p], [("p1", "BMD_OSTEOPOROSIS", "high")])

p = P("p1", gender="female", birth="1960-05-05")
p.exemestane("2024-05-01")
p.hip("2024-06-01", 0.900, -0.8)
p.hip("2026-06-01", 0.865, -0.9)
p.labs()
case("x29-hip-only-decline", [p], [("p1", "BMD_DECLINE", "moderate")])

p = P("p1", gender="female", birth="1960-05-05")
p.exemestane("2024-05-01")
p.hip("2024-06-01", 0.900, -0.8)
p.hip("2026-06-01", 0.872, -0.9)
p.labs()
case("x30-hip-decline-below-lsc", [p], [])

p = P("p1", birth="1986-01-01")
p.trt()
p.anastrozole()
p.spine("2024-02-15", 0.95)
p.spine("2026-01-15", 0.94, -2.6)
p.obs("85394-5", -2.1, "1", "2026-01-15", stem="z-")
p.labs()
p.e2(30)
case("x31-under-50-z-score-low", [p], [("p1", "BMD_OSTEOPOROSIS", "high")])

p = P("p1", birth="1986-01-01")
p.trt()
p.anastrozole()
p.spine("2024-02-15", 0.95)
p.spine("2026-01-15", 0.94, -1.8)
p.obs("85394-5", -1.5, "1", "2026-01-15", stem="z-")
p.labs()
p.e2(30)
case("x32-under-50-no-osteopenia", [p], [])

p = P("p1", gender="female", birth="1960-05-05")
p.anastrozole(dosage=P.dose(1, 1, 1, "d"))
p.spine("2024-02-15", 0.98, -1.5)
p.labs()
case("x33-osteopenia-and-dxa-overdue", [p], [("p1", "BMD_OSTEOPENIA", "moderate"), ("p1", "DXA_OVERDUE", "moderate")])

# ---- whole-input shapes ------------------------------------------------------------------------
p = P("p7", with_patient=False)
p.anastrozole()
p.spine("2024-02-15", 0.95, -2.2)
p.spine("2025-10-01", 0.94, -2.7)
p.labs()
p.e2(9)
case("x34-no-patient-resource", [p], [("p7", "BMD_OSTEOPOROSIS", "high")])

a = P("pa")
a.urn = urn("Patient", "pa")
a.trt()
a.anastrozole()
a.quiet_dxa()
a.labs()
a.e2(14)
b = P("pb", gender="female", birth="1958-11-20")
b.urn = urn("Patient", "pb")
b.letrozole("2025-01-01")
b.labs()
case("x35-transaction-two-patients", [a, b], [("pa", "E2_SUPPRESSED", "moderate"), ("pb", "DXA_NO_BASELINE", "moderate")],
     kind="transaction")

# ---- ruleset 1.1 ---------------------------------------------------------------------------
p = quiet_male()
p.e2(12)
p.res[0]["deceasedDateTime"] = "2026-06-01"
case("x36-deceased-datetime-before-asof", [p], [])

p = quiet_male()
p.e2(12)
p.res[0]["deceasedDateTime"] = "2026-08-01"
case("x37-deceased-datetime-after-asof-still-evaluated", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = P("p1", gender="female", birth="1958-11-20")
p.letrozole("2025-01-01")
p.labs()
p.add({"resourceType": "Observation", "id": "p1-dxa-panel", "status": "final",
       "code": {"coding": [{"system": LOINC, "code": "38269-7", "display": "DXA Bone density"}]},
       "subject": p.subject(), "effectiveDateTime": "2025-01-05",
       "component": [
           {"code": {"coding": [{"system": LOINC, "code": "38267-1"}]},
            "valueQuantity": {"value": -2.1, "unit": "T-score", "system": UCUM, "code": "{T-score}"}},
           {"code": {"coding": [{"system": LOINC, "code": "38264-8"}]}, "valueQuantity": {"value": -1.8, "unit": "T-score"}},
           {"code": {"coding": [{"system": LOINC, "code": "38265-5"}]}, "valueQuantity": {"value": -2.6}}]})
case("x38-dxa-panel-components-annotation-units-forearm", [p], [("p1", "BMD_OSTEOPOROSIS", "high")])

p = P("p1", gender="female", birth="1958-11-20")
p.anastrozole("2024-03-01", dosage=P.dose(1, 1, 1, "d"))
p.vitd(34)
p.obs("49765-1", 9.2, "mg/dL", "2026-05-01", stem="ca-blood-")
p.add({"resourceType": "Procedure", "id": "p1-dxa-cpt", "status": "completed",
       "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "77080"}]},
       "subject": p.subject(), "performedPeriod": {"start": "2024-02-20T09:00:00Z", "end": "2024-02-20T09:20:00Z"}})
case("x39-cpt-procedure-overdue-blood-calcium", [p], [("p1", "DXA_OVERDUE", "moderate")])

p = P("p1", gender="female", birth="1958-11-20")
p.anastrozole("2024-03-01", dosage=P.dose(1, 1, 1, "d"))
p.labs()
p.add({"resourceType": "Procedure", "id": "p1-dxa-planned", "status": "in-progress",
       "code": {"coding": [{"system": "http://snomed.info/sct", "code": "312681000"}]},
       "subject": p.subject(), "performedDateTime": "2025-06-01"})
case("x40-procedure-not-completed-no-dxa", [p], [("p1", "DXA_NO_BASELINE", "moderate")])

p = P("p1", gender="female", birth="1958-11-20")
p.statement({"coding": [{"system": RXNORM, "code": "310261"}]}, "2025-01-01", dosage=P.dose(25, 1, 1, "d"), stem="ai")
p.labs()
case("x41-exemestane-by-tablet-code-only", [p], [("p1", "DXA_NO_BASELINE", "moderate")])

# ---- c01-c15: the core scenarios -----------------------------------------------------------
# A chart as an EHR exports it: the Patient with an MRN, lab Observations with a category, and
# ids that say what each resource is. Tests point at these ids (p1-e2, p1-ai, p1-dxa2-t) and at
# the order of the entries ($validate names Bundle.entry[n]), so both are part of the case.
def category(code):
    return [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": code}]}]


DXA_CODES = {"24966-4", "38267-1", "38265-5"}
SCT = "http://snomed.info/sct"


class Chart(P):
    def __init__(self, gender="male", birth="1968-04-02", transaction=False, **patient):
        super().__init__("p1", gender, birth)
        if transaction:
            self.urn = urn("Patient", "p1")
        self.res[0]["identifier"] = [{"system": "http://ehr.example.org/mrn", "value": "MRN-p1"}]
        self.res[0].update(patient)

    def lab(self, rid, loinc, value, unit, date, status="final", comparator=None, display=None):
        q = {"value": value, "unit": unit, "system": UCUM, "code": unit}
        if comparator:
            q["comparator"] = comparator
        return self.add({"resourceType": "Observation", "id": rid, "status": status,
                         "category": category("imaging" if loinc in DXA_CODES else "laboratory"),
                         "code": {"coding": [{"system": LOINC, "code": loinc, **({"display": display} if display else {})}]},
                         "subject": self.subject(), "valueQuantity": q, "effectiveDateTime": date})

    def med(self, rid, concept, start, mg, freq, unit):
        r = self.statement(concept, start, dosage=P.dose(mg, freq, 1, unit))
        r["id"] = rid
        return r

    def on_trt(self):
        r = self.trt()
        r["id"] = "p1-trt"

    def on_anastrozole(self, start="2024-03-01", mg=0.5, freq=2, unit="wk"):
        self.med("p1-ai", {"coding": [{"system": RXNORM, "code": "84857", "display": "anastrozole"}]}, start, mg, freq, unit)

    def dxa(self, n, date, bmd, t):
        self.lab(f"p1-dxa{n}-bmd", "24966-4", bmd, "g/cm2", date)
        self.lab(f"p1-dxa{n}-t", "38267-1", t, "1", date)

    def steady_dxa(self):
        """A spine baseline two weeks before the AI and a stable scan nine months ago."""
        self.dxa(1, "2024-02-15", 1.1, -0.4)
        self.dxa(2, "2025-10-01", 1.095, -0.45)

    def calcium(self, value=9.4, date="2026-05-01"):
        self.lab("p1-ca", "17861-6", value, "mg/dL", date)

    def vitd(self, value=34, date="2026-05-01"):
        self.lab("p1-vitd", "62292-8", value, "ng/mL", date)

    def e2(self, value, date="2026-05-01", rid="p1-e2", loinc="35384-7", unit="pg/mL", **kw):
        self.lab(rid, loinc, value, unit, date, **kw)

    def testosterone(self):
        self.lab("p1-tt", "2986-8", 650, "ng/dL", "2026-05-01")


def treated_man(ai_start="2024-03-01", transaction=False):
    """A man on testosterone and anastrozole 0.5 mg twice weekly (1 mg/week: no D1)."""
    c = Chart(transaction=transaction)
    c.on_trt()
    c.on_anastrozole(ai_start)
    return c


c = treated_man(transaction=True)
c.steady_dxa()
c.calcium()
c.vitd()
c.e2(14.0)
c.testosterone()
case("c01-man-e2-suppressed-transaction", [c], [("p1", "E2_SUPPRESSED", "moderate")], kind="transaction")

c = Chart()
c.on_trt()
c.steady_dxa()
c.calcium()
c.vitd()
c.e2(8.0)
c.testosterone()
c.on_anastrozole(mg=1, freq=1, unit="d")
case("c02-man-e2-very-low-on-1mg-daily", [c], [("p1", "E2_SUPPRESSED", "high"), ("p1", "AI_DOSE_ABOVE_TYPICAL", "high")])

c = treated_man()
c.steady_dxa()
c.calcium()
c.vitd()
c.testosterone()
c.e2(16, "2026-01-10", rid="p1-e2a")
c.e2(15, "2026-05-01", rid="p1-e2b")
case("c03-man-e2-suppressed-twice-111-days-apart", [c], [("p1", "E2_PERSISTENTLY_SUPPRESSED", "high")])

c = treated_man()
c.steady_dxa()
c.calcium()
c.vitd()
c.testosterone()
c.e2(80, loinc="72873-3", unit="pmol/L")
case("c04-man-e2-borderline-in-pmol", [c], [("p1", "E2_BORDERLINE", "low")])

c = Chart(gender="female", birth="1963-09-12")
c.on_anastrozole(mg=1, freq=1, unit="d")
c.dxa(1, "2024-02-15", 0.9, -2.4)
c.dxa(2, "2025-10-01", 0.89, -2.6)
c.calcium()
c.vitd()
c.e2(3, comparator="<")
case("c05-woman-on-anastrozole-osteoporosis", [c], [("p1", "BMD_OSTEOPOROSIS", "high")])

c = treated_man("2025-01-01")
c.calcium()
c.vitd()
c.e2(27.0)
c.testosterone()
case("c06-man-no-baseline-dxa", [c], [("p1", "DXA_NO_BASELINE", "moderate")])

c = treated_man()
c.calcium()
c.vitd()
c.e2(27.0)
c.testosterone()
c.dxa(1, "2024-06-01", 1.1, -0.6)
c.dxa(2, "2026-06-01", 1.05, -0.9)
case("c07-man-spine-bmd-falling-fast", [c], [("p1", "BMD_DECLINE", "high")])

c = treated_man()
c.steady_dxa()
c.e2(27.0)
c.testosterone()
c.vitd(18)
c.calcium(date="2025-03-01")
case("c08-vitd-low-and-calcium-overdue", [c], [("p1", "VITD_LOW", "moderate"), ("p1", "VITD_CA_OVERDUE", "low")])

c = Chart()
c.on_trt()
c.e2(12.0)
c.testosterone()
case("c09-testosterone-without-ai", [c], [])

c = treated_man("2025-06-01")
c.calcium()
c.vitd()
c.testosterone()
c.dxa(1, "2025-05-15", 1.1, -0.4)
c.e2(45, "2025-05-01")
case("c10-only-e2-predates-the-ai", [c], [("p1", "E2_NOT_MONITORED", "moderate")])

c = treated_man()
c.steady_dxa()
c.calcium()
c.vitd()
c.testosterone()
c.e2(9, "2026-06-01", rid="p1-e2x", status="entered-in-error")
c.e2(28)
case("c11-e2-entered-in-error-ignored", [c], [])

c = treated_man()
c.steady_dxa()
c.calcium()
c.vitd()
c.testosterone()
c.e2(15, loinc="2243-4")
case("c12-e2-from-a-standard-assay", [c], [("p1", "E2_SUPPRESSED", "moderate")])

c = Chart(deceasedBoolean=True)
c.on_anastrozole(mg=1, freq=1, unit="d")
c.e2(12)
case("c13-deceased-man-not-evaluated", [c], [])

c = Chart(gender="female", birth="1959-06-14")
c.med("p1-ai", {"coding": [{"system": RXNORM, "code": "310261"}]}, "2025-01-20", 25, 1, "d")
c.add({"resourceType": "Procedure", "id": "p1-dxa-scan", "status": "completed",
       "code": {"coding": [{"system": SCT, "code": "312681000", "display": "Bone density scan"}],
                "text": "DXA bone density scan"},
       "subject": c.subject(), "performedDateTime": "2025-01-10"})
c.lab("p1-dxa1-forearm-t", "38265-5", -2.7, "{T-score}", "2025-01-10",
      display="DXA Radius and Ulna [T-score] Bone density")
c.calcium(9.3)
c.vitd(32)
case("c14-exemestane-dxa-procedure-forearm", [c], [("p1", "BMD_OSTEOPOROSIS", "high")])

c = Chart(gender="female", birth="1957-11-03")
c.med("p1-ai", {"coding": [{"system": RXNORM, "code": "200064", "display": "letrozole 2.5 MG Oral Tablet"}]},
      "2024-03-01", 2.5, 1, "d")
CONFIRMED = {"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                            "code": "active"}]},
             "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                "code": "confirmed"}]}}
c.add({"resourceType": "Condition", "id": "p1-dental", **CONFIRMED,
       "code": {"coding": [{"system": "http://ehr.example.org/problem-list", "code": "DENT-FX-FILL",
                            "display": "Fractured dental filling"}], "text": "Fractured dental filling"},
       "subject": c.subject(), "onsetDateTime": "2025-08-12"})
c.add({"resourceType": "Condition", "id": "p1-fx", **CONFIRMED,
       "code": {"coding": [{"system": SCT, "code": "443165006", "display": "Pathological fracture due to osteoporosis"}]},
       "subject": c.subject(), "onsetDateTime": "2023-11-20"})
c.lab("p1-dxa1-t", "38267-1", -2.6, "1", "2025-10-01", display="DXA Lumbar spine [T-score] Bone density")
c.calcium()
c.vitd()
case("c15-letrozole-dental-filling-not-a-fracture", [c], [("p1", "BMD_OSTEOPOROSIS", "high")])


# ---- r01-r50: independent review against RULES.md 1.1 ---------------------------------------
# Written by a reviewer who did not write the engine; each expected list is derived from the text
# of RULES.md alone (the clause is in the folder's README). Mostly boundaries and 1.1 points.
def quiet_woman(pid="p1"):
    """Woman born 1960 on letrozole since 2024-03-01, steady DXA and labs: no findings."""
    p = P(pid, gender="female", birth="1960-05-05")
    p.letrozole()
    p.quiet_dxa()
    p.labs()
    return p


def woman(start="2024-03-01"):
    p = P("p1", gender="female", birth="1960-05-05")
    p.letrozole(start)
    return p


def man(ai_start="2024-03-01", birth="1968-04-02", dosage=None):
    p = P("p1", birth=birth)
    p.trt()
    p.anastrozole(ai_start, dosage=dosage)
    return p


def score(p, loinc, value, date, quantity):
    return p.obs(loinc, None, None, date, quantity=quantity, stem="score-")


def dxa_report(p, rid, date, results=(), status="final"):
    r = {"resourceType": "DiagnosticReport", "id": rid, "status": status,
         "code": {"coding": [{"system": LOINC, "code": "38269-7", "display": "DXA Bone density"}]},
         "subject": p.subject(), "effectiveDateTime": date,
         "result": [{"reference": "Observation/" + o} for o in results]}
    return p.add(r)


def dxa_procedure(p, rid, system, code, status="completed", **performed):
    return p.add({"resourceType": "Procedure", "id": rid, "status": status,
                  "code": {"coding": [{"system": system, "code": code}]}, "subject": p.subject(), **performed})


CPT = "http://www.ama-assn.org/go/cpt"

p = quiet_male()
p.e2(12)
p.res[0]["deceasedDateTime"] = "2026-07-01"
case("r01-deceased-date-only-on-the-asof-day", [p], [])

p = quiet_male()
p.e2(12)
p.res[0]["deceasedBoolean"] = False
case("r02-deceased-boolean-false-is-evaluated", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = quiet_male()
p.e2(30)
p.obs("38265-5", -1.6, "1", "2025-10-01", stem="forearm-t-")
case("r03-forearm-lowest-t-score-osteopenia", [p], [("p1", "BMD_OSTEOPENIA", "moderate")])

p = woman()
p.spine("2024-02-15", 0.9, -2.7)
p.obs("38265-5", -1.2, "1", "2025-10-01", stem="forearm-t-")
p.labs()
case("r04-newest-dxa-date-is-forearm-only", [p], [("p1", "BMD_OSTEOPENIA", "moderate")])

p = woman()
p.spine("2024-02-15", 0.85, -2.7)
dxa_procedure(p, "p1-dxa-proc", "http://snomed.info/sct", "312681000", performedDateTime="2025-11-01")
p.labs()
case("r05-newer-procedure-does-not-decide-b1", [p], [("p1", "BMD_OSTEOPOROSIS", "high")])

p = woman("2025-01-01")
dxa_report(p, "p1-dxa-report", "2024-12-15")
p.labs()
case("r06-dxa-report-without-results-is-a-baseline", [p], [])

p = P("p1", gender="female", birth="1960-05-05")
p.anastrozole("2024-08-01", dosage=P.dose(1, 1, 1, "d"))
dxa_procedure(p, "p1-dxa-proc", CPT, "77081", performedDateTime="2024-07-01")
p.labs()
case("r07-procedure-exactly-24-months-old-not-overdue", [p], [])

p = P("p1", gender="female", birth="1960-05-05")
p.anastrozole("2024-08-01", dosage=P.dose(1, 1, 1, "d"))
dxa_procedure(p, "p1-dxa-proc", CPT, "77085",
              performedPeriod={"start": "2024-06-30T00:00:00Z", "end": "2024-07-02T00:00:00Z"})
p.labs()
case("r08-procedure-dated-by-period-start-overdue", [p], [("p1", "DXA_OVERDUE", "moderate")])

p = woman()
p.quiet_dxa()
p.vitd(34, "2025-07-01")
p.obs("49765-1", 9.2, "mg/dL", "2025-07-01", stem="ca-blood-")
case("r09-vitd-and-blood-calcium-exactly-12-months-old", [p], [])

p = woman()
p.quiet_dxa()
p.vitd(34)
p.calcium(9.4, "2025-07-01T00:30:00+02:00")
case("r10-calcium-just-outside-12-months-in-utc", [p], [("p1", "VITD_CA_OVERDUE", "low")])

p = woman()
p.spine("2024-02-15", 1.0)
p.spine("2025-10-01", 0.99)
score(p, "38267-1", -2.6, "2025-10-01", {"value": -2.6, "unit": "%", "system": UCUM, "code": "%"})
score(p, "38264-8", -1.5, "2025-10-01", {"value": -1.5, "unit": "SD"})
p.labs()
case("r11-score-unit-percent-unusable-sd-text-accepted", [p], [("p1", "BMD_OSTEOPENIA", "moderate")])

p = quiet_male()
p.e2(30)
score(p, "38264-8", -2.5, "2025-10-01", {"value": -2.5, "unit": "SD", "system": UCUM, "code": "{SD}"})
case("r12-annotation-score-at-osteoporosis-boundary", [p], [("p1", "BMD_OSTEOPOROSIS", "high")])

p = woman()
p.spine("2024-02-15", 1.0, -0.8)
p.spine("2025-10-01", 0.995)
score(p, "38267-1", -1.0, "2025-10-01", {"value": -1.0})
p.labs()
case("r13-score-without-unit-at-normal-boundary", [p], [])

p = man()
p.labs()
p.e2(30)
p.spine("2024-06-01", 1.1)
p.add({"resourceType": "Observation", "id": "p1-dxa-panel", "status": "final",
       "code": {"coding": [{"system": LOINC, "code": "38269-7", "display": "DXA Bone density"}]},
       "subject": p.subject(), "effectivePeriod": {"start": "2026-06-01T00:00:00Z", "end": "2026-06-01T00:30:00Z"},
       "component": [
           {"code": {"coding": [{"system": LOINC, "code": "24966-4"}]},
            "valueQuantity": {"value": 1.05, "unit": "g/cm2", "system": UCUM, "code": "g/cm2"}},
           {"code": {"coding": [{"system": LOINC, "code": "38267-1"}]},
            "valueQuantity": {"value": -0.9, "unit": "1", "system": UCUM, "code": "1"}}]})
case("r14-panel-components-take-the-period-start", [p], [("p1", "BMD_DECLINE", "high")])

p = woman()
p.spine("2024-02-15", 1.0)
p.labs()
p.add({"resourceType": "Observation", "id": "p1-dxa-panel", "status": "final",
       "code": {"coding": [{"system": LOINC, "code": "38269-7"}]}, "subject": p.subject(),
       "component": [
           {"code": {"coding": [{"system": LOINC, "code": "38261-4"}]},
            "valueQuantity": {"value": 0.78, "unit": "g/cm2", "system": UCUM, "code": "g/cm2"}},
           {"code": {"coding": [{"system": LOINC, "code": "38264-8"}]},
            "valueQuantity": {"value": -2.6, "unit": "1", "system": UCUM, "code": "1"}}]})
dxa_report(p, "p1-dxa-report", "2025-10-01", ["p1-dxa-panel"])
case("r15-untimed-panel-in-a-report-takes-the-reports-date", [p], [("p1", "BMD_OSTEOPOROSIS", "high")])

p = P("p1", gender="female", birth="1960-05-05")
p.statement({"text": "Aromasin 25 mg tablet"}, "2025-01-01", dosage=P.dose(25, 1, 1, "d"), stem="ai")
p.labs()
case("r16-exemestane-by-brand-name-only", [p], [("p1", "DXA_NO_BASELINE", "moderate")])

p = quiet_male()
p.e2(20)
case("r17-e2-exactly-20-is-borderline", [p], [("p1", "E2_BORDERLINE", "low")])

p = quiet_male()
p.e2(10)
case("r18-e2-exactly-10-is-moderate", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = quiet_male()
p.e2(73.4, unit="pmol/L", loinc="72873-3")
case("r19-e2-73-4-pmol-is-below-20", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = quiet_male()
p.e2(10, comparator="<=")
case("r20-e2-at-most-10-is-moderate", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = quiet_male()
p.e2(15, comparator=">")
case("r21-e2-above-15-settles-nothing", [p], [])

p = quiet_male()
p.e2(18, "2026-01-31")
p.e2(16, "2026-05-01")
case("r22-e3-exactly-90-days-apart", [p], [("p1", "E2_PERSISTENTLY_SUPPRESSED", "high")])

p = quiet_male()
p.e2(18, "2026-02-01")
p.e2(16, "2026-05-01")
case("r23-e3-89-days-apart-is-e1", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = man("2026-04-02")
p.quiet_dxa()
p.labs()
case("r24-e4-after-exactly-90-days-on-the-ai", [p], [("p1", "E2_NOT_MONITORED", "moderate")])

p = man("2026-04-03")
p.quiet_dxa()
p.labs()
case("r25-no-e4-after-89-days", [p], [])

p = quiet_male()
p.e2(30, "2026-01-02")
case("r26-e2-exactly-180-days-old-still-monitored", [p], [])

p = man("2026-02-01")
p.quiet_dxa()
p.labs()
p.e2(15, "2026-01-15")
case("r27-e2-before-ai-start-within-180-days", [p], [("p1", "E2_NOT_MONITORED", "moderate")])

p = P("p1")
p.trt()
p.anastrozole(start="2025-01-01", end="2025-06-01", status="completed")
p.anastrozole(start="2025-08-30")
p.quiet_dxa()
p.labs()
p.e2(15, "2025-03-01")
p.e2(14, "2026-05-01")
case("r28-ai-gap-of-exactly-90-days-starts-a-new-run", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = P("p1")
p.trt()
p.anastrozole(start="2025-01-01", end="2025-06-01", status="completed")
p.anastrozole(start="2025-08-29")
p.quiet_dxa()
p.labs()
p.e2(15, "2025-03-01")
p.e2(14, "2026-05-01")
case("r29-ai-gap-of-89-days-joins-the-run", [p], [("p1", "E2_PERSISTENTLY_SUPPRESSED", "high")])

p = P("p1", gender="female", birth="1960-05-05")
p.anastrozole(start="2024-03-01", end="2026-04-02", status="completed", dosage=P.dose(1, 1, 1, "d"))
p.quiet_dxa()
p.calcium()
p.vitd(18)
case("r30-ai-completed-exactly-90-days-ago-in-scope", [p], [("p1", "VITD_LOW", "moderate")])

p = man(dosage=P.dose(1, 1, 2, "d"))
p.quiet_dxa()
p.labs()
p.e2(30)
case("r31-d1-1mg-every-other-day", [p], [("p1", "AI_DOSE_ABOVE_TYPICAL", "moderate")])

p = man(dosage=P.dose(1, 1, 1, "d"))
p.anastrozole("2025-06-01")
p.quiet_dxa()
p.labs()
p.e2(30)
case("r32-d1-reads-the-newest-current-record", [p], [])

p = P("p1", gender="female", birth="1960-05-05")
p.exemestane("2024-05-01")
p.hip("2024-06-01", 1.000, -0.8)
p.hip("2026-06-01", 0.965, -0.9)
p.labs()
case("r33-hip-loss-exactly-at-the-lsc", [p], [("p1", "BMD_DECLINE", "moderate")])

p = P("p1", gender="female", birth="1960-05-05")
p.exemestane("2024-05-01")
p.spine("2024-06-01", 1.000)
p.spine("2026-06-01", 0.970)
p.obs("24701-5", 0.800, "g/cm2", "2024-06-01", stem="femur-")
p.obs("24701-5", 0.761, "g/cm2", "2026-06-01", stem="femur-")
p.labs()
case("r34-spine-at-lsc-slow-femur-below-lsc", [p], [("p1", "BMD_DECLINE", "moderate")])

p = woman()
p.spine("2024-02-15", 1.10)
p.spine("2025-06-01", 1.12)
p.spine("2026-06-01", 1.085)
p.obs("24966-4", 1.085, "g/cm2", "2026-06-01", stem="bmd-copy-")
p.labs()
case("r35-b3-previous-scan-not-a-same-day-copy", [p], [("p1", "BMD_DECLINE", "high")])

p = woman()
p.spine("2022-12-01", 1.15)
p.spine("2023-06-01", 1.10)
p.spine("2026-06-01", 1.075)
p.labs()
case("r36-b3-baseline-window-leaves-out-older-scan", [p], [])

p = woman()
p.spine("2023-03-01", 1.15)
p.spine("2026-06-01", 1.11)
p.labs()
case("r37-baseline-exactly-12-months-before-ai", [p], [("p1", "BMD_DECLINE", "moderate")])

p = man(birth="1976-01-15")
p.spine("2024-02-15", 1.1)
p.spine("2026-01-15", 1.095, -1.5)
p.obs("85394-5", -0.5, "1", "2026-01-15", stem="z-")
p.labs()
p.e2(30)
case("r38-aged-exactly-50-uses-the-t-score", [p], [("p1", "BMD_OSTEOPENIA", "moderate")])

p = man(birth="1986-01-01")
p.spine("2024-02-15", 1.1)
p.spine("2026-01-15", 1.095, -1.2)
p.obs("85394-5", -2.0, "1", "2026-01-15", stem="z-")
p.labs()
p.e2(30)
case("r39-under-50-z-score-exactly-minus-2", [p], [("p1", "BMD_OSTEOPOROSIS", "high")])

p = woman()
p.quiet_dxa()
p.calcium()
p.vitd(20)
case("r40-vitd-exactly-20-insufficient", [p], [("p1", "VITD_LOW", "low")])

p = woman()
p.quiet_dxa()
p.calcium()
p.vitd(49.9, unit="nmol/L")
case("r41-vitd-49-9-nmol-deficient", [p], [("p1", "VITD_LOW", "moderate")])

p = man("2025-01-01")
p.labs()
p.e2(30, "2026-05-01")
p.e2(12, "2026-07-02")
dxa_procedure(p, "p1-dxa-proc", "http://snomed.info/sct", "312681000", performedDateTime="2026-07-15")
case("r42-facts-after-asof-are-not-known", [p], [("p1", "DXA_NO_BASELINE", "moderate")])

p = quiet_male()
p.e2(15, date=None, effectivePeriod={"start": "2026-05-01", "end": "2026-05-02"})
case("r43-e2-timed-by-effective-period-start", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = quiet_male()
p.e2(30, "2026-03-01")
p.e2(None, "2026-06-01", quantity={}, valueString="<5 pg/mL")
case("r44-e2-value-string-is-unusable", [p], [])

p = man()
p.res[-1]["status"] = "intended"
p.quiet_dxa()
p.labs()
p.e2(15)
case("r45-ai-statement-intended-is-current", [p], [("p1", "E2_SUPPRESSED", "moderate")])

p = P("p1", gender="female", birth="1960-05-05")
p.add({"resourceType": "MedicationRequest", "id": "p1-ai-rx", "status": "completed", "intent": "order",
       "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "L02BG04", "display": "letrozole"}]},
       "subject": p.subject(), "authoredOn": "2024-02-20", "dosageInstruction": P.dose(2.5, 1, 1, "d"),
       "dispenseRequest": {"validityPeriod": {"start": "2024-03-01", "end": "2026-05-02"}}})
p.quiet_dxa()
p.calcium()
p.vitd(18)
case("r46-ai-request-completed-60-days-ago-in-scope", [p], [("p1", "VITD_LOW", "moderate")])

p = P("p1", gender="female", birth="1960-05-05")
p.add({"resourceType": "MedicationAdministration", "id": "p1-ai-admin", "status": "completed",
       "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "L02BG06", "display": "exemestane"}]},
       "subject": p.subject(), "effectivePeriod": {"start": "2025-01-01", "end": "2026-06-01"}})
p.labs()
case("r47-ai-administration-completed-30-days-ago", [p], [("p1", "DXA_NO_BASELINE", "moderate")])

p = P("p1", gender="female", birth="1960-05-05")
p.anastrozole("2024-08-01", dosage=P.dose(1, 1, 1, "d"))
dxa_procedure(p, "p1-dxa-proc", "http://snomed.info/sct", "312681000", performedDateTime="2024-06-30T22:00:00-05:00")
p.labs()
case("r48-procedure-evening-in-new-york-is-within-24-months-utc", [p], [])


# ---- v01-v40: independent review against RULES.md 1.2 ---------------------------------------
# Written by a reviewer who did not write the engine: each expected list, and what each finding
# must carry (actions, summary and detail texts), derived from the text of RULES.md 1.2 alone;
# the clause is in each case's note and in the folder's README. "The man" is on TRT and anastrozole
# 0.5 mg twice weekly since 2024-03-01 (quiet_male); "the man without TRT" is the same man on
# anastrozole alone (as for breast cancer in a man); "the woman" is quiet_woman on letrozole.
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NO_DOSE = {"actionsExclude": ["review-ai-dose"]}
SERIOUS = ["consider-bone-protective-therapy", "calcium-vitamin-d-intake", "weight-bearing-exercise",
           "consider-referral"]


def condition(p, rid, coding=None, text=None, onset=None, abatement=None, clinical="active",
              verification="confirmed"):
    code = {}
    if coding:
        code["coding"] = [coding]
    if text:
        code["text"] = text
    r = {"resourceType": "Condition", "id": rid, "code": code, "subject": p.subject()}
    if clinical:
        r["clinicalStatus"] = {"coding": [{"system": CLINICAL, "code": clinical}]}
    if verification:
        r["verificationStatus"] = {"coding": [{"system": VERIFICATION, "code": verification}]}
    if onset:
        r["onsetDateTime"] = onset
    if abatement:
        r["abatementDateTime"] = abatement
    return p.add(r)


def sct(code, display):
    return {"system": SCT, "code": code, "display": display}


def man_without_trt(ai_start="2024-03-01", dosage=None):
    p = P("p1")
    p.anastrozole(ai_start, dosage=dosage)
    return p


def woman_b1(pid="p1"):
    """The woman on letrozole since 2024-03-01 whose newest DXA (2025-10-01, on letrozole) has
    spine T -2.7: B1 high and nothing else (BMD 0.90 -> 0.89 is 1.1 %: no B3)."""
    p = P(pid, gender="female", birth="1960-05-05")
    p.letrozole()
    p.spine("2024-02-15", 0.90, -2.2)
    p.spine("2025-10-01", 0.89, -2.7)
    p.labs()
    return p


def with_(*parts):
    out = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, []) + v
    return out


# E-rules, both columns
p = man_without_trt(dosage=P.dose(1, 1, 1, "d"))
p.quiet_dxa()
p.labs()
p.e2(14)
case("v01-man-without-trt-e1-suppression-intended", [p],
     [("p1", "E2_SUPPRESSED", "moderate", with_(NO_DOSE, {"detailIncludes": ["intended"]}))],
     note="RULES 1.2 §5, E1 row, column 'without TRT': a man on anastrozole 1 mg daily and no testosterone; "
          "E2 14 pg/mL (sensitive) < 20 -> E1 moderate (§4 E1 applies to any man on an AI). The detail notes "
          "that suppression is intended when the AI treats breast cancer; never review-ai-dose. "
          "No D1: §4 D-rules are for a man on TRT and an AI (1 mg daily would be D1 high on TRT)")

p = quiet_male()
p.e2(14)
case("v02-man-on-trt-e1-dose-review", [p],
     [("p1", "E2_SUPPRESSED", "moderate", {"actionsInclude": ["review-ai-dose"], "detailExcludes": ["breast cancer"]})],
     note="RULES 1.2 §5, E1 row, column 'on TRT and an AI': E2 14 pg/mL -> E1 moderate recommending review-ai-dose; "
          "the breast-cancer note of the other column does not belong here")

p = man_without_trt()
p.quiet_dxa()
p.labs()
p.e2(22)
case("v03-man-without-trt-e2-borderline-no-dose-review", [p],
     [("p1", "E2_BORDERLINE", "low", with_(NO_DOSE, {"detailIncludes": ["intended"]}))],
     note="RULES 1.2 §5, E2 row without TRT: E2 22 pg/mL (>= 20, < 25) -> E2 low; suppression intended, no dose review")

p = quiet_male()
p.e2(22)
case("v04-man-on-trt-e2-borderline-dose-review", [p],
     [("p1", "E2_BORDERLINE", "low", {"actionsInclude": ["review-ai-dose"]})],
     note="RULES 1.2 §5, E2 row on TRT: E2 22 pg/mL -> E2 low recommending review-ai-dose")

p = man_without_trt()
p.quiet_dxa()
p.labs()
p.e2(16, "2026-01-10")
p.e2(15, "2026-05-01")
case("v05-man-without-trt-e3-no-dose-review", [p],
     [("p1", "E2_PERSISTENTLY_SUPPRESSED", "high", with_(NO_DOSE, {"detailIncludes": ["intended"]}))],
     note="RULES 1.2 §5, E3 row without TRT: E2 16 (2026-01-10) and 15 (2026-05-01), 111 days apart, both < 20 "
          "-> E3 high (replaces E1); suppression intended, never review-ai-dose")

p = quiet_male()
p.e2(16, "2026-01-10")
p.e2(15, "2026-05-01")
case("v06-man-on-trt-e3-dose-review", [p],
     [("p1", "E2_PERSISTENTLY_SUPPRESSED", "high", {"actionsInclude": ["review-ai-dose"]})],
     note="RULES 1.2 §5, E3 row on TRT: the same two results -> E3 high recommending review-ai-dose")

p = man_without_trt()
p.quiet_dxa()
p.labs()
p.e2(15, loinc="2243-4")
case("v07-man-without-trt-standard-assay-e1-sensitive-estradiol", [p],
     [("p1", "E2_SUPPRESSED", "moderate", with_(NO_DOSE, {"actionsInclude": ["order-sensitive-estradiol"],
                                                          "detailIncludes": ["intended"]}))],
     note="RULES 1.2 §5, E1 row without TRT, 'order sensitive estradiol where §3 says so': E2 15 pg/mL by the "
          "non-sensitive 2243-4 (< 20) -> E1 moderate with order-sensitive-estradiol, never review-ai-dose")

p = quiet_male()
p.e2(15, loinc="2243-4")
case("v08-man-on-trt-standard-assay-e1-both-actions", [p],
     [("p1", "E2_SUPPRESSED", "moderate", {"actionsInclude": ["review-ai-dose", "order-sensitive-estradiol"]})],
     note="RULES 1.2 §5, E1 row on TRT: E2 15 pg/mL by 2243-4 -> E1 moderate with review-ai-dose and (§3) "
          "order-sensitive-estradiol")

# D1 on TRT (without TRT see v01)
p = man(dosage=P.dose(1, 3, 1, "wk"))
p.quiet_dxa()
p.labs()
p.e2(27)
case("v09-man-on-trt-d1-moderate-dose-review", [p],
     [("p1", "AI_DOSE_ABOVE_TYPICAL", "moderate", {"actionsInclude": ["review-ai-dose"]})],
     note="RULES 1.2 §5, D1 row on TRT: anastrozole 1 mg three times weekly = 3 mg/week (> 1.0, < 7) -> D1 moderate "
          "recommending review-ai-dose; E2 27 fires nothing")

# B-rules: scans before the AI, both columns
p = P("p1", gender="female", birth="1960-05-05")
p.letrozole("2025-06-01")
p.spine("2025-03-01", 0.85, -2.8)
p.labs()
case("v10-woman-b1-scan-before-letrozole", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", with_(NO_DOSE, {"actionsInclude": SERIOUS, "summaryIncludes": ["before"],
                                                         "summaryExcludes": ["on letrozole"]}))],
     note="RULES 1.2 §4 'When a scan predates the AI' and §5 B1 row without TRT: letrozole since 2025-06-01; the "
          "only DXA (2025-03-01, spine T -2.8, aged 64) predates it -> B1 high, and the summary says the scan was "
          "before letrozole, never 'on letrozole'. Actions: bone-protective therapy, calcium/vitamin D, exercise, "
          "referral; never review-ai-dose. The scan is in the baseline window (from 2024-06-01): no M1; 16 months: no M2")

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole("2025-06-01")
p.spine("2025-03-01", 0.95, -1.8)
p.labs()
case("v11-woman-b2-scan-before-letrozole", [p],
     [("p1", "BMD_OSTEOPENIA", "moderate",
       with_(NO_DOSE, {"actionsInclude": ["calcium-vitamin-d-intake", "weight-bearing-exercise"],
                       "actionsExclude": ["consider-bone-protective-therapy"],
                       "summaryIncludes": ["before"], "summaryExcludes": ["on letrozole"],
                       "detailIncludes": ["fracture risk"]}))],
     note="RULES 1.2 §4 (scan before the AI) and §5 B2 row without TRT: the only DXA (2025-03-01, spine T -1.8) "
          "predates letrozole (2025-06-01) -> B2 moderate; calcium/vitamin D and exercise, 'assess fracture risk' "
          "in the detail; the row does not list bone-protective therapy; never review-ai-dose")

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole("2026-01-01")
p.hip("2025-01-15", 1.000)
p.hip("2025-12-01", 0.960)
p.labs()
case("v12-woman-b3-moderate-scans-before-letrozole", [p],
     [("p1", "BMD_DECLINE", "moderate",
       with_(NO_DOSE, {"actionsInclude": ["calcium-vitamin-d-intake", "weight-bearing-exercise"],
                       "summaryIncludes": ["before"], "summaryExcludes": ["on letrozole"],
                       "detailIncludes": ["fracture risk"]}))],
     note="RULES 1.2 §4 (scan before the AI; B1-B3 apply whatever the scan date) and §5 B3-moderate row without TRT: "
          "letrozole since 2026-01-01; total hip BMD 1.000 (2025-01-15, the baseline: from 2025-01-01 on) and 0.960 "
          "(2025-12-01) = 4.0 % >= 3.5 % -> B3 moderate (high is for the spine only); both scans predate letrozole, "
          "so the summary says so. No scores: no B1/B2. Baseline present: no M1; 7 months: no M2")

p = P("p1", gender="female", birth="1960-05-05")
p.exemestane()
p.spine("2024-06-01", 1.10)
p.spine("2026-06-01", 1.05)
p.labs()
case("v13-woman-b3-high-bone-protection", [p],
     [("p1", "BMD_DECLINE", "high", with_(NO_DOSE, {"actionsInclude": SERIOUS}))],
     note="RULES 1.2 §5 B3-high row without TRT: exemestane since 2024-03-01; spine BMD 1.10 (2024-06-01) -> 1.05 "
          "(2026-06-01) = 4.5 % over 2.0 years = 2.3 %/year >= 1.7 -> B3 high: bone-protective therapy, calcium/"
          "vitamin D, exercise, referral; never review-ai-dose")

p = man()
p.spine("2024-06-01", 1.10)
p.spine("2026-06-01", 1.05)
p.labs()
p.e2(27)
case("v14-man-on-trt-b3-high-dose-review-and-bone-protection", [p],
     [("p1", "BMD_DECLINE", "high", {"actionsInclude": ["review-ai-dose"] + SERIOUS})],
     note="RULES 1.2 §5 B3-high row on TRT: the same spine loss in the man on TRT -> B3 high: review-ai-dose, "
          "bone-protective therapy, calcium/vitamin D, exercise, referral")

p = man()
p.spine("2024-02-15", 1.1, -0.4)
p.spine("2025-10-01", 1.09, -1.8)
p.labs()
p.e2(27)
case("v15-man-on-trt-b2-dose-review", [p],
     [("p1", "BMD_OSTEOPENIA", "moderate",
       {"actionsInclude": ["review-ai-dose", "calcium-vitamin-d-intake", "weight-bearing-exercise"]})],
     note="RULES 1.2 §5 B2 row on TRT: newest spine T -1.8 (2025-10-01, aged 57) -> B2 moderate: review-ai-dose, "
          "calcium/vitamin D, exercise. BMD 1.1 -> 1.09 (0.9 %): no B3")

p = man()
p.spine("2024-02-15", 1.000)
p.spine("2026-06-01", 0.970)
p.labs()
p.e2(27)
case("v16-man-on-trt-b3-moderate-dose-review", [p],
     [("p1", "BMD_DECLINE", "moderate",
       {"actionsInclude": ["review-ai-dose", "calcium-vitamin-d-intake", "weight-bearing-exercise"]})],
     note="RULES 1.2 §5 B3-moderate row on TRT: spine 1.000 (2024-02-15, baseline) -> 0.970 (2026-06-01) = 3.0 % "
          "(the LSC, 'at least') over 2.3 years = 1.3 %/year < 1.7 -> B3 moderate: review-ai-dose, calcium/vitamin D, "
          "exercise. No scores: no B1/B2")

p = P("p1", gender="female", birth="1960-05-05")
p.trt()
p.anastrozole(dosage=P.dose(1, 1, 1, "d"))
p.spine("2024-02-15", 0.90, -2.2)
p.spine("2025-10-01", 0.89, -2.7)
p.labs()
p.e2(8)
case("v17-woman-on-trt-and-anastrozole-b1-dose-review", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"actionsInclude": ["review-ai-dose"] + SERIOUS})],
     note="RULES 1.2 §5: the table's columns are by testosterone therapy, not by sex. A woman on testosterone and "
          "anastrozole 1 mg daily, spine T -2.7 -> B1 high with review-ai-dose and bone-protective therapy. "
          "§1: E-rules are male only (E2 8 fires nothing); §4 D-rules are for a 'male on TRT and an AI': no D1")

# M-rules, both columns; summaries state dates
p = treated_man("2025-01-01")
p.calcium()
p.vitd()
p.e2(27.0)
case("v18-man-on-trt-m1-summary-states-dates", [p],
     [("p1", "DXA_NO_BASELINE", "moderate", {"actionsInclude": ["order-dxa"], "summaryIncludes": ["2025-01-01"],
                                             "summaryExcludes": ["days on", "after"]})],
     note="RULES 1.2 §5 M1 row (order DXA) and 'Summaries say only what the record shows': anastrozole since "
          "2025-01-01, no DXA -> M1 moderate; the summary gives the run's start date, not 'after N days on'")

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole("2025-01-01")
p.labs()
case("v19-woman-m1-order-dxa-no-dose-review", [p],
     [("p1", "DXA_NO_BASELINE", "moderate", with_(NO_DOSE, {"actionsInclude": ["order-dxa"],
                                                            "summaryIncludes": ["2025-01-01"],
                                                            "summaryExcludes": ["days on"]}))],
     note="RULES 1.2 §5 M1 row without TRT: letrozole since 2025-01-01 and no DXA -> M1 moderate, order-dxa; "
          "the summary states the start date")

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole()
p.spine("2024-02-15", 1.1, -0.4)
p.labs()
case("v20-woman-m2-order-dxa", [p],
     [("p1", "DXA_OVERDUE", "moderate", with_(NO_DOSE, {"actionsInclude": ["order-dxa"],
                                                        "summaryIncludes": ["2024-02-15"],
                                                        "summaryExcludes": ["days on"]}))],
     note="RULES 1.2 §5 M2 row without TRT: the only DXA (2024-02-15, T -0.4: normal) is older than 24 months "
          "-> M2 moderate, order-dxa; the summary states the scan's date")

p = man()
p.spine("2024-02-15", 1.1, -0.4)
p.labs()
p.e2(27)
case("v21-man-on-trt-m2-order-dxa", [p],
     [("p1", "DXA_OVERDUE", "moderate", {"actionsInclude": ["order-dxa"], "summaryIncludes": ["2024-02-15"]})],
     note="RULES 1.2 §5 M2 row on TRT: the only DXA 2024-02-15 -> M2 moderate, order-dxa")

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole()
p.quiet_dxa()
p.vitd(25)
p.calcium(date="2025-03-01")
case("v22-woman-m3-calcium-missing-m4-insufficient", [p],
     [("p1", "VITD_CA_OVERDUE", "low", with_(NO_DOSE, {"actionsInclude": ["order-calcium", "calcium-vitamin-d-intake"],
                                                       "actionsExclude": ["order-vitamin-d"],
                                                       "summaryExcludes": ["days on"]})),
      ("p1", "VITD_LOW", "low", with_(NO_DOSE, {"actionsInclude": ["calcium-vitamin-d-intake"]}))],
     note="RULES 1.2 §5 M3/M4 rows (the same in both columns): vitamin D 25 ng/mL (2026-05-01) -> M4 low; the only "
          "calcium (2025-03-01) is older than 12 months -> M3 low ordering what is missing (calcium, not vitamin D); "
          "both recommend calcium and vitamin D intake; never review-ai-dose")

p = man()
p.quiet_dxa()
p.vitd(18)
p.e2(27)
case("v23-man-on-trt-m3-no-calcium-m4-deficient", [p],
     [("p1", "VITD_CA_OVERDUE", "low", {"actionsInclude": ["order-calcium", "calcium-vitamin-d-intake"],
                                        "actionsExclude": ["order-vitamin-d"]}),
      ("p1", "VITD_LOW", "moderate", {"actionsInclude": ["calcium-vitamin-d-intake"]})],
     note="RULES 1.2 §5 M3/M4 rows on TRT: vitamin D 18 ng/mL -> M4 moderate; no calcium at all -> M3 low ordering "
          "calcium (what is missing)")

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole("2025-10-01")
p.spine("2025-10-01", 0.85, -2.7)
p.labs()
case("v24-woman-b1-scan-on-the-letrozole-start-day", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", with_(NO_DOSE, {"actionsInclude": ["consider-bone-protective-therapy"],
                                                         "summaryExcludes": ["before"]}))],
     note="RULES 1.2 §4 'When a scan predates the AI': letrozole since 2025-10-01 and a spine T -2.7 scan the same "
          "day: not before the start of the run, so the summary must not say 'before'. B1 high; a baseline (no M1)")

# Context as it stood at asOf
p = woman_b1()
condition(p, "p1-alcohol", sct("15167005", "Alcohol abuse"), onset="2020-01-01", abatement="2026-09-01",
          clinical="resolved")
condition(p, "p1-osteopenia", sct("312894000", "Osteopenia"), onset="2019-06-10")
case("v25-alcohol-active-at-asof-resolved-in-a-later-export", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailIncludes": ["alcohol", "osteopenia diagnosed 2019-06-10"]})],
     note="RULES 1.2 §4 Context: an alcohol-abuse Condition (15167005) abated 2026-09-01, after asOf, was active "
          "then whatever its clinicalStatus 'resolved' says today: a risk factor in the B1 detail. A known "
          "osteopenia diagnosis (312894000, onset 2019-06-10) is named as 'osteopenia diagnosed 2019-06-10'")

p = woman_b1()
condition(p, "p1-alcohol", sct("15167005", "Alcohol abuse"), onset="2020-01-01", abatement="2026-03-01",
          clinical="active")
case("v26-alcohol-abated-before-asof-though-status-active", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailExcludes": ["alcohol"]})],
     note="RULES 1.2 §4 Context: abatement 2026-03-01 is at or before asOf, so the Condition was not active at the "
          "evaluation instant, though its clinicalStatus says 'active': no alcohol risk factor in the detail")

p = woman_b1()
condition(p, "p1-alcohol", sct("15167005", "Alcohol abuse"), onset="2026-08-01")
condition(p, "p1-fx", sct("443165006", "Pathological fracture due to osteoporosis"), onset="2026-08-15")
condition(p, "p1-op", sct("64859006", "Osteoporosis"), onset="2026-09-01")
case("v27-conditions-with-onset-after-asof-are-not-known", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailExcludes": ["alcohol", "severe osteoporosis", "osteoporosis diagnosed"]})],
     note="RULES 1.2 §4 Context: alcohol abuse, a fragility fracture (443165006) and an osteoporosis diagnosis with "
          "onsets after asOf are ignored (history counts only from its onset on): B1 high without them")

p = woman_b1()
condition(p, "p1-alcohol", sct("15167005", "Alcohol abuse"), onset="2020-01-01", verification="refuted")
condition(p, "p1-fx", sct("443165006", "Pathological fracture due to osteoporosis"), onset="2023-11-20",
          verification="refuted")
condition(p, "p1-op", sct("64859006", "Osteoporosis"), onset="2015-01-01", verification="entered-in-error")
case("v28-refuted-and-entered-in-error-conditions-never-count", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailExcludes": ["alcohol", "severe osteoporosis", "osteoporosis diagnosed"]})],
     note="RULES 1.2 §4 Context: verificationStatus refuted (alcohol abuse, a 443165006 fracture) or entered-in-error "
          "(an osteoporosis diagnosis) never counts")

p = woman_b1()
condition(p, "p1-fx", sct("443165006", "Pathological fracture due to osteoporosis"), onset="2022-05-01",
          abatement="2022-09-01", clinical="resolved")
case("v29-healed-fragility-fracture-still-severe-osteoporosis", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailIncludes": ["severe osteoporosis"]})],
     note="RULES 1.2 §4 'History is history': a 443165006 fracture resolved in 2022 (abatement 2022-09-01) is still a "
          "prior fragility fracture; with B1 it is severe osteoporosis")

p = P("p1", gender="female", birth="1960-05-05")
p.letrozole()
p.spine("2024-02-15", 0.95, -1.8)
p.calcium()
p.vitd(18)
condition(p, "p1-op", sct("64859006", "Osteoporosis"), onset="2010-04-02", abatement="2015-01-01",
          clinical="resolved")
DIAGNOSED = {"detailIncludes": ["osteoporosis diagnosed 2010-04-02"]}
case("v30-resolved-osteoporosis-diagnosis-in-every-b-and-m-finding", [p],
     [("p1", "BMD_OSTEOPENIA", "moderate", with_(DIAGNOSED, {"summaryIncludes": ["before"],
                                                              "summaryExcludes": ["on letrozole"]})),
      ("p1", "DXA_OVERDUE", "moderate", DIAGNOSED),
      ("p1", "VITD_LOW", "moderate", DIAGNOSED)],
     note="RULES 1.2 §4 Context: an osteoporosis diagnosis (64859006, onset 2010-04-02) whose clinicalStatus is "
          "resolved is history and appears as 'osteoporosis diagnosed 2010-04-02' in every B- and M-finding. The "
          "only DXA, 2024-02-15 spine T -1.8, predates letrozole (2024-03-01): B2 moderate said to be before "
          "letrozole; older than 24 months: M2; vitamin D 18: M4 moderate")

# Fractures: coded ones decided by their code, the text fallback only without SNOMED/ICD-10
p = woman_b1()
condition(p, "p1-ankle", sct("16114001", "Fracture of ankle"), onset="2023-04-01", clinical="resolved")
condition(p, "p1-clavicle", sct("58150001", "Fracture of clavicle"), onset="2021-02-01", clinical="resolved")
condition(p, "p1-rib", sct("33737001", "Fracture of rib"), onset="2022-07-01", clinical="resolved")
case("v31-snomed-injury-fractures-are-not-fragility-fractures", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailExcludes": ["severe osteoporosis", "ankle", "clavicle", "fracture of rib"]})],
     note="RULES 1.2 §4: ankle, clavicle and rib fractures coded in SNOMED CT (not in the fragility-fracture value "
          "set) are decided by their code, so the text fallback does not apply: B1 high, not severe osteoporosis, "
          "and none is listed as a risk factor")

p = woman_b1()
condition(p, "p1-ankle", {"system": ICD10CM, "code": "S82.61XA",
                          "display": "Displaced fracture of lateral malleolus of right fibula, initial encounter"},
          onset="2023-04-01")
case("v32-icd10-injury-fracture-is-not-a-fragility-fracture", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailExcludes": ["severe osteoporosis", "malleolus"]})],
     note="RULES 1.2 §4: an ankle fracture coded only in ICD-10-CM (S82.61XA) is decided by that code, not by its "
          "display: not a fragility fracture")

p = woman_b1()
condition(p, "p1-fx-text", text="Vertebral compression fracture T12", onset="2023-04-01")
case("v33-text-only-fracture-uses-the-fallback", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailIncludes": ["severe osteoporosis"]})],
     note="RULES 1.2 §4: a Condition with no coding at all, its text naming a (non-dental) fracture, falls to the "
          "text fallback: a fragility fracture, so B1 is severe osteoporosis")

p = treated_man("2026-01-01")
p.steady_dxa()
p.calcium()
p.vitd()
case("v34-e4-summary-states-the-start-date", [p],
     [("p1", "E2_NOT_MONITORED", "moderate", {"actionsInclude": ["order-sensitive-estradiol"],
                                              "summaryIncludes": ["2026-01-01"],
                                              "summaryExcludes": ["days on", "after"]})],
     note="RULES 1.2 §5 'Summaries say only what the record shows': anastrozole since 2026-01-01 (181 days, >= 90) "
          "and no estradiol -> E4 moderate; the summary states the start date, not 'after 181 days on'. The "
          "2025-10-01 DXA is a baseline (from 2025-01-01): no M1")

p = woman_b1()
condition(p, "p1-alcohol", sct("15167005", "Alcohol abuse"), onset="2020-01-01", abatement="2026-07-01",
          clinical="resolved")
condition(p, "p1-fx", sct("443165006", "Pathological fracture due to osteoporosis"), onset="2026-07-01")
case("v35-abatement-at-asof-not-active-onset-at-asof-known", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailIncludes": ["severe osteoporosis"], "detailExcludes": ["alcohol"]})],
     note="RULES 1.2 §4 Context and §3 boundaries: alcohol abuse abated 2026-07-01 (00:00 UTC, exactly asOf) is 'at or "
          "before' the evaluation instant: not active. A 443165006 fracture with onset 2026-07-01 is not 'after' asOf: "
          "known, so B1 is severe osteoporosis")

p = woman_b1()
condition(p, "p1-alcohol", sct("15167005", "Alcohol abuse"), clinical="inactive")
condition(p, "p1-smoker", sct("77176002", "Smoker"), clinical="recurrence")
case("v36-undated-conditions-decided-by-status", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailIncludes": ["smok"], "detailExcludes": ["alcohol"]})],
     note="RULES 1.2 §4 Context: without onset or abatement dates clinicalStatus decides: alcohol abuse 'inactive' "
          "is not active; current smoking (77176002) in 'recurrence' is")

p = P("p1")
p.statement({"coding": [{"system": ATC, "code": "G03BA03", "display": "testosterone"}]}, "2023-01-01",
            end="2025-12-01", status="completed", stem="trt")
p.anastrozole()
p.spine("2024-02-15", 0.90, -2.2)
p.spine("2025-10-01", 0.89, -2.7)
p.labs()
p.e2(27)
case("v37-trt-stopped-over-90-days-ago-no-dose-review", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", with_(NO_DOSE, {"actionsInclude": ["consider-bone-protective-therapy"],
                                                         "detailExcludes": ["no testosterone therapy on record"]}))],
     note="RULES 1.2 §5 with §1 'On testosterone therapy: the same' (current, or completed within 90 days): "
          "testosterone completed 2025-12-01, 212 days before asOf, is no longer TRT, so the man's B1 (spine T -2.7) "
          "takes the 'without TRT' column: no review-ai-dose. The record does hold testosterone therapy (ended), so "
          "the detail must not say there is none on record (issue 17: every sentence true of the record)")

p = P("p1")
p.statement({"coding": [{"system": ATC, "code": "G03BA03", "display": "testosterone"}]}, "2023-01-01",
            end="2026-05-01", status="completed", stem="trt")
p.anastrozole()
p.spine("2024-02-15", 0.90, -2.2)
p.spine("2025-10-01", 0.89, -2.7)
p.labs()
p.e2(27)
case("v38-trt-completed-61-days-ago-still-trt", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"actionsInclude": ["review-ai-dose", "consider-bone-protective-therapy"]})],
     note="RULES 1.2 §5 with §1: testosterone completed 2026-05-01, 61 days before asOf, is 'recently completed "
          "(within 90 days)': on TRT, so B1 recommends review-ai-dose")

p = P("p1")
p.statement({"text": "Testosterone enanthate 250 mg/mL injection"}, "2024-01-01", dosage=P.dose(100, 1, 1, "wk"),
            stem="trt")
p.anastrozole()
p.quiet_dxa()
p.labs()
p.e2(14)
case("v39-trt-by-name-only-dose-review", [p],
     [("p1", "E2_SUPPRESSED", "moderate", {"actionsInclude": ["review-ai-dose"]})],
     note="RULES 1.2 §5 with §1: testosterone named only in the text ('Testosterone enanthate', the name fallback) "
          "is TRT: E1 (E2 14) recommends review-ai-dose")

p = woman_b1()
condition(p, "p1-fx", {"system": "http://ehr.example.org/problem-list", "code": "FX-WRIST",
                       "display": "Fracture of distal radius after fall from standing"}, onset="2024-11-02")
case("v40-locally-coded-fracture-uses-the-fallback", [p],
     [("p1", "BMD_OSTEOPOROSIS", "high", {"detailIncludes": ["severe osteoporosis"]})],
     note="RULES 1.2 §4: a fracture Condition coded only in a local system (no SNOMED CT or ICD-10 coding) falls to the "
          "text fallback: its display names a fracture, so B1 is severe osteoporosis")


if __name__ == "__main__":
    for name, (bnd, findings, note) in CASES.items():
        with open(os.path.join(OUT, name + ".bundle.json"), "w") as f:
            json.dump(bnd, f, indent=1)
            f.write("\n")
        with open(os.path.join(OUT, name + ".expected.json"), "w") as f:
            json.dump({"asOf": AS_OF, **({"note": note} if note else {}), "findings": findings}, f, indent=1)
            f.write("\n")
    print(len(CASES), "cases written to", os.path.normpath(OUT))
