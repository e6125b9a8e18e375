package org.e2guard.mapping.record;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

import org.hl7.fhir.r4.model.BaseDateTimeType;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;

/**
 * FHIR dates and times as instants. HAPI turns a date without time ("2024-02-15") into midnight
 * in the JVM's time zone; here it is midnight UTC, so results never depend on where the service
 * runs. A dateTime with its own offset keeps it.
 */
public final class FhirTime {
    private FhirTime() {
    }

    public static Instant instant(BaseDateTimeType t) {
        if (t == null || t.getValue() == null) {
            return null;
        }
        if (t.getPrecision().ordinal() <= TemporalPrecisionEnum.DAY.ordinal()) {
            return localDate(t).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        if (t.getTimeZone() == null || t.getTimeZone().getID() == null) {
            // FHIR requires an offset with a time; without one, read the wall time as UTC
            return LocalDateTime.parse(t.getValueAsString().substring(0, 19)).toInstant(ZoneOffset.UTC);
        }
        return t.getValue().toInstant();
    }

    /**
     * The calendar date as written (year or year-month precision: the first day). Read from the
     * text: HAPI's field getters build a Calendar per call, the costliest step of mapping.
     */
    public static LocalDate localDate(BaseDateTimeType t) {
        if (t == null || t.getValue() == null) {
            return null;
        }
        String s = t.getValueAsString();
        int year = Integer.parseInt(s, 0, 4, 10);
        int month = s.length() >= 7 ? Integer.parseInt(s, 5, 7, 10) : 1;
        int day = s.length() >= 10 ? Integer.parseInt(s, 8, 10, 10) : 1;
        return LocalDate.of(year, month, day);
    }

    public static LocalDate utcDate(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate();
    }
}
