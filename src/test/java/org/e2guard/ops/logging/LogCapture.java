package org.e2guard.ops.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/**
 * Records every log record that reaches the root logger, in memory, for tests that read what the
 * service logs. Installed on the root of the (JBoss) LogManager, it sees exactly what the console
 * handler sees: every category, every thread.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    /** One record as an operator would see it: level, category, message, MDC and stack trace. */
    public record Line(Level level, String category, String message, Map<String, String> mdc, String thrown) {
        /** Everything of the record that ends up in a log file, as one string to search. */
        public String text() {
            return level + " " + category + " " + message + " " + mdc + (thrown == null ? "" : " " + thrown);
        }
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");

    public static LogCapture install() {
        LogCapture capture = new LogCapture();
        capture.setLevel(Level.ALL);
        capture.root.addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        ExtLogRecord ext = ExtLogRecord.wrap(record);
        String thrown = null;
        if (record.getThrown() != null) {
            StringWriter w = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(w));
            thrown = w.toString();
        }
        lines.add(new Line(record.getLevel(), record.getLoggerName(), ext.getFormattedMessage(),
                Map.copyOf(ext.getMdcCopy()), thrown));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public void clear() {
        lines.clear();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
