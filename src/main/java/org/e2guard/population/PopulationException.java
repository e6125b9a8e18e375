package org.e2guard.population;

/**
 * A dry run that cannot be done as asked, with the HTTP status to answer: the message goes to the
 * client and may be logged (it names settings, URLs' positions and limits, never record content).
 */
public class PopulationException extends RuntimeException {
    private final int status;

    public PopulationException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
