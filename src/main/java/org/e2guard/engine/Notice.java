package org.e2guard.engine;

/**
 * Something the caller should know about the input: an ignored resource, a value that could
 * not be judged. {@code ref} names the resource (never its content), {@code location} the element.
 */
public record Notice(Level level, String ref, String location, String message) {

    public enum Level { WARNING, INFORMATION }

    public static Notice warning(String ref, String location, String message) {
        return new Notice(Level.WARNING, ref, location, message);
    }

    public static Notice info(String ref, String location, String message) {
        return new Notice(Level.INFORMATION, ref, location, message);
    }
}
