package org.e2guard.platform.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A database of its own, with e2guard's Flyway migrations applied, on the same embedded
 * PostgreSQL server the Quarkus tests use: plain JUnit tests of a store get real PostgreSQL
 * ({@code SKIP LOCKED}, {@code ON CONFLICT}, timestamps) without sharing rows with the service
 * under test in another test class. Dropped on {@link #close()}.
 */
public final class TestDatabase implements AutoCloseable {
    private final String name;
    private final PGSimpleDataSource dataSource;

    private TestDatabase(String name, PGSimpleDataSource dataSource) {
        this.name = name;
        this.dataSource = dataSource;
    }

    public static TestDatabase create() {
        String name = "unit_" + UUID.randomUUID().toString().replace("-", "");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try (Connection c = new EmbeddedPostgresDriver().connect(EmbeddedPostgresDriver.PREFIX, new Properties());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
            ds.setURL(c.getMetaData().getURL());
            ds.setUser(c.getMetaData().getUserName());
            ds.setDatabaseName(name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
        }
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        return new TestDatabase(name, ds);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Jdbc jdbc() {
        return new Jdbc(dataSource);
    }

    @Override
    public void close() {
        try (Connection c = new EmbeddedPostgresDriver().connect(EmbeddedPostgresDriver.PREFIX, new Properties());
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database: " + e.getMessage(), e);
        }
    }
}
