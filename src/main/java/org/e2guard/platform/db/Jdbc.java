package org.e2guard.platform.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.inject.Singleton;

/**
 * e2guard's one way to talk to its PostgreSQL: plain SQL strings with {@code ?} parameters, kept
 * next to the code that runs them, plus the parts every store used to repeat (opening and closing
 * the connection, binding, reading rows, transactions, turning {@link SQLException} into an
 * unchecked {@link DbException}).
 *
 * <p>Deliberately this small instead of Jdbi or an ORM: the stores' SQL leans on PostgreSQL
 * ({@code FOR UPDATE SKIP LOCKED}, {@code ON CONFLICT}, {@code RETURNING}, advisory locks), so the
 * statements stay exactly as written and this class only removes the ceremony around them.
 *
 * <p>Parameters bind by type: {@link Instant} as a timestamp, {@link TextArray} as a
 * {@code text[]}, {@code byte[]} as {@code bytea}, {@code String} as text, {@code null} untyped
 * (PostgreSQL infers the type from the statement), anything else with {@code setObject}.
 */
@Singleton
public final class Jdbc {
    private final DataSource db;

    public Jdbc(DataSource db) {
        this.db = db;
    }

    /** Reads one row; the result set is already on it. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Work on one connection (see {@link #inTransaction} and {@link #withConnection}). */
    @FunctionalInterface
    public interface Work<T> {
        T run(Handle h);
    }

    /** A parameter bound as PostgreSQL {@code text[]} (e.g. for {@code = ANY (?)}). */
    public record TextArray(Collection<String> values) {
    }

    public static TextArray textArray(Collection<String> values) {
        return new TextArray(values);
    }

    /** A nullable {@code timestamptz} column as an {@link Instant}. */
    public static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /**
     * A database call failed. The message names the statement and the SQLState only: an
     * SQLException's own message can quote row values (a duplicate key, say), which may be patient
     * data and must not reach the logs; it stays available as the cause.
     */
    public static final class DbException extends RuntimeException {
        private final String sqlState;

        DbException(String sql, SQLException cause) {
            super("SQL failed (SQLState " + cause.getSQLState() + "): " + head(sql), cause);
            this.sqlState = cause.getSQLState();
        }

        public String sqlState() {
            return sqlState;
        }

        private static String head(String sql) {
            String line = sql.strip().lines().findFirst().orElse("");
            return line.length() > 80 ? line.substring(0, 80) + "..." : line;
        }
    }

    /** Runs {@code sql} (INSERT, UPDATE, DELETE) on a connection of its own; returns the rows changed. */
    public int update(String sql, Object... args) {
        return withConnection(h -> h.update(sql, args));
    }

    /** Every row of a query (or of an INSERT/UPDATE ... RETURNING). */
    public <T> List<T> list(String sql, RowMapper<T> rows, Object... args) {
        return withConnection(h -> h.list(sql, rows, args));
    }

    /** The first row, if any (empty too when the mapper reads SQL NULL as null). */
    public <T> Optional<T> first(String sql, RowMapper<T> row, Object... args) {
        return withConnection(h -> h.first(sql, row, args));
    }

    /** The one row the statement always yields (a count, an INSERT ... RETURNING). */
    public <T> T one(String sql, RowMapper<T> row, Object... args) {
        return withConnection(h -> h.one(sql, row, args));
    }

    /** One statement for many parameter rows, sent as a JDBC batch; nothing is sent for no rows. */
    public void batch(String sql, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        withConnection(h -> {
            h.batch(sql, rows);
            return null;
        });
    }

    /**
     * Several statements on one connection in auto-commit mode: what a session-level resource
     * (an advisory lock) needs, or a few reads that should share a connection.
     */
    public <T> T withConnection(Work<T> work) {
        try (Connection c = db.getConnection()) {
            return work.run(new Handle(c));
        } catch (SQLException e) {
            throw new DbException("(connection)", e);
        }
    }

    /** Several statements as one transaction: committed when {@code work} returns, rolled back if it throws. */
    public <T> T inTransaction(Work<T> work) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(new Handle(c));
                c.commit();
                return result;
            } catch (RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new DbException("(transaction)", e);
        }
    }

    /** One open connection; the same calls as {@link Jdbc}, all on that connection. */
    public static final class Handle {
        private final Connection c;

        Handle(Connection c) {
            this.c = c;
        }

        public int update(String sql, Object... args) {
            try (PreparedStatement ps = prepare(sql, args)) {
                return ps.executeUpdate();
            } catch (SQLException e) {
                throw new DbException(sql, e);
            }
        }

        public <T> List<T> list(String sql, RowMapper<T> rows, Object... args) {
            try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rows.map(rs));
                }
                return out;
            } catch (SQLException e) {
                throw new DbException(sql, e);
            }
        }

        public <T> Optional<T> first(String sql, RowMapper<T> row, Object... args) {
            try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(row.map(rs)) : Optional.empty();
            } catch (SQLException e) {
                throw new DbException(sql, e);
            }
        }

        public <T> T one(String sql, RowMapper<T> row, Object... args) {
            try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no row from: " + DbException.head(sql));
                }
                return row.map(rs);
            } catch (SQLException e) {
                throw new DbException(sql, e);
            }
        }

        public void batch(String sql, List<Object[]> rows) {
            if (rows.isEmpty()) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (Object[] args : rows) {
                    bind(ps, args);
                    ps.addBatch();
                }
                ps.executeBatch();
            } catch (SQLException e) {
                throw new DbException(sql, e);
            }
        }

        private PreparedStatement prepare(String sql, Object[] args) throws SQLException {
            PreparedStatement ps = c.prepareStatement(sql);
            try {
                bind(ps, args);
                return ps;
            } catch (SQLException | RuntimeException e) {
                ps.close();
                throw e;
            }
        }

        private void bind(PreparedStatement ps, Object[] args) throws SQLException {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                int at = i + 1;
                if (a instanceof Instant instant) {
                    ps.setTimestamp(at, Timestamp.from(instant));
                } else if (a instanceof TextArray array) {
                    ps.setArray(at, c.createArrayOf("text", array.values().toArray()));
                } else if (a instanceof String s) {
                    ps.setString(at, s);
                } else if (a instanceof byte[] bytes) {
                    ps.setBytes(at, bytes);
                } else {
                    ps.setObject(at, a);
                }
            }
        }
    }
}
