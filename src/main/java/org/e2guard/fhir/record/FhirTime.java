package org.e2guard.fhir.record;

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
            return LocalDateTime.of(t.getYear(), t.getMonth() + 1, t.getDay(), t.getHour(), t.getMinute(), t.getSecond())
                    .toInstant(ZoneOffset.UTC);
        }
        return t.getValue().toInstant();
    }

    /** The calendar date as written (year or year-month precision: the first day). */
    public static LocalDate localDate(BaseDateTimeType t) {
        if (t == null || t.getValue() == null) {
            return null;
        }
        Integer month = t.getPrecision() == TemporalPrecisionEnum.YEAR ? 0 : t.getMonth();
        Integer day = t.getPrecision().ordinal() < TemporalPrecisionEnum.DAY.ordinal() ? 1 : t.getDay();
        return LocalDate.of(t.getYear(), month + 1, day);
    }

    public static LocalDate utcDate(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate();
    }
}
